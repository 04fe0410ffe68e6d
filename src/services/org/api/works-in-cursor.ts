import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { cursorState, cursorText } from '../../../oio/api/query.ts';
import { parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
import type { ReadAt, TilknytningKey } from '../store/read-models.ts';

/**
 * A page of "who works here" (`/organisationenhed/:uuid/brugere`): the unit, whether with its
 * subtree, the times the first page was read at, and the last row handed out. A cursor is the
 * caller's to send back, so it is checked as any input is.
 */
const WorksInCursor = Type.Object({
  u: Type.String(),
  s: Type.Boolean(),
  registreringstid: Type.String(),
  virkningstid: Type.String(),
  k: Type.Tuple([Type.String(), Type.String(), Type.String()]),
});

export function encodeWorksInCursor(unit: string, subtree: boolean, at: ReadAt, last: TilknytningKey): string {
  return cursorText({ u: unit, s: subtree, registreringstid: at.registreringstid, virkningstid: at.virkningstid, k: last });
}

/** The times and the last row of a cursor of this unit and subtree choice; INVALID_CURSOR otherwise. */
export function decodeWorksInCursor(raw: string, unit: string, subtree: boolean): { at: ReadAt; after: TilknytningKey } {
  const state = cursorState(raw);
  if (!Value.Check(WorksInCursor, state) || !state.k.every(isUuid)) throw oioError('INVALID_CURSOR');
  if (state.u !== unit || state.s !== subtree)
    throw oioError('INVALID_CURSOR', 'The cursor belongs to another unit or another undertraeer');
  try {
    parseInstant(state.registreringstid);
    parseInstant(state.virkningstid);
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  return { at: { registreringstid: state.registreringstid, virkningstid: state.virkningstid }, after: state.k };
}
