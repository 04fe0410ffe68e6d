import { Type } from '@sinclair/typebox';
import { operatorScope, scope, type RouteAccess } from '../../../platform/auth/access.ts';
import type { Caller } from '../../../platform/auth/caller.ts';
import { bodyPart, pathUuid } from '../../../platform/http/schemas.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { decideAs } from '../domain/rules.ts';
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

const ItSystemPart = Type.Object({ itsystem: Type.String() });
const access = (privilege: string | readonly string[], s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });

/** The access declarations of the administration's routes. */
export const ADMIN = {
  services: access([OPERATOER, LEVERANDOER, KOMMUNE], scope(['shared'])),
  registerService: access(OPERATOER, operatorScope([OPERATOER])),
  registerItSystem: access(LEVERANDOER, scope(['own-system'], undefined, "registry.insertItSystem with the caller's CVR as supplier")),
  itSystems: access(
    [OPERATOER, LEVERANDOER],
    scope(['own-system'], undefined, "registry.itSystems by the caller's CVR (all: the operator)"),
  ),
  itSystem: (q: Queryable) =>
    access(
      [OPERATOER, LEVERANDOER],
      scope(['own-system'], async (req, caller) => void (await ownSystem(q, caller, pathUuid(req)))),
    ),
  addCredential: (q: Queryable) =>
    access(
      LEVERANDOER,
      scope(['own-system'], async (req, caller) => void (await ownSystem(q, caller, pathUuid(req)))),
    ),
  requestAgreement: (q: Queryable) =>
    access(
      LEVERANDOER,
      scope(['own-system'], async (req, caller) => void (await ownSystem(q, caller, bodyPart(req, ItSystemPart).itsystem))),
    ),
  agreements: access(
    [OPERATOER, LEVERANDOER, KOMMUNE],
    scope(['own-municipality', 'own-system'], undefined, "registry.agreements by the caller's CVR or its IT systems' supplier"),
  ),
  agreement: (q: Queryable) =>
    access(
      [OPERATOER, LEVERANDOER, KOMMUNE],
      scope(['own-municipality', 'own-system'], async (req, caller) => {
        const a = await registry.agreement(q, pathUuid(req));
        if (!a || !(await mayRead(q, caller, a))) throw adgError('AGREEMENT_NOT_FOUND');
      }),
    ),
  /**
   * Approve or revoke: the municipality the agreement names; an agreement naming an operator-only
   * privilege only the operator approves (`decideAs`). The handler decides again under the row lock.
   */
  decideAgreement: (q: Queryable, action: 'approve' | 'revoke') =>
    access(
      [KOMMUNE, OPERATOER],
      scope(['own-municipality'], async (req, caller) => void decideAs(caller, ...(await decisionFacts(q, pathUuid(req))), action)),
    ),
};

/** An agreement and the operator-only privileges of its service: what `decideAs` weighs. */
export async function decisionFacts(q: Queryable, uuid: string, forUpdate = false): Promise<[AgreementRow, string[]]> {
  const a = await registry.agreement(q, uuid, forUpdate);
  if (!a) throw adgError('AGREEMENT_NOT_FOUND');
  return [a, (await registry.serviceBy(q, 'uuid', a.service))?.operatorPrivileges ?? []];
}
