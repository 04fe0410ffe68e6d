import type { FastifyInstance } from 'fastify';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../oio/model.ts';
import type { OioStore } from '../../oio/store/oio-store.ts';
import type { AuditLog } from '../../platform/audit.ts';
import type { Store } from '../../platform/store/store.ts';
import type { ProtectedService } from '../../platform/auth/http.ts';
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

export { orgRules } from './domain/rules.ts';

/** The events FK Organisation emits: one per write, topic `organisation.<type>`. */
export const orgEventTopics = orgTypes.map((t) => `${t.service}.${t.name}`);

/** FK Organisation as a protected service: its entity id (the `aud` of its tokens) and privileges. */
export const orgService: ProtectedService = {
  name: 'org',
  entityId: 'http://stoettesystemerne.dk/service/organisation/3',
  prefix: '/organisation',
  privileges: [LAES, SKRIV, ANONYMISER],
};

export function orgModule(deps: { oio: OioStore; audit: AuditLog; store: Store }) {
  return {
    name: 'org',
    service: orgService,
    register(app: FastifyInstance) {
      // On the root instance, so it sees the person routes: every read about a person is audited.
      registerPersonReadAudit(app, deps.audit, deps.store);
      // What reads found about owners, shared by the checks of one object and the searches.
      const owners = new OwnerCache();
      const access = orgAccess(deps.store, owners);
      const onWritten = (type: string, uuid: string | undefined) => owners.forget(type, uuid);
      registerAnonymiserRoutes(app, { oio: deps.oio, audit: deps.audit, access: access.anonymiser });
      registerOrgReadRoutes(app, { oio: deps.oio, store: deps.store, audit: deps.audit, access });
      registerOrgImportRoutes(app, { oio: deps.oio, access: access.import, guard: access.guard, onWritten });
      for (const decl of orgTypes)
        registerOioRoutes(app, deps.oio, decl, {
          access: access.oioRoutes(decl.name),
          search: access.search(decl),
          guard: access.guard,
          onWritten,
        });
    },
  };
}

export { organisation };
export { organisationCvrsOf, ownership } from './store/owners.ts';
export { demoMunicipality, forImport, generateMunicipality } from './domain/generate.ts';
export { importOrganisation } from './store/org-import.ts';
