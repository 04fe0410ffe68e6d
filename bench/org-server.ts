/**
 * The platform as its own process for the FK Organisation benchmark, so the benchmark can read the
 * server's memory (VmRSS, VmHWM) apart from its own. Serves FK Organisation on 127.0.0.1 at a free
 * port on the PostgreSQL schema it is given, with authentication on, and prints `{"port": …, "token": …}`
 * on one line when ready: a bearer token for FK Organisation and CVR 55133018.
 *   BENCH_POSTGRES_URL, BENCH_ORG_SCHEMA
 */
import { createPlatform } from '../src/app.ts';
import { openPostgres } from '../src/platform/store/postgres-adapter.ts';
import { provisionTestClient, testAuthOptions } from '../test/support/auth.ts';

const url = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const schema = process.env.BENCH_ORG_SCHEMA;
if (!schema) throw new Error('BENCH_ORG_SCHEMA is required');

const store = await openPostgres({ url, schema, poolSize: 10 });
const platform = await createPlatform(store, {
  services: ['org'],
  logger: false,
  relay: false,
  auth: testAuthOptions({ revocationCheckMs: 30_000 }),
}); // the served default (STOTTE_REVOCATION_CHECK_MS)
await platform.http.listen({ port: 0, host: '127.0.0.1' });
const address = platform.http.server.address();
// Auth on: an IT system with an approved agreement for FK Organisation and CVR 55133018, and its token.
const client = await provisionTestClient(store, platform.audit);
const token = await client.token(platform.tokens, 'org');
console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, token }));

const stop = async () => {
  await platform.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
