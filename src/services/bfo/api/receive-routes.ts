/** Receiving: pull with long-poll, ack and nack; dead letters and redrive; replay; metrics. */
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import { errorBodySchema } from '../../../platform/http/server.ts';
import { toCloudEvent } from '../domain/cloudevent.ts';
import { envelopeToXml } from '../domain/xml.ts';
import { bfoError } from '../errors.ts';
import type { Beskedfordeler } from '../service.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { Dueslag } from '../store/admin.ts';
import { parseReceipt } from '../transport/transport.ts';
import { bfoAccess } from './access.ts';
import { anyObject, errors, str, uuid, uuidParams, type BfoCallerOf } from './common.ts';

const tags = ['beskedfordeler/modtagelse'];
const receipts = { type: 'array', items: { type: 'string', maxLength: 100 }, minItems: 1, maxItems: 1000 } as const;

function checkReceipts(list: readonly string[]): void {
  const bad = list.filter((r) => !parseReceipt(r) && !/^amqp:/.test(r));
  if (bad.length) throw bfoError('BFO_INVALID_RECEIPT', `Malformed receipt ${JSON.stringify(bad[0])}`, { receipts: bad.slice(0, 10) });
}

function pulled(d: Dueslag): void {
  if (d.levering.type === 'push') throw bfoError('BFO_WRONG_DELIVERY_MODE', `Dueslag ${d.uuid} is delivered by push, not pulled`);
}

export function registerReceiveRoutes(app: FastifyInstance, deps: { bfo: Beskedfordeler; store: Store; callerOf: BfoCallerOf }): void {
  const { bfo } = deps;
  const a = bfoAccess(bfo, deps.store, deps.callerOf);
  const dueslagOf = (req: { params: unknown }, caller: ReturnType<BfoCallerOf>) =>
    bfo.dueslag((req.params as { uuid: string }).uuid.toLowerCase(), caller);

  app.get(
    '/beskedfordeler/dueslag/:uuid/beskeder',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary:
          'Take up to maks messages (long-poll up to vent seconds). Each is invisible for synlighed seconds; acknowledge it with its kvittering, or it is handed out again. format: json (default), xml or cloudevent',
        params: uuidParams,
        querystring: {
          type: 'object',
          properties: {
            maks: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$' },
            vent: { type: 'string', pattern: '^([0-9]|[1-5][0-9]|60)$' },
            synlighed: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' },
            format: { type: 'string', enum: ['json', 'xml', 'cloudevent'] },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              beskeder: {
                type: 'array',
                items: { type: 'object', properties: { kvittering: str, beskedId: str, forsoeg: { type: 'integer' }, besked: {} } },
              },
            },
          },
          ...errors,
          503: errorBodySchema,
        },
      },
    },
    async (req) => {
      const q = req.query as { maks?: string; vent?: string; synlighed?: string; format?: 'json' | 'xml' | 'cloudevent' };
      const d = await dueslagOf(req, deps.callerOf(req));
      pulled(d);
      const got = await bfo.transport.receive(d, {
        max: Number(q.maks ?? 10),
        waitMs: Number(q.vent ?? 0) * 1000,
        visibilityMs: Number(q.synlighed ?? d.synlighedSekunder) * 1000,
      });
      return {
        beskeder: got.map((m) => ({
          ...m,
          besked: q.format === 'xml' ? envelopeToXml(m.besked) : q.format === 'cloudevent' ? toCloudEvent(m.besked) : m.besked,
        })),
      };
    },
  );

  app.post(
    '/beskedfordeler/dueslag/:uuid/kvitteringer',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary: 'Acknowledge handed-out messages by their kvittering; unknown or stale ones are listed in ukendte',
        params: uuidParams,
        body: { type: 'object', properties: { kvitteringer: receipts }, required: ['kvitteringer'], additionalProperties: false },
        response: {
          200: { type: 'object', properties: { kvitteret: { type: 'integer' }, ukendte: { type: 'array', items: str } } },
          ...errors,
        },
      },
    },
    async (req) => {
      const { kvitteringer } = req.body as { kvitteringer: string[] };
      checkReceipts(kvitteringer);
      const d = await dueslagOf(req, deps.callerOf(req));
      const done = new Set(await bfo.transport.ack(d, kvitteringer));
      return { kvitteret: done.size, ukendte: kvitteringer.filter((k) => !done.has(k)) };
    },
  );

  app.post(
    '/beskedfordeler/dueslag/:uuid/afvisninger',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary: 'Give handed-out messages back (nack), to be handed out again after forsinkelseSekunder',
        params: uuidParams,
        body: {
          type: 'object',
          properties: { kvitteringer: receipts, forsinkelseSekunder: { type: 'integer', minimum: 0, maximum: 43200 } },
          required: ['kvitteringer'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { afvist: { type: 'integer' }, ukendte: { type: 'array', items: str } } },
          ...errors,
        },
      },
    },
    async (req) => {
      const { kvitteringer, forsinkelseSekunder } = req.body as { kvitteringer: string[]; forsinkelseSekunder?: number };
      checkReceipts(kvitteringer);
      const d = await dueslagOf(req, deps.callerOf(req));
      const done = new Set(await bfo.transport.nack(d, kvitteringer, (forsinkelseSekunder ?? 0) * 1000));
      return { afvist: done.size, ukendte: kvitteringer.filter((k) => !done.has(k)) };
    },
  );

  app.get(
    '/beskedfordeler/dueslag/:uuid/doede',
    {
      config: { access: a.dueslagRead },
      schema: {
        tags,
        summary: "The dueslag's dead letters: messages over the delivery limit, or that push gave up on",
        params: uuidParams,
        querystring: {
          type: 'object',
          properties: { maks: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              resultater: {
                type: 'array',
                items: { type: 'object', properties: { beskedId: str, forsoeg: { type: 'integer' }, modtaget: str, sidsteFejl: str } },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      return { resultater: await bfo.transport.deadLetters(d, Number((req.query as { maks?: string }).maks ?? 100)) };
    },
  );

  app.post(
    '/beskedfordeler/dueslag/:uuid/doede/genafsend',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Put dead letters back on the queue: all, or those with the given BeskedIds',
        params: uuidParams,
        body: {
          type: 'object',
          properties: { beskedIder: { type: 'array', items: uuid, maxItems: 10000 } },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { genafsendt: { type: 'integer' } } }, ...errors },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      const ids = (req.body as { beskedIder?: string[] } | undefined)?.beskedIder?.map((x) => x.toLowerCase());
      return { genafsendt: await bfo.transport.redrive(d, ids) };
    },
  );

  app.post(
    '/beskedfordeler/dueslag/:uuid/genafspil',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Deliver again the messages this dueslag received from a time (fra) or from a BeskedId (fraBeskedId) on, within retention',
        params: uuidParams,
        body: {
          type: 'object',
          properties: { fra: { type: 'string', format: 'date-time' }, fraBeskedId: uuid },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { genafspillet: { type: 'integer' } } }, ...errors },
      },
    },
    async (req) => {
      const body = req.body as { fra?: string; fraBeskedId?: string };
      if ((body.fra === undefined) === (body.fraBeskedId === undefined))
        throw new AppError(PlatformErrors.INVALID_REQUEST, 'Give exactly one of fra and fraBeskedId', { field: 'body' });
      const d = await dueslagOf(req, deps.callerOf(req));
      return { genafspillet: await bfo.replay(d, { time: body.fra, beskedId: body.fraBeskedId?.toLowerCase() }) };
    },
  );

  app.get(
    '/beskedfordeler/dueslag/:uuid/metrikker',
    {
      config: { access: a.dueslagRead },
      schema: {
        tags,
        summary: 'Depth, age of the oldest message, delivered per second (last minute), dead letters',
        params: uuidParams,
        response: { 200: anyObject, ...errors },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      return { dueslag: d.uuid, ...(await bfo.transport.stats(d)) };
    },
  );
}
