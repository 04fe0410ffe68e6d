import { cursorState, cursorText, isSnapshotText } from '../../../oio/api/query.ts';
import { parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
import { HIERARCHY_TYPES, type HierarchyType } from '../domain/membership.ts';
import type { HierarchyKey, HierarchyPin } from './hierarchy-scan.ts';

interface CursorState {
  /** organisation */
  o: string;
  /** registration time */
  r: string;
  /** snapshot */
  s?: string;
  /** effective instant, ms */
  t: number;
  /** last key: [objekttype, uuid] */
  k: [string, string];
}

/** A cursor holding the pin and the last key. */
export function encodeHierarchyCursor(pin: HierarchyPin, last: HierarchyKey): string {
  const state: CursorState = {
    o: pin.organisation,
    r: pin.registreringstid,
    ...(pin.snapshot !== undefined ? { s: pin.snapshot } : {}),
    t: pin.virkningstid,
    k: [last.objekttype, last.uuid],
  };
  return cursorText(state);
}

/** Reads a cursor of this organisation's hierarchy; anything else is INVALID_CURSOR. */
export function decodeHierarchyCursor(raw: string, organisation: string): { pin: HierarchyPin; after: HierarchyKey } {
  const state = cursorState(raw) as CursorState;
  const ok =
    state !== null &&
    typeof state === 'object' &&
    typeof state.o === 'string' &&
    typeof state.r === 'string' &&
    typeof state.t === 'number' &&
    Number.isFinite(state.t) &&
    Array.isArray(state.k) &&
    state.k.length === 2 &&
    (HIERARCHY_TYPES as readonly unknown[]).includes(state.k[0]) &&
    typeof state.k[1] === 'string' &&
    isUuid(state.k[1]) &&
    (state.s === undefined || isSnapshotText(state.s));
  if (!ok) throw oioError('INVALID_CURSOR');
  try {
    parseInstant(state.r);
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  if (state.o !== organisation) throw oioError('INVALID_CURSOR', 'The cursor belongs to the hierarchy of another organisation');
  return {
    pin: { organisation, registreringstid: state.r, ...(state.s !== undefined ? { snapshot: state.s } : {}), virkningstid: state.t },
    after: { objekttype: state.k[0] as HierarchyType, uuid: state.k[1].toLowerCase() },
  };
}
