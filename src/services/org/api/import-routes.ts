import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteAccess } from '../../../platform/auth/access.ts';
import { BAD_CONTENT } from '../../../oio/api/routes.ts';
import { contentFromWire } from '../../../oio/domain/wire.ts';
import { OioErrors } from '../../../oio/errors.ts';
import type { OioStore, WriteGuard } from '../../../oio/store/oio-store.ts';
import {
  errorResponses,
  INVALID_INPUT,
  Int,
  SCOPE_REFUSED,
  StringEnum,
  TOKEN_REFUSED,
  typed,
  UNREADABLE_BODY,
  Uuid,
} from '../../../platform/http/schemas.ts';
import { OrgErrors } from '../errors.ts';
import { aboutObject, importOrganisation, ORG_IMPORT_TYPES, type OrgImportObject } from '../store/org-import.ts';

/**
 * The largest import body: 64 MiB, about 70,000 objects (a generated municipality of 1,400 units
 * and 14,000 users with their functions, persons and addresses). The body is parsed whole and its
 * objects kept until the transaction ends (a 400 MB body took 2.2 GB), so a larger municipality is
 * imported in parts (see docs/systems/org.md).
 */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

/** A part of a LoRa registration body: its members are checked by contentFromWire. */
const Part = Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' }));

/**
 * The envelope; each object's LoRa body (attributter, tilstande, relationer) is checked against
 * its type's declaration as it is read (contentFromWire), which names the field at fault.
 */
const ImportBody = Type.Object(
  {
    organisation: Type.Object(
      { uuid: Uuid, attributter: Part, tilstande: Part, relationer: Part },
      { description: 'The organisation: its UUID and a LoRa registration body', additionalProperties: false },
    ),
    objekter: Type.Array(
      Type.Object(
        { objekttype: StringEnum(ORG_IMPORT_TYPES), uuid: Uuid, attributter: Part, tilstande: Part, relationer: Part },
        { additionalProperties: false },
      ),
      { description: "The organisation's objects: each its type, UUID and LoRa registration body" },
    ),
    note: Type.Optional(Type.String({ description: "The registrations' note (default organisation-import)" })),
  },
  { additionalProperties: false },
);

/** The rules of FK Organisation's content, which any imported object may break, and the import's own. */
const IMPORT_REFUSALS = [
  ...[OrgErrors.TILHOERER_REQUIRED, OrgErrors.USER_ATTACHED_DIRECTLY, OrgErrors.UNIT_CYCLE, OrgErrors.INVALID_CPR],
  ...[OrgErrors.OWNER_REQUIRED, OrgErrors.IMPORT_FOREIGN_OBJECT, OioErrors.OBJECT_TYPE_MISMATCH],
];

const Counts = Type.Object({ created: Int, updated: Int, unchanged: Int });

const Summary = Type.Object({
  ...Counts.properties,
  objects: Int,
  byType: Type.Unsafe<Record<string, Static<typeof Counts>>>({ type: 'object', additionalProperties: Counts }),
});

/**
 * `POST /organisation/organisation/import`: a whole organisation in one call, atomic. Each object
 * is imported (created or overwritten, lifecycle Importeret) unless it is stored with exactly this
 * content already; the answer counts created, updated and unchanged objects. Any invalid object
 * refuses the whole import with that object's error (its index, type and UUID in the details), and
 * nothing is stored.
 */
export function registerOrgImportRoutes(
  parent: FastifyInstance,
  deps: {
    readonly oio: OioStore;
    readonly access: RouteAccess;
    readonly guard: (req: FastifyRequest) => Promise<WriteGuard | undefined>;
    /** Told of every object an import wrote. */
    readonly onWritten?: (type: string, uuid: string | undefined) => void;
  },
): void {
  const app = typed(parent);
  app.post(
    '/organisation/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { access: deps.access },
      schema: {
        tags: ['organisation/organisation'],
        summary: 'Import a whole organisation (units, functions, users, persons, addresses …) in one atomic call',
        body: ImportBody,
        response: {
          200: Summary,
          ...errorResponses(INVALID_INPUT, UNREADABLE_BODY, TOKEN_REFUSED, SCOPE_REFUSED, BAD_CONTENT, IMPORT_REFUSALS),
        },
      },
    },
    async (req) => {
      const body = req.body;
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
