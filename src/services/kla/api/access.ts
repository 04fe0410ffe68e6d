import type { FastifyRequest } from 'fastify';
import { scope, type RouteAccess, type ScopeKind } from '../../../platform/auth/access.ts';
import { kleAllowed, type Caller } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import { callerOf } from '../../../platform/auth/http.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { contentFromWire } from '../../../oio/domain/wire.ts';
import { WireBody } from '../../../oio/api/schemas.ts';
import { bodyPart, pathUuid } from '../../../platform/http/schemas.ts';
import type { Content } from '../../../oio/model.ts';
import type { OioRouteAccess, SearchScope } from '../../../oio/api/routes.ts';
import type { OioStore, WriteGuard } from '../../../oio/store/oio-store.ts';
import { kleNumbers, kleScope, ownerClaim, type KleScope } from '../domain/access-rules.ts';
import { klaError } from '../errors.ts';
import { klasserInScope } from '../store/klasse-scope.ts';
import { ownerCvrs } from '../store/owner-cvrs.ts';

export const LAES = 'laes';
export const SKRIV = 'skriv';
/** Writes national data (objects without an owner, KLE above all) and imports KLE: the operator's only. */
export const ADMINISTRER = 'administrer';

/** The KLE scope of the caller of a request; undefined when its token restricts nothing. */
export function callerKleScope(req: FastifyRequest): KleScope | undefined {
  return kleScope(callerOf(req).restrictions.kle);
}

/**
 * Refuses a caller that may not write an object of `type` holding `content`. Without an owner
 * (`ejer`) it is national data: `administrer`. With one: `skriv`, and every owner must be found, in
 * `db`, to be of the caller's CVR. A KLE-restricted caller writes only classes whose every number
 * lies inside its restriction.
 */
export async function checkWrite(db: Queryable, caller: Caller, type: string, content: Content | undefined): Promise<void> {
  if (!content) return;
  const claim = ownerClaim(content.relationer.ejer);
  if (claim.national) {
    if (!caller.privileges.includes(ADMINISTRER))
      throw klaError('NATIONAL_DATA_OPERATOR_ONLY', `A ${type} without an owner is national data: writing it needs ${ADMINISTRER}`);
  } else {
    if (!caller.privileges.includes(SKRIV))
      throw authError('PRIVILEGE_MISSING', `A ${type} with an owner is written with ${SKRIV}`, { privilege: [SKRIV] });
    if (claim.unverifiable) throw authError('MUNICIPALITY_NOT_ALLOWED', 'An owner named by URN only cannot be shown to be the caller’s');
    const found = await ownerCvrs(db, claim.owners);
    // An owner that leads to no CVR (unknown, or an organisation without one) is nobody's to write.
    if (claim.owners.some((o) => (found.get(o) ?? []).length === 0 || found.get(o)!.some((c) => c !== caller.cvr)))
      throw authError('MUNICIPALITY_NOT_ALLOWED', `The ${type} belongs to another municipality, or to none the token acts for`);
  }
  if (type === 'klasse' && kleNumbers(content).some((n) => !kleAllowed(caller.restrictions, n)))
    throw authError('DATA_OUTSIDE_RESTRICTION', 'The class has a number outside the token’s KLE numbers');
}

/**
 * The guard of a caller's LoRa writes, asked inside each write's transaction with the object as
 * stored and as it will be (a PATCH merged): the caller must be allowed to write both, so turning
 * national data into owned data, or back, takes the right to write both.
 */
export function klaWriteGuard(caller: Caller): WriteGuard {
  return async ({ type, content, previous, tx }) => {
    await checkWrite(tx, caller, type, previous);
    await checkWrite(tx, caller, type, content);
  };
}

/**
 * Who may touch what in FK Klassifikation. A classification, facet or class without an owner is
 * national data (KLE), written only with the operator's `administrer`; one with an owner is written
 * with `skriv` by the owner's municipality only ({@link checkWrite}). Writes are decided by the write
 * guard inside their transaction; the checks before the handler refuse early what the stored
 * object (or a create's body) already rules out. Reads are not limited by owner. A caller whose
 * token names KLE numbers reads, lists and finds only the classes they match, limited inside each
 * statement. Classifications and facets are shared.
 */
export function klaAccess(oio: OioStore, store: Queryable) {
  const stored = async (type: string, uuid: string): Promise<Content | undefined> =>
    (await oio.list(type, [uuid]))[0]?.registreringer.at(-1)?.content;
  const access = (privilege: string | readonly string[], s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });
  const WRITE = [SKRIV, ADMINISTRER];
  const guardApplies = 'klaWriteGuard, in the write transaction';

  /** A class read by UUID outside the caller's KLE numbers is refused (an unknown UUID is the handler's 404). */
  const readKlasse = scope(['object'], async (req, caller) => {
    const within = kleScope(caller.restrictions.kle);
    if (!within) return;
    const uuid = pathUuid(req);
    if ((await klasserInScope(store, [uuid], within)).get(uuid) === false)
      throw authError('DATA_OUTSIDE_RESTRICTION', 'The class is outside the token’s KLE numbers');
  });
  /** A write to an object named by UUID: refused early when the stored object rules the caller out. */
  const storedObject = (type: string, kinds: ScopeKind[]) =>
    scope(kinds, async (req, caller) => checkWrite(store, caller, type, await stored(type, pathUuid(req))), guardApplies);

  /** The LoRa routes of one type. */
  const oioRoutes = (type: string): OioRouteAccess => ({
    read: access(LAES, type === 'klasse' ? readKlasse : scope(['shared'])),
    search: access(LAES, type === 'klasse' ? scope(['caller'], undefined, 'klaAccess.klasseSearch (OIO SearchScope)') : scope(['shared'])),
    create: access(
      WRITE,
      scope(
        ['body', 'national'],
        (req, caller) => checkWrite(store, caller, type, contentFromWire(oio.decl(type), bodyPart(req, WireBody))),
        guardApplies,
      ),
    ),
    write: access(WRITE, storedObject(type, ['object', 'body', 'national'])),
    remove: access(WRITE, storedObject(type, ['object', 'national'])),
    fields: access(LAES, scope(['shared'])),
  });

  /** A KLE-restricted caller's LoRa search and list of classes: the restriction is a criterion of the statement. */
  const klasseSearch: SearchScope = {
    async limits(req) {
      const within = callerKleScope(req);
      return within ? { criteria: [{ kind: 'attributeAny', field: 'brugervendtnoegle', patterns: within.lora }] } : undefined;
    },
    async visible(req, uuids) {
      const within = callerKleScope(req);
      if (!within) return undefined;
      const inside = await klasserInScope(store, uuids, within);
      return new Set([...inside].filter(([, ok]) => ok).map(([uuid]) => uuid));
    },
  };

  return {
    oioRoutes,
    klasseSearch,
    guard: async (req: FastifyRequest) => klaWriteGuard(callerOf(req)),
    fritekst: access(LAES, scope(['caller'], undefined, 'searchKlasser (the KLE restriction in its statement)')),
    hierarki: access(LAES, scope(['shared', 'caller'], undefined, 'readHierarchy (the KLE restriction in its class search)')),
    kleImport: access(
      ADMINISTRER,
      scope(['national'], (_req, caller) => {
        if (!caller.privileges.includes(ADMINISTRER)) throw klaError('NATIONAL_DATA_OPERATOR_ONLY', `The KLE import needs ${ADMINISTRER}`);
        if (caller.restrictions.kle.length)
          throw authError('DATA_OUTSIDE_RESTRICTION', 'The KLE import writes every class: a token with KLE numbers may not run it');
      }),
    ),
  };
}
