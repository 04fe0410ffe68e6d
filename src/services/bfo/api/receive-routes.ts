/** Receiving: pull with long-poll, ack and nack; dead letters and redrive; replay; metrics. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import {
  AnyObject,
  INVALID_INPUT,
  Int,
  ListOf,
  Str,
  StringEnum,
  typed,
  UNREADABLE_BODY,
  Uuid,
  UuidParams,
} from '../../../platform/http/schemas.ts';
import { toCloudEvent } from '../domain/cloudevent.ts';
import { envelopeToXml } from '../domain/xml.ts';
import { BfoErrors, bfoError } from '../errors.ts';
import type { Beskedfordeler } from '../service.ts';
import type { Store } from '../../../platform/store/store.ts';
import type { Dueslag } from '../store/admin.ts';
import { parseReceipt } from '../transport/transport.ts';
import { bfoAccess } from './access.ts';
import { errors, type BfoCallerOf } from './common.ts';

const tags = ['beskedfordeler/modtagelse'];
const Receipts = Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 1000 });
const E = BfoErrors;
const optional = Type.Optional;
/** What a route of one pulled dueslag may answer besides its own errors. */
const DUESLAG = [...INVALID_INPUT, E.BFO_DUESLAG_NOT_FOUND];

function checkReceipts(list: readonly string[]): void {
  const bad = list.filter((r) => !parseReceipt(r) && !/^amqp:/.test(r));
  if (bad.length) throw bfoError('BFO_INVALID_RECEIPT', `Malformed receipt ${JSON.stringify(bad[0])}`, { receipts: bad.slice(0, 10) });
}

function pulled(d: Dueslag): void {
  if (d.levering.type === 'push') throw bfoError('BFO_WRONG_DELIVERY_MODE', `Dueslag ${d.uuid} is delivered by push, not pulled`);
}

export function registerReceiveRoutes(parent: FastifyInstance, deps: { bfo: Beskedfordeler; store: Store; callerOf: BfoCallerOf }): void {
  const app = typed(parent);
  const { bfo } = deps;
  const a = bfoAccess(bfo, deps.store, deps.callerOf);
  const dueslagOf = (req: { params: { uuid: string } }, caller: ReturnType<BfoCallerOf>) =>
    bfo.dueslag(req.params.uuid.toLowerCase(), caller);

  app.get(
    '/dueslag/:uuid/beskeder',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary:
          'Take up to maks messages (long-poll up to vent seconds). Each is invisible for synlighed seconds; acknowledge it with its kvittering, or it is handed out again. format: json (default), xml or cloudevent',
        params: UuidParams,
        querystring: Type.Object(
          {
            maks: optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })),
            vent: optional(Type.String({ pattern: '^([0-9]|[1-5][0-9]|60)$' })),
            synlighed: optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$' })),
            format: optional(StringEnum(['json', 'xml', 'cloudevent'])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            beskeder: optional(
              Type.Array(
                Type.Object({
                  kvittering: optional(Str),
                  beskedId: optional(Str),
                  forsoeg: optional(Int),
                  besked: optional(Type.Unknown()),
                }),
              ),
            ),
          }),
          ...errors(DUESLAG, E.BFO_WRONG_DELIVERY_MODE, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const q = req.query;
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
    '/dueslag/:uuid/kvitteringer',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary: 'Acknowledge handed-out messages by their kvittering; unknown or stale ones are listed in ukendte',
        params: UuidParams,
        body: Type.Object({ kvitteringer: Receipts }, { additionalProperties: false }),
        response: {
          200: Type.Object({ kvitteret: optional(Int), ukendte: optional(Type.Array(Str)) }),
          ...errors(DUESLAG, UNREADABLE_BODY, E.BFO_INVALID_RECEIPT, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const { kvitteringer } = req.body;
      checkReceipts(kvitteringer);
      const d = await dueslagOf(req, deps.callerOf(req));
      const done = new Set(await bfo.transport.ack(d, kvitteringer));
      return { kvitteret: done.size, ukendte: kvitteringer.filter((k) => !done.has(k)) };
    },
  );

  app.post(
    '/dueslag/:uuid/afvisninger',
    {
      config: { access: a.take },
      schema: {
        tags,
        summary: 'Give handed-out messages back (nack), to be handed out again after forsinkelseSekunder',
        params: UuidParams,
        body: Type.Object(
          { kvitteringer: Receipts, forsinkelseSekunder: optional(Type.Integer({ minimum: 0, maximum: 43200 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ afvist: optional(Int), ukendte: optional(Type.Array(Str)) }),
          ...errors(DUESLAG, UNREADABLE_BODY, E.BFO_INVALID_RECEIPT, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const { kvitteringer, forsinkelseSekunder } = req.body;
      checkReceipts(kvitteringer);
      const d = await dueslagOf(req, deps.callerOf(req));
      const done = new Set(await bfo.transport.nack(d, kvitteringer, (forsinkelseSekunder ?? 0) * 1000));
      return { afvist: done.size, ukendte: kvitteringer.filter((k) => !done.has(k)) };
    },
  );

  app.get(
    '/dueslag/:uuid/doede',
    {
      config: { access: a.dueslagRead },
      schema: {
        tags,
        summary: "The dueslag's dead letters: messages over the delivery limit, or that push gave up on",
        params: UuidParams,
        querystring: Type.Object({ maks: optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })) }, { additionalProperties: false }),
        response: {
          200: ListOf(Type.Object({ beskedId: optional(Str), forsoeg: optional(Int), modtaget: optional(Str), sidsteFejl: optional(Str) })),
          ...errors(DUESLAG, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      return { resultater: await bfo.transport.deadLetters(d, Number(req.query.maks ?? 100)) };
    },
  );

  app.post(
    '/dueslag/:uuid/doede/genafsend',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Put dead letters back on the queue: all, or those with the given BeskedIds',
        params: UuidParams,
        body: Type.Object({ beskedIder: optional(Type.Array(Uuid, { maxItems: 10000 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ genafsendt: optional(Int) }),
          ...errors(DUESLAG, UNREADABLE_BODY, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      const ids = req.body.beskedIder?.map((x) => x.toLowerCase());
      return { genafsendt: await bfo.transport.redrive(d, ids) };
    },
  );

  app.post(
    '/dueslag/:uuid/genafspil',
    {
      config: { access: a.dueslagWrite },
      schema: {
        tags,
        summary: 'Deliver again the messages this dueslag received from a time (fra) or from a BeskedId (fraBeskedId) on, within retention',
        params: UuidParams,
        body: Type.Object(
          { fra: optional(Type.String({ format: 'date-time' })), fraBeskedId: optional(Uuid) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ genafspillet: optional(Int) }),
          ...errors(DUESLAG, UNREADABLE_BODY, E.BFO_BESKED_NOT_FOUND, E.BFO_REPLAY_OUT_OF_RETENTION, E.BFO_TRANSPORT_UNAVAILABLE),
        },
      },
    },
    async (req) => {
      const body = req.body;
      if ((body.fra === undefined) === (body.fraBeskedId === undefined))
        throw new AppError(PlatformErrors.INVALID_REQUEST, 'Give exactly one of fra and fraBeskedId', { field: 'body' });
      const d = await dueslagOf(req, deps.callerOf(req));
      return { genafspillet: await bfo.replay(d, { time: body.fra, beskedId: body.fraBeskedId?.toLowerCase() }) };
    },
  );

  app.get(
    '/dueslag/:uuid/metrikker',
    {
      config: { access: a.dueslagRead },
      schema: {
        tags,
        summary: 'Depth, age of the oldest message, delivered per second (last minute), dead letters',
        params: UuidParams,
        response: { 200: AnyObject, ...errors(DUESLAG, E.BFO_TRANSPORT_UNAVAILABLE) },
      },
    },
    async (req) => {
      const d = await dueslagOf(req, deps.callerOf(req));
      return { dueslag: d.uuid, ...(await bfo.transport.stats(d)) };
    },
  );
}
