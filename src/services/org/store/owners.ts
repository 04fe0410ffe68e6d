import type { Queryable } from '../../../platform/store/store.ts';
import { currentNow } from '../../../oio/store/read-surface.ts';
import { OWN_RELATIONS, ownRelationSql, POINTED_BY, POINTED_TYPES } from '../domain/membership.ts';

/**
 * Which municipality owns what in FK Organisation, read from the current registrations: an
 * organisation by the CVR URNs of its `virksomhed`; a function by the organisations of its
 * `tilknyttedeorganisationer`; every other object by the organisations of its `tilhoerer`; a person
 * or an address without `tilhoerer` by the objects that point to it (`tilknyttedepersoner`,
 * `ansatte`, `adresser`: a user's person, a unit's address), as the hierarchy counts members.
 */

/** What was found about one object's owners: whether it has a current registration, and the CVRs. */
export interface Owned {
  readonly found: boolean;
  readonly cvrs: readonly string[];
}

/**
 * One row per object among $1 with a current registration (of type $2 when not null): its owners'
 * CVR numbers. $3: the pointing relations, $4: the pointed-to types.
 */
const OWNERS_SQL = `
WITH r AS (
  SELECT objekt_uuid, objekttype, indhold FROM oio_registrering
  WHERE objekt_uuid = ANY($1::uuid[]) AND ($2::text IS NULL OR objekttype = $2) AND ${currentNow('oio_registrering')}
),
own AS (
  SELECT r.*, coalesce(r.indhold->'relationer'->${ownRelationSql('r')}, '[]') AS eget FROM r
),
orgs AS (
  SELECT objekt_uuid AS obj, objekt_uuid AS org FROM own WHERE objekttype = 'organisation'
  UNION
  SELECT own.objekt_uuid, (t.v->>'uuid')::uuid FROM own, jsonb_array_elements(own.eget) AS t(v)
  WHERE own.objekttype <> 'organisation' AND t.v ? 'uuid'
  UNION
  SELECT own.objekt_uuid, CASE WHEN o.objekttype = 'organisation' THEN o.objekt_uuid ELSE (t.v->>'uuid')::uuid END
  FROM own
  JOIN oio_soegeindeks v ON v.maal_uuid = own.objekt_uuid AND v.kind = 'r' AND v.felt = ANY($3::text[])
  JOIN oio_registrering o ON o.id = v.registrering_id AND ${currentNow('o')}
  LEFT JOIN LATERAL jsonb_array_elements(coalesce(o.indhold->'relationer'->${ownRelationSql('o')}, '[]')) AS t(v) ON true
  WHERE own.objekttype = ANY($4::text[]) AND jsonb_array_length(own.eget) = 0
    AND (o.objekttype = 'organisation' OR t.v ? 'uuid')
)
SELECT own.objekt_uuid::text AS uuid,
  (SELECT coalesce(json_agg(DISTINCT substring(c.v->>'urn' FROM '^[uU][rR][nN]:oio:cvr-nr:([0-9]{8})$')), '[]')
   FROM orgs JOIN oio_registrering o ON o.objekt_uuid = orgs.org AND o.objekttype = 'organisation' AND ${currentNow('o')}
   CROSS JOIN jsonb_array_elements(coalesce(o.indhold->'relationer'->'virksomhed', '[]')) AS c(v)
   WHERE orgs.obj = own.objekt_uuid AND c.v->>'urn' ~* '^urn:oio:cvr-nr:[0-9]{8}$') AS cvrs
FROM own`;

/** The owners of objects (of one type, or of any): those with a current registration. */
export async function ownersOfMany(db: Queryable, uuids: readonly string[], type?: string): Promise<Map<string, Owned>> {
  if (uuids.length === 0) return new Map();
  const { rows } = await db.query<{ uuid: string; cvrs: (string | null)[] }>(OWNERS_SQL, [
    uuids,
    type ?? null,
    POINTED_BY,
    [...POINTED_TYPES],
  ]);
  return new Map(rows.map((r) => [r.uuid, { found: true, cvrs: r.cvrs.filter((c): c is string => c !== null) }]));
}

/**
 * The CVR numbers owning objects of any type, by UUID: the one rule of ownership, for other
 * systems (FK Klassifikation judges a classification's owner by it). Unknown objects own none.
 */
export async function ownerCvrsOf(db: Queryable, uuids: readonly string[]): Promise<Map<string, readonly string[]>> {
  const owners = await ownersOfMany(db, uuids);
  return new Map(uuids.map((u) => [u, owners.get(u)?.cvrs ?? []]));
}

/** The CVR numbers of organisations (`virksomhed`), by organisation UUID: those found current. */
export async function organisationCvrsOf(db: Queryable, organisations: readonly string[]): Promise<Map<string, readonly string[]>> {
  const owners = await ownersOfMany(db, organisations, 'organisation');
  return new Map([...owners].map(([uuid, owned]) => [uuid, owned.cvrs]));
}

/** The current organisations whose `virksomhed` names a CVR number (at any effective time). */
export async function organisationsOfCvr(db: Queryable, cvr: string): Promise<string[]> {
  const { rows } = await db.query<{ uuid: string }>(
    `SELECT DISTINCT r.objekt_uuid::text AS uuid FROM oio_soegeindeks s
     JOIN oio_registrering r ON r.id = s.registrering_id AND ${currentNow('r')} AND r.objekttype = 'organisation'
     WHERE s.kind = 'r' AND s.felt = 'virksomhed' AND s.tekst = $1
     ORDER BY 1`,
    [`urn:oio:cvr-nr:${cvr}`],
  );
  return rows.map((r) => r.uuid);
}

/** Whether owners found for an object leave it to the caller: none found, or every one the caller's CVR. */
export function ownedBy(owned: Owned | undefined, cvr: string): boolean {
  return !owned?.found || owned.cvrs.every((c) => c === cvr);
}

/** What a token restricted to organisation units reaches, by type. */
export type UnitReach = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * What a token restricted to units reaches, from the current registrations: the units; the
 * functions tied to them (`tilknyttedeenheder`); the users those functions tie
 * (`tilknyttedebrugere`); those users' persons; the units' and users' addresses. Everything else of
 * the municipality (other units and their people, its IT systems and interest groups) lies
 * outside. One statement; the sets are as large as the units' people.
 */
export async function unitReach(db: Queryable, units: readonly string[]): Promise<UnitReach> {
  const { rows } = await db.query<{ t: string; uuid: string }>(
    `WITH u AS (
       SELECT r.id, r.objekt_uuid FROM oio_registrering r
       WHERE r.objekt_uuid = ANY($1::uuid[]) AND r.objekttype = 'organisationenhed' AND ${currentNow('r')}
     ),
     f AS (
       SELECT DISTINCT r.id, r.objekt_uuid FROM oio_soegeindeks s
       JOIN oio_registrering r ON r.id = s.registrering_id AND ${currentNow('r')} AND r.objekttype = 'organisationfunktion'
       WHERE s.kind = 'r' AND s.felt = 'tilknyttedeenheder' AND s.maal_uuid = ANY($1::uuid[])
     ),
     b AS (
       SELECT DISTINCT r.id, r.objekt_uuid FROM f
       JOIN oio_soegeindeks s ON s.registrering_id = f.id AND s.kind = 'r' AND s.felt = 'tilknyttedebrugere'
       JOIN oio_registrering r ON r.objekt_uuid = s.maal_uuid AND ${currentNow('r')} AND r.objekttype = 'bruger'
     ),
     p AS (
       SELECT DISTINCT s.maal_uuid AS objekt_uuid FROM b
       JOIN oio_soegeindeks s ON s.registrering_id = b.id AND s.kind = 'r' AND s.felt = 'tilknyttedepersoner'
       WHERE s.maal_uuid IS NOT NULL
     ),
     a AS (
       SELECT DISTINCT s.maal_uuid AS objekt_uuid FROM oio_soegeindeks s
       WHERE s.registrering_id IN (SELECT id FROM u UNION ALL SELECT id FROM b) AND s.kind = 'r' AND s.felt = 'adresser'
         AND s.maal_uuid IS NOT NULL
     )
     SELECT 'organisationenhed' AS t, objekt_uuid::text AS uuid FROM u
     UNION ALL SELECT 'organisationfunktion', objekt_uuid::text FROM f
     UNION ALL SELECT 'bruger', objekt_uuid::text FROM b
     UNION ALL SELECT 'person', objekt_uuid::text FROM p
     UNION ALL SELECT 'adresse', objekt_uuid::text FROM a`,
    [units],
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = out.get(r.t);
    if (!set) out.set(r.t, (set = new Set()));
    set.add(r.uuid);
  }
  return out;
}

/** The types a unit restriction reaches into; the others (IT systems, interest groups) lie outside it. */
export const UNIT_REACHED_TYPES: ReadonlySet<string> = new Set([
  'organisationenhed',
  'organisationfunktion',
  'bruger',
  'person',
  'adresse',
]);

export { OWN_RELATIONS };
