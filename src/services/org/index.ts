import type { FastifyInstance } from 'fastify';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../oio/model.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
import type { RunningService, ServiceDefinition } from '../../platform/service.ts';
import { orgRules } from './store/rules.ts';
import { OrgErrors } from './errors.ts';
import { seedOrganisations } from './seed.ts';
import { registerAnonymiserRoutes, registerPersonReadAudit } from './api/anonymiser-routes.ts';
import { registerOrgReadRoutes } from './api/read-routes.ts';
import { registerOrgImportRoutes } from './api/import-routes.ts';
import { ANONYMISER, LAES, orgAccess, SKRIV } from './api/access.ts';
import { OwnerCache } from './api/owner-cache.ts';
import { organisation } from './types/organisation.ts';
import { adresse, bruger, interessefaellesskab, itsystem, organisationenhed, organisationfunktion, person } from './types/units.ts';

/** FK Organisation: its object types on the OIO store. */
export const orgTypes: readonly ObjectTypeDecl[] = [
  organisation,
  organisationenhed,
  organisationfunktion,
  bruger,
  person,
  adresse,
  itsystem,
  interessefaellesskab,
];

export { orgRules };

/** The events FK Organisation emits: one per write, topic `organisation.<type>`. */
export const orgEventTopics = orgTypes.map((t) => `${t.service}.${t.name}`);

/** FK Organisation as a protected service: its entity id (the `aud` of its tokens) and privileges. */
export const orgService: ProtectedService = {
  name: 'org',
  entityId: 'http://stoettesystemerne.dk/service/organisation/3',
  prefix: '/organisation',
  privileges: [LAES, SKRIV, ANONYMISER],
};

/** FK Organisation: the register of how each municipality is organised. */
export const orgDefinition: ServiceDefinition<RunningService, 'org'> = {
  name: 'org',
  title: 'FK Organisation',
  protected: orgService,
  types: orgTypes,
  rules: orgRules,
  errors: { org: OrgErrors },
  events: {
    topicPrefix: 'organisation',
    topics: orgEventTopics,
    beskedtype: {
      uuid: 'b1f0a000-0000-4000-8000-000000000001',
      navn: 'FK Organisation: ændring af objekt',
      ejer: 'urn:stotte:system:org',
      sensitivitet: 'fortrolig',
    },
  },
  create({ oio, audit, store }) {
    // What reads found about owners, shared by the checks of one object and the searches.
    const owners = new OwnerCache();
    const access = orgAccess(store, owners);
    const onWritten = (type: string, uuid: string | undefined) => owners.forget(type, uuid);
    return {
      routes(app: FastifyInstance) {
        // Every read about a person is audited (the hook sees this plugin's routes, the person routes among them).
        registerPersonReadAudit(app, audit, store);
        registerAnonymiserRoutes(app, { oio, audit, access: access.anonymiser });
        registerOrgReadRoutes(app, { oio, store, audit, access });
        registerOrgImportRoutes(app, { oio, access: access.import, guard: access.guard, onWritten });
        for (const decl of orgTypes)
          registerOioRoutes(app, oio, decl, {
            access: access.oioRoutes(decl.name),
            search: access.search(decl),
            guard: access.guard,
            onWritten,
          });
      },
      seed: (demo) => seedOrganisations(oio, demo.log),
    };
  },
};

export { organisation };
export { organisationCvrsOf, ownerCvrsOf } from './store/owners.ts';
export { demoMunicipality, forImport, generateMunicipality } from './generate/index.ts';
export { importOrganisation } from './store/org-import.ts';
