/** Who may call each Beskedfordeler route, and whose dueslag, subscriptions and lists it reaches. */
import type { FastifyRequest } from 'fastify';
import { scope, type RouteAccess } from '../../../platform/auth/access.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { Beskedfordeler } from '../service.ts';
import * as admin from '../store/admin.ts';
import { uuidParam, type BfoCallerOf } from './common.ts';

export const SEND = 'send';
export const MODTAG = 'modtag';
export const ADMINISTRER = 'administrer';

/** The access declarations of the Beskedfordeler's routes, with the checks that need the service. */
export function bfoAccess(bfo: Beskedfordeler, store: Store, callerOf: BfoCallerOf) {
  const ownedDueslag = async (req: FastifyRequest, uuid: string) => {
    await bfo.dueslag(uuid, callerOf(req));
  };
  const bodyEjer = async (req: FastifyRequest) => bfo.mayManage(callerOf(req), (req.body as { ejer: string }).ejer);
  const dueslag = scope(['object'], (req) => ownedDueslag(req, uuidParam(req)));
  const abonnement = scope(['object'], async (req) => {
    const a = await admin.getAbonnement(store, uuidParam(req));
    await ownedDueslag(req, a.dueslag);
  });
  const vaerdiliste = scope(['object'], async (req) => {
    const l = await admin.getVaerdiliste(store, uuidParam(req));
    await bfo.mayManage(callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
  });
  const access = (privilege: string | readonly string[], s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });
  return {
    send: access(SEND, scope(['body'], undefined, "Beskedfordeler.send: the entitlements' maySend")),
    take: access(MODTAG, dueslag),
    sharedRead: access([MODTAG, ADMINISTRER], scope(['shared'])),
    createBeskedtype: access(ADMINISTRER, scope(['own-system'], bodyEjer)),
    deleteBeskedtype: access(
      ADMINISTRER,
      scope(['own-system'], async (req) => bfo.mayManage(callerOf(req), (await admin.getBeskedtype(store, uuidParam(req))).ejer)),
    ),
    createDueslag: access(ADMINISTRER, scope(['own-system'], bodyEjer)),
    listDueslag: access([MODTAG, ADMINISTRER], scope(['own-system'], undefined, 'entitlements.mayManage per dueslag')),
    dueslagRead: access([MODTAG, ADMINISTRER], dueslag),
    dueslagWrite: access(ADMINISTRER, dueslag),
    createAbonnement: access(
      ADMINISTRER,
      scope(['body'], (req) => ownedDueslag(req, (req.body as { dueslag: string }).dueslag.toLowerCase())),
    ),
    listAbonnementer: access([MODTAG, ADMINISTRER], scope(['own-system'], undefined, 'admin.listAbonnementer')),
    abonnementRead: access([MODTAG, ADMINISTRER], abonnement),
    abonnementWrite: access(ADMINISTRER, abonnement),
    explainWrite: access(ADMINISTRER, abonnement),
    createVaerdiliste: access(ADMINISTRER, scope(['own-system'], bodyEjer)),
    listVaerdilister: access([MODTAG, ADMINISTRER], scope(['own-system'], undefined, 'admin.listVaerdilister')),
    vaerdilisteRead: access([MODTAG, ADMINISTRER], vaerdiliste),
    vaerdilisteWrite: access(ADMINISTRER, vaerdiliste),
  };
}
