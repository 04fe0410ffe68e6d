/** Administration: beskedtyper, dueslag, abonnementer, værdilister. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import type { Store } from '../../../platform/store/store.ts';
import { strictText } from '../../../platform/http/edge.ts';
import {
  AnyObject,
  Bool,
  INVALID_INPUT,
  ListOf,
  NoContent,
  Str,
  StringEnum,
  typed,
  UNREADABLE_BODY,
  Uuid,
  UuidParams,
} from '../../../platform/http/schemas.ts';
import type { Beskedfordeler } from '../service.ts';
import * as admin from '../store/admin.ts';
import { BfoErrors, bfoError } from '../errors.ts';
import type { Registers } from '../events.ts';
import { managedOwner } from '../domain/entitlements.ts';
import { bfoAccess } from './access.ts';
import { Abonnement, Beskedtype, Dueslag, Vaerdiliste } from './admin-shapes.ts';
import { errors, type BfoCallerOf } from './common.ts';

const tags = ['beskedfordeler/administration'];
const NonEmpty = Type.String({ minLength: 1, maxLength: 500 });
const E = BfoErrors;
const optional = Type.Optional;

/** The largest value upload: a million CPR URNs with line breaks are about 26 MB. */
const VALUES_BODY_LIMIT = 64 * 1024 * 1024;

export function registerAdminRoutes(
  parent: FastifyInstance,
  deps: { store: Store; bfo: Beskedfordeler; callerOf: BfoCallerOf; registers: Registers },
): void {
  const app = typed(parent);
  const { store, bfo } = deps;
  const a = bfoAccess(bfo, deps.store, deps.callerOf);

  // --- beskedtyper
  app.post(
    '/beskedtyper',
    {
      config: { access: a.createBeskedtype },
      schema: {
        tags,
        summary: 'Register a beskedtype',
        body: Type.Object(
          {
            uuid: optional(Uuid),
            navn: NonEmpty,
            ejer: NonEmpty,
            sensitivitet: StringEnum(['ikke-fortrolig', 'fortrolig', 'foelsom']),
          },
          { additionalProperties: false },
        ),
        response: { 201: Beskedtype, ...errors(INVALID_INPUT, UNREADABLE_BODY, E.BFO_NOT_OWNER, E.BFO_ALREADY_EXISTS) },
      },
    },
    async (req, reply) => reply.status(201).send(await admin.createBeskedtype(store, req.body)),
  );
  app.get(
    '/beskedtyper',
    { config: { access: a.sharedRead }, schema: { tags, summary: 'Every beskedtype', response: { 200: ListOf(Beskedtype), ...errors() } } },
    async () => ({ resultater: await admin.listBeskedtyper(store) }),
  );
  app.get(
    '/beskedtyper/:uuid',
    {
      config: { access: a.sharedRead },
      schema: {
        tags,
        summary: 'One beskedtype',
        params: UuidParams,
        response: { 200: Beskedtype, ...errors(INVALID_INPUT, E.BFO_BESKEDTYPE_NOT_FOUND) },
      },
    },
    async (req) => admin.getBeskedtype(store, req.params.uuid.toLowerCase()),
  );
  app.delete(
    '/beskedtyper/:uuid',
    {
      config: { access: a.deleteBeskedtype },
      schema: {
        tags,
        summary: 'Delete a beskedtype without subscriptions',
        params: UuidParams,
        response: { 204: NoContent, ...errors(INVALID_INPUT, E.BFO_BESKEDTYPE_NOT_FOUND, E.BFO_NOT_OWNER, E.BFO_IN_USE) },
      },
    },
    async (req, reply) => {
      const uuid = req.params.uuid.toLowerCase();
      // The registers' own beskedtyper carry the outbox's events; without them the relay would stall.
      if (deps.registers.some((r) => r.beskedtype.uuid === uuid))
        throw bfoError('BFO_IN_USE', `Beskedtype ${uuid} carries the registers' own change events`);
      await admin.deleteBeskedtype(store, uuid);
      return reply.status(204).send();
    },
  );

  // --- dueslag
  app.post(
    '/dueslag',
    {
      config: { access: a.createDueslag },
      schema: {
        tags,
        summary:
          "Create a dueslag (a receiver's queue): pull, push to an HTTPS endpoint, or AMQP. A push dueslag's signing secret is returned once",
        body: Type.Object(
          {
            uuid: optional(Uuid),
            navn: NonEmpty,
            ejer: NonEmpty,
            levering: Type.Object(
              { type: StringEnum(['pull', 'push', 'amqp']), url: optional(Type.String({ maxLength: 2000 })) },
              { additionalProperties: false },
            ),
            opbevaringTimer: optional(Type.Number({ exclusiveMinimum: 0, maximum: 24 * 365 })),
            maxLeveringer: optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            synlighedSekunder: optional(Type.Integer({ minimum: 1, maximum: 43200 })),
            ordnetPrObjekt: optional(Bool),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Dueslag,
          ...errors(
            INVALID_INPUT,
            UNREADABLE_BODY,
            E.BFO_NOT_OWNER,
            E.BFO_INVALID_DELIVERY,
            E.BFO_ALREADY_EXISTS,
            E.BFO_TRANSPORT_UNAVAILABLE,
          ),
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      await bfo.mayManage(deps.callerOf(req), body.ejer);
      const { dueslag, hemmelighed } = await admin.createDueslag(store, body);
      await bfo.transport.declare(dueslag);
      return reply.status(201).send({ ...dueslag, ...(hemmelighed ? { hemmelighed } : {}) });
    },
  );
  app.get(
    '/dueslag',
    {
      config: { access: a.listDueslag },
      schema: {
        tags,
        summary: "The caller's dueslag (the operator: every one, or one owner's with ejer)",
        querystring: Type.Object({ ejer: optional(Str) }, { additionalProperties: false }),
        response: { 200: ListOf(Dueslag), ...errors(INVALID_INPUT) },
      },
    },
    async (req) => ({
      resultater: await admin.listDueslag(store, { ejer: req.query.ejer, owner: managedOwner(deps.callerOf(req)) }),
    }),
  );
  app.get(
    '/dueslag/:uuid',
    {
      config: { access: a.dueslagRead },
      schema: {
        tags,
        summary: 'One dueslag',
        params: UuidParams,
        response: { 200: Dueslag, ...errors(INVALID_INPUT, E.BFO_DUESLAG_NOT_FOUND) },
      },
    },
    async (req) => bfo.dueslag(req.params.uuid.toLowerCase(), deps.callerOf(req)),
  );
  app.delete(
    '/dueslag/:uuid',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Delete a dueslag with its subscriptions and messages',
        params: UuidParams,
        response: { 204: NoContent, ...errors(INVALID_INPUT, E.BFO_DUESLAG_NOT_FOUND, E.BFO_TRANSPORT_UNAVAILABLE) },
      },
    },
    async (req, reply) => {
      const d = await bfo.dueslag(req.params.uuid.toLowerCase(), deps.callerOf(req));
      await admin.deleteDueslag(store, d.uuid);
      await bfo.transport.remove(d.uuid);
      return reply.status(204).send();
    },
  );

  // --- abonnementer
  app.post(
    '/abonnementer',
    {
      config: { access: a.createAbonnement },
      schema: {
        tags,
        summary: 'Subscribe a dueslag to a beskedtype, with a filter over the filter data (see docs/systems/bfo.md)',
        body: Type.Object(
          { uuid: optional(Uuid), dueslag: Uuid, beskedtype: Uuid, filter: optional(AnyObject) },
          { additionalProperties: false },
        ),
        response: {
          201: Abonnement,
          ...errors(
            INVALID_INPUT,
            UNREADABLE_BODY,
            E.BFO_DUESLAG_NOT_FOUND,
            E.BFO_BESKEDTYPE_NOT_FOUND,
            E.BFO_INVALID_FILTER,
            E.BFO_UNKNOWN_VAERDILISTE,
            E.BFO_ALREADY_EXISTS,
          ),
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      await bfo.dueslag(body.dueslag.toLowerCase(), deps.callerOf(req));
      return reply.status(201).send(await store.transaction((tx) => admin.createAbonnement(tx, body)));
    },
  );
  app.get(
    '/abonnementer',
    {
      config: { access: a.listAbonnementer },
      schema: {
        tags,
        summary: "The caller's subscriptions, of a dueslag or a beskedtype (the operator: every one)",
        querystring: Type.Object({ dueslag: optional(Uuid), beskedtype: optional(Uuid) }, { additionalProperties: false }),
        response: { 200: ListOf(Abonnement), ...errors(INVALID_INPUT) },
      },
    },
    async (req) => ({
      resultater: await admin.listAbonnementer(store, {
        dueslag: req.query.dueslag?.toLowerCase(),
        beskedtype: req.query.beskedtype?.toLowerCase(),
        owner: managedOwner(deps.callerOf(req)),
      }),
    }),
  );
  app.get(
    '/abonnementer/:uuid',
    {
      config: { access: a.abonnementRead },
      schema: {
        tags,
        summary: 'One subscription',
        params: UuidParams,
        response: { 200: Abonnement, ...errors(INVALID_INPUT, E.BFO_ABONNEMENT_NOT_FOUND) },
      },
    },
    async (req) => admin.getAbonnement(store, req.params.uuid.toLowerCase()),
  );
  app.delete(
    '/abonnementer/:uuid',
    {
      config: { access: a.abonnementWrite },
      schema: {
        tags,
        summary: 'Delete a subscription',
        params: UuidParams,
        response: { 204: NoContent, ...errors(INVALID_INPUT, E.BFO_ABONNEMENT_NOT_FOUND) },
      },
    },
    async (req, reply) => {
      const a = await admin.getAbonnement(store, req.params.uuid.toLowerCase());
      await bfo.dueslag(a.dueslag, deps.callerOf(req));
      await admin.deleteAbonnement(store, a.uuid);
      return reply.status(204).send();
    },
  );

  // --- værdilister
  app.post(
    '/vaerdilister',
    {
      config: { access: a.createVaerdiliste },
      schema: {
        tags,
        summary: 'Create a value list (e.g. CPR numbers or object ids) that filters refer to with inList',
        body: Type.Object({ uuid: optional(Uuid), navn: NonEmpty, ejer: NonEmpty }, { additionalProperties: false }),
        response: { 201: Vaerdiliste, ...errors(INVALID_INPUT, UNREADABLE_BODY, E.BFO_NOT_OWNER, E.BFO_ALREADY_EXISTS) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      await bfo.mayManage(deps.callerOf(req), body.ejer);
      return reply.status(201).send(await admin.createVaerdiliste(store, body));
    },
  );
  app.get(
    '/vaerdilister',
    {
      config: { access: a.listVaerdilister },
      schema: { tags, summary: "The caller's value lists (the operator: every one)", response: { 200: ListOf(Vaerdiliste), ...errors() } },
    },
    async (req) => ({ resultater: await admin.listVaerdilister(store, managedOwner(deps.callerOf(req))) }),
  );
  app.get(
    '/vaerdilister/:uuid',
    {
      config: { access: a.vaerdilisteRead },
      schema: {
        tags,
        summary: 'One value list (its size, not its values)',
        params: UuidParams,
        response: { 200: Vaerdiliste, ...errors(INVALID_INPUT, E.BFO_VAERDILISTE_NOT_FOUND) },
      },
    },
    async (req) => admin.getVaerdiliste(store, req.params.uuid.toLowerCase()),
  );
  app.delete(
    '/vaerdilister/:uuid',
    {
      config: { access: a.vaerdilisteWrite },
      schema: {
        tags,
        summary: 'Delete a value list no filter refers to',
        params: UuidParams,
        response: { 204: NoContent, ...errors(INVALID_INPUT, E.BFO_VAERDILISTE_NOT_FOUND, E.BFO_IN_USE) },
      },
    },
    async (req, reply) => {
      const l = await admin.getVaerdiliste(store, req.params.uuid.toLowerCase());
      await bfo.mayManage(deps.callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
      await admin.deleteVaerdiliste(store, l.uuid);
      return reply.status(204).send();
    },
  );

  // Values: text/plain, one per line (bulk: a million lines), or a JSON array of strings.
  app.register(async (plugin) => {
    const scope = typed(plugin);
    scope.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: VALUES_BODY_LIMIT }, strictText);
    const valuesOf = (body: unknown): string[] => {
      if (typeof body === 'string') return admin.normaliseValues(body.split('\n'));
      if (Array.isArray(body) && body.every((v): v is string => typeof v === 'string')) return admin.normaliseValues(body);
      throw new AppError(PlatformErrors.INVALID_REQUEST, 'Send the values as text/plain, one per line, or as a JSON array of strings', {
        field: 'body',
      });
    };
    const owned = async (req: FastifyRequest, uuid: string) => {
      const l = await admin.getVaerdiliste(store, uuid.toLowerCase());
      await bfo.mayManage(deps.callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
      return l.uuid;
    };
    const valuesSchema = (summary: string) => ({
      tags,
      summary,
      params: UuidParams,
      consumes: ['text/plain', 'application/json'],
      response: { 200: Vaerdiliste, ...errors(INVALID_INPUT, UNREADABLE_BODY, E.BFO_VAERDILISTE_NOT_FOUND) },
    });
    for (const [method, replace, summary] of [
      ['PUT', true, 'Replace every value of the list (text/plain, one per line, or a JSON array)'],
      ['POST', false, 'Add values to the list (text/plain, one per line, or a JSON array)'],
    ] as const) {
      scope.route({
        method,
        url: '/vaerdilister/:uuid/vaerdier',
        config: { access: a.vaerdilisteWrite },
        bodyLimit: VALUES_BODY_LIMIT,
        schema: valuesSchema(summary),
        handler: async (req) => {
          const values = valuesOf(req.body);
          const id = await owned(req, req.params.uuid);
          return store.transaction((tx) => admin.writeValues(tx, id, values, replace));
        },
      });
    }
    scope.delete(
      '/vaerdilister/:uuid/vaerdier',
      { config: { access: a.vaerdilisteWrite }, bodyLimit: VALUES_BODY_LIMIT, schema: valuesSchema('Remove values from the list') },
      async (req) => {
        const values = valuesOf(req.body);
        const id = await owned(req, req.params.uuid);
        return store.transaction((tx) => admin.removeValues(tx, id, values));
      },
    );
  });
}
