import type { FastifyInstance } from 'fastify';
import { registerOioRoutes } from '../../oio/api/routes.ts';
import type { ObjectTypeDecl } from '../../oio/model.ts';
import type { OioStore } from '../../oio/store/oio-store.ts';
import { organisation } from './types/organisation.ts';

/** FK Organisation: its object types on the OIO store. More types arrive with the register's issue. */
export const orgTypes: readonly ObjectTypeDecl[] = [organisation];

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
