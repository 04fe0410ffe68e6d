import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import { errorResponses, Int, Str, TOKEN_REFUSED, typed } from '../../../platform/http/schemas.ts';
import { AuthErrors } from '../../../platform/auth/errors.ts';
import type { OioStore } from '../../../oio/store/oio-store.ts';
import { KlaErrors, klaError } from '../errors.ts';
import { readKle } from '../kle/read.ts';
import { importKle } from '../store/kle-import.ts';
import type { klaAccess } from './access.ts';

/**
 * The largest KLE file the upload takes, in bytes. KL's subject plan is about 10 MB and the action
 * facets far less; 32 MiB leaves room for growth while a runaway upload is stopped early.
 */
export const KLE_UPLOAD_LIMIT = 32 * 1024 * 1024;

const Summary = Type.Partial(
  Type.Object({
    added: Int,
    changed: Int,
    retired: Int,
    unchanged: Int,
    documents: Type.Array(Type.Partial(Type.Object({ kind: Str, udgivelsesdato: Str, entries: Int }))),
  }),
);

/** What the import answers besides its summary: every fault of a KLE file (`KLE_…`), and who may run it. */
const KLE_REFUSALS = [
  ...Object.values(KlaErrors).filter((spec) => spec.code.startsWith('KLE_')),
  KlaErrors.NATIONAL_DATA_OPERATOR_ONLY,
  AuthErrors.DATA_OUTSIDE_RESTRICTION,
  PlatformErrors.UNSUPPORTED_MEDIA_TYPE,
  PlatformErrors.PAYLOAD_TOO_LARGE,
];

const tooLarge = () => new AppError(PlatformErrors.PAYLOAD_TOO_LARGE, `A KLE file may be at most ${KLE_UPLOAD_LIMIT} bytes`);

/** The body our XML parser hands on: the upload's chunks, as they arrive. */
function isUpload(body: unknown): body is AsyncIterable<Buffer> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

/**
 * The body as it is read, stopped as soon as it passes the limit. Fastify does not count the bytes
 * of a body a parser hands on as a stream (a route's bodyLimit holds only for bodies it buffers),
 * and a chunked upload declares no length, so the count is kept here.
 */
async function* capped(body: Readable, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > limit) throw tooLarge();
    yield chunk;
  }
  if (seen === 0) throw klaError('KLE_EMPTY_UPLOAD');
}

/**
 * `POST /klassifikation/kle/import`: one KLE file as the XML body, streamed into the import. The
 * XML body parser lives in its own scope, so no other route accepts XML.
 */
export function registerKleUpload(app: FastifyInstance, oio: OioStore, access: ReturnType<typeof klaAccess>): void {
  app.register(async (plugin) => {
    const scope = typed(plugin);
    scope.addContentTypeParser(['application/xml', 'text/xml'], (req, payload, done) => {
      // A declared length over the limit is refused before a byte is read.
      if (Number(req.headers['content-length']) > KLE_UPLOAD_LIMIT) done(tooLarge(), undefined);
      else done(null, capped(payload, KLE_UPLOAD_LIMIT));
    });
    scope.post(
      '/kle/import',
      {
        config: { access: access.kleImport },
        schema: {
          tags: ['klassifikation/kle'],
          summary: `Import a KLE file (emneplan or handlingsfacetter) as the XML body, up to ${KLE_UPLOAD_LIMIT / 1024 / 1024} MiB: atomic; only changes are written`,
          consumes: ['application/xml', 'text/xml'],
          response: { 200: Summary, ...errorResponses(TOKEN_REFUSED, KLE_REFUSALS) },
        },
      },
      async (req, reply) => {
        const body = req.body;
        if (body === undefined) throw klaError('KLE_EMPTY_UPLOAD');
        if (!isUpload(body))
          throw new AppError(PlatformErrors.UNSUPPORTED_MEDIA_TYPE, 'Send the KLE file as the body, with content-type application/xml');
        try {
          return await importKle(oio, [await readKle(body)]);
        } catch (err) {
          // The rest of an oversized body is not read: the connection cannot carry another request.
          if (err instanceof AppError && err.code === PlatformErrors.PAYLOAD_TOO_LARGE.code) reply.header('connection', 'close');
          throw err;
        }
      },
    );
  });
}
