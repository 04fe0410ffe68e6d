/**
 * Registrations carry their writing transaction id and, once closed, the closing one's, so a
 * reader can ask for exactly the state that one database snapshot saw.
 */
/** SQL: registration `r` is current at time `at` as seen by snapshot `snap` (both parameters). */
export function currentInSnapshot(r: string, at: string, snap: string): string {
  return `${r}.fra <= ${at}::timestamptz AND pg_visible_in_snapshot(${r}.xid, ${snap}::pg_snapshot)
    AND (${r}.til > ${at}::timestamptz OR NOT pg_visible_in_snapshot(${r}.til_xid, ${snap}::pg_snapshot))`;
}
