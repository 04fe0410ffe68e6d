import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteAccess } from '../../../platform/auth/access.ts';
import { contentFromWire, type WireObject } from '../../../oio/domain/wire.ts';
import type { OioStore, WriteGuard } from '../../../oio/store/oio-store.ts';
import { errorBodySchema } from '../../../platform/http/server.ts';
import { aboutObject, importOrganisation, ORG_IMPORT_TYPES, type OrgImportObject } from '../store/org-import.ts';

/**
 * The largest import body: 64 MiB, about 70,000 objects (a generated municipality of 1,400 units
 * and 14,000 users with their functions, persons and addresses). The body is parsed whole and its
 * objects kept until the transaction ends (a 400 MB body took 2.2 GB), so a larger municipality is
 * imported in parts (see docs/systems/org.md).
 */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

const uuid = { type: 'string', format: 'uuid' } as const;
const part = { type: 'object' } as const;

/**
 * The envelope; each object's LoRa body (attributter, tilstande, relationer) is checked against
 * its type's declaration as it is read (contentFromWire), which names the field at fault.
 */
const importBody = {
  type: 'object',
  properties: {
    organisation: {
      type: 'object',
      description: 'The organisation: its UUID and a LoRa registration body',
      properties: { uuid, attributter: part, tilstande: part, relationer: part },
      required: ['uuid'],
      additionalProperties: false,
    },
    objekter: {
      type: 'array',
      description: "The organisation's objects: each its type, UUID and LoRa registration body",
      items: {
        type: 'object',
        properties: {
          objekttype: { type: 'string', enum: [...ORG_IMPORT_TYPES] },
          uuid,
          attributter: part,
          tilstande: part,
          relationer: part,
        },
        required: ['objekttype', 'uuid'],
        additionalProperties: false,
      },
    },
    note: { type: 'string', description: "The registrations' note (default organisation-import)" },
  },
  required: ['organisation', 'objekter'],
  additionalProperties: false,
} as const;

const counts = {
  type: 'object',
  properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' } },
  required: ['created', 'updated', 'unchanged'],
} as const;

const summary = {
  type: 'object',
  properties: {
    ...counts.properties,
    objects: { type: 'integer' },
    byType: { type: 'object', additionalProperties: counts },
  },
  required: ['created', 'updated', 'unchanged', 'objects', 'byType'],
} as const;

type ImportRequest = {
  organisation: WireObject & { uuid: string };
  objekter: (WireObject & { objekttype: string; uuid: string })[];
  note?: string;
};

/**
 * `POST /organisation/organisation/import`: a whole organisation in one call, atomic. Each object
 * is imported (created or overwritten, lifecycle Importeret) unless it is stored with exactly this
 * content already; the answer counts created, updated and unchanged objects. Any invalid object
 * refuses the whole import with that object's error (its index, type and UUID in the details), and
 * nothing is stored.
 */
export function registerOrgImportRoutes(
  app: FastifyInstance,
  deps: {
    readonly oio: OioStore;
    readonly access: RouteAccess;
    readonly guard: (req: FastifyRequest) => Promise<WriteGuard | undefined>;
    /** Told of every object an import wrote. */
    readonly onWritten?: (type: string, uuid: string | undefined) => void;
  },
): void {
  app.post(
    '/organisation/organisation/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { access: deps.access },
      schema: {
        tags: ['organisation/organisation'],
        summary: 'Import a whole organisation (units, functions, users, persons, addresses …) in one atomic call',
        body: importBody,
        response: { 200: summary, 400: errorBodySchema, 409: errorBodySchema, 413: errorBodySchema },
      },
    },
    async (req) => {
      const body = req.body as ImportRequest;
      const { uuid: orgUuid, ...orgBody } = body.organisation;
      let organisation;
      try {
        organisation = { uuid: orgUuid, content: contentFromWire(deps.oio.decl('organisation'), orgBody) };
      } catch (err) {
        throw aboutObject(err, { type: 'organisation', uuid: orgUuid });
      }
      const objects: OrgImportObject[] = body.objekter.map(({ objekttype, uuid: id, ...rest }, index) => {
        try {
          return { type: objekttype, uuid: id, content: contentFromWire(deps.oio.decl(objekttype), rest) };
        } catch (err) {
          throw aboutObject(err, { index, type: objekttype, uuid: id });
        }
      });
      const guard = await deps.guard(req);
      const summary = await importOrganisation(deps.oio, { organisation, objects }, undefined, {
        note: body.note ?? 'organisation-import',
        ...(guard ? { guard } : {}),
      });
      deps.onWritten?.('organisation', organisation.uuid.toLowerCase());
      return summary;
    },
  );
}
