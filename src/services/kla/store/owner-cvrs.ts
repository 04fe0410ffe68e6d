import type { Queryable } from '../../../platform/store/store.ts';
import { ownerCvrsOf } from '../../org/index.ts';

/**
 * The CVR numbers behind each owner (`ejer`) a classification, facet or class names, by FK
 * Organisation's one rule of ownership (an organisation's own CVR, a unit's organisation's …), read
 * in `db`, so a write's guard reads what its transaction sees. An owner that leads to no CVR maps
 * to none.
 */
export function ownerCvrs(db: Queryable, owners: readonly string[]): Promise<Map<string, readonly string[]>> {
  return owners.length ? ownerCvrsOf(db, owners) : Promise.resolve(new Map());
}
