import type { FastifyInstance } from 'fastify';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../oio/model.ts';
import type { ContentRules, OioStore } from '../../oio/store/oio-store.ts';
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

/** FK Organisation's own rules over writes (filled in by its domain rules). */
export const orgRules: ContentRules = {};

/** The events FK Organisation emits: one per write, topic `organisation.<type>`. */
export const orgEventTopics = orgTypes.map((t) => `${t.service}.${t.name}`);

export function orgModule(store: OioStore) {
  return {
    name: 'org',
    register(app: FastifyInstance) {
      for (const decl of orgTypes) registerOioRoutes(app, store, decl);
    },
  };
}

export { organisation };
