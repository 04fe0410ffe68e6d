import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  errorResponses,
  INVALID_INPUT,
  ListOf,
  PageQuery,
  Paged,
  Str,
  StringEnum,
  TOKEN_REFUSED,
  typed,
  Uuid,
  UuidParams,
} from '../../../platform/http/schemas.ts';
import type { ErrorSpec } from '../../../platform/errors.ts';
import type { Store } from '../../../platform/store/store.ts';
import { registrationSelection, virkningSelection, type Query } from '../../../oio/api/query.ts';
import { OioErrors, oioError } from '../../../oio/errors.ts';
import type { OioStore, Pin } from '../../../oio/store/oio-store.ts';
import { readHierarchy } from '../store/hierarchy.ts';
import { searchKlasser } from '../store/klasse-search.ts';
import { callerKleScope, type klaAccess } from './access.ts';

const optional = Type.Optional;
const TimeQuery = { virkningstid: optional(Str), registreringstid: optional(Str) };
/** Both reads are made as of one instant in each dimension, and refuse another selection of time. */
const errors = (...specs: readonly ErrorSpec[]) =>
  errorResponses(INVALID_INPUT, TOKEN_REFUSED, OioErrors.INVALID_PARAMETER, OioErrors.INVALID_TIMESTAMP, ...specs);

const Node = Type.Partial(
  Type.Object({
    uuid: Str,
    brugervendtnoegle: Str,
    titel: Str,
    publiceret: Str,
    overordnetklasse: Str,
    // Recursive children: serialised as given.
    underklasser: Type.Array(Type.Unknown()),
  }),
);

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
export function registerReadRoutes(parent: FastifyInstance, oio: OioStore, store: Store, access: ReturnType<typeof klaAccess>): void {
  const app = typed(parent);
  app.get(
    '/klasse/fritekst',
    {
      config: { access: access.fritekst },
      schema: {
        tags: ['klassifikation/klasse'],
        summary: 'Find classes by number prefix, words (ranked; case and æ/ø/å insensitive), parent, facet, publication state',
        querystring: Type.Object(
          {
            tekst: optional(Str),
            nummer: optional(Str),
            facet: optional(Uuid),
            overordnet: optional(Uuid),
            publiceret: optional(StringEnum(['Publiceret', 'IkkePubliceret'])),
            maximalantalresultater: optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
            ...TimeQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: ListOf(Type.Partial(Type.Object({ uuid: Str, brugervendtnoegle: Str, titel: Str, score: Type.Number() }))),
          ...errors(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const pin = await pinFor(oio, q);
      const resultater = await searchKlasser(store, {
        tekst: q.tekst,
        nummer: q.nummer,
        facet: q.facet?.toLowerCase(),
        overordnet: q.overordnet?.toLowerCase(),
        publiceret: q.publiceret,
        virkningstid: effectiveInstant(q),
        registreringstid: pin.registreringstid,
        limit: Number(q.maximalantalresultater ?? 100),
        within: callerKleScope(req),
      });
      return { resultater };
    },
  );

  app.get(
    '/klassifikation/:uuid/hierarki',
    {
      config: { access: access.hierarki },
      schema: {
        tags: ['klassifikation/klassifikation'],
        summary: "A classification with its facets and each facet's class tree, as of (virkningstid, registreringstid)",
        params: UuidParams,
        querystring: Type.Object(
          {
            ...TimeQuery,
            facet: optional(Uuid),
            ...PageQuery,
            maximalantalresultater: optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Partial(
            Type.Object({
              uuid: Str,
              brugervendtnoegle: Str,
              titel: Str,
              registreringstid: Str,
              facetter: Type.Array(
                Type.Object({
                  uuid: optional(Str),
                  brugervendtnoegle: optional(Str),
                  titel: optional(Str),
                  ...Paged,
                  klasser: optional(Type.Array(Node)),
                }),
              ),
            }),
          ),
          ...errors(OioErrors.OBJECT_NOT_FOUND),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const pin = await pinFor(oio, q);
      return readHierarchy(oio, req.params.uuid.toLowerCase(), effectiveInstant(q), pin, {
        ...(q.facet ? { facet: q.facet.toLowerCase() } : {}),
        ...(q.efter ? { efter: q.efter } : {}),
        limit: Number(q.maximalantalresultater ?? 100_000),
        within: callerKleScope(req),
      });
    },
  );
}
