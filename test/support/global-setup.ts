import { existsSync, writeFileSync, renameSync } from 'node:fs';
import pg from 'pg';
import { dumpPglite } from '../../src/platform/store/pglite-adapter.ts';
import { migrate } from '../../src/platform/store/migrations.ts';
import { probeAmqp } from './amqp-probe.ts';
import { templatePath } from './template.ts';

/**
 * Runs once per test run: builds a migrated embedded database image that every test copies
 * (creating one takes seconds, loading the image a fraction of that), and checks the server
 * backends named in the environment. A named backend that does not answer fails the run.
 */
export default async function setup(): Promise<void> {
  const path = templatePath();
  if (!existsSync(path)) {
    const image = await dumpPglite({}, async (store) => {
      await migrate(store);
    });
    const tmp = `${path}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await image.arrayBuffer()));
    renameSync(tmp, path);
  }
  const url = process.env.STOTTE_TEST_POSTGRES_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`STOTTE_TEST_POSTGRES_URL is set but PostgreSQL does not answer: ${(err as Error).message}`);
    }
    // Extensions are database-wide: create them once in public, not in a test's own schema
    // (dropping that schema would take the extension with it).
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
    await client.end();
  }
  const amqp = process.env.STOTTE_TEST_AMQP_URL;
  if (amqp) {
    await probeAmqp(amqp).catch((err: Error) => {
      throw new Error(`STOTTE_TEST_AMQP_URL is set but RabbitMQ does not answer: ${err.message}`);
    });
  }
}
