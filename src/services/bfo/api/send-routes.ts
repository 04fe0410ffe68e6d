/** Sending: `POST /beskedfordeler/beskeder` as XML, JSON or a CloudEvent; and "would this match?". */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import { parseJson } from '../../../platform/http/json.ts';
import { AnyObject, INVALID_INPUT, Int, Str, typed, UNREADABLE_BODY, Uuid, UuidParams } from '../../../platform/http/schemas.ts';
import { strictText } from '../../../platform/http/edge.ts';
import { fromCloudEvent } from '../domain/cloudevent.ts';
import { envelopeFromJson, type Haendelsesbesked } from '../domain/envelope.ts';
import { envelopeFromXml } from '../domain/xml.ts';
import { BfoErrors, bfoError } from '../errors.ts';
import type { Beskedfordeler } from '../service.ts';
import type { Store } from '../../../platform/store/store.ts';
import { bfoAccess } from './access.ts';
import { errors, type BfoCallerOf } from './common.ts';

const tags = ['beskedfordeler/beskeder'];
const E = BfoErrors;
const optional = Type.Optional;
const Received = Type.Object({ beskedId: optional(Str), status: optional(Str), statusKode: optional(Int), modtagere: optional(Int) });
/** A message that cannot be read, in any of its forms. */
const UNREADABLE_MESSAGE = [
  ...UNREADABLE_BODY,
  ...[E.BFO_MALFORMED_XML, E.BFO_DOCTYPE_FORBIDDEN, E.BFO_ENTITY_FORBIDDEN, E.BFO_WRONG_ROOT],
  ...[E.BFO_INVALID_ENVELOPE, E.BFO_INVALID_CLOUDEVENT, E.BFO_MESSAGE_TOO_LARGE],
];

/** Reads a message body by its content type, refusing one over the size limit before parsing. */
export function readMessage(req: FastifyRequest, maxBytes: number): Haendelsesbesked {
  const raw = req.body;
  if (typeof raw !== 'string')
    throw new AppError(
      PlatformErrors.UNSUPPORTED_MEDIA_TYPE,
      'Send the message as application/xml, application/json or application/cloudevents+json',
    );
  const size = Buffer.byteLength(raw);
  if (size > maxBytes)
    throw bfoError('BFO_MESSAGE_TOO_LARGE', `The message is ${size} bytes; the limit is ${maxBytes}`, { limit: maxBytes });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/xml' || type === 'text/xml') return envelopeFromXml(raw, { maxBytes });
  // Depth-checked before parsing: a deep `json` payload would otherwise reach the code that walks it.
  const body = parseJson(raw);
  return type === 'application/cloudevents+json' ? fromCloudEvent(body) : envelopeFromJson(body);
}

export function registerSendRoutes(
  parent: FastifyInstance,
  deps: { bfo: Beskedfordeler; store: Store; callerOf: BfoCallerOf; maxMessageBytes: number },
): void {
  const app = typed(parent);
  const { bfo } = deps;
  const a = bfoAccess(bfo, deps.store, deps.callerOf);
  app.register(async (plugin) => {
    const scope = typed(plugin);
    // Bodies arrive as text: the size is checked and the form chosen here, not by the platform.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/xml', 'text/xml', 'application/json', 'application/cloudevents+json'],
      { parseAs: 'buffer', bodyLimit: deps.maxMessageBytes * 4 },
      strictText,
    );
    scope.post(
      '/beskeder',
      {
        config: { access: a.send },
        bodyLimit: deps.maxMessageBytes * 4,
        schema: {
          tags,
          summary:
            'Send a Haendelsesbesked (XML as published, the same envelope as JSON, or a CloudEvent). Durable before the answer; a BeskedId already received is acknowledged again and not distributed twice',
          consumes: ['application/xml', 'text/xml', 'application/json', 'application/cloudevents+json'],
          response: {
            201: Received,
            200: Received,
            ...errors(UNREADABLE_MESSAGE, E.BFO_UNKNOWN_BESKEDTYPE, E.BFO_SENDER_NOT_ENTITLED, E.BFO_TRANSPORT_UNAVAILABLE),
          },
        },
      },
      async (req, reply) => {
        const besked = readMessage(req, deps.maxMessageBytes);
        const r = await bfo.send(besked, deps.callerOf(req));
        return reply
          .status(r.duplicate ? 200 : 201)
          .send({ beskedId: r.beskedId, status: r.duplicate ? 'allerede-modtaget' : 'modtaget', statusKode: 20, modtagere: r.modtagere });
      },
    );
    scope.post(
      '/abonnementer/:uuid/forklar',
      {
        config: { access: a.explainWrite },
        bodyLimit: deps.maxMessageBytes * 4,
        schema: {
          tags: ['beskedfordeler/administration'],
          summary: 'Would this message (the body, in any form) match this subscription, and why (not)?',
          params: UuidParams,
          consumes: ['application/xml', 'text/xml', 'application/json', 'application/cloudevents+json'],
          response: {
            200: AnyObject,
            ...errors(INVALID_INPUT, UNREADABLE_MESSAGE, E.BFO_ABONNEMENT_NOT_FOUND, E.BFO_UNKNOWN_BESKEDTYPE, E.BFO_INVALID_FILTER),
          },
        },
      },
      async (req) => bfo.explain(req.params.uuid.toLowerCase(), readMessage(req, deps.maxMessageBytes)),
    );
  });
  app.get(
    '/abonnementer/:uuid/forklar',
    {
      config: { access: a.explainStored },
      schema: {
        tags: ['beskedfordeler/administration'],
        summary:
          'Did a received message (by BeskedId) match this subscription, and why (not)? Only a message delivered to a dueslag of the caller, or one its agreements entitle it to receive',
        params: UuidParams,
        querystring: Type.Object({ beskedId: Uuid }, { additionalProperties: false }),
        response: { 200: AnyObject, ...errors(INVALID_INPUT, E.BFO_ABONNEMENT_NOT_FOUND, E.BFO_BESKED_NOT_FOUND) },
      },
    },
    async (req) => bfo.explainStored(req.params.uuid.toLowerCase(), req.query.beskedId.toLowerCase(), deps.callerOf(req)),
  );
}
