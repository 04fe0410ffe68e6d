import type { Caller } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import type { Content } from '../../../oio/model.ts';
import type { WriteGuard } from '../../../oio/store/oio-store.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { OWN_RELATION, POINTED_TYPES, type HierarchyType } from '../domain/membership.ts';
import { orgError } from '../errors.ts';
import { ownedBy, ownersOfMany, unitReach, UNIT_REACHED_TYPES, type Owned } from '../store/owners.ts';

const CVR_URN = /^urn:oio:cvr-nr:(\d{8})$/i;

/** The relation that makes an object of a type its organisation's (an organisation: its CVR in `virksomhed`). */
function ownRelationOf(type: string): string {
  return type === 'organisation' ? 'virksomhed' : (OWN_RELATION[type as HierarchyType] ?? 'tilhoerer');
}

/** The UUIDs a registration points to: by its own relation, and by every other. */
function targets(type: string, content: Content): { own: string[]; other: string[] } {
  const ownRelation = ownRelationOf(type);
  const own: string[] = [];
  const other: string[] = [];
  for (const [name, values] of Object.entries(content.relationer)) {
    for (const v of values) if (v.uuid) (name === ownRelation ? own : other).push(v.uuid.toLowerCase());
  }
  return { own, other };
}

const foreign = () => authError('MUNICIPALITY_NOT_ALLOWED');

/**
 * The checks of one registration about to be written that need no lookup: it names the caller's
 * municipality as its owner (an organisation its CVR; everything but persons and addresses an
 * organisation, which the lookup then finds to be the caller's).
 */
function checkOwnRelation(caller: Caller, type: string, content: Content, own: readonly string[]): void {
  if (type === 'organisation') {
    const cvrs = (content.relationer.virksomhed ?? []).map((v) => (v.urn ? CVR_URN.exec(v.urn)?.[1] : undefined));
    if (cvrs.length === 0)
      throw orgError('OWNER_REQUIRED', `An organisation written by a municipality's token names its CVR in virksomhed`);
    if (cvrs.some((c) => c !== caller.cvr)) throw foreign();
    return;
  }
  const values = content.relationer[ownRelationOf(type)] ?? [];
  if (values.length === 0 && !POINTED_TYPES.has(type))
    throw orgError('OWNER_REQUIRED', `A ${type} written by a municipality's token names its organisation in ${ownRelationOf(type)}`, {
      field: ownRelationOf(type),
    });
  if (values.some((v) => !v.uuid) || own.length !== values.length) throw foreign();
}

/**
 * The organisations a write names as owners must be the caller's: found, organisations, and of its
 * CVR. Every other object it points to, and the object itself as stored, must belong to the
 * caller's municipality or to none (a KLE class, a person no one points to yet).
 */
function checkOwners(
  caller: Caller,
  found: ReadonlyMap<string, Owned>,
  self: string | undefined,
  own: readonly string[],
  other: readonly string[],
): void {
  for (const org of own) {
    const owned = found.get(org);
    if (!owned?.found || owned.cvrs.length === 0 || !ownedBy(owned, caller.cvr)) throw foreign();
  }
  for (const uuid of self === undefined ? other : [self, ...other]) if (!ownedBy(found.get(uuid), caller.cvr)) throw foreign();
}

/**
 * A token restricted to organisation units writes only those units, functions tying people to them,
 * and the users, persons and addresses they reach; it creates nothing but such functions.
 */
async function checkUnits(
  caller: Caller,
  tx: Queryable,
  type: string,
  uuid: string,
  content: Content,
  previous: Content | undefined,
): Promise<void> {
  const units = caller.restrictions.organisationenheder;
  if (units.length === 0) return;
  const refuse = () => authError('DATA_OUTSIDE_RESTRICTION', "The write reaches outside the token's organisation units");
  const tied = (c: Content | undefined) => (c?.relationer.tilknyttedeenheder ?? []).map((v) => v.uuid?.toLowerCase());
  if (type === 'organisationenhed') {
    if (!units.includes(uuid)) throw refuse();
    return;
  }
  if (type === 'organisationfunktion') {
    const now = tied(content);
    if (now.length === 0 || now.some((u) => u === undefined || !units.includes(u))) throw refuse();
    if (previous && !tied(previous).some((u) => u !== undefined && units.includes(u))) throw refuse();
    return;
  }
  if (!UNIT_REACHED_TYPES.has(type) || !previous) throw refuse();
  if (!(await unitReach(tx, units)).get(type)?.has(uuid)) throw refuse();
}

/**
 * The guard of a municipality's writes to FK Organisation, asked inside each write's transaction
 * with what it would store: the object as stored must be the caller's (or no one's), what it will
 * store must name the caller's organisation as its owner, everything it points to must be the
 * caller's or no one's, and a unit restriction holds. One lookup per write (one per chunk of an
 * import), in the write's transaction.
 */
export function orgWriteGuard(caller: Caller): WriteGuard {
  const guard = async ({ type, uuid, action, content, previous, tx }: Parameters<WriteGuard>[0]) => {
    const self = uuid.toLowerCase();
    const removing = action === 'passiver' || action === 'slet';
    const { own, other } = removing ? { own: [], other: [] } : targets(type, content);
    if (!removing) checkOwnRelation(caller, type, content, own);
    const found = await ownersOfMany(tx, [self, ...own, ...other]);
    checkOwners(caller, found, self, own, other);
    await checkUnits(caller, tx, type, self, content, removing ? content : previous);
  };
  const batch: NonNullable<WriteGuard['batch']> = async ({ type, items, tx }) => {
    const each = items.map((item) => ({ item, ...targets(type, item.content) }));
    for (const { item, own } of each) {
      try {
        checkOwnRelation(caller, type, item.content, own);
      } catch (error) {
        return { uuid: item.uuid, error };
      }
    }
    const found = await ownersOfMany(tx, [...new Set(each.flatMap((e) => [...e.own, ...e.other]))]);
    for (const { item, own, other } of each) {
      try {
        checkOwners(caller, found, undefined, own, other);
        await checkUnits(caller, tx, type, item.uuid.toLowerCase(), item.content, undefined);
      } catch (error) {
        return { uuid: item.uuid, error };
      }
    }
    return undefined;
  };
  return Object.assign(guard, { batch });
}
