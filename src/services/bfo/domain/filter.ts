/**
 * The subscription filter language: conditions over the envelope's filter data, combined with
 * `and` / `or`.
 *
 *   Filter    = { "and": Filter[] } | { "or": Filter[] } | Condition
 *   Condition = { "field": Field, <one operator> }
 *   operators:  "equals": v | [v…]          some value of the field is one of these
 *               "prefix": p | [p…]          some value starts with one of these (KLE: "32.01")
 *               "anythingBut": v | [v…]     the field has values, and none is one of these
 *               "exists": true | false      the field has (no) values
 *               "numeric": { gt, gte, lt, lte }   some value is a number in the range
 *               "time": { from, to }        some value is an instant in [from, to)
 *               "inList": <værdiliste UUID> some value is in the value list
 *
 * A field may hold several values (a message may name several objects); every operator but
 * `anythingBut` and `exists: false` holds when some value satisfies it. UUIDs compare
 * case-insensitively; KLE subjects (`urn:oio:kle:32.01.01`) are compared by number (`32.01.01`).
 */
import { bfoError } from '../errors.ts';
import { instantOf, normaliseId, UUID, type Haendelsesbesked } from './envelope.ts';

export const FILTER_FIELDS = [
  'beskedtype',
  'beskedVersion',
  'beskedAnsvarligAktoer',
  'tilladtModtager',
  'relateretObjekt.objektId',
  'relateretObjekt.objektType',
  'relateretObjekt.objektRolle',
  'objektRegistrering.objektRegistreringId',
  'objektRegistrering.registreringsAktoer',
  'objektRegistrering.registreringstidspunkt',
  'objektRegistrering.objektAnsvarligMyndighed',
  'objektRegistrering.objektId',
  'objektRegistrering.objektType',
  'objektRegistrering.objektHandling',
  'objektRegistrering.opgaveEmne',
  'tvaergaaendeProces',
  'dannelsestidspunkt',
  'transaktionsId',
  'kildesystem',
  'sikkerhedsklassificering',
  'gyldighedFra',
  'gyldighedTil',
] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** The filter data of a message: every field's values, normalised for comparison. */
export type FilterData = ReadonlyMap<FilterField, readonly string[]>;

const KLE_URN = /^urn:oio:kle:/i;

function norm(field: FilterField, v: string): string {
  if (field === 'objektRegistrering.opgaveEmne') return v.trim().replace(KLE_URN, '');
  return normaliseId(v);
}

/** The values of every filter field of a message. */
export function filterData(b: Haendelsesbesked): FilterData {
  const f = b.beskedkuvert.filtreringsdata;
  const l = b.beskedkuvert.leveranceinformation;
  const regs = f.objektRegistrering;
  const raw: Record<FilterField, (string | undefined)[]> = {
    beskedtype: [f.beskedtype],
    beskedVersion: [b.beskedVersion],
    beskedAnsvarligAktoer: [f.beskedAnsvarligAktoer],
    tilladtModtager: f.tilladtModtager,
    'relateretObjekt.objektId': f.relateretObjekt.map((r) => r.objektId),
    'relateretObjekt.objektType': f.relateretObjekt.map((r) => r.objektType),
    'relateretObjekt.objektRolle': f.relateretObjekt.map((r) => r.objektRolle),
    'objektRegistrering.objektRegistreringId': regs.map((r) => r.objektRegistreringId),
    'objektRegistrering.registreringsAktoer': regs.map((r) => r.registreringsAktoer),
    'objektRegistrering.registreringstidspunkt': regs.map((r) => r.registreringstidspunkt),
    'objektRegistrering.objektAnsvarligMyndighed': regs.map((r) => r.objektAnsvarligMyndighed),
    'objektRegistrering.objektId': regs.map((r) => r.objektId),
    'objektRegistrering.objektType': regs.map((r) => r.objektType),
    'objektRegistrering.objektHandling': regs.map((r) => r.objektHandling),
    'objektRegistrering.opgaveEmne': regs.map((r) => r.opgaveEmne),
    tvaergaaendeProces: f.tvaergaaendeProces,
    dannelsestidspunkt: [l.dannelsestidspunkt],
    transaktionsId: [l.transaktionsId],
    kildesystem: [l.kildesystem],
    sikkerhedsklassificering: [l.sikkerhedsklassificering],
    gyldighedFra: [b.beskedkuvert.gyldighedFra],
    gyldighedTil: [b.beskedkuvert.gyldighedTil],
  };
  const out = new Map<FilterField, string[]>();
  for (const field of FILTER_FIELDS) {
    const values = [...new Set(raw[field].flatMap((v) => (v === undefined || v === '' ? [] : [norm(field, v)])))];
    if (values.length) out.set(field, values);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiled form

export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export type Condition =
  | { kind: 'equals'; field: FilterField; values: Set<string> }
  | { kind: 'prefix'; field: FilterField; prefixes: string[] }
  | { kind: 'anythingBut'; field: FilterField; values: Set<string> }
  | { kind: 'exists'; field: FilterField; exists: boolean }
  | { kind: 'numeric'; field: FilterField; range: Range }
  | { kind: 'time'; field: FilterField; from?: number; to?: number }
  | { kind: 'inList'; field: FilterField; list: string };

export type Compiled = { kind: 'and'; all: Compiled[] } | { kind: 'or'; any: Compiled[] } | Condition;

const OPERATORS = ['equals', 'prefix', 'anythingBut', 'exists', 'numeric', 'time', 'inList'] as const;
const MAX_NODES = 1000;

function bad(path: string, what: string): never {
  throw bfoError('BFO_INVALID_FILTER', `${path}: ${what}`, { field: path });
}

function strings(v: unknown, path: string, field: FilterField): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) bad(path, 'needs at least one value');
  if (list.length > 10_000) bad(path, 'has more than 10,000 values; use a value list');
  return list.map((s, i) => {
    if (typeof s !== 'string' || s === '') bad(`${path}[${i}]`, 'must be a non-empty string');
    return norm(field, s);
  });
}

/**
 * Checks and compiles a filter. Refuses unknown fields and operators with BFO_INVALID_FILTER.
 * `null` or `{}` is the empty filter: every message of the beskedtype.
 */
export function compileFilter(raw: unknown): Compiled {
  if (raw === null || raw === undefined) return { kind: 'and', all: [] };
  let nodes = 0;
  const walk = (v: unknown, path: string, depth: number): Compiled => {
    if (++nodes > MAX_NODES) bad(path, `a filter has at most ${MAX_NODES} parts`);
    if (depth > 20) bad(path, 'nested too deeply');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 0 && depth === 0) return { kind: 'and', all: [] };
    if ('and' in o || 'or' in o) {
      if (keys.length !== 1) bad(path, '"and" / "or" stand alone in their object');
      const key = keys[0] as 'and' | 'or';
      const list = o[key];
      if (!Array.isArray(list) || list.length === 0) bad(`${path}.${key}`, 'must be a non-empty array');
      const parts = list.map((x, i) => walk(x, `${path}.${key}[${i}]`, depth + 1));
      return key === 'and' ? { kind: 'and', all: parts } : { kind: 'or', any: parts };
    }
    const field = o.field;
    if (typeof field !== 'string' || !(FILTER_FIELDS as readonly string[]).includes(field))
      bad(`${path}.field`, `must be one of ${FILTER_FIELDS.join(', ')}`);
    const ops = keys.filter((k) => k !== 'field');
    for (const k of ops)
      if (!(OPERATORS as readonly string[]).includes(k)) bad(`${path}.${k}`, `is not an operator (${OPERATORS.join(', ')})`);
    if (ops.length !== 1) bad(path, 'a condition has exactly one operator');
    const f = field as FilterField;
    const op = ops[0] as (typeof OPERATORS)[number];
    const arg = o[op];
    const p = `${path}.${op}`;
    switch (op) {
      case 'equals':
        return { kind: 'equals', field: f, values: new Set(strings(arg, p, f)) };
      case 'prefix':
        return { kind: 'prefix', field: f, prefixes: strings(arg, p, f) };
      case 'anythingBut':
        return { kind: 'anythingBut', field: f, values: new Set(strings(arg, p, f)) };
      case 'exists':
        if (typeof arg !== 'boolean') bad(p, 'must be true or false');
        return { kind: 'exists', field: f, exists: arg };
      case 'numeric': {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) bad(p, 'must be an object of gt, gte, lt, lte');
        const range: Range = {};
        for (const [k, n] of Object.entries(arg)) {
          if (!['gt', 'gte', 'lt', 'lte'].includes(k)) bad(`${p}.${k}`, 'is not one of gt, gte, lt, lte');
          if (typeof n !== 'number' || !Number.isFinite(n)) bad(`${p}.${k}`, 'must be a number');
          range[k as keyof Range] = n;
        }
        if (Object.keys(range).length === 0) bad(p, 'needs a bound');
        return { kind: 'numeric', field: f, range };
      }
      case 'time': {
        if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) bad(p, 'must be an object of from, to');
        const out: { kind: 'time'; field: FilterField; from?: number; to?: number } = { kind: 'time', field: f };
        for (const [k, t] of Object.entries(arg)) {
          if (k !== 'from' && k !== 'to') bad(`${p}.${k}`, 'is not from or to');
          const ms = typeof t === 'string' ? instantOf(t) : undefined;
          if (ms === undefined) bad(`${p}.${k}`, 'must be an ISO 8601 time');
          out[k] = ms;
        }
        if (out.from === undefined && out.to === undefined) bad(p, 'needs from or to');
        if (out.from !== undefined && out.to !== undefined && out.from >= out.to) bad(p, 'from must be before to');
        return out;
      }
      case 'inList':
        if (typeof arg !== 'string' || !UUID.test(arg)) bad(p, 'must be the UUID of a value list');
        return { kind: 'inList', field: f, list: arg.toLowerCase() };
    }
  };
  return walk(raw, 'filter', 0);
}

/** The value lists a filter refers to. */
export function listsOf(c: Compiled): string[] {
  if (c.kind === 'and') return c.all.flatMap(listsOf);
  if (c.kind === 'or') return c.any.flatMap(listsOf);
  return c.kind === 'inList' ? [c.list] : [];
}

/** Which values of a message are in which value list (looked up by the caller, per message). */
export type Memberships = ReadonlyMap<string, ReadonlySet<string>>;

function inRange(n: number, r: Range): boolean {
  return (
    (r.gt === undefined || n > r.gt) &&
    (r.gte === undefined || n >= r.gte) &&
    (r.lt === undefined || n < r.lt) &&
    (r.lte === undefined || n <= r.lte)
  );
}

function testCondition(c: Condition, values: readonly string[], lists: Memberships): boolean {
  switch (c.kind) {
    case 'equals':
      return values.some((v) => c.values.has(v));
    case 'prefix':
      return values.some((v) => c.prefixes.some((p) => v.startsWith(p)));
    case 'anythingBut':
      return values.length > 0 && !values.some((v) => c.values.has(v));
    case 'exists':
      return values.length > 0 === c.exists;
    case 'numeric':
      return values.some((v) => v.trim() !== '' && Number.isFinite(Number(v)) && inRange(Number(v), c.range));
    case 'time':
      return values.some((v) => {
        const t = instantOf(v);
        return t !== undefined && (c.from === undefined || t >= c.from) && (c.to === undefined || t < c.to);
      });
    case 'inList': {
      const members = lists.get(c.list);
      return members !== undefined && values.some((v) => members.has(v));
    }
  }
}

/** Whether a message's filter data satisfies a compiled filter. */
export function evaluate(c: Compiled, data: FilterData, lists: Memberships): boolean {
  if (c.kind === 'and') return c.all.every((x) => evaluate(x, data, lists));
  if (c.kind === 'or') return c.any.some((x) => evaluate(x, data, lists));
  return testCondition(c, data.get(c.field) ?? [], lists);
}

/** One node of an explanation: what was asked, what the message had, and the outcome. */
export interface Explanation {
  matched: boolean;
  condition: string;
  values?: readonly string[];
  parts?: Explanation[];
}

function describe(c: Condition): string {
  switch (c.kind) {
    case 'equals':
      return `${c.field} equals one of [${[...c.values].join(', ')}]`;
    case 'prefix':
      return `${c.field} starts with one of [${c.prefixes.join(', ')}]`;
    case 'anythingBut':
      return `${c.field} has values, none of [${[...c.values].join(', ')}]`;
    case 'exists':
      return c.exists ? `${c.field} exists` : `${c.field} does not exist`;
    case 'numeric':
      return `${c.field} is a number ${Object.entries(c.range)
        .map(([k, v]) => `${k} ${v}`)
        .join(' and ')}`;
    case 'time':
      return `${c.field} is a time in [${c.from === undefined ? '-infinity' : new Date(c.from).toISOString()}, ${c.to === undefined ? 'infinity' : new Date(c.to).toISOString()})`;
    case 'inList':
      return `${c.field} is in value list ${c.list}`;
  }
}

/** Why a message did or did not match: the filter as a tree, each node with its outcome. */
export function explain(c: Compiled, data: FilterData, lists: Memberships): Explanation {
  if (c.kind === 'and') {
    const parts = c.all.map((x) => explain(x, data, lists));
    return { matched: parts.every((p) => p.matched), condition: parts.length ? 'all of' : 'no condition (every message)', parts };
  }
  if (c.kind === 'or') {
    const parts = c.any.map((x) => explain(x, data, lists));
    return { matched: parts.some((p) => p.matched), condition: 'any of', parts };
  }
  const values = data.get(c.field) ?? [];
  return { matched: testCondition(c, values, lists), condition: describe(c), values };
}
