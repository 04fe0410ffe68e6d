import type { Livscykluskode } from '../model.ts';
import { foldText } from '../domain/fold.ts';
import { formatInstant } from '../domain/time.ts';
import { currentInSnapshot } from './snapshot-sql.ts';

/** One condition of a search by example. All must hold at one common effective instant. */
export type SearchCriterion =
  | { readonly kind: 'attribute'; readonly field: string | null; readonly pattern: string }
  | { readonly kind: 'state'; readonly field: string; readonly value: string }
  | {
      readonly kind: 'relation';
      readonly name: string | null;
      readonly uuid?: string;
      /** Any one of these targets (an empty list matches nothing). */
      readonly anyUuid?: readonly string[];
      readonly urn?: string;
      readonly objekttype?: string;
    }
  | { readonly kind: 'notetekst'; readonly pattern: string }
  /** The field's value matches any one of LoRa's patterns (a data restriction: KLE numbers and prefixes). */
  | { readonly kind: 'attributeAny'; readonly field: string; readonly patterns: readonly string[] }
  | {
      /**
       * Owned by one of `anyUuid`: the object's `relation` names one (in the window), or, where
       * the object has no such relation, a current object pointing to it by one of `pointedBy` is
       * one, or names one in its own `relation` or in one of `pointerRelations`.
       */
      readonly kind: 'owner';
      readonly relation: string;
      readonly anyUuid: readonly string[];
      readonly pointedBy: readonly string[];
      readonly pointerRelations: readonly string[];
    };

export interface SearchQuery {
  readonly criteria: readonly SearchCriterion[];
  readonly livscykluskode?: Livscykluskode | undefined;
  readonly brugerref?: string | undefined;
  readonly note?: string | undefined;
  /** One effective instant, or a window [from, to) in which one instant must satisfy every criterion. */
  readonly virkning: { readonly at: number } | { readonly from: number; readonly to: number };
  /**
   * Registration time to search at (the caller pinned it, see OioStore.pin); absent: the search
   * pins it itself, at the statement's own time and snapshot, and returns them (buildPinnedSearch).
   */
  readonly registreringstid: string;
  /** The database snapshot pinned with it, when paging; see OioStore.pin. */
  readonly snapshot?: string | undefined;
  readonly limit: number;
  /** Only these objects (LoRa allows `uuid` beside search criteria). */
  readonly uuids?: readonly string[] | undefined;
  /** Keyset: only UUIDs after this one. */
  readonly after?: string | undefined;
}

/**
 * Turns LoRa's wildcard syntax into a LIKE pattern on lower-cased text: `%` matches anything,
 * `\%` is a literal percent, and `_` is a literal underscore (unlike SQL).
 * Returns undefined when the pattern has no wildcard (an exact, index-friendly match).
 */
export function likePattern(raw: string): { like: string } | { exact: string } {
  let out = '';
  let wildcard = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && raw[i + 1] === '%') {
      out += '\\%';
      i++;
    } else if (c === '%') {
      out += '%';
      wildcard = true;
    } else if (c === '_' || c === '\\') {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  if (wildcard) return { like: out.toLowerCase() };
  return { exact: raw.replace(/\\%/g, '%').toLowerCase() };
}

/**
 * Builds the search: registrations current at the registration time, of the type, whose index
 * rows match every criterion, where the intersection of the matching rows' virkning and the
 * asked window is not empty — one instant at which everything holds, not each at its own.
 */
export function buildSearch(objekttype: string, q: SearchQuery, pinHere = false): BuiltSearch {
  const params: unknown[] = [];
  // A wildcard pattern's plan depends on the pattern (the trigram index pays only for selective
  // ones): such a statement is planned with its values every time, never prepared. An infix of
  // three letters or more is the exception: its index rows are found first, through the trigram
  // index, in a materialised step of its own, and a plan made without the values keeps that order.
  const wild = (pattern: string) => 'like' in likePattern(pattern);
  const prepare = !(
    (q.note !== undefined && wild(q.note)) ||
    q.criteria.some(
      (c) => (c.kind === 'attribute' && wild(c.pattern) && !trigramInfix(c.pattern)) || (c.kind === 'notetekst' && wild(c.pattern)),
    )
  );
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const joins: string[] = [];
  const ctes: string[] = [];
  const where: string[] = [`r.objekttype = ${p(objekttype)}`];
  if (pinHere) where.push(`r.fra <= (SELECT pr FROM pin) AND r.til > (SELECT pr FROM pin)`);
  else {
    const at = p(q.registreringstid);
    where.push(
      q.snapshot !== undefined ? currentInSnapshot('r', at, p(q.snapshot)) : `r.fra <= ${at}::timestamptz AND r.til > ${at}::timestamptz`,
    );
  }
  // Only criteria carry virkning: with none, the window would be an unused (untypeable) parameter.
  let windowSql: string | undefined;
  const window = () =>
    (windowSql ??=
      'at' in q.virkning
        ? `tstzrange(${p(formatInstant(q.virkning.at))}::timestamptz, $${params.length}::timestamptz, '[]')`
        : `tstzrange(${p(formatInstant(q.virkning.from))}::timestamptz, ${p(formatInstant(q.virkning.to))}::timestamptz, '[)')`);

  if (q.livscykluskode) where.push(`r.livscykluskode = ${p(q.livscykluskode)}`);
  else where.push(`r.livscykluskode NOT IN ('Passiveret', 'Slettet')`);
  if (q.brugerref !== undefined) where.push(`r.brugerref = ${p(q.brugerref)}`);
  if (q.note !== undefined) where.push(textMatch('r.note', q.note, p));

  // The first criterion (the most selective, by rank) is joined and drives the statement; each of
  // the others is the union of its matching rows' virkning, per registration (one index probe by
  // registration), and one instant must lie in all of them. Joined as rows instead, every criterion
  // would multiply the rows per registration by its own, and a few broad criteria (`%a%` on any
  // attribute) would make the statement's work grow as a power of their number.
  // The driving criterion's row's virkning, and each other criterion's union of virkning (with
  // its single range and row count: most registrations have one matching row, and plain range
  // arithmetic is several times cheaper than multiranges).
  let driver: string | undefined;
  const unions: string[] = [];
  let driving = true;
  driveOrder(q.criteria).forEach(({ c, i }) => {
    const s = `s${i}`;
    if (c.kind === 'owner') {
      where.push(ownerMatch(c, s, window, p));
      return;
    }
    const conds = [`${s}.registrering_id = r.id`, `${s}.virkning && ${window()}`];
    let first = false;
    switch (c.kind) {
      case 'attribute': {
        conds.push(`${s}.kind = 'a'`);
        const pattern = likePattern(c.pattern);
        // An infix of three letters or more is found through the trigram index alone. Given the
        // field as a plain comparison, the planner also reads the field's whole entry in the text
        // index (every user, for brugernavn) to intersect with it: most of a search's time.
        const byTrigrams = driving && trigramInfix(c.pattern);
        first = byTrigrams;
        if (c.field !== null) conds.push(byTrigrams ? `(${s}.felt || '') = ${p(c.field)}` : `${s}.felt = ${p(c.field)}`);
        // Through the trigram index the patterns are given as values the planner does not look
        // at: its plan is then the same for every pattern, so the prepared statement keeps one
        // plan instead of planning each search anew (that was 0.3–0.7 ms of its 1.5 ms).
        const value = (v: string) => (byTrigrams ? `(SELECT ${p(v)}::text)` : p(v));
        conds.push(textMatch(`${s}.tekst`, c.pattern, value));
        // A wildcard match found through the folded text's trigram index: text that holds the
        // pattern also holds it folded (folding maps letter by letter), so this only narrows.
        if ('like' in pattern) conds.push(`${s}.tekst_foldet LIKE ${value(foldText(pattern.like))}`);
        break;
      }
      case 'state':
        conds.push(`${s}.kind = 't'`, `${s}.felt = ${p(c.field)}`, `${s}.tekst = ${p(c.value)}`);
        break;
      case 'relation':
        conds.push(`${s}.kind = 'r'`);
        if (c.name !== null) conds.push(`${s}.felt = ${p(c.name)}`);
        if (c.uuid !== undefined) conds.push(`${s}.maal_uuid = ${p(c.uuid)}::uuid`);
        if (c.anyUuid !== undefined) conds.push(`${s}.maal_uuid = ANY(${p(c.anyUuid)}::uuid[])`);
        if (c.urn !== undefined) conds.push(`${s}.tekst = ${p(c.urn)}`);
        if (c.objekttype !== undefined) conds.push(`${s}.maal_type = ${p(c.objekttype)}`);
        break;
      case 'notetekst':
        conds.push(textMatch(`${s}.notetekst`, c.pattern, p));
        break;
      case 'attributeAny':
        conds.push(`${s}.kind = 'a'`, `${s}.felt = ${p(c.field)}`);
        // No pattern: nothing matches (an empty restriction list is no restriction, and is never asked for).
        conds.push(c.patterns.length ? `(${c.patterns.map((pattern) => textMatch(`${s}.tekst`, pattern, p)).join(' OR ')})` : 'false');
        break;
    }
    if (!driving) {
      joins.push(
        `CROSS JOIN LATERAL (SELECT range_agg(${s}.virkning) AS m, (array_agg(${s}.virkning))[1] AS r1, count(*) AS n FROM oio_soegeindeks ${s} WHERE ${conds.join(' AND ')}) c${i}`,
      );
      unions.push(`c${i}`);
      return;
    }
    driving = false;
    if (first) {
      ctes.push(
        `c${i} AS MATERIALIZED (SELECT ${s}.registrering_id, ${s}.virkning FROM oio_soegeindeks ${s} WHERE ${conds.slice(1).join(' AND ')})`,
      );
      joins.push(`JOIN c${i} ${s} ON ${s}.registrering_id = r.id`);
    } else joins.push(`JOIN oio_soegeindeks ${s} ON ${conds.join(' AND ')}`);
    driver = `${s}.virkning`;
  });
  // One instant in the driver's row, every other criterion's union and the window. A union of no
  // rows is null (n = 0): the registration drops out, as a join would drop it.
  if (driver !== undefined && unions.length) {
    const single = `${[driver, ...unions.map((c) => `${c}.r1`), window()].join(' * ')}`;
    const multi = `${[`tstzmultirange(${driver})`, ...unions.map((c) => `${c}.m`), `tstzmultirange(${window()})`].join(' * ')}`;
    where.push(
      `${unions.map((c) => `${c}.n > 0`).join(' AND ')} AND (CASE WHEN ${unions.map((c) => `${c}.n = 1`).join(' AND ')}
        THEN NOT isempty(${single}) ELSE NOT isempty(${multi}) END)`,
    );
  }
  if (q.uuids !== undefined) where.push(`r.objekt_uuid = ANY(${p(q.uuids)}::uuid[])`);
  if (q.after !== undefined) where.push(`r.objekt_uuid > ${p(q.after)}::uuid`);

  const search = `${ctes.length ? `WITH ${ctes.join(', ')} ` : ''}SELECT DISTINCT r.objekt_uuid AS uuid FROM oio_registrering r ${joins.join(' ')}
    WHERE ${where.join(' AND ')} ORDER BY r.objekt_uuid LIMIT ${p(q.limit)}`;
  if (!pinHere) return { sql: search, params, prepare };
  // The statement's own clock and snapshot are the pin: what it reads is what that snapshot saw
  // at that time, so later pages pinned to them read on from the same state. One round trip, not
  // two, and one row: the pin once and the UUIDs as one text, comma-separated (a row per UUID
  // repeated the pin; an array is parsed character by character by the driver).
  const sql = `WITH pin AS MATERIALIZED (SELECT clock_timestamp() AS pr, pg_current_snapshot()::text AS ps)
    SELECT to_json(pin.pr)#>>'{}' AS pin_r, pin.ps AS pin_s,
      (SELECT string_agg(q.uuid::text, ',' ORDER BY q.uuid) FROM (${search}) q) AS uuids
    FROM pin`;
  return { sql, params, prepare };
}

/** A search that pins its own registration time and snapshot (the first page of a paged search). */
export function buildPinnedSearch(objekttype: string, q: Omit<SearchQuery, 'registreringstid' | 'snapshot'>): BuiltSearch {
  return buildSearch(objekttype, { ...q, registreringstid: '' }, true);
}

/**
 * The criteria in the order they are applied: the likely most selective first (it drives the
 * statement), the rest in their given order. An exact relation target first, then an exact or
 * trigram-selective text, a state, a wildcard without three letters in a row, and last what
 * matches all of a caller's data (its organisations, its KLE numbers) or any field at all.
 */
function driveOrder(criteria: readonly SearchCriterion[]): { c: SearchCriterion; i: number }[] {
  const rank = (c: SearchCriterion): number => {
    switch (c.kind) {
      case 'relation':
        // Any of many targets is a caller's limit (its organisations): it matches all its data.
        return c.uuid !== undefined || c.urn !== undefined ? 0 : c.anyUuid !== undefined ? 5 : 4;
      case 'attribute': {
        if (c.field === null) return 5;
        const m = likePattern(c.pattern);
        return 'exact' in m || trigramInfix(c.pattern) || trigramSelective(m.like) ? 1 : 4;
      }
      case 'notetekst':
        return 'exact' in likePattern(c.pattern) ? 2 : 4;
      case 'state':
        return 3;
      case 'attributeAny':
        return 5;
      case 'owner':
        return 6;
    }
  };
  return criteria.map((c, i) => ({ c, i, r: rank(c) })).sort((a, b) => a.r - b.r || a.i - b.i);
}

/** The condition of an `owner` criterion on the registration `r` (a condition, not a join: it has two ways to hold). */
function ownerMatch(c: Extract<SearchCriterion, { kind: 'owner' }>, s: string, window: () => string, p: (v: unknown) => string): string {
  const relation = p(c.relation);
  const owners = `${p(c.anyUuid)}::uuid[]`;
  return `(EXISTS (SELECT 1 FROM oio_soegeindeks ${s} WHERE ${s}.registrering_id = r.id AND ${s}.kind = 'r' AND ${s}.felt = ${relation}
             AND ${s}.maal_uuid = ANY(${owners}) AND ${s}.virkning && ${window()})
    OR (NOT EXISTS (SELECT 1 FROM oio_soegeindeks ${s} WHERE ${s}.registrering_id = r.id AND ${s}.kind = 'r' AND ${s}.felt = ${relation})
      AND EXISTS (SELECT 1 FROM oio_soegeindeks ${s}p JOIN oio_registrering ${s}o ON ${s}o.id = ${s}p.registrering_id AND ${s}o.til = 'infinity'
        WHERE ${s}p.maal_uuid = r.objekt_uuid AND ${s}p.kind = 'r' AND ${s}p.felt = ANY(${p(c.pointedBy)}::text[])
          AND (${s}o.objekt_uuid = ANY(${owners}) OR EXISTS (SELECT 1 FROM oio_soegeindeks ${s}e WHERE ${s}e.registrering_id = ${s}o.id
            AND ${s}e.kind = 'r' AND ${s}e.felt = ANY(${p([c.relation, ...c.pointerRelations])}::text[]) AND ${s}e.maal_uuid = ANY(${owners}))))))`;
}

/**
 * Whether a LIKE pattern holds three letters or digits in a row: a trigram to look up (the trigram
 * index ignores everything else, so a shorter run would read all of it).
 */
function trigramSelective(like: string): boolean {
  return /[\p{L}\p{N}]{3}/u.test(like);
}

/** A LoRa pattern that is an infix (or suffix) holding a trigram: found through the trigram index alone. */
function trigramInfix(raw: string): boolean {
  const pattern = likePattern(raw);
  return 'like' in pattern && pattern.like.startsWith('%') && trigramSelective(pattern.like);
}

function textMatch(column: string, pattern: string, p: (v: string) => string): string {
  const m = likePattern(pattern);
  return 'like' in m ? `lower(${column}) LIKE ${p(m.like)}` : `lower(${column}) = ${p(m.exact)}`;
}

/** A search statement, and whether it may run prepared (see `QueryOptions.prepare`). */
export interface BuiltSearch {
  readonly sql: string;
  readonly params: unknown[];
  readonly prepare: boolean;
}
