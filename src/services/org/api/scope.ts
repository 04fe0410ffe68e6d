import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unitAllowed, type Caller } from '../../../platform/auth/caller.ts';
import { authError } from '../../../platform/auth/errors.ts';
import type { Content } from '../../../oio/model.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import type { Queryable } from '../../../platform/store/store.ts';
import { OWN_RELATIONS, POINTED_BY, POINTED_TYPES } from '../domain/membership.ts';
import type { SearchScope } from '../../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../../oio/model.ts';

const CVR_URN = /^urn:oio:cvr-nr:(\d{8})$/i;
// LoRa's routes (/organisation/{type}[/:uuid]) and the read routes below one object
// (/organisation/{type}/:uuid/hierarki, …/underenheder …): the object named is checked.
const ROUTE = /^\/organisation\/([a-z]+)(?:\/:uuid(?:\/[a-z-]+)?)?$/;

interface WireRelations {
  readonly relationer?: Readonly<Record<string, readonly { uuid?: string; urn?: string }[]>>;
}

/** The CVR numbers an organisation names in `virksomhed`, at any effective time. */
function cvrsOfOrganisation(relations: Readonly<Record<string, readonly { urn?: string | undefined }[]>> | undefined): string[] {
  return (relations?.virksomhed ?? []).flatMap((r) => {
    const m = r.urn ? CVR_URN.exec(r.urn) : null;
    return m ? [m[1]!] : [];
  });
}

/**
 * Which municipality (CVR) owns what, from the current registrations: an organisation by its
 * `virksomhed` CVR URN, a unit by the organisation it belongs to (`tilhoerer`).
 */
export function ownership(oio: OioStore) {
  const current = async (type: string, uuid: string): Promise<Content | undefined> => {
    const [obj] = await oio.list(type, [uuid]);
    return obj?.registreringer.at(-1)?.content;
  };
  const organisationCvrs = async (uuid: string, cache: Map<string, string[]>): Promise<string[]> => {
    if (!cache.has(uuid)) cache.set(uuid, cvrsOfOrganisation((await current('organisation', uuid))?.relationer));
    return cache.get(uuid)!;
  };
  /** The CVR numbers behind references to organisations or organisation units (unknown ones: none). */
  const cvrsOf = async (uuids: readonly string[], cache = new Map<string, string[]>()): Promise<string[]> => {
    const out: string[] = [];
    for (const raw of uuids) {
      const uuid = raw.toLowerCase();
      const asOrganisation = await organisationCvrs(uuid, cache);
      if (asOrganisation.length) {
        out.push(...asOrganisation);
        continue;
      }
      const unit = await current('organisationenhed', uuid);
      for (const r of unit?.relationer.tilhoerer ?? []) if (r.uuid) out.push(...(await organisationCvrs(r.uuid.toLowerCase(), cache)));
    }
    return out;
  };
  return { current, organisationCvrs, cvrsOf };
}

/**
 * The CVR numbers that own stored objects of one type, in one statement: an organisation's own
 * `virksomhed` CVR URNs, or those of the organisations its `tilhoerer` names; read from the current
 * registrations' JSON. A person or address without `tilhoerer` belongs where the objects that
 * point to it belong (`tilknyttedepersoner`, `ansatte`, `adresser`: a user's person, a unit's
 * address), as in the hierarchy. One row per object that has a current registration of the type.
 */
const OWNER_CVRS_SQL = `
WITH r AS (
  SELECT objekt_uuid, objekttype, indhold FROM oio_registrering
  WHERE objekt_uuid = ANY($1::uuid[]) AND objekttype = $2 AND til = 'infinity'
),
orgs AS (
  SELECT objekt_uuid AS obj, objekt_uuid AS org FROM r WHERE objekttype = 'organisation'
  UNION
  SELECT r.objekt_uuid, (t.v->>'uuid')::uuid FROM r, jsonb_array_elements(coalesce(r.indhold->'relationer'->'tilhoerer', '[]')) AS t(v)
  WHERE r.objekttype <> 'organisation' AND t.v ? 'uuid'
  UNION
  SELECT r.objekt_uuid, CASE WHEN o.objekttype = 'organisation' THEN o.objekt_uuid ELSE (t.v->>'uuid')::uuid END
  FROM r
  JOIN oio_soegeindeks v ON v.maal_uuid = r.objekt_uuid AND v.kind = 'r' AND v.felt = ANY($3::text[])
  JOIN oio_registrering o ON o.id = v.registrering_id AND o.til = 'infinity'
  LEFT JOIN LATERAL jsonb_array_elements(coalesce(o.indhold->'relationer'->(CASE WHEN o.objekttype = 'organisationfunktion'
    THEN 'tilknyttedeorganisationer' ELSE 'tilhoerer' END), '[]')) AS t(v) ON true
  WHERE r.objekttype = ANY($4::text[]) AND jsonb_array_length(coalesce(r.indhold->'relationer'->'tilhoerer', '[]')) = 0
    AND (o.objekttype = 'organisation' OR t.v ? 'uuid')
)
SELECT r.objekt_uuid::text AS uuid,
  (SELECT coalesce(json_agg(DISTINCT substring(c.v->>'urn' FROM '^[uU][rR][nN]:oio:cvr-nr:([0-9]{8})$')), '[]')
   FROM orgs JOIN oio_registrering o ON o.objekt_uuid = orgs.org AND o.objekttype = 'organisation' AND o.til = 'infinity'
   CROSS JOIN jsonb_array_elements(coalesce(o.indhold->'relationer'->'virksomhed', '[]')) AS c(v)
   WHERE orgs.obj = r.objekt_uuid AND c.v->>'urn' ~* '^urn:oio:cvr-nr:[0-9]{8}$') AS cvrs
FROM r`;

interface Owned {
  readonly found: boolean;
  readonly cvrs: readonly string[];
}

async function ownerCvrs(db: Queryable, type: string, uuid: string): Promise<Owned> {
  return (await ownersOfMany(db, type, [uuid])).get(uuid) ?? { found: false, cvrs: [] };
}

/** {@link ownerCvrs} of many objects of one type at once: those with a current registration. */
async function ownersOfMany(db: Queryable, type: string, uuids: readonly string[]): Promise<Map<string, Owned>> {
  const { rows } = await db.query<{ uuid: string; cvrs: (string | null)[] }>(OWNER_CVRS_SQL, [uuids, type, POINTED_BY, [...POINTED_TYPES]]);
  return new Map(rows.map((r) => [r.uuid, { found: true, cvrs: r.cvrs.filter((c): c is string => c !== null) }]));
}

/** The CVR numbers of organisations (`virksomhed`), by organisation UUID: those found current. */
export async function organisationCvrsOf(db: Queryable, organisations: readonly string[]): Promise<Map<string, readonly string[]>> {
  const owners = await ownersOfMany(db, 'organisation', organisations);
  return new Map([...owners].map(([uuid, owned]) => [uuid, owned.cvrs]));
}

/** How long a read reuses what it found about owners, in ms (writes always ask the database). */
const OWNERS_REUSED_MS = 5_000;
const OWNERS_KEPT = 50_000;

/**
 * What reads last found about owners, for {@link OWNERS_REUSED_MS}: the owners (CVRs) of objects,
 * and the organisations of a CVR. They change only when an object's `tilhoerer` or an
 * organisation's CVR does, and every read and search would otherwise ask for them first. A write
 * through this process forgets the object it wrote (everything when it writes an organisation); a
 * write through another instance is seen within the time.
 */
export class OwnerCache {
  private readonly owners = new Map<string, { until: number; value: Owned }>();
  /** Persons and addresses: their owners may come from the objects pointing to them. */
  private pointedTo = new Map<string, { until: number; value: Owned }>();
  private readonly organisations = new Map<string, { until: number; value: readonly string[] }>();

  constructor(private readonly now: () => number = Date.now) {}

  private mapOf(type: string): Map<string, { until: number; value: Owned }> {
    return POINTED_TYPES.has(type) ? this.pointedTo : this.owners;
  }

  /** The owners of an object, as a read found them lately, or asked now. */
  ownersOf(type: string, uuid: string, ask: () => Promise<Owned>): Promise<Owned> {
    return this.reuse(this.mapOf(type), `${type} ${uuid}`, ask);
  }

  /** The organisations of a CVR, as a search found them lately, or asked now. */
  organisationsOf(cvr: string, ask: () => Promise<readonly string[]>): Promise<readonly string[]> {
    return this.reuse(this.organisations, cvr, ask);
  }

  /** The owners of many objects of one type: those found lately, and the others asked at once. */
  async ownersOfAll(
    type: string,
    uuids: readonly string[],
    ask: (missing: readonly string[]) => Promise<Map<string, Owned>>,
  ): Promise<Map<string, Owned>> {
    const now = this.now();
    const owners = this.mapOf(type);
    const out = new Map<string, Owned>();
    const missing: string[] = [];
    for (const uuid of uuids) {
      const entry = owners.get(`${type} ${uuid}`);
      if (entry && entry.until > now) out.set(uuid, entry.value);
      else missing.push(uuid);
    }
    if (missing.length) {
      const found = await ask(missing);
      for (const uuid of missing) {
        const owned = found.get(uuid) ?? { found: false, cvrs: [] };
        out.set(uuid, owned);
        this.put(owners, `${type} ${uuid}`, owned, now);
      }
    }
    return out;
  }

  private async reuse<T>(entries: Map<string, { until: number; value: T }>, key: string, ask: () => Promise<T>): Promise<T> {
    const now = this.now();
    const entry = entries.get(key);
    if (entry && entry.until > now) return entry.value;
    const value = await ask();
    this.put(entries, key, value, now);
    return value;
  }

  private put<T>(entries: Map<string, { until: number; value: T }>, key: string, value: T, now: number): void {
    if (entries.size >= OWNERS_KEPT) entries.clear();
    entries.set(key, { until: now + OWNERS_REUSED_MS, value });
  }

  /**
   * After a write of `uuid` (none: a new object). A write of any other type may change who points
   * to a person or an address, so what was found about those is forgotten too.
   */
  forget(type: string, uuid: string | undefined): void {
    if (type === 'organisation') {
      this.owners.clear();
      this.pointedTo = new Map();
      this.organisations.clear();
      return;
    }
    if (uuid !== undefined) this.mapOf(type).delete(`${type} ${uuid}`);
    if (!POINTED_TYPES.has(type)) this.pointedTo = new Map();
  }
}

/**
 * Limits FK Organisation to the caller's own municipality, where the data says which that is:
 * an organisation by its `virksomhed` CVR URN; every object with `tilhoerer` by the organisation
 * it belongs to; a person or address without one by the objects that point to it. Checked for the
 * object a route names (read, update, passivate, delete, and the read models below it: hierarchy,
 * sub-units, users …) and for the organisation or `tilhoerer` a write's body names. Objects that
 * belong to no organisation and organisations without a CVR are not limited. Organisation unit data
 * restrictions apply to reads and writes of those units. Searches and lists: see
 * {@link orgSearchScope}.
 */
export function registerOrgScope(
  app: FastifyInstance,
  oio: OioStore,
  store: Queryable,
  types: ReadonlySet<string>,
  cache: OwnerCache = new OwnerCache(),
): void {
  const { organisationCvrs } = ownership(oio);
  const owners = async (
    type: string,
    relations: WireRelations['relationer'] | Content['relationer'] | undefined,
    cache: Map<string, string[]>,
  ) => {
    if (type === 'organisation') return cvrsOfOrganisation(relations);
    const orgs = (relations?.tilhoerer ?? []).flatMap((r) => (r.uuid ? [r.uuid.toLowerCase()] : []));
    return (await Promise.all(orgs.map((o) => organisationCvrs(o, cache)))).flat();
  };
  const check = (caller: Caller, cvrs: readonly string[]) => {
    const foreign = cvrs.filter((c) => c !== caller.cvr);
    if (foreign.length) throw authError('MUNICIPALITY_NOT_ALLOWED', undefined, { cvr: [...new Set(foreign)] });
  };

  // After a write (whatever its outcome) the object's owners are asked again.
  app.addHook('onResponse', async (req: FastifyRequest) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const m = ROUTE.exec(req.routeOptions.url ?? '');
    if (m && types.has(m[1]!)) cache.forget(m[1]!, (req.params as { uuid?: string }).uuid?.toLowerCase());
  });

  app.addHook('preHandler', async (req: FastifyRequest) => {
    const caller = req.caller;
    const m = caller ? ROUTE.exec(req.routeOptions.url ?? '') : null;
    if (!caller || !m || !types.has(m[1]!)) return;
    const type = m[1]!;
    const uuid = (req.params as { uuid?: string }).uuid?.toLowerCase();
    const orgCvrs = new Map<string, string[]>();
    if (type === 'organisationenhed' && uuid && !unitAllowed(caller.restrictions, uuid))
      throw authError('DATA_OUTSIDE_RESTRICTION', 'The organisation unit is outside the token’s units', { uuid });
    if (uuid) {
      const ask = () => ownerCvrs(store, type, uuid);
      const owned = req.method === 'GET' ? await cache.ownersOf(type, uuid, ask) : await ask();
      if (owned.found) check(caller, owned.cvrs);
    }
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      const body = req.body as WireRelations | undefined;
      if (body?.relationer) check(caller, await owners(type, body.relationer, orgCvrs));
      if (type === 'organisationenhed' && req.method === 'POST' && caller.restrictions.organisationenheder.length)
        throw authError('DATA_OUTSIDE_RESTRICTION', 'A token restricted to units cannot create new ones');
    }
  });
}

/**
 * Limits LoRa's searches and lists of an FK Organisation type to the caller's municipality: an
 * organisation must name the caller's CVR in `virksomhed`; an object with `tilhoerer` must belong
 * to one of the caller's organisations (at the same effective instant as the other criteria). A
 * person or an address without `tilhoerer` must be pointed to by an object of the caller's
 * organisations (a user's `tilknyttedepersoner`, a unit's `adresser`), as reads judge it.
 */
export function orgSearchScope(
  oio: OioStore,
  store: Queryable,
  decl: ObjectTypeDecl,
  cache: OwnerCache = new OwnerCache(),
): SearchScope | undefined {
  const byCvr = decl.name === 'organisation';
  if (!byCvr && !decl.relations.some((r) => r.name === 'tilhoerer')) return undefined;
  const organisationsOf = (cvr: string) =>
    cache.organisationsOf(cvr, async () =>
      oio.soeg('organisation', {
        criteria: [{ kind: 'relation', name: 'virksomhed', urn: `urn:oio:cvr-nr:${cvr}` }],
        virkning: { from: -Infinity, to: Infinity },
        registreringstid: await oio.now(),
        limit: 10_000,
      }),
    );
  return {
    async criteria(req) {
      const caller = req.caller;
      if (!caller) return undefined;
      if (byCvr) return [{ kind: 'relation', name: 'virksomhed', urn: `urn:oio:cvr-nr:${caller.cvr}` }];
      const organisations = [...(await organisationsOf(caller.cvr))];
      // A person or an address without `tilhoerer` belongs where the objects pointing to it belong.
      if (POINTED_TYPES.has(decl.name))
        return [
          {
            kind: 'owner',
            relation: 'tilhoerer',
            anyUuid: organisations,
            pointedBy: POINTED_BY,
            pointerRelations: OWN_RELATIONS,
          },
        ];
      return [{ kind: 'relation', name: 'tilhoerer', anyUuid: organisations }];
    },
    async visible(req, uuids) {
      const caller = req.caller;
      if (!caller) return undefined;
      const wanted = [...new Set(uuids.map((u) => u.toLowerCase()))];
      const owners = await cache.ownersOfAll(decl.name, wanted, (missing) => ownersOfMany(store, decl.name, missing));
      return new Set(wanted.filter((uuid) => owners.get(uuid)?.cvrs.includes(caller.cvr)));
    },
  };
}
