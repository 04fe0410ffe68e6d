import { createHash } from 'node:crypto';
import { platformError } from '../../platform/errors.ts';
import { oioError } from '../errors.ts';
import { LIFECYCLE_CODES, type Livscykluskode, type ObjectTypeDecl } from '../model.ts';
import { parseInstant } from '../domain/time.ts';
import { isUuid } from '../domain/validate.ts';
import type { VirkningSelection } from '../domain/wire.ts';
import { likePattern, type SearchCriterion } from '../store/search-sql.ts';
import type { RegistrationSelection } from '../store/oio-store.ts';
import { searchParameters, timeParameters } from './schemas.ts';

export type Query = Record<string, string | string[] | undefined>;

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;
/** LoRa's offset paging is honoured this far; beyond it, the cursor. */
export const MAX_FIRST_RESULT = 10_000;
export const MAX_LIST_UUIDS = 1000;
/** Criteria one search may have in all, values one parameter may repeat, and broad criteria among them. */
export const MAX_CRITERIA = 20;
export const MAX_VALUES_PER_PARAMETER = 10;
export const MAX_BROAD_CRITERIA = 2;
/** The longest text a search criterion may be. */
export const MAX_CRITERION_LENGTH = 1000;

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) {
    if (v.length > 1) throw oioError('INVALID_PARAMETER', `${name} may be given once`, { parameter: name });
    return v[0];
  }
  return v;
}

function all(q: Query, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function wholeNumber(q: Query, name: string, max: number): number | undefined {
  const raw = single(q, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw oioError('INVALID_PARAMETER', `${name} must be a whole number from 0 to ${max}`, { parameter: name });
  return Number(raw);
}

/** The virkning selection of a read or list: an instant (default now) or a window. */
export function virkningSelection(q: Query): VirkningSelection {
  const at = single(q, 'virkningstid');
  const from = single(q, 'virkningFra');
  const to = single(q, 'virkningTil');
  if (at !== undefined) {
    if (from !== undefined || to !== undefined)
      throw oioError('INVALID_PARAMETER', 'virkningstid cannot be combined with virkningFra/virkningTil');
    return { at: parseInstant(at, 'virkningstid') };
  }
  if (from === undefined && to === undefined) return { at: Date.now() };
  const window = {
    from: from === undefined ? -Infinity : parseInstant(from, 'virkningFra'),
    to: to === undefined ? Infinity : parseInstant(to, 'virkningTil'),
  };
  if (!(window.from < window.to)) throw oioError('INVALID_VIRKNING_INTERVAL', 'virkningFra must be before virkningTil');
  return window;
}

function dbTime(raw: string, name: string): string {
  const ms = parseInstant(raw, name);
  return ms === Infinity ? 'infinity' : ms === -Infinity ? '-infinity' : new Date(ms).toISOString();
}

/**
 * The registration selection: one registration time (default now) or a window. A time given as
 * it was printed by us (with microseconds) is passed through unchanged, so it matches exactly.
 */
export function registrationSelection(q: Query): RegistrationSelection {
  const at = single(q, 'registreringstid');
  const from = single(q, 'registreretFra');
  const to = single(q, 'registreretTil');
  if (at !== undefined) {
    if (from !== undefined || to !== undefined)
      throw oioError('INVALID_PARAMETER', 'registreringstid cannot be combined with registreretFra/registreretTil');
    return { at: exactTime(at, 'registreringstid') };
  }
  if (from === undefined && to === undefined) return {};
  const window = {
    from: from === undefined ? '-infinity' : exactTime(from, 'registreretFra'),
    to: to === undefined ? 'infinity' : exactTime(to, 'registreretTil'),
  };
  if (!(parseInstant(window.from) < parseInstant(window.to)))
    throw oioError('INVALID_PARAMETER', 'registreretFra must be before registreretTil');
  return window;
}

function exactTime(raw: string, name: string): string {
  parseInstant(raw, name);
  return /\.\d{4,6}/.test(raw) ? raw.replace(' ', 'T') : dbTime(raw, name);
}

/** The UUIDs of a list call, or undefined when the call is a search. */
export function listUuids(q: Query): string[] | undefined {
  const uuids = all(q, 'uuid');
  if (uuids.length === 0) return undefined;
  if (uuids.length > MAX_LIST_UUIDS) throw oioError('TOO_MANY_UUIDS', `At most ${MAX_LIST_UUIDS} UUIDs in one call`);
  for (const u of uuids) if (!isUuid(u)) throw platformError('INVALID_UUID', `uuid: "${u}" is not a UUID`, { parameter: 'uuid' });
  return uuids.map((u) => u.toLowerCase());
}

export interface ParsedSearch {
  criteria: SearchCriterion[];
  livscykluskode?: Livscykluskode;
  brugerref?: string;
  note?: string;
  virkning: { at: number } | { from: number; to: number };
  /** No virkning parameter was given: "now", which a cursor must keep for the later pages. */
  virkningIsNow: boolean;
  registreringstid?: string;
  pageSize: number;
  first: number;
  cursor?: string;
  list: boolean;
  /** A fingerprint of the criteria, so a cursor is only used with the query it came from. */
  fingerprint: string;
}

function relationTarget(value: string, parameter: string): { uuid: string } | { urn: string } {
  if (isUuid(value)) return { uuid: value.toLowerCase() };
  if (/^urn:/i.test(value)) return { urn: value };
  throw platformError('INVALID_UUID', `${parameter}: "${value}" is neither a UUID nor a URN`, { parameter });
}

/** Reads a search's parameters against the type's declaration. */
export function parseSearch(decl: ObjectTypeDecl, q: Query): ParsedSearch {
  const attributeFields = new Set(decl.attributes.flatMap((g) => g.fields));
  const states = new Map(decl.states.map((s) => [s.field, s]));
  const relations = new Set(decl.relations.map((r) => r.name));
  const criteria: SearchCriterion[] = [];
  const reserved = new Set<string>([...timeParameters, ...searchParameters, 'uuid']);

  for (const [name, raw] of Object.entries(q)) {
    if (raw === undefined || reserved.has(name)) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const [relName, objekttype] = name.split(':') as [string, string | undefined];
    for (const value of values) {
      if (attributeFields.has(name)) criteria.push({ kind: 'attribute', field: name, pattern: value });
      else if (states.has(name)) {
        const state = states.get(name)!;
        if (!state.values.includes(value))
          throw oioError('INVALID_STATE_VALUE', `${name}: "${value}" is not one of ${state.values.join(', ')}`);
        criteria.push({ kind: 'state', field: name, value });
      } else if (relations.has(relName) || relName === 'vilkaarligrel') {
        criteria.push({
          kind: 'relation',
          name: relName === 'vilkaarligrel' ? null : relName,
          ...relationTarget(value, name),
          ...(objekttype ? { objekttype } : {}),
        });
      } else throw platformError('UNKNOWN_PARAMETER', `Unknown query parameter "${name}"`, { parameter: name });
    }
  }
  for (const v of all(q, 'bvn')) criteria.push({ kind: 'attribute', field: 'brugervendtnoegle', pattern: v });
  for (const v of all(q, 'vilkaarligattr')) criteria.push({ kind: 'attribute', field: null, pattern: v });
  for (const v of all(q, 'notetekst')) criteria.push({ kind: 'notetekst', pattern: v });
  checkBounds(q, criteria);

  const livscykluskode = single(q, 'livscykluskode');
  if (livscykluskode !== undefined && !(LIFECYCLE_CODES as readonly string[]).includes(livscykluskode)) {
    throw oioError('INVALID_PARAMETER', `livscykluskode must be one of ${LIFECYCLE_CODES.join(', ')}`, { parameter: 'livscykluskode' });
  }
  if (single(q, 'registreretFra') !== undefined || single(q, 'registreretTil') !== undefined) {
    throw oioError('INVALID_PARAMETER', 'A search is made at one registration time: use registreringstid');
  }
  const reg = registrationSelection(q) as { at?: string };
  const sel = virkningSelection(q);
  const firstRaw = single(q, 'foersteresultat');
  if (firstRaw !== undefined && /^\d+$/.test(firstRaw) && Number(firstRaw) > MAX_FIRST_RESULT) {
    throw oioError('PAGING_OFFSET_TOO_LARGE', `foersteresultat is honoured up to ${MAX_FIRST_RESULT}; page further with the cursor`);
  }
  const first = wholeNumber(q, 'foersteresultat', MAX_FIRST_RESULT) ?? 0;
  const cursor = single(q, 'cursor');
  if (cursor !== undefined && first > 0) throw oioError('INVALID_PARAMETER', 'foersteresultat cannot be combined with cursor');
  const listFlag = single(q, 'list');
  const brugerref = single(q, 'brugerref');
  const note = single(q, 'note');

  const fingerprintSource = Object.entries(q)
    .filter(([k]) => !['cursor', 'maximalantalresultater', 'foersteresultat', 'list', 'registreringstid'].includes(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return {
    criteria,
    ...(livscykluskode ? { livscykluskode: livscykluskode as Livscykluskode } : {}),
    ...(brugerref !== undefined ? { brugerref } : {}),
    ...(note !== undefined ? { note } : {}),
    virkning: sel === 'all' ? { at: Date.now() } : sel,
    virkningIsNow: ['virkningstid', 'virkningFra', 'virkningTil'].every((k) => q[k] === undefined),
    ...(reg.at ? { registreringstid: reg.at } : {}),
    pageSize: wholeNumber(q, 'maximalantalresultater', MAX_PAGE) ?? DEFAULT_PAGE,
    first,
    ...(cursor !== undefined ? { cursor } : {}),
    list: listFlag !== undefined && /^(1|true|yes)$/i.test(listFlag),
    fingerprint: createHash('sha256').update(JSON.stringify(fingerprintSource)).digest('base64url').slice(0, 16),
  };
}

/**
 * A search's work is bounded before it reaches the database: so many criteria, so many values of
 * one parameter, so long a text, and few broad criteria (each reads every index row of its kind
 * for the type). TOO_MANY_CRITERIA otherwise.
 */
function checkBounds(q: Query, criteria: readonly SearchCriterion[]): void {
  for (const [name, raw] of Object.entries(q)) {
    const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    if (values.length > MAX_VALUES_PER_PARAMETER && name !== 'uuid')
      throw oioError('TOO_MANY_CRITERIA', `${name} is given ${values.length} times; at most ${MAX_VALUES_PER_PARAMETER}`, {
        parameter: name,
        limit: MAX_VALUES_PER_PARAMETER,
      });
    const long = values.find((v) => v.length > MAX_CRITERION_LENGTH);
    if (long !== undefined)
      throw oioError('INVALID_PARAMETER', `${name} is longer than ${MAX_CRITERION_LENGTH} characters`, { parameter: name });
  }
  if (criteria.length > MAX_CRITERIA)
    throw oioError('TOO_MANY_CRITERIA', `The search has ${criteria.length} criteria; at most ${MAX_CRITERIA}`, { limit: MAX_CRITERIA });
  const broad = criteria.filter(isBroad).length;
  if (broad > MAX_BROAD_CRITERIA)
    throw oioError(
      'TOO_MANY_CRITERIA',
      `The search has ${broad} broad criteria (a wildcard without three letters or digits in a row, vilkaarligattr, vilkaarligrel); at most ${MAX_BROAD_CRITERIA}`,
      { limit: MAX_BROAD_CRITERIA },
    );
}

/** A criterion that reads every index row of its kind for the type: any field, or a wildcard with no trigram to look up. */
function isBroad(c: SearchCriterion): boolean {
  if (c.kind === 'relation') return c.name === null;
  if (c.kind !== 'attribute' && c.kind !== 'notetekst') return false;
  if (c.kind === 'attribute' && c.field === null) return true;
  const m = likePattern(c.pattern);
  return 'like' in m && !/[\p{L}\p{N}]{3}/u.test(m.like);
}

interface CursorState {
  /** registration time */
  r: string;
  /** database snapshot (pg_snapshot text), when the first page pinned one */
  s?: string;
  /** the effective instant "now" of the first page, in ms, when the query named none */
  t?: number;
  /** last UUID returned */
  a: string;
  /** fingerprint of the criteria */
  f: string;
}

/** A cursor's state as the opaque text a client passes back (JSON, base64url). */
export function cursorText(state: object): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** The state inside a cursor's text, still to be checked by its reader; unreadable text is INVALID_CURSOR. */
export function cursorState(raw: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw oioError('INVALID_CURSOR');
  }
}

/** Whether a value is a database snapshot as `pg_current_snapshot()` prints it (xmin:xmax:xip,…). */
export function isSnapshotText(value: unknown): value is string {
  return typeof value === 'string' && /^\d+:\d+:(\d+(,\d+)*)?$/.test(value);
}

export function encodeCursor(state: CursorState): string {
  return cursorText(state);
}

/** Reads a cursor; it must come from a query with the same criteria. */
export function decodeCursor(raw: string, fingerprint: string): CursorState {
  const state = cursorState(raw) as CursorState;
  if (typeof state?.r !== 'string' || typeof state.a !== 'string' || !isUuid(state.a) || typeof state.f !== 'string')
    throw oioError('INVALID_CURSOR');
  if (state.t !== undefined && (typeof state.t !== 'number' || !Number.isFinite(state.t))) throw oioError('INVALID_CURSOR');
  if (state.s !== undefined && !isSnapshotText(state.s)) throw oioError('INVALID_CURSOR');
  try {
    parseInstant(state.r);
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  if (state.f !== fingerprint) throw oioError('INVALID_CURSOR', 'The cursor belongs to a search with other criteria');
  return state;
}
