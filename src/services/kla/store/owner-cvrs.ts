import type { Queryable } from '../../../platform/store/store.ts';
import { organisationCvrsOf } from '../../org/index.ts';

/**
 * The CVR numbers behind each owner (`ejer`) a classification, facet or class names: an
 * organisation's own (its `virksomhed`), or for an organisation unit those of the organisations its
 * `tilhoerer` names. Read from the current registrations in `db`, so a write's guard reads what its
 * transaction sees. An owner that is neither, or leads to no CVR, maps to none.
 */
export async function ownerCvrs(db: Queryable, owners: readonly string[]): Promise<Map<string, readonly string[]>> {
  if (owners.length === 0) return new Map();
  const { rows } = await db.query<{ unit: string; org: string }>(
    `SELECT r.objekt_uuid::text AS unit, t.v->>'uuid' AS org
     FROM oio_registrering r, jsonb_array_elements(coalesce(r.indhold->'relationer'->'tilhoerer', '[]')) AS t(v)
     WHERE r.objekttype = 'organisationenhed' AND r.objekt_uuid = ANY($1::uuid[]) AND r.til = 'infinity' AND t.v ? 'uuid'`,
    [owners],
  );
  const unitOrgs = new Map<string, string[]>();
  for (const r of rows) unitOrgs.set(r.unit, [...(unitOrgs.get(r.unit) ?? []), r.org.toLowerCase()]);
  const cvrs = await organisationCvrsOf(db, [...new Set([...owners, ...rows.map((r) => r.org.toLowerCase())])]);
  return new Map(
    owners.map((o) => [o, cvrs.get(o) ?? [...new Set((unitOrgs.get(o) ?? []).flatMap((org) => cvrs.get(org) ?? []))]] as const),
  );
}
