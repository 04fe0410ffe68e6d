import { Type, type TProperties } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { callerOf } from '../../../platform/auth/http.ts';
import type { orgAccess } from './access.ts';
import type { AuditLog } from '../../../platform/audit.ts';
import { auditActor } from '../../../platform/auth/caller.ts';
import {
  Bool,
  errorResponses,
  Flag,
  INVALID_INPUT,
  Int,
  page,
  PageQuery,
  Paged,
  SCOPE_REFUSED,
  Str,
  StringEnum,
  TOKEN_REFUSED,
  typed,
  UuidParams,
} from '../../../platform/http/schemas.ts';
import type { Store } from '../../../platform/store/store.ts';
import { registrationSelection, virkningSelection, type Query } from '../../../oio/api/query.ts';
import { formatInstant, parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { OioErrors, oioError } from '../../../oio/errors.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import { decodeHierarchyCursor, encodeHierarchyCursor } from '../store/hierarchy-cursor.ts';
import type { PersonRead } from '../store/hierarchy-lines.ts';
import type { HierarchyKey, HierarchyPin } from '../store/hierarchy-scan.ts';
import { hierarchyNdjson, readHierarchyPage } from '../store/hierarchy-stream.ts';
import {
  ancestors,
  requireObject,
  subtree,
  unitsWithAddressRole,
  unitsWithTask,
  userFunctions,
  worksIn,
  type ReadAt,
  type TilknytningKey,
} from '../store/read-models.ts';
import { decodeWorksInCursor, encodeWorksInCursor } from './works-in-cursor.ts';

const optional = Type.Optional;
const TimeQuery = {
  virkningstid: optional(Type.String({ description: 'Effective instant (default now)' })),
  registreringstid: optional(Type.String({ description: 'Registration time (default now)' })),
};
const Stamp = { registreringstid: optional(Str), virkningstid: optional(Str) };
const PageSize = Type.String({ pattern: '^([1-9][0-9]{0,3}|10000)$' });

/** What a read about one object may answer besides its own: bad times, the object missing or deleted. */
const errors = errorResponses(
  INVALID_INPUT,
  TOKEN_REFUSED,
  SCOPE_REFUSED,
  [OioErrors.INVALID_PARAMETER, OioErrors.INVALID_TIMESTAMP, OioErrors.INVALID_CURSOR],
  [OioErrors.OBJECT_NOT_FOUND, OioErrors.OBJECT_DELETED],
);

const UnitRef = { uuid: optional(Str), brugervendtnoegle: optional(Str), enhedsnavn: optional(Str) };

/** The query of a read model: the two times and these. */
function querySchema<P extends TProperties>(extra: P) {
  return Type.Object({ ...TimeQuery, ...extra }, { additionalProperties: false });
}

/** A read model's answer: the times read at, and these. */
function ok<P extends TProperties>(properties: P) {
  return { 200: Type.Object({ ...Stamp, ...properties }), ...errors };
}

/** The instant pair of a read: the given times, or now (the database's clock for the registration time). */
async function readAt(oio: OioStore, q: Query): Promise<ReadAt> {
  const reg = registrationSelection(q);
  const sel = virkningSelection(q);
  if ('from' in reg || sel === 'all' || !('at' in sel))
    throw oioError('INVALID_PARAMETER', 'Read at one virkningstid and registreringstid');
  return { registreringstid: reg.at ?? (await oio.now()), virkningstid: formatInstant(sel.at) };
}

function relationTarget(value: string, parameter: string): { uuid: string } | { urn: string } {
  if (isUuid(value)) return { uuid: value.toLowerCase() };
  if (/^urn:/i.test(value)) return { urn: value };
  throw oioError('INVALID_PARAMETER', `${parameter}: "${value}" is neither a UUID nor a URN`, { parameter });
}

/** The registration time a query names, if any (the read models take no window). */
function registrationAt(q: Query): string | undefined {
  const reg = registrationSelection(q);
  return 'at' in reg ? reg.at : undefined;
}

const PAGE_DEFAULT = 1000;

/**
 * FK Organisation's reads beyond LoRa's: the whole organisation streamed from one snapshot
 * (fremsøg objekthierarki), and the read models (unit tree, who works where, units by task or
 * address role). Static routes after `/:uuid`, beside LoRa's `/organisation/{type}/:uuid`.
 */
export function registerOrgReadRoutes(
  parent: FastifyInstance,
  deps: { oio: OioStore; store: Store; audit?: AuditLog; access: ReturnType<typeof orgAccess> },
): void {
  const app = typed(parent);
  const { oio, store, access } = deps;
  const limits = (req: FastifyRequest) => access.readScope(callerOf(req));

  app.get(
    '/organisation/:uuid/hierarki',
    {
      config: { access: access.hierarchy },
      schema: {
        tags: ['organisation/organisation'],
        summary: 'Fremsøg objekthierarki: everything of one organisation as of (virkningstid, registreringstid), from one snapshot',
        description:
          'Members: the organisation; units, users, IT systems, interest groups, persons and addresses whose `tilhoerer` is the ' +
          'organisation, functions whose `tilknyttedeorganisationer` is; and addresses and persons those point to. In ' +
          '(objekttype, uuid) order, each as `{"objekttype", "uuid", …registration}` with the values holding at virkningstid. ' +
          'Default: NDJSON (`application/x-ndjson`), streamed. `format=json`: pages `{"objekter", "naeste"}`; pass `naeste` as ' +
          '`efter` for the next page, which reads the state the first page pinned. The pinned times are in the headers ' +
          '`x-registreringstid` and `x-virkningstid`.',
        produces: ['application/x-ndjson', 'application/json'],
        params: UuidParams,
        querystring: querySchema({
          format: optional(StringEnum(['ndjson', 'json'])),
          ...PageQuery,
          maximalantalresultater: optional(Type.String({ ...PageSize, description: 'Page size with format=json' })),
        }),
        response: {
          // Sent as text (NDJSON, or a page put together around members stored as JSON): the schema
          // describes the page, the type is what the handler sends.
          200: Type.Unsafe<string | Readable>(
            Type.Object({
              ...Stamp,
              objekter: optional(Type.Array(Type.Unsafe<object>({ type: 'object', additionalProperties: true }))),
              ...Paged,
            }),
          ),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const organisation = req.params.uuid.toLowerCase();
      const q = req.query;
      let pin: HierarchyPin;
      let after: HierarchyKey | undefined;
      if (q.efter !== undefined) {
        ({ pin, after } = decodeHierarchyCursor(q.efter, organisation));
        // Times repeated beside the cursor must be the ones it pinned.
        if (q.virkningstid !== undefined && parseInstant(q.virkningstid, 'virkningstid') !== pin.virkningstid)
          throw oioError('INVALID_CURSOR', 'The cursor was read at another virkningstid');
        if (q.registreringstid !== undefined && registrationAt(q) !== pin.registreringstid)
          throw oioError('INVALID_CURSOR', 'The cursor was read at another registreringstid');
      } else {
        const at = registrationAt(q);
        const sel = virkningSelection(q);
        if (sel === 'all' || !('at' in sel) || !Number.isFinite(sel.at))
          throw oioError('INVALID_PARAMETER', 'virkningstid must be an instant, not infinity');
        const pinned = at !== undefined ? { registreringstid: at } : await oio.pin();
        pin = { organisation, ...pinned, virkningstid: sel.at };
        const [org] = await oio.list('organisation', [organisation], { at: pin.registreringstid, snapshot: pin.snapshot });
        if (!org) throw oioError('OBJECT_NOT_FOUND');
        if (org.registreringer[org.registreringer.length - 1]!.livscykluskode === 'Slettet') throw oioError('OBJECT_DELETED');
      }
      reply.header('x-registreringstid', pin.registreringstid);
      reply.header('x-virkningstid', formatInstant(pin.virkningstid));
      const stamps = { registreringstid: pin.registreringstid, virkningstid: formatInstant(pin.virkningstid) };
      // The hierarchy holds the organisation's persons: each one read is audited, chunk by chunk.
      const audit = deps.audit;
      const onPersons = audit
        ? (persons: readonly PersonRead[]) =>
            audit.recordReads(
              store,
              { ...auditActor(req.caller), action: 'laes', objectType: 'person', purpose: 'organisationens hierarki', requestId: req.id },
              persons,
            )
        : undefined;
      if (q.format === 'json') {
        const size = Number(q.maximalantalresultater ?? PAGE_DEFAULT);
        const { lines, last, more } = await readHierarchyPage(store, pin, after, size, onPersons);
        // The members are JSON text already: the page is put together around them, not serialised again.
        const head = JSON.stringify(page(stamps, more && last ? encodeHierarchyCursor(pin, last) : undefined));
        return reply.type('application/json; charset=utf-8').send(`${head.slice(0, -1)},"objekter":[${lines.join(',')}]}`);
      }
      return reply.type('application/x-ndjson').send(hierarchyNdjson(store, pin, after, onPersons));
    },
  );
  app.get(
    '/organisationenhed/:uuid/overordnede',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: "A unit's ancestors, nearest first, to the root unit, as of (virkningstid, registreringstid)",
        params: UuidParams,
        querystring: querySchema({}),
        response: ok({
          uuid: optional(Str),
          overordnede: optional(Type.Array(Type.Object({ ...UnitRef, niveau: optional(Int) }))),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const at = await readAt(oio, req.query);
      await requireObject(store, 'organisationenhed', uuid, at);
      return { ...at, uuid, overordnede: await ancestors(store, uuid, at, await limits(req)) };
    },
  );

  app.get(
    '/organisationenhed/:uuid/underenheder',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: 'Every unit below a unit, with its parent and depth (1: a child), as of (virkningstid, registreringstid)',
        params: UuidParams,
        querystring: querySchema({}),
        response: ok({
          uuid: optional(Str),
          underenheder: optional(Type.Array(Type.Object({ ...UnitRef, overordnet: optional(Str), niveau: optional(Int) }))),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const at = await readAt(oio, req.query);
      await requireObject(store, 'organisationenhed', uuid, at);
      return { ...at, uuid, underenheder: await subtree(store, uuid, at, await limits(req)) };
    },
  );

  app.get(
    '/organisationenhed/:uuid/brugere',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: 'Who works in a unit (with undertraeer=true: in it or below it): users tied to it by a function valid at virkningstid',
        description:
          'One row per user, unit and function, in (enhed, funktion, bruger) UUID order, a page at a time ' +
          '(`maximalantalresultater`, default 1000). When more follow, `naeste` is passed back as `efter` for the next page, ' +
          'which reads at the times the first page was read at.',
        params: UuidParams,
        querystring: querySchema({ undertraeer: optional(Flag), maximalantalresultater: optional(PageSize), ...PageQuery }),
        response: ok({
          uuid: optional(Str),
          ...Paged,
          tilknytninger: optional(
            Type.Array(
              Type.Partial(
                Type.Object({
                  bruger: Str,
                  brugervendtnoegle: Str,
                  brugernavn: Str,
                  enhed: Str,
                  enhedsnavn: Str,
                  funktion: Str,
                  funktionsnavn: Str,
                  funktionstype: Str,
                }),
              ),
            ),
          ),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const q = req.query;
      const subtree = q.undertraeer === 'true';
      let at: ReadAt;
      let after: TilknytningKey | undefined;
      if (q.efter !== undefined) {
        ({ at, after } = decodeWorksInCursor(q.efter, uuid, subtree));
      } else {
        at = await readAt(oio, q);
        await requireObject(store, 'organisationenhed', uuid, at);
      }
      const { tilknytninger, last } = await worksIn(
        store,
        uuid,
        at,
        subtree,
        await limits(req),
        Number(q.maximalantalresultater ?? PAGE_DEFAULT),
        after,
      );
      return page({ ...at, uuid, tilknytninger }, last ? encodeWorksInCursor(uuid, subtree, at, last) : undefined);
    },
  );

  app.get(
    '/bruger/:uuid/enheder',
    {
      config: { access: access.readModel('bruger') },
      schema: {
        tags: ['organisation/bruger'],
        summary: "A user's functions valid at virkningstid, each with the units it ties the user to, and those units",
        params: UuidParams,
        querystring: querySchema({}),
        response: ok({
          uuid: optional(Str),
          funktioner: optional(
            Type.Array(
              Type.Object({
                funktion: optional(Str),
                funktionsnavn: optional(Str),
                funktionstype: optional(Str),
                enheder: optional(Type.Array(Type.Object(UnitRef))),
              }),
            ),
          ),
          enheder: optional(Type.Array(Type.Object(UnitRef))),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const at = await readAt(oio, req.query);
      await requireObject(store, 'bruger', uuid, at);
      const funktioner = await userFunctions(store, uuid, at, await limits(req));
      const enheder = new Map<string, (typeof funktioner)[number]['enheder'][number]>();
      for (const f of funktioner) for (const e of f.enheder) enheder.set(e.uuid, e);
      return { ...at, uuid, funktioner, enheder: [...enheder.values()] };
    },
  );

  app.get(
    '/organisation/:uuid/enheder-med-opgave',
    {
      config: { access: access.readModel('organisation') },
      schema: {
        tags: ['organisation/organisation'],
        summary: "The organisation's units with a task (KLE class UUID or URN) at virkningstid; arvede=true: also those below them",
        params: UuidParams,
        querystring: querySchema({ opgave: Str, arvede: optional(Flag) }),
        response: ok({
          uuid: optional(Str),
          opgave: optional(Str),
          enheder: optional(Type.Array(Type.Object({ ...UnitRef, arvet: optional(Bool), arvetfra: optional(Str) }))),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const q = req.query;
      const task = relationTarget(q.opgave, 'opgave');
      const at = await readAt(oio, q);
      await requireObject(store, 'organisation', uuid, at);
      return {
        ...at,
        uuid,
        opgave: 'uuid' in task ? task.uuid : task.urn,
        enheder: await unitsWithTask(store, uuid, task, q.arvede === 'true', at, await limits(req)),
      };
    },
  );

  app.get(
    '/organisation/:uuid/enheder-med-adresserolle',
    {
      config: { access: access.readModel('organisation') },
      schema: {
        tags: ['organisation/organisation'],
        summary: "The organisation's units with an address of a role (UUID or URN) at virkningstid, with those addresses",
        params: UuidParams,
        querystring: querySchema({ rolle: Str }),
        response: ok({
          uuid: optional(Str),
          rolle: optional(Str),
          enheder: optional(
            Type.Array(
              Type.Object({
                ...UnitRef,
                adresser: optional(
                  Type.Array(Type.Partial(Type.Object({ uuid: Str, urn: Str, rolle: Str, type: Str, indeks: Int, adressetekst: Str }))),
                ),
              }),
            ),
          ),
        }),
      },
    },
    async (req) => {
      const uuid = req.params.uuid.toLowerCase();
      const q = req.query;
      const role = relationTarget(q.rolle, 'rolle');
      const rolle = 'uuid' in role ? role.uuid : role.urn;
      const at = await readAt(oio, q);
      await requireObject(store, 'organisation', uuid, at);
      return { ...at, uuid, rolle, enheder: await unitsWithAddressRole(store, uuid, rolle, at, await limits(req)) };
    },
  );
}
