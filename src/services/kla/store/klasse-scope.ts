import type { Queryable } from '../../../platform/store/store.ts';
import type { KleScope } from '../domain/access-rules.ts';
import { currentNow } from '../../../oio/store/read-surface.ts';

/** The SQL condition that a number column lies inside a KLE scope (its values are `$exact` and `$prefixes`). */
export function kleCondition(column: string, exact: string, prefixes: string): string {
  return `(${column} = ANY(${exact}::text[]) OR ${column} LIKE ANY(${prefixes}::text[]))`;
}

/**
 * Of some classes, whether each lies inside a KLE scope: a number of its current registration, in
 * any virkning, matches. Classes with no current registration are absent from the answer. One
 * statement, for a read by UUID and for a list of many.
 */
export async function klasserInScope(db: Queryable, uuids: readonly string[], scope: KleScope): Promise<Map<string, boolean>> {
  if (uuids.length === 0) return new Map();
  const { rows } = await db.query<{ uuid: string; inside: boolean | null }>(
    `SELECT r.objekt_uuid::text AS uuid, bool_or(${kleCondition('n.tekst', '$2', '$3')}) AS inside
     FROM oio_registrering r
     LEFT JOIN oio_soegeindeks n ON n.registrering_id = r.id AND n.kind = 'a' AND n.felt = 'brugervendtnoegle'
     WHERE r.objekttype = 'klasse' AND r.objekt_uuid = ANY($1::uuid[]) AND ${currentNow('r')}
     GROUP BY r.objekt_uuid`,
    [uuids, scope.exact, scope.prefixes],
  );
  return new Map(rows.map((r) => [r.uuid, r.inside === true]));
}
