/** Administration: beskedtyper, dueslag, abonnementer, værdilister. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import type { Store } from '../../../platform/store/store.ts';
import { strictText } from '../../../platform/http/edge.ts';
import type { Beskedfordeler } from '../service.ts';
import * as admin from '../store/admin.ts';
import { bfoError } from '../errors.ts';
import { REGISTER_BESKEDTYPER } from '../events.ts';
import { managedOwner } from '../domain/entitlements.ts';
import { bfoAccess } from './access.ts';
import { anyObject, errors, str, uuid, uuidParams, type BfoCallerOf } from './common.ts';

const tags = ['beskedfordeler/administration'];
const nonEmpty = { type: 'string', minLength: 1, maxLength: 500 } as const;
const list = (item: object) => ({ type: 'object', properties: { resultater: { type: 'array', items: item } } }) as const;

const beskedtypeSchema = {
  type: 'object',
  properties: { uuid: str, navn: str, ejer: str, sensitivitet: str, oprettet: str },
} as const;
const dueslagSchema = {
  type: 'object',
  properties: {
    uuid: str,
    navn: str,
    ejer: str,
    levering: { type: 'object', properties: { type: str, url: str } },
    opbevaringSekunder: { type: 'integer' },
    maxLeveringer: { type: 'integer' },
    synlighedSekunder: { type: 'integer' },
    ordnet: { type: 'boolean' },
    oprettet: str,
    hemmelighed: str,
  },
} as const;
const abonnementSchema = {
  type: 'object',
  properties: { uuid: str, dueslag: str, beskedtype: str, filter: anyObject, oprettet: str },
} as const;
const listeSchema = {
  type: 'object',
  properties: { uuid: str, navn: str, ejer: str, antal: { type: 'integer' }, rettet: str },
} as const;

/** The largest value upload: a million CPR URNs with line breaks are about 26 MB. */
const VALUES_BODY_LIMIT = 64 * 1024 * 1024;

export function registerAdminRoutes(app: FastifyInstance, deps: { store: Store; bfo: Beskedfordeler; callerOf: BfoCallerOf }): void {
  const { store, bfo } = deps;
  const a = bfoAccess(bfo, deps.store, deps.callerOf);

  // --- beskedtyper
  app.post(
    '/beskedfordeler/beskedtyper',
    {
      config: { access: a.createBeskedtype },
      schema: {
        tags,
        summary: 'Register a beskedtype',
        body: {
          type: 'object',
          properties: {
            uuid,
            navn: nonEmpty,
            ejer: nonEmpty,
            sensitivitet: { type: 'string', enum: ['ikke-fortrolig', 'fortrolig', 'foelsom'] },
          },
          required: ['navn', 'ejer', 'sensitivitet'],
          additionalProperties: false,
        },
        response: { 201: beskedtypeSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await admin.createBeskedtype(store, req.body as admin.NewBeskedtype)),
  );
  app.get(
    '/beskedfordeler/beskedtyper',
    { config: { access: a.sharedRead }, schema: { tags, summary: 'Every beskedtype', response: { 200: list(beskedtypeSchema) } } },
    async () => ({
      resultater: await admin.listBeskedtyper(store),
    }),
  );
  app.get(
    '/beskedfordeler/beskedtyper/:uuid',
    {
      config: { access: a.sharedRead },
      schema: { tags, summary: 'One beskedtype', params: uuidParams, response: { 200: beskedtypeSchema, ...errors } },
    },
    async (req) => admin.getBeskedtype(store, (req.params as { uuid: string }).uuid.toLowerCase()),
  );
  app.delete(
    '/beskedfordeler/beskedtyper/:uuid',
    {
      config: { access: a.deleteBeskedtype },
      schema: {
        tags,
        summary: 'Delete a beskedtype without subscriptions',
        params: uuidParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      const uuid = (req.params as { uuid: string }).uuid.toLowerCase();
      // The registers' own beskedtyper carry the outbox's events; without them the relay would stall.
      if (Object.values(REGISTER_BESKEDTYPER).some((t) => t.uuid === uuid))
        throw bfoError('BFO_IN_USE', `Beskedtype ${uuid} carries the registers' own change events`);
      await admin.deleteBeskedtype(store, uuid);
      return reply.status(204).send();
    },
  );

  // --- dueslag
  app.post(
    '/beskedfordeler/dueslag',
    {
      config: { access: a.createDueslag },
      schema: {
        tags,
        summary:
          "Create a dueslag (a receiver's queue): pull, push to an HTTPS endpoint, or AMQP. A push dueslag's signing secret is returned once",
        body: {
          type: 'object',
          properties: {
            uuid,
            navn: nonEmpty,
            ejer: nonEmpty,
            levering: {
              type: 'object',
              properties: { type: { type: 'string', enum: ['pull', 'push', 'amqp'] }, url: { type: 'string', maxLength: 2000 } },
              required: ['type'],
              additionalProperties: false,
            },
            opbevaringTimer: { type: 'number', exclusiveMinimum: 0, maximum: 24 * 365 },
            maxLeveringer: { type: 'integer', minimum: 1, maximum: 1000 },
            synlighedSekunder: { type: 'integer', minimum: 1, maximum: 43200 },
            ordnetPrObjekt: { type: 'boolean' },
          },
          required: ['navn', 'ejer', 'levering'],
          additionalProperties: false,
        },
        response: { 201: dueslagSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as admin.NewDueslag;
      await bfo.mayManage(deps.callerOf(req), body.ejer);
      const { dueslag, hemmelighed } = await admin.createDueslag(store, body);
      await bfo.transport.declare(dueslag);
      return reply.status(201).send({ ...dueslag, ...(hemmelighed ? { hemmelighed } : {}) });
    },
  );
  app.get(
    '/beskedfordeler/dueslag',
    {
      config: { access: a.listDueslag },
      schema: {
        tags,
        summary: "The caller's dueslag (the operator: every one, or one owner's with ejer)",
        querystring: { type: 'object', properties: { ejer: str }, additionalProperties: false },
        response: { 200: list(dueslagSchema) },
      },
    },
    async (req) => ({
      resultater: await admin.listDueslag(store, { ejer: (req.query as { ejer?: string }).ejer, owner: managedOwner(deps.callerOf(req)) }),
    }),
  );
  app.get(
    '/beskedfordeler/dueslag/:uuid',
    {
      config: { access: a.dueslagRead },
      schema: { tags, summary: 'One dueslag', params: uuidParams, response: { 200: dueslagSchema, ...errors } },
    },
    async (req) => bfo.dueslag((req.params as { uuid: string }).uuid.toLowerCase(), deps.callerOf(req)),
  );
  app.delete(
    '/beskedfordeler/dueslag/:uuid',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Delete a dueslag with its subscriptions and messages',
        params: uuidParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      const d = await bfo.dueslag((req.params as { uuid: string }).uuid.toLowerCase(), deps.callerOf(req));
      await admin.deleteDueslag(store, d.uuid);
      await bfo.transport.remove(d.uuid);
      return reply.status(204).send();
    },
  );

  // --- abonnementer
  app.post(
    '/beskedfordeler/abonnementer',
    {
      config: { access: a.createAbonnement },
      schema: {
        tags,
        summary: 'Subscribe a dueslag to a beskedtype, with a filter over the filter data (see docs/systems/bfo.md)',
        body: {
          type: 'object',
          properties: { uuid, dueslag: uuid, beskedtype: uuid, filter: anyObject },
          required: ['dueslag', 'beskedtype'],
          additionalProperties: false,
        },
        response: { 201: abonnementSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(
        await (async () => {
          const body = req.body as admin.NewAbonnement;
          await bfo.dueslag(body.dueslag.toLowerCase(), deps.callerOf(req));
          return store.transaction((tx) => admin.createAbonnement(tx, body));
        })(),
      ),
  );
  app.get(
    '/beskedfordeler/abonnementer',
    {
      config: { access: a.listAbonnementer },
      schema: {
        tags,
        summary: "The caller's subscriptions, of a dueslag or a beskedtype (the operator: every one)",
        querystring: { type: 'object', properties: { dueslag: uuid, beskedtype: uuid }, additionalProperties: false },
        response: { 200: list(abonnementSchema), ...errors },
      },
    },
    async (req) => {
      const q = req.query as { dueslag?: string; beskedtype?: string };
      return {
        resultater: await admin.listAbonnementer(store, {
          dueslag: q.dueslag?.toLowerCase(),
          beskedtype: q.beskedtype?.toLowerCase(),
          owner: managedOwner(deps.callerOf(req)),
        }),
      };
    },
  );
  app.get(
    '/beskedfordeler/abonnementer/:uuid',
    {
      config: { access: a.abonnementRead },
      schema: { tags, summary: 'One subscription', params: uuidParams, response: { 200: abonnementSchema, ...errors } },
    },
    async (req) => admin.getAbonnement(store, (req.params as { uuid: string }).uuid.toLowerCase()),
  );
  app.delete(
    '/beskedfordeler/abonnementer/:uuid',
    {
      config: { access: a.abonnementWrite },
      schema: { tags, summary: 'Delete a subscription', params: uuidParams, response: { 204: { type: 'null' }, ...errors } },
    },
    async (req, reply) => {
      const a = await admin.getAbonnement(store, (req.params as { uuid: string }).uuid.toLowerCase());
      await bfo.dueslag(a.dueslag, deps.callerOf(req));
      await admin.deleteAbonnement(store, a.uuid);
      return reply.status(204).send();
    },
  );

  // --- værdilister
  app.post(
    '/beskedfordeler/vaerdilister',
    {
      config: { access: a.createVaerdiliste },
      schema: {
        tags,
        summary: 'Create a value list (e.g. CPR numbers or object ids) that filters refer to with inList',
        body: {
          type: 'object',
          properties: { uuid, navn: nonEmpty, ejer: nonEmpty },
          required: ['navn', 'ejer'],
          additionalProperties: false,
        },
        response: { 201: listeSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { navn: string; ejer: string };
      await bfo.mayManage(deps.callerOf(req), body.ejer);
      return reply.status(201).send(await admin.createVaerdiliste(store, body));
    },
  );
  app.get(
    '/beskedfordeler/vaerdilister',
    {
      config: { access: a.listVaerdilister },
      schema: { tags, summary: "The caller's value lists (the operator: every one)", response: { 200: list(listeSchema) } },
    },
    async (req) => ({
      resultater: await admin.listVaerdilister(store, managedOwner(deps.callerOf(req))),
    }),
  );
  app.get(
    '/beskedfordeler/vaerdilister/:uuid',
    {
      config: { access: a.vaerdilisteRead },
      schema: { tags, summary: 'One value list (its size, not its values)', params: uuidParams, response: { 200: listeSchema, ...errors } },
    },
    async (req) => admin.getVaerdiliste(store, (req.params as { uuid: string }).uuid.toLowerCase()),
  );
  app.delete(
    '/beskedfordeler/vaerdilister/:uuid',
    {
      config: { access: a.vaerdilisteWrite },
      schema: {
        tags,
        summary: 'Delete a value list no filter refers to',
        params: uuidParams,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => {
      const l = await admin.getVaerdiliste(store, (req.params as { uuid: string }).uuid.toLowerCase());
      await bfo.mayManage(deps.callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
      await admin.deleteVaerdiliste(store, l.uuid);
      return reply.status(204).send();
    },
  );

  // Values: text/plain, one per line (bulk: a million lines), or a JSON array of strings.
  app.register(async (scope) => {
    scope.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: VALUES_BODY_LIMIT }, strictText);
    const valuesOf = (body: unknown): string[] => {
      if (typeof body === 'string') return admin.normaliseValues(body.split('\n'));
      if (Array.isArray(body) && body.every((v) => typeof v === 'string')) return admin.normaliseValues(body as string[]);
      throw new AppError(PlatformErrors.INVALID_REQUEST, 'Send the values as text/plain, one per line, or as a JSON array of strings', {
        field: 'body',
      });
    };
    const owned = async (req: FastifyRequest) => {
      const l = await admin.getVaerdiliste(store, (req.params as { uuid: string }).uuid.toLowerCase());
      await bfo.mayManage(deps.callerOf(req), l.ejer, 'BFO_VAERDILISTE_NOT_FOUND');
      return l.uuid;
    };
    const write = (replace: boolean) => async (req: FastifyRequest) => {
      const values = valuesOf(req.body);
      const id = await owned(req);
      return store.transaction((tx) => admin.writeValues(tx, id, values, replace));
    };
    const valuesSchema = (summary: string) => ({
      tags,
      summary,
      params: uuidParams,
      consumes: ['text/plain', 'application/json'],
      response: { 200: listeSchema, ...errors },
    });
    scope.put(
      '/beskedfordeler/vaerdilister/:uuid/vaerdier',
      {
        config: { access: a.vaerdilisteWrite },
        bodyLimit: VALUES_BODY_LIMIT,
        schema: valuesSchema('Replace every value of the list (text/plain, one per line, or a JSON array)'),
      },
      write(true),
    );
    scope.post(
      '/beskedfordeler/vaerdilister/:uuid/vaerdier',
      {
        config: { access: a.vaerdilisteWrite },
        bodyLimit: VALUES_BODY_LIMIT,
        schema: valuesSchema('Add values to the list (text/plain, one per line, or a JSON array)'),
      },
      write(false),
    );
    scope.delete(
      '/beskedfordeler/vaerdilister/:uuid/vaerdier',
      { config: { access: a.vaerdilisteWrite }, bodyLimit: VALUES_BODY_LIMIT, schema: valuesSchema('Remove values from the list') },
      async (req) => {
        const values = valuesOf(req.body);
        const id = await owned(req);
        return store.transaction((tx) => admin.removeValues(tx, id, values));
      },
    );
  });
}
