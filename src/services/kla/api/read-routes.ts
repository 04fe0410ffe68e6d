import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../../../platform/http/server.ts';
import type { Store } from '../../../platform/store/store.ts';
import { registrationSelection, virkningSelection, type Query } from '../../../oio/api/query.ts';
import { oioError } from '../../../oio/errors.ts';
import type { OioStore, Pin } from '../../../oio/store/oio-store.ts';
import { readHierarchy } from '../store/hierarchy.ts';
import { searchKlasser } from '../store/klasse-search.ts';
import { callerKleScope, type klaAccess } from './access.ts';

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

/**
 * FK Klassifikation's read models beside LoRa's routes: the class search and a classification's
 * hierarchy. Both apply the caller's KLE restriction inside their statements.
 */
export function registerReadRoutes(app: FastifyInstance, oio: OioStore, store: Store, access: ReturnType<typeof klaAccess>): void {
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
        within: callerKleScope(req),
      });
      return { results };
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
        within: callerKleScope(req),
      });
    },
  );
}
