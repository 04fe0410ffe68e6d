import type { Queryable } from '../../platform/store/store.ts';
import { contentFromStored } from '../domain/wire.ts';
import type { Livscykluskode, ObjectTypeDecl, OioObject } from '../model.ts';
import { currentInSnapshot } from './snapshot-sql.ts';

/**
 * Which registrations to read: the one current at an instant (default now), or all overlapping a
 * window. A `snapshot` (from {@link OioStore.pin}) hides writes that were not committed when it was taken.
 */
export type RegistrationSelection =
  { readonly at?: string | undefined; readonly snapshot?: string | undefined } | { readonly from: string; readonly to: string };

type StoredRow = {
  uuid: string;
  fra: string;
  til: string;
  livscykluskode: Livscykluskode;
  brugerref: string | null;
  note: string | null;
  indhold: Record<string, unknown>;
};

/** The stored registrations the selection asks for, grouped per object in the asked order. */
export async function fetchRegistrations(
  db: Queryable,
  decl: ObjectTypeDecl,
  uuids: readonly string[],
  reg: RegistrationSelection,
): Promise<{ uuid: string; rows: StoredRow[] }[]> {
  if (uuids.length === 0) return [];
  const windowed = 'from' in reg;
  const snapshot = !windowed ? reg.snapshot : undefined;
  const { rows } = await db.query<StoredRow>(
    `SELECT objekt_uuid::text AS uuid, to_json(fra)#>>'{}' AS fra, to_json(til)#>>'{}' AS til, livscykluskode, brugerref, note, indhold
     FROM oio_registrering
     WHERE objekt_uuid = ANY($1::uuid[]) AND objekttype = $2
       AND ${
         windowed
           ? 'fra < $4::timestamptz AND til > $3::timestamptz'
           : snapshot
             ? currentInSnapshot('oio_registrering', '$3', '$4')
             : 'fra <= COALESCE($3::timestamptz, clock_timestamp()) AND til > COALESCE($3::timestamptz, clock_timestamp())'
       }
     ORDER BY objekt_uuid, fra`,
    windowed
      ? [uuids, decl.name, reg.from, reg.to]
      : snapshot
        ? [uuids, decl.name, reg.at ?? null, snapshot]
        : [uuids, decl.name, reg.at ?? null],
  );
  const byUuid = new Map<string, StoredRow[]>();
  for (const r of rows) {
    const list = byUuid.get(r.uuid);
    if (list) list.push(r);
    else byUuid.set(r.uuid, [r]);
  }
  return uuids.flatMap((u) => {
    const found = byUuid.get(u.toLowerCase());
    return found ? [{ uuid: u.toLowerCase(), rows: found }] : [];
  });
}

/** Reads objects (unknown UUIDs left out), registrations oldest first, on the store or inside a transaction. */
export async function listObjects(
  db: Queryable,
  decl: ObjectTypeDecl,
  uuids: readonly string[],
  reg: RegistrationSelection,
): Promise<OioObject[]> {
  return (await fetchRegistrations(db, decl, uuids, reg)).map(({ uuid, rows }) => ({
    uuid,
    objekttype: decl.name,
    registreringer: rows.map((r) => ({
      fra: r.fra,
      til: r.til,
      livscykluskode: r.livscykluskode,
      brugerref: r.brugerref,
      note: r.note,
      content: contentFromStored(decl, r.indhold),
    })),
  }));
}
