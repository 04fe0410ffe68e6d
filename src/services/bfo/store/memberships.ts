/** Value-list membership of a message's values: one query over the lists a filter (or a beskedtype's filters) uses. */
import type { Queryable } from '../../../platform/store/store.ts';
import type { FilterData, Memberships } from '../domain/filter.ts';

/** Which of the message's values are in which of the given value lists. */
export async function memberships(db: Queryable, lists: readonly string[], data: FilterData): Promise<Memberships> {
  if (!lists.length) return new Map();
  const values = [...new Set([...data.values()].flat())];
  const { rows } = await db.query<{ liste: string; vaerdi: string }>(
    'SELECT liste::text AS liste, vaerdi FROM bfo_vaerdi WHERE liste = ANY($1::uuid[]) AND vaerdi = ANY($2::text[])',
    [lists, values],
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let set = out.get(r.liste);
    if (!set) out.set(r.liste, (set = new Set()));
    set.add(r.vaerdi);
  }
  return out;
}
