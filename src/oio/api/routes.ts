import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SearchCriterion } from '../store/search-sql.ts';
import type { RouteAccess } from '../../platform/auth/access.ts';
import { PlatformErrors, type ErrorSpec } from '../../platform/errors.ts';
import {
  errorResponses,
  INVALID_INPUT,
  SCOPE_REFUSED,
  Str,
  TOKEN_REFUSED,
  typed,
  UNREADABLE_BODY,
  UuidParams,
  type ErrorResponses,
} from '../../platform/http/schemas.ts';
import type { ObjectTypeDecl } from '../model.ts';
import { contentFromWire } from '../domain/wire.ts';
import { OioErrors } from '../errors.ts';
import type { OioStore, RegistrationSelection, WriteContext, WriteGuard } from '../store/oio-store.ts';
import { decodeCursor, encodeCursor, listUuids, parseSearch, registrationSelection, virkningSelection, type Query } from './query.ts';
import {
  collectionQuerySchema,
  deleteBodySchema,
  objectSchema,
  patchBodySchema,
  readQuerySchema,
  uuidResponse,
  writeBodySchema,
} from './schemas.ts';

/** The privileges LoRa's routes need: reads `laes`, writes `skriv` (of the service the type belongs to). */
export const LAES = 'laes';
export const SKRIV = 'skriv';

/**
 * Who may call each of a type's LoRa routes, and whose objects it reaches: the service the type
 * belongs to decides (see its api/access.ts).
 */
export interface OioRouteAccess {
  /** GET /{type}/:uuid */
  readonly read: RouteAccess;
  /** GET /{type}: list by UUID and search; the limits are applied by `SearchScope`. */
  readonly search: RouteAccess;
  /** POST /{type} */
  readonly create: RouteAccess;
  /** PUT and PATCH /{type}/:uuid: the object named and what the body writes. */
  readonly write: RouteAccess;
  /** DELETE /{type}/:uuid */
  readonly remove: RouteAccess;
  /** GET /{type}/fields: the type's declaration. */
  readonly fields: RouteAccess;
}

const O = OioErrors;
/** The failure answers of a LoRa route: a refused token or scope, and the errors it names. */
const errors = (...specs: readonly (ErrorSpec | readonly ErrorSpec[])[]): ErrorResponses =>
  errorResponses(INVALID_INPUT, TOKEN_REFUSED, SCOPE_REFUSED, ...specs);
/** A selection of times that cannot be read. */
const BAD_TIME = [O.INVALID_PARAMETER, O.INVALID_TIMESTAMP, O.INVALID_VIRKNING_INTERVAL];
/** A registration that cannot be stored as written. */
export const BAD_CONTENT = [
  ...[O.INVALID_TIMESTAMP, O.INVALID_VIRKNING_INTERVAL, O.UNSUPPORTED_VIRKNING_BOUNDS, O.OVERLAPPING_VIRKNING],
  ...[O.INVALID_RELATION_TARGET, O.RELATION_TARGET_TYPE_NOT_ALLOWED, O.INVALID_STATE_VALUE, O.MISSING_REQUIRED_FIELD],
  ...[O.EMPTY_REGISTRATION, PlatformErrors.WRITE_CONFLICT],
];
/** A write to an object named by UUID that its state rules out. */
const STORED = [O.OBJECT_NOT_FOUND, O.OBJECT_DELETED, O.OBJECT_PASSIVATED, O.OBJECT_TYPE_MISMATCH, O.ILLEGAL_LIFECYCLE_TRANSITION];

/** LoRa's answer of a list or a search: one page of objects or UUIDs, and the cursor of the next. */
const ListAnswer = Type.Unsafe<{ results: unknown[][]; next?: string }>({
  type: 'object',
  properties: { results: { type: 'array', items: { type: 'array' } }, next: { type: 'string' } },
  required: ['results'],
});

/**
 * What a caller may find of a type: extra criteria every search must also meet (at the same
 * effective instant as the others), and the only objects it may find at all (a data restriction),
 * both inside the search statement; and a filter on the objects a list by UUID returns.
 * Undefined: no limit.
 */
export interface SearchScope {
  limits(req: FastifyRequest): Promise<SearchLimits | undefined>;
  visible(req: FastifyRequest, uuids: readonly string[]): Promise<ReadonlySet<string> | undefined>;
}

/** A caller's limits on a search: criteria, and optionally the only objects it may find. */
export interface SearchLimits {
  readonly criteria: readonly SearchCriterion[];
  readonly only?: readonly string[] | undefined;
}

/** How a service mounts a type's LoRa routes. */
export interface OioRouteOptions {
  readonly access: OioRouteAccess;
  /** The caller's limits on lists and searches. */
  readonly search?: SearchScope | undefined;
  /** The caller's limits on writes, asked inside each write's transaction. */
  readonly guard?: ((req: FastifyRequest) => Promise<WriteGuard | undefined>) | undefined;
  /** Told after a write of an object succeeded (undefined UUID: a create). */
  readonly onWritten?: ((type: string, uuid: string | undefined) => void) | undefined;
}

/**
 * Mounts LoRa's REST shape for one type at /{service}/{type} (registered in the service's plugin, under its prefix): POST creates, PUT imports, PATCH
 * updates or passivates, DELETE deletes, GET reads one, lists many by uuid, or searches.
 */
export function registerOioRoutes(parent: FastifyInstance, store: OioStore, decl: ObjectTypeDecl, options: OioRouteOptions): void {
  const app = typed(parent);
  const { access, search: scope } = options;
  // Inside the service's own plugin, under its prefix (`/organisation`): paths are the type's.
  const base = `/${decl.name}`;
  const context = async (req: FastifyRequest, note: string | undefined): Promise<WriteContext> => {
    const guard = await options.guard?.(req);
    return { note, ...(guard ? { guard } : {}) };
  };
  const written = (uuid: string | undefined) => options.onWritten?.(decl.name, uuid);
  const tags = [`${decl.service}/${decl.name}`];
  const object = objectSchema(decl);

  app.post(
    base,
    {
      config: { access: access.create },
      schema: {
        tags,
        summary: `Opret: create a ${decl.name}`,
        body: writeBodySchema(decl),
        response: { 201: uuidResponse, ...errors(UNREADABLE_BODY, BAD_CONTENT) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const uuid = await store.opret(decl.name, contentFromWire(decl, body), await context(req, body.note));
      written(undefined);
      return reply.status(201).send({ uuid });
    },
  );

  app.put(
    `${base}/:uuid`,
    {
      config: { access: access.write },
      schema: {
        tags,
        summary: `Importer: create or overwrite a ${decl.name} with this UUID`,
        params: UuidParams,
        body: writeBodySchema(decl),
        response: { 200: uuidResponse, ...errors(UNREADABLE_BODY, BAD_CONTENT, STORED) },
      },
    },
    async (req) => {
      const { uuid } = req.params;
      const body = req.body;
      await store.importer(decl.name, uuid.toLowerCase(), contentFromWire(decl, body), await context(req, body.note));
      written(uuid.toLowerCase());
      return { uuid: uuid.toLowerCase() };
    },
  );

  app.patch(
    `${base}/:uuid`,
    {
      config: { access: access.write },
      schema: {
        tags,
        summary: `Ret (merge update), or passiver with {"livscyklus": "Passiv"}`,
        params: UuidParams,
        body: patchBodySchema(decl),
        response: { 200: uuidResponse, ...errors(UNREADABLE_BODY, BAD_CONTENT, STORED) },
      },
    },
    async (req) => {
      const { uuid } = req.params;
      const body = req.body;
      const ctx = await context(req, body.note);
      if (body.livscyklus === 'Passiv') await store.passiver(decl.name, uuid.toLowerCase(), ctx);
      else await store.ret(decl.name, uuid.toLowerCase(), contentFromWire(decl, body), ctx);
      written(uuid.toLowerCase());
      return { uuid: uuid.toLowerCase() };
    },
  );

  app.delete(
    `${base}/:uuid`,
    {
      config: { access: access.remove },
      schema: {
        tags,
        summary: `Slet: delete a ${decl.name}`,
        params: UuidParams,
        body: deleteBodySchema,
        response: { 200: uuidResponse, ...errors(UNREADABLE_BODY, STORED, PlatformErrors.WRITE_CONFLICT) },
      },
    },
    async (req) => {
      const { uuid } = req.params;
      const body = req.body ?? {};
      await store.slet(decl.name, uuid.toLowerCase(), await context(req, body.note));
      written(uuid.toLowerCase());
      return { uuid: uuid.toLowerCase() };
    },
  );

  app.get(
    `${base}/:uuid`,
    {
      config: { access: access.read },
      schema: {
        tags,
        summary: `Laes: read one ${decl.name} as of virkningstid and registreringstid (default now)`,
        params: UuidParams,
        querystring: readQuerySchema(),
        response: {
          200: Type.Unsafe<Record<string, unknown[]>>({ type: 'object', additionalProperties: { type: 'array', items: object } }),
          ...errors(BAD_TIME, O.OBJECT_NOT_FOUND, O.OBJECT_DELETED, O.OBJECT_TYPE_MISMATCH),
        },
      },
    },
    async (req) => {
      const { uuid } = req.params;
      const q = req.query;
      const sel = virkningSelection(q);
      const obj = await store.laesWire(decl.name, uuid.toLowerCase(), registrationSelection(q), sel);
      return { [obj.id]: [obj] };
    },
  );

  app.get(
    base,
    {
      config: { access: access.search },
      schema: {
        tags,
        summary: `List by uuid, or Soeg: search ${decl.name} by example`,
        description:
          'With only uuid and time parameters: the objects (list). Otherwise: UUIDs whose every criterion holds at one common effective ' +
          "instant, in UUID order. `next` is a cursor pinned to the first page's registration time; pass it as `cursor` with the same criteria.",
        querystring: collectionQuerySchema(decl),
        response: {
          200: ListAnswer,
          ...errors(BAD_TIME, [O.INVALID_CURSOR, O.PAGING_OFFSET_TOO_LARGE, O.TOO_MANY_UUIDS, O.TOO_MANY_CRITERIA]),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const uuids = listUuids(q);
      if (uuids && Object.keys(q).every((k) => k === 'uuid' || k.startsWith('virkning') || k.startsWith('registre'))) {
        const sel = virkningSelection(q);
        const visible = await scope?.visible(req, uuids);
        const allowed = visible ? uuids.filter((u) => visible.has(u.toLowerCase())) : uuids;
        return { results: [await store.readWire(decl.name, allowed, registrationSelection(q), sel)] };
      }
      return search(store, decl, q, uuids, await scope?.limits(req));
    },
  );

  app.get(
    `${base}/fields`,
    {
      config: { access: access.fields },
      schema: {
        tags,
        summary: 'The attribute fields, states and relations this type has',
        response: {
          200: Type.Partial(Type.Object({ attributter: Type.Array(Str), tilstande: Type.Array(Str), relationer: Type.Array(Str) })),
          ...errorResponses(TOKEN_REFUSED),
        },
      },
    },
    async () => ({
      attributter: decl.attributes.flatMap((g) => g.fields),
      tilstande: decl.states.map((s) => s.field),
      relationer: decl.relations.map((r) => r.name),
    }),
  );
}

async function search(store: OioStore, decl: ObjectTypeDecl, q: Query, asked: string[] | undefined, limits: SearchLimits | undefined) {
  const parsed = parseSearch(decl, q);
  const cursor = parsed.cursor !== undefined ? decodeCursor(parsed.cursor, parsed.fingerprint) : undefined;
  // The first page pins the registration time and the database snapshot; every later page reads
  // the same state. A registration time the client asks for is its own pin: history is immutable.
  // A first page at "now" pins itself, in the search statement.
  const virkning = parsed.virkningIsNow && cursor?.t !== undefined ? { at: cursor.t } : parsed.virkning;
  // A data restriction's objects narrow the UUIDs asked for (none asked: the restriction's).
  const only = limits?.only;
  const uuids = only === undefined ? asked : asked === undefined ? [...only] : asked.filter((u) => only.includes(u));
  const query = {
    criteria: [...parsed.criteria, ...(limits?.criteria ?? [])],
    uuids,
    livscykluskode: parsed.livscykluskode,
    brugerref: parsed.brugerref,
    note: parsed.note,
    virkning,
    limit: parsed.first + parsed.pageSize + 1,
    after: cursor?.a,
  };
  const given = cursor
    ? { registreringstid: cursor.r, snapshot: cursor.s }
    : parsed.registreringstid
      ? { registreringstid: parsed.registreringstid, snapshot: undefined }
      : undefined;
  const { uuids: fetched, pin } = given
    ? { uuids: await store.soeg(decl.name, { ...query, ...given }), pin: given }
    : await store.soegPinned(decl.name, query);
  const registreringstid = pin.registreringstid;
  const page = fetched.slice(parsed.first, parsed.first + parsed.pageSize);
  const more = fetched.length > parsed.first + parsed.pageSize;
  const next =
    more && page.length
      ? encodeCursor({
          r: registreringstid,
          ...(pin.snapshot ? { s: pin.snapshot } : {}),
          ...(parsed.virkningIsNow && 'at' in virkning ? { t: virkning.at } : {}),
          a: page[page.length - 1]!,
          f: parsed.fingerprint,
        })
      : undefined;
  const results = parsed.list ? await store.readWire(decl.name, page, { at: registreringstid, snapshot: pin.snapshot }, virkning) : page;
  return { results: [results], ...(next ? { next } : {}) };
}

export type { RegistrationSelection };
