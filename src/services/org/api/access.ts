import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { scope, type RouteAccess } from '../../../platform/auth/access.ts';
import type { Caller } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import type { OioRouteAccess, SearchLimits, SearchScope } from '../../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../../oio/model.ts';
import { bodyPart, pathUuid } from '../../../platform/http/schemas.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { OWN_RELATION, OWN_RELATIONS, POINTED_BY, POINTED_TYPES, type HierarchyType } from '../domain/membership.ts';
import { organisationsOfCvr, ownedBy, ownersOfMany, unitReach, UNIT_REACHED_TYPES, type Owned, type UnitReach } from '../store/owners.ts';
import type { ReadScope } from '../store/read-models.ts';
import type { OwnerCache } from './owner-cache.ts';
import { orgWriteGuard } from './write-guard.ts';

export const LAES = 'laes';
export const SKRIV = 'skriv';
export const ANONYMISER = 'anonymiser';

/** What the checks of the import and the anonymiser read of their bodies. */
const ImportPart = Type.Object({ organisation: Type.Object({ uuid: Type.String() }) });
const PersonPart = Type.Object({ uuid: Type.Optional(Type.String()) });

const outsideUnits = () => authError('DATA_OUTSIDE_RESTRICTION', "The object lies outside the token's organisation units");

/**
 * FK Organisation's boundary: which municipality an object belongs to decides who may read and
 * write it (see store/owners.ts for the rule), and a token restricted to organisation units reaches
 * only those units and their people (store/owners.ts `unitReach`). Reads of one object check it
 * before the handler; lists, searches and read models carry the limits inside their statements;
 * writes are checked inside their transaction by the write guard, over what they would store.
 */
export function orgAccess(store: Queryable, cache: OwnerCache) {
  const organisationsOf = (cvr: string) => cache.organisationsOf(cvr, () => organisationsOfCvr(store, cvr));
  const reachOf = (units: readonly string[]) => cache.unitReach(units, () => unitReach(store, units));
  const owners = (type: string, uuid: string, fresh: boolean): Promise<Owned> => {
    const ask = async () => (await ownersOfMany(store, [uuid], type)).get(uuid) ?? { found: false, cvrs: [] };
    return fresh ? ask() : cache.ownersOf(type, uuid, ask);
  };

  /** Refuses an object another municipality owns, or one outside the caller's units. Unknown objects pass (the handler says 404). */
  async function checkObject(caller: Caller, type: string, uuid: string, fresh: boolean): Promise<void> {
    const owned = await owners(type, uuid, fresh);
    if (!ownedBy(owned, caller.cvr)) throw authError('MUNICIPALITY_NOT_ALLOWED');
    const units = caller.restrictions.organisationenheder;
    if (!owned.found || units.length === 0 || type === 'organisation') return;
    if (!(await reachOf(units)).get(type)?.has(uuid)) throw outsideUnits();
  }

  /** The limits inside a read model's statements: the caller's organisations, and its units when restricted. */
  async function readScope(caller: Caller): Promise<ReadScope> {
    const units = caller.restrictions.organisationenheder;
    return { organisations: [...(await organisationsOf(caller.cvr))], ...(units.length ? { units: [...units] } : {}) };
  }

  const access = (privilege: string, s: RouteAccess['scope']): RouteAccess => ({ privilege, scope: s });
  const guardApplies = 'orgWriteGuard, in the write transaction';

  /** The LoRa routes of one type. */
  const oioRoutes = (type: string): OioRouteAccess => ({
    read: access(
      LAES,
      scope(['object'], (req, caller) => checkObject(caller, type, pathUuid(req), false)),
    ),
    search: access(LAES, scope(['caller'], undefined, 'orgSearchScope: criteria and restriction inside the search statement')),
    create: access(SKRIV, scope(['body'], undefined, guardApplies)),
    write: access(
      SKRIV,
      scope(['object', 'body'], (req, caller) => checkObject(caller, type, pathUuid(req), true), guardApplies),
    ),
    remove: access(
      SKRIV,
      scope(['object'], (req, caller) => checkObject(caller, type, pathUuid(req), true), guardApplies),
    ),
    fields: access(LAES, scope(['shared'])),
  });

  /** A read model below one object: the object is checked, the rows are limited in the statements. */
  const readModel = (type: string) =>
    access(
      LAES,
      scope(
        ['object', 'caller'],
        (req, caller) => checkObject(caller, type, pathUuid(req), false),
        'read-models.ts: the ReadScope in each statement',
      ),
    );

  return {
    checkObject,
    readScope,
    oioRoutes,
    readModel,
    /** The whole organisation: its members are those of the organisation checked; a unit restriction cannot read it whole. */
    hierarchy: access(
      LAES,
      scope(['object'], async (req, caller) => {
        if (caller.restrictions.organisationenheder.length)
          throw authError('DATA_OUTSIDE_RESTRICTION', 'A token restricted to organisation units cannot read the whole organisation');
        await checkObject(caller, 'organisation', pathUuid(req), false);
      }),
    ),
    /** The organisation an import names must be the caller's (when it exists); every object is guarded as it is written. */
    import: access(
      SKRIV,
      scope(
        ['object', 'body'],
        async (req, caller) => {
          const uuid = bodyPart(req, ImportPart).organisation.uuid.toLowerCase();
          if (caller.restrictions.organisationenheder.length)
            throw authError('DATA_OUTSIDE_RESTRICTION', 'A token restricted to organisation units cannot import an organisation');
          await checkObject(caller, 'organisation', uuid, true);
        },
        guardApplies,
      ),
    ),
    /** A person named by UUID must be the caller's; by CPR, only the caller's persons are found. */
    anonymiser: access(
      ANONYMISER,
      scope(
        ['object', 'body'],
        async (req, caller) => {
          const uuid = bodyPart(req, PersonPart).uuid;
          if (uuid !== undefined) await checkObject(caller, 'person', uuid.toLowerCase(), true);
        },
        "anonymise: the persons a CPR number names, limited to the caller's",
      ),
    ),
    /** The guard of a request's writes. */
    guard: async (req: FastifyRequest) => (req.caller ? orgWriteGuard(req.caller) : undefined),
    /** The caller's limits on searches and lists of one type. */
    search: (decl: ObjectTypeDecl): SearchScope => orgSearchScope(decl, organisationsOf, reachOf, cache, store),
  };
}

/**
 * Limits LoRa's searches and lists of an FK Organisation type to the caller's municipality: an
 * organisation must name the caller's CVR in `virksomhed`; an object with its own relation
 * (`tilhoerer`, a function's `tilknyttedeorganisationer`) must belong to one of the caller's
 * organisations (at the same effective instant as the other criteria); a person or an address
 * without `tilhoerer` must be pointed to by an object of the caller's organisations. A token
 * restricted to units finds only what they reach. All of it inside the search statement.
 */
function orgSearchScope(
  decl: ObjectTypeDecl,
  organisationsOf: (cvr: string) => Promise<readonly string[]>,
  reachOf: (units: readonly string[]) => Promise<UnitReach>,
  cache: OwnerCache,
  store: Queryable,
): SearchScope {
  const type = decl.name;
  const own = OWN_RELATION[type as HierarchyType];
  const only = async (caller: Caller): Promise<readonly string[] | undefined> => {
    const units = caller.restrictions.organisationenheder;
    if (units.length === 0 || type === 'organisation') return undefined;
    if (!UNIT_REACHED_TYPES.has(type)) return [];
    return [...((await reachOf(units)).get(type) ?? [])];
  };
  return {
    async limits(req): Promise<SearchLimits | undefined> {
      const caller = req.caller;
      if (!caller) return undefined;
      if (type === 'organisation') return { criteria: [{ kind: 'relation', name: 'virksomhed', urn: `urn:oio:cvr-nr:${caller.cvr}` }] };
      const organisations = [...(await organisationsOf(caller.cvr))];
      const restricted = await only(caller);
      const criteria = POINTED_TYPES.has(type)
        ? [
            {
              kind: 'owner' as const,
              relation: 'tilhoerer',
              anyUuid: organisations,
              pointedBy: POINTED_BY,
              pointerRelations: OWN_RELATIONS,
            },
          ]
        : [{ kind: 'relation' as const, name: own ?? 'tilhoerer', anyUuid: organisations }];
      return { criteria, ...(restricted ? { only: restricted } : {}) };
    },
    async visible(req, uuids) {
      const caller = req.caller;
      if (!caller) return undefined;
      const wanted = [...new Set(uuids.map((u) => u.toLowerCase()))];
      const found = await cache.ownersOfAll(type, wanted, (missing) => ownersOfMany(store, missing, type));
      const restricted = await only(caller);
      return new Set(
        wanted.filter(
          (uuid) =>
            found.get(uuid)?.cvrs.includes(caller.cvr) &&
            ownedBy(found.get(uuid), caller.cvr) &&
            (!restricted || restricted.includes(uuid)),
        ),
      );
    },
  };
}
