import type { FastifyInstance } from 'fastify';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import type { RunningService, ServiceDefinition } from '../../platform/service.ts';
import { KlaErrors } from './errors.ts';
import { seedKle } from './seed.ts';
import { ADMINISTRER, klaAccess, LAES, SKRIV } from './api/access.ts';
import { registerKleUpload } from './api/kle-upload.ts';
import { registerReadRoutes } from './api/read-routes.ts';
import { parseKle, type KleDocument } from './kle/parse.ts';
import { importKle, type KleImportSummary } from './store/kle-import.ts';
import { klaTypes } from './types/klassifikation.ts';
import { KLE_FACET_EMNER, KLE_FACET_HANDLINGER, KLE_KLASSIFIKATION } from './domain/kle-mapping.ts';

export { klaTypes, importKle, parseKle, KLE_KLASSIFIKATION, KLE_FACET_EMNER, KLE_FACET_HANDLINGER };
export { generateEmneplan, generateHandlingsfacetter } from './generate/index.ts';
export { readKle } from './kle/read.ts';
export { runKleImport, writeSyntheticKle } from './kle-cli.ts';
export { KLE_UPLOAD_LIMIT } from './api/kle-upload.ts';
export type { KleImportSummary, KleDocument };

/** The events FK Klassifikation emits: one per write, topic `klassifikation.<type>`. */
export const klaEventTopics = klaTypes.map((t) => `${t.service}.${t.name}`);

/**
 * FK Klassifikation as a protected service: its entity id (the `aud` of its tokens) and privileges.
 * `administrer` writes national data (KLE) and is the operator's to grant, never a municipality's.
 */
export const klaService: ProtectedService = {
  name: 'kla',
  entityId: 'http://stoettesystemerne.dk/service/klassifikation/7',
  prefix: '/klassifikation',
  privileges: [LAES, SKRIV, ADMINISTRER],
  operatorPrivileges: [ADMINISTRER],
};

/** FK Klassifikation: klassifikation, facet and klasse on the OIO store, the hierarchy, class search and KLE import. */
export const klaDefinition: ServiceDefinition<RunningService, 'kla'> = {
  name: 'kla',
  title: 'FK Klassifikation',
  protected: klaService,
  types: klaTypes,
  errors: { kla: KlaErrors },
  events: {
    topicPrefix: 'klassifikation',
    topics: klaEventTopics,
    beskedtype: {
      uuid: 'b1f0a000-0000-4000-8000-000000000002',
      navn: 'FK Klassifikation: ændring af objekt',
      ejer: 'urn:stotte:system:kla',
      sensitivitet: 'ikke-fortrolig',
    },
  },
  create({ oio, store }) {
    const access = klaAccess(oio, store);
    return {
      routes(app: FastifyInstance) {
        // Class search and the hierarchy are static routes beside LoRa's; register them first.
        registerReadRoutes(app, oio, store, access);
        registerKleUpload(app, oio, access);
        for (const decl of klaTypes)
          registerOioRoutes(app, oio, decl, {
            access: access.oioRoutes(decl.name),
            guard: access.guard,
            ...(decl.name === 'klasse' ? { search: access.klasseSearch } : {}),
          });
      },
      seed: (demo) => seedKle(oio, demo.log),
    };
  },
};
