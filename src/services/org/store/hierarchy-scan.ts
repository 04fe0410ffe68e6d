import type { Queryable } from '../../../platform/store/store.ts';
import { formatInstant } from '../../../oio/domain/time.ts';
import { currentAtPinned, endSeenBy } from '../../../oio/store/read-surface.ts';
import { OWN_RELATION, OWN_RELATIONS, ownRelationSql, REACHED_BY, REACHING_TYPES, type HierarchyType } from '../domain/membership.ts';

/**
 * The statements that read an organisation's hierarchy: which registrations are its members at an
 * instant, scanned by type and UUID range or found through the search index, each with its line
 * as the database joins it. See hierarchy-stream.ts for how they are read and handed out.
 */

/** One consistent state of one organisation to read. */
export interface HierarchyPin {
  readonly organisation: string;
  /** Registration time (as the database prints it, or as the caller gave it). */
  readonly registreringstid: string;
  /** The database snapshot taken with it; absent when the caller named the registration time. */
  readonly snapshot?: string | undefined;
  /** The effective instant, ms. */
  readonly virkningstid: number;
}

/** The last object returned: the keyset position. */
export interface HierarchyKey {
  readonly objekttype: HierarchyType;
  readonly uuid: string;
}

/** The columns of a scan: text, and the line as bytes (bytea). */
export const COL = {
  Uuid: 0,
  /** Null when the registration is not a member; `w` when its whole stored text holds at the instant, `p` when not. */
  Kind: 1,
  /** On persons: the CPR number holding at the instant. */
  Cpr: 2,
  /** `w`: the member's whole line; `p`: the line's head (its own fields), the parts to follow (bytea: UTF-8). */
  Line: 3,
  /** `p`: the stored registration as JSON text, to be filtered. */
  Indhold: 4,
} as const;
export const WIDTH = 5;

/** Where a scan starts and ends within its type, in UUID order: each bound is optional. */
export interface ScanRange {
  /** Start after this UUID … */
  readonly after?: string | undefined;
  /** … or at this one. */
  readonly from?: string | undefined;
  /** End before this UUID. */
  readonly below?: string | undefined;
}

function bounds(range: ScanRange, p: (v: unknown) => string): string {
  return [
    range.after !== undefined ? `AND r.objekt_uuid > ${p(range.after)}::uuid` : '',
    range.from !== undefined ? `AND r.objekt_uuid >= ${p(range.from)}::uuid` : '',
    range.below !== undefined ? `AND r.objekt_uuid < ${p(range.below)}::uuid` : '',
  ].join(' ');
}

/**
 * Where a scan finds its registrations: every current registration of the type, in UUID order,
 * each tested (`scan`: the organisation is most of the database); or the registrations the search
 * index names for the organisation, tested the same way (`index`: it is few among many).
 */
export type HierarchyFrom = 'scan' | 'index';

/**
 * Which way to read: through the index when the organisation's relations in the search index are
 * fewer than an eighth of all registrations (counting stops there). Either way gives the same members.
 */
export async function chooseFrom(db: Queryable, organisation: string): Promise<HierarchyFrom> {
  const { rows } = await db.query<{ few: boolean }>(
    `WITH total AS (SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'oio_registrering'::regclass)
     SELECT (SELECT n FROM total) > 0 AND (SELECT count(*) FROM (SELECT 1 FROM oio_soegeindeks
       WHERE maal_uuid = $1::uuid AND kind = 'r' AND felt = ANY($2::text[])
       LIMIT (SELECT n / 8 FROM total)) x) < (SELECT n / 8 FROM total) AS few`,
    [organisation, OWN_RELATIONS],
  );
  return rows[0]?.few ? 'index' : 'scan';
}

/**
 * The statement that scans the next `scan` current registrations of one type after a UUID, in
 * UUID order (all of the type's, or the candidates the search index names: `from`), and tells for
 * each whether it is a member (with its line when it is).
 *
 * The scan is a plain range of the (objekttype, objekt_uuid) index with a LIMIT; the membership
 * test is computed for each scanned row (a lateral subquery kept apart with OFFSET 0, so it runs
 * once a row and never becomes a filter), so every statement does bounded work whatever the
 * planner thinks of the test's selectivity (asked as one query, it may hash every member of the
 * organisation and sort them, on every page). The registration comes back as text (the stored
 * text of current registrations, `indhold_tekst`), with a flag telling whether all its values hold
 * at the instant (`faelles_virkning`): then it is the answer as stored, and nothing needs parsing.
 */
export function scanSql(
  type: HierarchyType,
  pin: HierarchyPin,
  range: ScanRange,
  scan: number,
  from: HierarchyFrom,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const org = `${p(pin.organisation)}::uuid`;
  const orgText = `${org}::text`;
  // Pushed when first used: an unused parameter has no type.
  let tRef: string | undefined;
  const T = () => (tRef ??= `${p(formatInstant(pin.virkningstid))}::timestamptz`);
  const R = p(pin.registreringstid);
  const S = pin.snapshot !== undefined ? p(pin.snapshot) : undefined;
  const current = (r: string) =>
    `${currentAtPinned(r, R, S)}
     AND ${r}.livscykluskode NOT IN ('Passiveret', 'Slettet')`;
  // Read from the registration itself (already at hand), not the search index: one row less to
  // fetch per object. The bounds are stored as `formatInstant` writes them, which casts back exactly.
  // When every value of the registration holds at the instant (`faelles_virkning`), a containment
  // test of the relation tells it without reading each value's virkning.
  const own = OWN_RELATION[type];
  const reach = REACHED_BY[type];
  let containsOrg: string | undefined;
  const ownMember = (r: string, felt: string) =>
    `(CASE WHEN ${r}.faelles_virkning @> ${T()}
       THEN coalesce(${r}.indhold->'relationer'->${felt} @> ${(containsOrg ??= `${p(JSON.stringify([{ uuid: pin.organisation }]))}::jsonb`)}, false)
       ELSE EXISTS (SELECT 1 FROM jsonb_array_elements(${r}.indhold->'relationer'->${felt}) AS hv(val)
         WHERE hv.val->>'uuid' = ${orgText} AND (hv.val->'virkning'->>'from')::timestamptz <= ${T()}
           AND (hv.val->'virkning'->>'to')::timestamptz > ${T()}) END)`;

  // The registrations that may be members, found through the search index by the organisation
  // (where it is few among many): those whose own relation names it at the instant, the
  // organisation itself, and (persons, addresses) those a member points to. The membership test
  // below still decides, so both ways of reading give the same members.
  const candidatesSql = () => {
    const named = (felter: string) =>
      `SELECT v.registrering_id AS id FROM oio_soegeindeks v
       WHERE v.maal_uuid = ${org} AND v.kind = 'r' AND v.felt = ANY(${felter}::text[]) AND v.virkning @> ${T()}`;
    const itself = `SELECT o.id FROM oio_registrering o WHERE o.objekt_uuid = ${org} AND o.objekttype = 'organisation'`;
    const parts: string[] = [];
    if (type === 'organisation') parts.push(itself);
    if (own) parts.push(named(p([own])));
    if (reach) {
      parts.push(`SELECT c.id FROM (${named(p(OWN_RELATIONS))} UNION ${itself}) m
        JOIN oio_registrering o ON o.id = m.id AND o.objekttype = ANY(${p(REACHING_TYPES)}::text[]) AND ${current('o')}
        JOIN oio_soegeindeks t ON t.registrering_id = o.id AND t.kind = 'r' AND t.felt = ANY(${p(reach)}::text[]) AND t.virkning @> ${T()}
        JOIN oio_registrering c ON c.objekt_uuid = t.maal_uuid AND c.objekttype = ${p(type)}`);
    }
    return parts.join(' UNION ');
  };

  const membership: string[] = [];
  if (type === 'organisation') membership.push(`r.objekt_uuid = ${org}`);
  if (own) membership.push(ownMember('r', p(own)));
  if (reach) {
    // Reached from a member: a current registration of a member type that is itself a member
    // (the organisation, or by its own relation) points to this object at the instant.
    membership.push(`EXISTS (
      SELECT 1 FROM oio_soegeindeks v JOIN oio_registrering o ON o.id = v.registrering_id
      WHERE v.maal_uuid = r.objekt_uuid AND v.kind = 'r' AND v.felt = ANY(${p(reach)}::text[]) AND v.virkning @> ${T()}
        AND o.objekttype = ANY(${p(REACHING_TYPES)}::text[]) AND ${current('o')}
        AND (o.objekt_uuid = ${org} OR ${ownMember('o', ownRelationSql('o'))}))`);
  }
  // A closing the snapshot could not see did not happen for this reader.
  const til = S !== undefined ? endSeenBy('r', S) : `r.til`;
  const cpr =
    type === 'person'
      ? `CASE WHEN m.member THEN (SELECT c.tekst FROM oio_soegeindeks c WHERE c.registrering_id = r.id AND c.kind = 'a'
           AND c.felt = 'cpr_nummer' AND c.virkning @> ${T()} LIMIT 1) END`
      : 'NULL::text';
  // The line's head: JSON text of the registration's own fields (to_json escapes as JSON.stringify
  // does). A whole member's line is the head and the stored text after its opening brace, joined by
  // the database as bytes (textsend; cutting text is slow, it counts characters), so the server
  // hands them on as they come.
  const head = `'{"objekttype":"${type}","uuid":"' || r.objekt_uuid::text || '","fratidspunkt":{"tidsstempeldatotid":' || to_json(r.fra)::text
      || ',"graenseindikator":true},"tiltidspunkt":{"tidsstempeldatotid":' || to_json(${til})::text
      || '},"livscykluskode":' || to_json(r.livscykluskode)::text || ',"brugerref":' || coalesce(to_json(r.brugerref)::text, 'null')
      || ',"note":' || coalesce(to_json(r.note)::text, 'null')`;
  const sql = `SELECT uuid, kind, cpr,
      CASE kind WHEN 'w' THEN CASE WHEN tekst = '{}' THEN textsend(head || '}') ELSE textsend(head || ',') || substring(textsend(tekst) FROM 2) END
        WHEN 'p' THEN textsend(head) END AS line,
      CASE kind WHEN 'p' THEN tekst END AS indhold
    FROM (
      SELECT r.objekt_uuid::text AS uuid,
        CASE WHEN m.member THEN CASE WHEN coalesce(r.faelles_virkning @> ${T()}, false) THEN 'w' ELSE 'p' END END AS kind,
        ${cpr} AS cpr, CASE WHEN m.member THEN ${head} END AS head,
        CASE WHEN m.member THEN coalesce(r.indhold_tekst, r.indhold::text) END AS tekst
      FROM ${from === 'index' ? `(${candidatesSql()}) cand JOIN oio_registrering r ON r.id = cand.id` : 'oio_registrering r'}
        CROSS JOIN LATERAL (SELECT (${membership.join(' OR ')}) AS member OFFSET 0) m
      WHERE r.objekttype = ${p(type)} ${bounds(range, p)} AND ${current('r')}
      ORDER BY r.objekt_uuid
      LIMIT ${p(scan)}) s`;
  return { sql, params };
}
