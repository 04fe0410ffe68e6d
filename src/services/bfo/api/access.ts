/**
 * Who may call each Beskedfordeler route, and whose dueslag, subscriptions and lists it reaches.
 *
 * An IT system manages what it owns with the privilege it works with: a receiver (`modtag`) its
 * dueslag, their subscriptions and its value lists; a sender (`send`) the beskedtyper it owns.
 * `administrer` is the operator's (declared in `bfoService.operatorPrivileges`): it manages what
 * every IT system owns, and registers beskedtyper for others. Another owner's dueslag,
 * subscription or value list answers as not found; creating one for another owner, or deleting
 * another's beskedtype (the catalogue is shared, so its existence is no secret), is BFO_NOT_OWNER.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { scope, type RouteAccess } from '../../../platform/auth/access.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { Beskedfordeler } from '../service.ts';
import * as admin from '../store/admin.ts';
import { bodyPart, pathUuid } from '../../../platform/http/schemas.ts';
import type { BfoCallerOf } from './common.ts';

const EjerPart = Type.Object({ ejer: Type.String() });
const DueslagPart = Type.Object({ dueslag: Type.String() });

export const SEND = 'send';
export const MODTAG = 'modtag';
export const ADMINISTRER = 'administrer';

/** The access declarations of the Beskedfordeler's routes, with the checks that need the service. */
export function bfoAccess(bfo: Beskedfordeler, store: Store, callerOf: BfoCallerOf) {
  const ownedDueslag = async (req: FastifyRequest, uuid: string) => {
    await bfo.dueslag(uuid, callerOf(req));
  };
  const bodyEjer = async (req: FastifyRequest) => bfo.mayManage(callerOf(req), bodyPart(req, EjerPart).ejer);
  const dueslag = scope(['object'], (req) => ownedDueslag(req, pathUuid(req)));
  const abonnement = scope(['object'], async (req) => {
    const a = await admin.getAbonnement(store, pathUuid(req));
    const d = await admin.getDueslag(store, a.dueslag);
    await bfo.mayManage(callerOf(req), d.ejer, 'BFO_ABONNEMENT_NOT_FOUND');
  });
  const vaerdiliste = scope(['object'], async (req) => {
    const l = await admin.getVaerdiliste(store, pathUuid(req));
    await bfo.mayManage(callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
  });
  const access = (privilege: string | readonly string[], s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });
  const receiver = [MODTAG, ADMINISTRER] as const;
  const sender = [SEND, ADMINISTRER] as const;
  return {
    send: access(SEND, scope(['body'], undefined, "Beskedfordeler.send: the entitlements' maySend (the sender's own municipality only)")),
    take: access(MODTAG, dueslag),
    sharedRead: access([SEND, MODTAG, ADMINISTRER], scope(['shared'])),
    createBeskedtype: access(sender, scope(['own-system'], bodyEjer)),
    deleteBeskedtype: access(
      sender,
      scope(['own-system'], async (req) => bfo.mayManage(callerOf(req), (await admin.getBeskedtype(store, pathUuid(req))).ejer)),
    ),
    createDueslag: access(receiver, scope(['own-system'], bodyEjer)),
    listDueslag: access(receiver, scope(['own-system'], undefined, "admin.listDueslag (WHERE ejer = the caller's IT system)")),
    dueslagRead: access(receiver, dueslag),
    dueslagWrite: access(receiver, dueslag),
    createAbonnement: access(
      receiver,
      scope(['body'], (req) => ownedDueslag(req, bodyPart(req, DueslagPart).dueslag.toLowerCase())),
    ),
    listAbonnementer: access(
      receiver,
      scope(['own-system'], undefined, "admin.listAbonnementer (WHERE the dueslag's ejer = the caller's IT system)"),
    ),
    abonnementRead: access(receiver, abonnement),
    abonnementWrite: access(receiver, abonnement),
    /** Explaining a stored message also asks whether the caller may see it: Beskedfordeler.explainStored. */
    explainStored: access(receiver, abonnement),
    explainWrite: access(receiver, abonnement),
    createVaerdiliste: access(receiver, scope(['own-system'], bodyEjer)),
    listVaerdilister: access(receiver, scope(['own-system'], undefined, "admin.listVaerdilister (WHERE ejer = the caller's IT system)")),
    vaerdilisteRead: access(receiver, vaerdiliste),
    vaerdilisteWrite: access(receiver, vaerdiliste),
  };
}
