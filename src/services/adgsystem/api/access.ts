import type { Caller } from '../../../platform/auth/caller.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { adgError } from '../errors.ts';
import { registry, type AgreementRow, type ItSystemRow } from '../store/registry.ts';
import { KOMMUNE, LEVERANDOER, OPERATOER } from './admin-shapes.ts';

/** An IT system the caller may administer: its supplier's, or any for the operator. */
export async function ownSystem(q: Queryable, caller: Caller, uuid: string): Promise<ItSystemRow> {
  const system = await registry.itSystem(q, uuid);
  if (!system) throw adgError('IT_SYSTEM_NOT_FOUND');
  if (!caller.privileges.includes(OPERATOER) && system.supplierCvr !== caller.cvr) throw adgError('NOT_OWN_IT_SYSTEM');
  return system;
}

/** Whether a caller may see an agreement: the municipality's, the supplier's, or the operator. */
export async function mayRead(q: Queryable, caller: Caller, a: AgreementRow): Promise<boolean> {
  if (caller.privileges.includes(OPERATOER)) return true;
  if (caller.privileges.includes(KOMMUNE) && a.cvr === caller.cvr) return true;
  if (caller.privileges.includes(LEVERANDOER)) return (await registry.itSystem(q, a.itSystem))?.supplierCvr === caller.cvr;
  return false;
}
