import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { errorBodySchema } from '../../platform/http/server.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import { registrationSelection, virkningSelection, type Query } from '../../oio/api/query.ts';
import { oioError } from '../../oio/errors.ts';
import type { OioStore, Pin } from '../../oio/store/oio-store.ts';
import type { Store } from '../../platform/store/store.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import { kleAllowed } from '../../platform/auth/caller.ts';
import { klaAccess } from './api/access.ts';
import { parseKle, type KleDocument } from './kle/parse.ts';
import { klaError } from './errors.ts';
import { readHierarchy } from './store/hierarchy.ts';
import { importKle, type KleImportSummary } from './store/kle-import.ts';
import { searchKlasser } from './store/klasse-search.ts';
import { klaTypes } from './types/klassifikation.ts';
import { readKle } from './kle/read.ts';
import { KLE_FACET_EMNER, KLE_FACET_HANDLINGER, KLE_KLASSIFIKATION } from './domain/kle-mapping.ts';

export { klaTypes, importKle, parseKle, KLE_KLASSIFIKATION, KLE_FACET_EMNER, KLE_FACET_HANDLINGER };
export { generateEmneplan, generateHandlingsfacetter } from './kle/generate.ts';
export { readKle } from './kle/read.ts';
export { runKleImport, writeSyntheticKle } from './kle-cli.ts';
export type { KleImportSummary, KleDocument };

/** The events FK Klassifikation emits: one per write, topic `klassifikation.<type>`. */
export const klaEventTopics = klaTypes.map((t) => `${t.service}.${t.name}`);

const str = { type: 'string' } as const;
const timeQuery = { virkningstid: str, registreringstid: str } as const;

const nodeSchema = {
  type: 'object',
  properties: {
    uuid: str,
    brugervendtnoegle: str,
    titel: str,
    publiceret: str,
    overordnetklasse: str,
    // Recursive children: serialised as given.
    underklasser: { type: 'array', items: {} },
  },
} as const;

const summarySchema = {
  type: 'object',
  properties: {
    added: { type: 'integer' },
    changed: { type: 'integer' },
    retired: { type: 'integer' },
    unchanged: { type: 'integer' },
    documents: {
      type: 'array',
      items: { type: 'object', properties: { kind: str, udgivelsesdato: str, entries: { type: 'integer' } } },
    },
  },
} as const;

async function pinFor(oio: OioStore, q: Query): Promise<Pin> {
  const reg = registrationSelection(q);
  if ('from' in reg) throw oioError('INVALID_PARAMETER', 'Use registreringstid: the hierarchy is read at one registration time');
  return reg.at ? { registreringstid: reg.at } : oio.pin();
}

function effectiveInstant(q: Query): number {
  const sel = virkningSelection(q);
  if (sel === 'all' || !('at' in sel))
    throw oioError('INVALID_PARAMETER', 'Use virkningstid: the hierarchy is read at one effective instant');
  return sel.at;
}

/** FK Klassifikation: klassifikation, facet and klasse on the OIO store, the hierarchy, class search and KLE import. */
/** FK Klassifikation as a protected service: its entity id (the `aud` of its tokens) and privileges. */
export const klaService: ProtectedService = {
  name: 'kla',
  entityId: 'http://stoettesystemerne.dk/service/klassifikation/7',
  prefix: '/klassifikation',
  privileges: ['laes', 'skriv'],
};

export function klaModule(oio: OioStore, store: Store) {
  return {
    name: 'kla',
    service: klaService,
    register(app: FastifyInstance) {
      const access = klaAccess(oio);
      // Class search and the hierarchy are static routes beside LoRa's; register them first.
      app.get(
        '/klassifikation/klasse/fritekst',
        {
          config: { access: access.fritekst },
          schema: {
            tags: ['klassifikation/klasse'],
            summary: 'Find classes by number prefix, words (ranked; case and æ/ø/å insensitive), parent, facet, publication state',
            querystring: {
              type: 'object',
              properties: {
                tekst: str,
                nummer: str,
                facet: { type: 'string', format: 'uuid' },
                overordnet: { type: 'string', format: 'uuid' },
                publiceret: { type: 'string', enum: ['Publiceret', 'IkkePubliceret'] },
                maximalantalresultater: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
                ...timeQuery,
              },
              additionalProperties: false,
            },
            response: {
              200: {
                type: 'object',
                properties: {
                  results: {
                    type: 'array',
                    items: { type: 'object', properties: { uuid: str, brugervendtnoegle: str, titel: str, score: { type: 'number' } } },
                  },
                },
              },
              400: errorBodySchema,
            },
          },
        },
        async (req) => {
          const q = req.query as Record<string, string | undefined>;
          const pin = await pinFor(oio, q);
          const results = await searchKlasser(store, {
            tekst: q.tekst,
            nummer: q.nummer,
            facet: q.facet?.toLowerCase(),
            overordnet: q.overordnet?.toLowerCase(),
            publiceret: q.publiceret as 'Publiceret' | 'IkkePubliceret' | undefined,
            virkningstid: effectiveInstant(q),
            registreringstid: pin.registreringstid,
            limit: Number(q.maximalantalresultater ?? 100),
          });
          return { results: req.caller ? results.filter((r) => kleAllowed(req.caller!.restrictions, r.brugervendtnoegle)) : results };
        },
      );

      app.get(
        '/klassifikation/klassifikation/:uuid/hierarki',
        {
          config: { access: access.hierarki },
          schema: {
            tags: ['klassifikation/klassifikation'],
            summary: "A classification with its facets and each facet's class tree, as of (virkningstid, registreringstid)",
            params: { type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, required: ['uuid'] },
            querystring: {
              type: 'object',
              properties: {
                ...timeQuery,
                facet: { type: 'string', format: 'uuid' },
                efter: str,
                maximalantalresultater: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' },
              },
              additionalProperties: false,
            },
            response: {
              200: {
                type: 'object',
                properties: {
                  uuid: str,
                  brugervendtnoegle: str,
                  titel: str,
                  registreringstid: str,
                  facetter: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        uuid: str,
                        brugervendtnoegle: str,
                        titel: str,
                        naeste: str,
                        klasser: { type: 'array', items: nodeSchema },
                      },
                    },
                  },
                },
              },
              400: errorBodySchema,
              404: errorBodySchema,
            },
          },
        },
        async (req) => {
          const { uuid } = req.params as { uuid: string };
          const q = req.query as Record<string, string | undefined>;
          const pin = await pinFor(oio, q);
          return readHierarchy(oio, uuid.toLowerCase(), effectiveInstant(q), pin, {
            ...(q.facet ? { facet: q.facet.toLowerCase() } : {}),
            ...(q.efter ? { efter: q.efter } : {}),
            limit: Number(q.maximalantalresultater ?? 100_000),
          });
        },
      );

      // The administration UI uploads one KLE file at a time, as the XML body. The XML body parser
      // lives in its own scope, so no other route accepts XML.
      app.register(async (scope) => {
        scope.addContentTypeParser(['application/xml', 'text/xml'], (_req, payload, done) => done(null, payload));
        scope.post(
          '/klassifikation/kle/import',
          {
            bodyLimit: 200 * 1024 * 1024,
            config: { access: access.kleImport },
            schema: {
              tags: ['klassifikation/kle'],
              summary: 'Import a KLE file (emneplan or handlingsfacetter) as the XML body: atomic; only changes are written',
              consumes: ['application/xml', 'text/xml'],
              response: { 200: summarySchema, 400: errorBodySchema, 415: errorBodySchema },
            },
          },
          async (req) => {
            const body = req.body as Readable | undefined;
            if (!body || typeof (body as Partial<Readable>).pipe !== 'function') {
              throw new AppError(PlatformErrors.UNSUPPORTED_MEDIA_TYPE, 'Send the KLE file as the body, with content-type application/xml');
            }
            const doc = await readKle(body);
            return importKle(oio, [doc]);
          },
        );
      });

      for (const decl of klaTypes) registerOioRoutes(app, oio, decl, access.oioRoutes(decl.name));
    },
  };
}
