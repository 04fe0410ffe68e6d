import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openPglite } from '../../src/platform/store/pglite-adapter.ts';
import { dropPostgresSchema, openPostgres } from '../../src/platform/store/postgres-adapter.ts';
import { migrate } from '../../src/platform/store/migrations.ts';
import type { Store } from '../../src/platform/store/store.ts';
import { templatePath } from './template.ts';
import { POSTGRES, type Requirement } from './requires.ts';

export interface TestBackend extends Requirement {
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

function postgres(url: string | undefined): TestBackend {
  return {
    name: 'postgres',
    unavailable: POSTGRES.unavailable,
    async open() {
      // Only reached from a suite that ran although the backend is missing: say which variable.
      if (!url) throw new Error(`the PostgreSQL backend needs a server: ${POSTGRES.unavailable}`);
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
 * Every backend a contract suite runs on, whether it can run here or not: PGlite always; PostgreSQL
 * when STOTTE_TEST_POSTGRES_URL names a server (CI sets it, and fails if it does not answer).
 * Declare the suite with `describeWith(backend)`, so a backend that cannot run is a skipped suite
 * that says why, never an absent one.
 */
export const allBackends: readonly TestBackend[] = [pglite, postgres(POSTGRES.value)];

/**
 * Only the backends that can run here. A suite looping over these leaves the others out without a
 * trace: use `allBackends` with `describeWith` instead (a few suites still use this one).
 */
export const backends: readonly TestBackend[] = allBackends.filter((b) => b.unavailable === undefined);
