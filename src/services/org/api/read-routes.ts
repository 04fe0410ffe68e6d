import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../../platform/auth/http.ts';
import type { orgAccess } from './access.ts';
import type { AuditLog } from '../../../platform/audit.ts';
import { auditActor } from '../../../platform/auth/caller.ts';
import { errorBodySchema } from '../../../platform/http/server.ts';
import type { Store } from '../../../platform/store/store.ts';
import { cursorState, cursorText, registrationSelection, virkningSelection, type Query } from '../../../oio/api/query.ts';
import { formatInstant, parseInstant } from '../../../oio/domain/time.ts';
import { isUuid } from '../../../oio/domain/validate.ts';
import { oioError } from '../../../oio/errors.ts';
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

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const flag = { type: 'string', enum: ['true', 'false'] } as const;
const timeQuery = {
  virkningstid: { type: 'string', description: 'Effective instant (default now)' },
  registreringstid: { type: 'string', description: 'Registration time (default now)' },
} as const;
const uuidParams = { type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, required: ['uuid'] } as const;
const errors = { 400: errorBodySchema, 404: errorBodySchema, 410: errorBodySchema } as const;
const stamp = { registreringstid: str, virkningstid: str } as const;

const unitRef = { uuid: str, brugervendtnoegle: str, enhedsnavn: str } as const;

function querySchema(extra: Record<string, unknown> = {}, required: string[] = []) {
  return { type: 'object', properties: { ...timeQuery, ...extra }, required, additionalProperties: false } as const;
}

function ok(properties: Record<string, unknown>) {
  return { 200: { type: 'object', properties: { ...stamp, ...properties } }, ...errors };
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

const PAGE_DEFAULT = 1000;

/** A page of "who works here": the unit, whether with its subtree, the times read at, and the last row. */
interface WorksInCursor {
  u: string;
  s: boolean;
  registreringstid: string;
  virkningstid: string;
  k: TilknytningKey;
}

function encodeWorksInCursor(state: WorksInCursor): string {
  return cursorText(state);
}

function decodeWorksInCursor(raw: string, unit: string, subtree: boolean): { at: ReadAt; after: TilknytningKey } {
  const state = cursorState(raw) as WorksInCursor;
  const ok =
    state !== null &&
    typeof state === 'object' &&
    typeof state.registreringstid === 'string' &&
    typeof state.virkningstid === 'string' &&
    Array.isArray(state.k) &&
    state.k.length === 3 &&
    state.k.every((k) => typeof k === 'string' && isUuid(k));
  if (!ok) throw oioError('INVALID_CURSOR');
  if (state.u !== unit || state.s !== subtree)
    throw oioError('INVALID_CURSOR', 'The cursor belongs to another unit or another undertraeer');
  try {
    parseInstant(state.registreringstid);
    parseInstant(state.virkningstid);
  } catch {
    throw oioError('INVALID_CURSOR');
  }
  return { at: { registreringstid: state.registreringstid, virkningstid: state.virkningstid }, after: state.k };
}

/**
 * FK Organisation's reads beyond LoRa's: the whole organisation streamed from one snapshot
 * (fremsøg objekthierarki), and the read models (unit tree, who works where, units by task or
 * address role). Static routes after `/:uuid`, beside LoRa's `/organisation/{type}/:uuid`.
 */
export function registerOrgReadRoutes(
  app: FastifyInstance,
  deps: { oio: OioStore; store: Store; audit?: AuditLog; access: ReturnType<typeof orgAccess> },
): void {
  const { oio, store, access } = deps;
  const limits = (req: FastifyRequest) => access.readScope(callerOf(req));

  app.get(
    '/organisation/organisation/:uuid/hierarki',
    {
      config: { access: access.hierarchy },
      schema: {
        tags: ['organisation/organisation'],
        summary: 'Fremsøg objekthierarki: everything of one organisation as of (virkningstid, registreringstid), from one snapshot',
        description:
          'Members: the organisation; units, users, IT systems, interest groups, persons and addresses whose `tilhoerer` is the ' +
          'organisation, functions whose `tilknyttedeorganisationer` is; and addresses and persons those point to. In ' +
          '(objekttype, uuid) order, each as `{"objekttype", "uuid", …registration}` with the values holding at virkningstid. ' +
          'Default: NDJSON (`application/x-ndjson`), streamed. `format=json`: pages `{"objekter", "next"}`; pass `next` as ' +
          '`cursor` for the next page, which reads the state the first page pinned. The pinned times are in the headers ' +
          '`x-registreringstid` and `x-virkningstid`.',
        produces: ['application/x-ndjson', 'application/json'],
        params: uuidParams,
        querystring: querySchema({
          format: { type: 'string', enum: ['ndjson', 'json'] },
          cursor: str,
          maximalantalresultater: { type: 'string', pattern: '^([1-9][0-9]{0,3}|10000)$', description: 'Page size with format=json' },
        }),
        response: {
          200: {
            type: 'object',
            properties: {
              ...stamp,
              objekter: { type: 'array', items: { type: 'object', additionalProperties: true } },
              next: str,
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const organisation = (req.params as { uuid: string }).uuid.toLowerCase();
      const q = req.query as Record<string, string | undefined>;
      let pin: HierarchyPin;
      let after: HierarchyKey | undefined;
      if (q.cursor !== undefined) {
        ({ pin, after } = decodeHierarchyCursor(q.cursor, organisation));
        // Times repeated beside the cursor must be the ones it pinned.
        if (q.virkningstid !== undefined && parseInstant(q.virkningstid, 'virkningstid') !== pin.virkningstid)
          throw oioError('INVALID_CURSOR', 'The cursor was read at another virkningstid');
        if (q.registreringstid !== undefined && (registrationSelection(q) as { at?: string }).at !== pin.registreringstid)
          throw oioError('INVALID_CURSOR', 'The cursor was read at another registreringstid');
      } else {
        const reg = registrationSelection(q) as { at?: string };
        const sel = virkningSelection(q) as { at: number };
        if (!Number.isFinite(sel.at)) throw oioError('INVALID_PARAMETER', 'virkningstid must be an instant, not infinity');
        const pinned = reg.at !== undefined ? { registreringstid: reg.at } : await oio.pin();
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
        const next = more && last ? encodeHierarchyCursor(pin, last) : undefined;
        // The members are JSON text already: the page is put together around them, not serialised again.
        const head = JSON.stringify({ ...stamps, ...(next ? { next } : {}) });
        return reply.type('application/json; charset=utf-8').send(`${head.slice(0, -1)},"objekter":[${lines.join(',')}]}`);
      }
      return reply.type('application/x-ndjson').send(hierarchyNdjson(store, pin, after, onPersons));
    },
  );

  app.get(
    '/organisation/organisationenhed/:uuid/overordnede',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: "A unit's ancestors, nearest first, to the root unit, as of (virkningstid, registreringstid)",
        params: uuidParams,
        querystring: querySchema(),
        response: ok({
          uuid: str,
          overordnede: { type: 'array', items: { type: 'object', properties: { ...unitRef, niveau: int } } },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const at = await readAt(oio, req.query as Query);
      await requireObject(store, 'organisationenhed', uuid, at);
      return { ...at, uuid, overordnede: await ancestors(store, uuid, at, await limits(req)) };
    },
  );

  app.get(
    '/organisation/organisationenhed/:uuid/underenheder',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: 'Every unit below a unit, with its parent and depth (1: a child), as of (virkningstid, registreringstid)',
        params: uuidParams,
        querystring: querySchema(),
        response: ok({
          uuid: str,
          underenheder: { type: 'array', items: { type: 'object', properties: { ...unitRef, overordnet: str, niveau: int } } },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const at = await readAt(oio, req.query as Query);
      await requireObject(store, 'organisationenhed', uuid, at);
      return { ...at, uuid, underenheder: await subtree(store, uuid, at, await limits(req)) };
    },
  );

  app.get(
    '/organisation/organisationenhed/:uuid/brugere',
    {
      config: { access: access.readModel('organisationenhed') },
      schema: {
        tags: ['organisation/organisationenhed'],
        summary: 'Who works in a unit (with undertraeer=true: in it or below it): users tied to it by a function valid at virkningstid',
        description:
          'One row per user, unit and function, in (enhed, funktion, bruger) UUID order, a page at a time ' +
          '(`maximalantalresultater`, default 1000). When more follow, `next` is a cursor for the next page, which reads at ' +
          'the times the first page was read at.',
        params: uuidParams,
        querystring: querySchema({
          undertraeer: flag,
          maximalantalresultater: { type: 'string', pattern: '^([1-9][0-9]{0,3}|10000)$' },
          cursor: str,
        }),
        response: ok({
          uuid: str,
          next: str,
          tilknytninger: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                bruger: str,
                brugervendtnoegle: str,
                brugernavn: str,
                enhed: str,
                enhedsnavn: str,
                funktion: str,
                funktionsnavn: str,
                funktionstype: str,
              },
            },
          },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const q = req.query as Record<string, string | undefined>;
      const subtree = q.undertraeer === 'true';
      let at: ReadAt;
      let after: TilknytningKey | undefined;
      if (q.cursor !== undefined) {
        ({ at, after } = decodeWorksInCursor(q.cursor, uuid, subtree));
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
      return { ...at, uuid, tilknytninger, ...(last ? { next: encodeWorksInCursor({ u: uuid, s: subtree, ...at, k: last }) } : {}) };
    },
  );

  app.get(
    '/organisation/bruger/:uuid/enheder',
    {
      config: { access: access.readModel('bruger') },
      schema: {
        tags: ['organisation/bruger'],
        summary: "A user's functions valid at virkningstid, each with the units it ties the user to, and those units",
        params: uuidParams,
        querystring: querySchema(),
        response: ok({
          uuid: str,
          funktioner: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                funktion: str,
                funktionsnavn: str,
                funktionstype: str,
                enheder: { type: 'array', items: { type: 'object', properties: unitRef } },
              },
            },
          },
          enheder: { type: 'array', items: { type: 'object', properties: unitRef } },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const at = await readAt(oio, req.query as Query);
      await requireObject(store, 'bruger', uuid, at);
      const funktioner = await userFunctions(store, uuid, at, await limits(req));
      const enheder = new Map<string, (typeof funktioner)[number]['enheder'][number]>();
      for (const f of funktioner) for (const e of f.enheder) enheder.set(e.uuid, e);
      return { ...at, uuid, funktioner, enheder: [...enheder.values()] };
    },
  );

  app.get(
    '/organisation/organisation/:uuid/enheder-med-opgave',
    {
      config: { access: access.readModel('organisation') },
      schema: {
        tags: ['organisation/organisation'],
        summary: "The organisation's units with a task (KLE class UUID or URN) at virkningstid; arvede=true: also those below them",
        params: uuidParams,
        querystring: querySchema({ opgave: str, arvede: flag }, ['opgave']),
        response: ok({
          uuid: str,
          opgave: str,
          enheder: {
            type: 'array',
            items: { type: 'object', properties: { ...unitRef, arvet: bool, arvetfra: str } },
          },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const q = req.query as Record<string, string | undefined>;
      const task = relationTarget(q.opgave!, 'opgave');
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
    '/organisation/organisation/:uuid/enheder-med-adresserolle',
    {
      config: { access: access.readModel('organisation') },
      schema: {
        tags: ['organisation/organisation'],
        summary: "The organisation's units with an address of a role (UUID or URN) at virkningstid, with those addresses",
        params: uuidParams,
        querystring: querySchema({ rolle: str }, ['rolle']),
        response: ok({
          uuid: str,
          rolle: str,
          enheder: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                ...unitRef,
                adresser: {
                  type: 'array',
                  items: { type: 'object', properties: { uuid: str, urn: str, rolle: str, type: str, indeks: int, adressetekst: str } },
                },
              },
            },
          },
        }),
      },
    },
    async (req) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      const q = req.query as Record<string, string | undefined>;
      const role = relationTarget(q.rolle!, 'rolle');
      const rolle = 'uuid' in role ? role.uuid : role.urn;
      const at = await readAt(oio, q);
      await requireObject(store, 'organisation', uuid, at);
      return { ...at, uuid, rolle, enheder: await unitsWithAddressRole(store, uuid, rolle, at, await limits(req)) };
    },
  );
}
