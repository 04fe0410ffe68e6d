import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openPglite } from '../../src/platform/store/pglite-adapter.ts';
import { dropPostgresSchema, openPostgres } from '../../src/platform/store/postgres-adapter.ts';
import { migrate } from '../../src/platform/store/migrations.ts';
import type { Store } from '../../src/platform/store/store.ts';
import { templatePath } from './template.ts';

export interface TestBackend {
  readonly name: 'pglite' | 'postgres';
  /** A fresh, migrated store of its own; closing it removes what it made. */
  open(): Promise<Store>;
}

let template: Blob | undefined;

const pglite: TestBackend = {
  name: 'pglite',
  async open() {
    template ??= new Blob([readFileSync(templatePath())]);
    return openPglite({ image: template });
  },
};

function postgres(url: string): TestBackend {
  return {
    name: 'postgres',
    async open() {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const store = await openPostgres({ url, schema, poolSize: 10 });
      await migrate(store);
      return {
        ...store,
        profile: store.profile,
        query: store.query.bind(store),
        transaction: store.transaction.bind(store),
        ...(store.rawRows ? { rawRows: store.rawRows.bind(store) } : {}),
        ...(store.listen ? { listen: store.listen.bind(store) } : {}),
        async close() {
          await store.close();
          await dropPostgresSchema(url, schema);
        },
      };
    },
  };
}

/**
 * The backends every contract suite runs on: PGlite always; PostgreSQL when
 * STOTTE_TEST_POSTGRES_URL names a server (CI sets it, and fails if it does not answer).
 */
export const backends: readonly TestBackend[] = [
  pglite,
  ...(process.env.STOTTE_TEST_POSTGRES_URL ? [postgres(process.env.STOTTE_TEST_POSTGRES_URL)] : []),
];
