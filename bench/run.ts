/**
 * Benchmark of the bitemporal OIO object store (OioStore) on PostgreSQL and on embedded PGlite.
 *
 * Run:  npm run bench                      (= node bin/run-ts.js bench/run.ts)
 *       BENCH_OBJECTS=5000 BENCH_BACKENDS=postgres npm run bench      (a quick run)
 *       node bin/run-ts.js bench/run.ts --backends=pglite
 *
 * Per backend it generates N `organisation` objects × 10 registrations in bulk with SQL (see
 * bench/oio-dataset.ts; the shapes are checked against rows written through OioStore), runs
 * VACUUM ANALYZE, then prints one line per figure:
 *   oio.laes            laes as of a random (virkningstid, registreringstid), at concurrency C,
 *                       vs. one hand-written SELECT of the registration (baseline)
 *   oio.soeg.attribute  brugervendtnoegle LIKE 'bench-NN%', one at a time, vs. a direct index join
 *   oio.soeg.relation   overordnet = <uuid>, one at a time, vs. a direct index join
 *   oio.ret             ret (rename) with its outbox event, at concurrency C
 * with p50, p99, rate, the baseline's figures, the ratio ours/baseline and the goal (PostgreSQL:
 * laes p99 < 5 ms and within 2× of the baseline; soeg by relation p99 < 20 ms; ≥ 1,000 ret/s).
 * Then, on a fresh database of its own (schema `<BENCH_SCHEMA>_kla`), FK Klassifikation
 * (bench/kla.ts): the full-size synthetic KLE imported (goal < 10 s on PostgreSQL) and re-imported
 * as its next edition, and class search by number prefix and by words (goal p99 < 20 ms).
 * On PostgreSQL, FK Organisation (bench/org.ts, schema `<BENCH_SCHEMA>_org`): a 5,000-unit,
 * 50,000-user municipality imported in one call, its full hierarchy as of a past date (goal < 2 s
 * and < 300 MB extra server memory), "who works here" for the root's subtree (goal p99 < 200 ms)
 * and point reads, each beside hand-written SQL; and the LoRa comparison (bench/org-lora.ts,
 * schema `<BENCH_SCHEMA>_lora`): LoRa 1.3's REST workload through ours (goal ≥ 10× LoRa).
 * Then FK Adgangsstyring for Systemer (bench/adgsystem.ts, schema `<BENCH_SCHEMA>_adg`): tokens
 * issued per second over mTLS and verified per second, ES256 and PS256, each beside raw `jose`
 * signing and verifying the same claims (goals: ≥ 50 % and ≥ 70 % of raw).
 * Then FK Beskedfordeler (bench/bfo.ts), per transport (RabbitMQ, then the store), on a fresh
 * database of its own (schema `<BENCH_SCHEMA>_bfo`): the cost of one subscription match among
 * 10,000, sustained durable ingest of 5 KB messages with a 1,000,000-entry value list and a fan-out
 * of about 3, and send-to-receive latency at half that rate, beside raw amqplib publish-with-confirm
 * and consume (goals: ≥ 2,000/s, p99 < 100 ms, a match < 50 µs).
 * Last, per backend, the bounds (bench/bounds.ts): the most expensive requests the limits let
 * through, on a municipality of BENCH_BOUNDS_UNITS units and BENCH_BOUNDS_USERS users, each the
 * worst of three, with how long it held the event loop (on PGlite a statement holds the process).
 * Ours and the baseline run on the same requests in alternating rounds; check_mismatches counts
 * sample requests where they answered differently (must be 0). host_load1 is the machine's load
 * average after the phase: other processes on the same cores make the figures noisy.
 * Each phase is bounded (BENCH_SECONDS per variant, and a fixed number of operations).
 *
 * Environment (all optional):
 *   BENCH_BACKENDS        postgres,pglite (default both; also --backends=…)
 *   BENCH_OBJECTS         objects on PostgreSQL (default 100000)
 *   BENCH_PGLITE_OBJECTS  objects on PGlite (default 20000)
 *   BENCH_POSTGRES_URL    default postgres://postgres@127.0.0.1:5432/test
 *   BENCH_SCHEMA          PostgreSQL schema, dropped and recreated each run (default bench_oio)
 *   BENCH_KEEP=1          keep the schema after the run (to EXPLAIN queries on the data)
 *   BENCH_SECONDS         upper bound of each measured phase, in seconds (default 10)
 *   BENCH_CONCURRENCY     concurrency of laes and ret (default 8)
 *   BENCH_SEED            seed of the data and the workload (default 1)
 *   BENCH_ORG_UNITS       units of the FK Organisation municipality (default 5000)
 *   BENCH_ORG_USERS       users of it (default 50000)
 *   BENCH_PARTS           oio,kla,adgsystem,bfo,org,lora,bounds: which parts to run (default all)
 *   BENCH_BOUNDS_UNITS    units of the municipality the bounds are measured on (default 5000)
 *   BENCH_BOUNDS_USERS    users of it (default 50000)
 *   BENCH_AMQP_URL        default amqp://guest:guest@127.0.0.1:5672
 *   BENCH_BFO_TRANSPORTS  amqp,store (default both)
 *   BENCH_BFO_DUESLAG     dueslag the 10,000 subscriptions spread over (default 200)
 *   BENCH_BFO_MESSAGES    messages in the ingest phase at most (default 6000)
 *   BENCH_BFO_LIST        entries of the value list (default 1000000; at most 200000 on PGlite)
 * PGlite runs in a fresh temporary data folder, removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/platform/store/migrations.ts';
import { openPglite } from '../src/platform/store/pglite-adapter.ts';
import { dropPostgresSchema, openPostgres } from '../src/platform/store/postgres-adapter.ts';
import type { Store } from '../src/platform/store/store.ts';
import { OioStore } from '../src/oio/store/oio-store.ts';
import { organisation } from '../src/services/org/types/organisation.ts';
import { loadDataset } from './oio-dataset.ts';
import { benchLaes, benchRet, benchSoeg, type BenchContext } from './oio-workloads.ts';
import { ensureTrigram, seconds } from './stats.ts';
import { benchKla } from './kla.ts';
import { runOrgBench } from './org.ts';
import { runOrgLoraBench } from './org-lora.ts';
import { benchAdgsystem } from './adgsystem.ts';
import { benchBfo } from './bfo.ts';
import { runBounds } from './bounds.ts';

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return v;
}

const flag = process.argv.find((a) => a.startsWith('--backends='))?.slice('--backends='.length);
const backends = (flag ?? process.env.BENCH_BACKENDS ?? 'postgres,pglite')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
for (const b of backends) if (b !== 'postgres' && b !== 'pglite') throw new Error(`unknown backend ${b} (postgres, pglite)`);
const config = {
  url: process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
  schema: process.env.BENCH_SCHEMA || 'bench_oio',
  keep: process.env.BENCH_KEEP === '1',
  objects: { postgres: int('BENCH_OBJECTS', 100_000), pglite: int('BENCH_PGLITE_OBJECTS', 20_000) },
  seconds: int('BENCH_SECONDS', 10),
  concurrency: int('BENCH_CONCURRENCY', 8),
  seed: int('BENCH_SEED', 1),
  orgUnits: int('BENCH_ORG_UNITS', 5000),
  orgUsers: int('BENCH_ORG_USERS', 50_000),
  parts: (process.env.BENCH_PARTS || 'oio,kla,adgsystem,bfo,org,lora,bounds').split(',').map((p) => p.trim()),
  boundsUnits: int('BENCH_BOUNDS_UNITS', 5000),
  boundsUsers: int('BENCH_BOUNDS_USERS', 50_000),
  amqpUrl: process.env.BENCH_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  bfoTransports: (process.env.BENCH_BFO_TRANSPORTS ?? 'amqp,store').split(',').map((x) => x.trim()),
  bfoDueslag: int('BENCH_BFO_DUESLAG', 200),
  bfoMessages: int('BENCH_BFO_MESSAGES', 6000),
  bfoListSize: int('BENCH_BFO_LIST', 1_000_000),
};
for (const s of config.parts)
  if (!['oio', 'kla', 'adgsystem', 'bfo', 'org', 'lora', 'bounds'].includes(s))
    throw new Error(`unknown part ${s} (oio, kla, adgsystem, bfo, org, lora, bounds)`);
for (const t of config.bfoTransports)
  if (t !== 'amqp' && t !== 'store') throw new Error(`unknown Beskedfordeler transport ${t} (amqp, store)`);

const print = (line: string) => console.log(line);

interface Opened {
  store: Store;
  chunk: number;
  /** Connections loading at once: the pool may use both cores, PGlite has one connection. */
  parallel: number;
  maintenanceWorkMem: string;
  cleanup: () => Promise<void>;
}

async function openBackend(backend: string, schema = config.schema, poolSize = config.concurrency + 2): Promise<Opened> {
  if (backend === 'postgres') {
    await dropPostgresSchema(config.url, schema);
    await ensureTrigram(config.url);
    const store = await openPostgres({ url: config.url, schema: schema, poolSize });
    return {
      store,
      chunk: 5_000,
      parallel: 2,
      maintenanceWorkMem: '512MB',
      cleanup: async () => {
        await store.close();
        if (!config.keep) await dropPostgresSchema(config.url, schema);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'stotte-bench-'));
  try {
    const store = await openPglite({ dataDir: dir });
    return {
      store,
      chunk: 5_000,
      parallel: 1,
      maintenanceWorkMem: '128MB',
      cleanup: async () => {
        try {
          await store.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function runBackend(backend: 'postgres' | 'pglite'): Promise<void> {
  const started = performance.now();
  const objects = config.objects[backend];
  const opened = await openBackend(backend);
  try {
    const { store } = opened;
    await migrate(store);
    const oio = new OioStore(store, [organisation]);
    const { rows } = await store.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    print(
      `oio.setup ${backend} server=${rows[0]!.v} objects=${objects} registrations_per_object=10 seed=${config.seed}${backend === 'postgres' ? ` schema=${config.schema}` : ''}`,
    );
    const report = await loadDataset(store, oio, {
      seed: config.seed,
      objects,
      chunk: opened.chunk,
      parallel: opened.parallel,
      maintenanceWorkMem: opened.maintenanceWorkMem,
      log: print,
    });
    print(
      `oio.dataset ${backend} objects=${report.objects} registrations=${report.registrations} index_rows=${report.indexRows} ` +
        `load=${seconds(report.loadSeconds)} create_indexes=${seconds(report.indexSeconds)} vacuum_analyze=${seconds(report.vacuumSeconds)} shapes=${report.shapes}`,
    );
    const ctx: BenchContext = {
      backend,
      store,
      oio,
      seed: config.seed,
      objects,
      concurrency: config.concurrency,
      seconds: config.seconds,
      goals: backend === 'postgres',
      print,
    };
    await benchLaes(ctx);
    await benchSoeg(ctx);
    await benchRet(ctx);
  } finally {
    await opened.cleanup();
  }
  print(`oio.wall ${backend} ${seconds((performance.now() - started) / 1000)}`);
}

/** FK Beskedfordeler on a fresh database of its own, per transport (bench/bfo.ts). */
async function runBfo(backend: 'postgres' | 'pglite'): Promise<void> {
  for (const transport of config.bfoTransports as ('amqp' | 'store')[]) {
    // Senders, the RabbitMQ forwarder's two lanes and the receivers each hold a connection.
    const opened = await openBackend(backend, `${config.schema}_bfo`, config.concurrency * 2 + 6);
    try {
      await migrate(opened.store);
      await benchBfo({
        backend,
        store: opened.store,
        transport,
        amqpUrl: config.amqpUrl,
        seed: config.seed,
        seconds: config.seconds,
        concurrency: config.concurrency * 2,
        dueslag: config.bfoDueslag,
        messages: config.bfoMessages,
        listSize: backend === 'postgres' ? config.bfoListSize : Math.min(config.bfoListSize, 200_000),
        goals: backend === 'postgres',
        print,
      });
    } finally {
      await opened.cleanup();
    }
  }
}

/** FK Klassifikation on a fresh database of its own: KLE import and class search. */
async function runKla(backend: 'postgres' | 'pglite'): Promise<void> {
  const opened = await openBackend(backend, `${config.schema}_kla`);
  try {
    await migrate(opened.store);
    await benchKla({ backend, store: opened.store, seed: config.seed, seconds: config.seconds, goals: backend === 'postgres', print });
  } finally {
    await opened.cleanup();
  }
}

/** FK Adgangsstyring for Systemer on a fresh database of its own: tokens issued and verified. */
async function runAdgsystem(backend: 'postgres' | 'pglite'): Promise<void> {
  const opened = await openBackend(backend, `${config.schema}_adg`);
  try {
    await migrate(opened.store);
    await benchAdgsystem({ backend, store: opened.store, seconds: config.seconds, concurrency: config.concurrency, print });
  } finally {
    await opened.cleanup();
  }
}

const started = performance.now();
print(
  `bench.env node=${process.version} cpus=${availableParallelism()} backends=${backends.join(',')} concurrency=${config.concurrency} phase_max=${config.seconds}s seed=${config.seed}`,
);
let failed = false;
/** Runs one part; a part that fails is reported and the others still run. */
async function part(name: string, backend: string, run: () => Promise<void>): Promise<void> {
  if (!config.parts.includes(name)) return;
  try {
    await run();
  } catch (err) {
    failed = true;
    print(
      `${name}.error ${backend} ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join(' | ') : String(err)}`,
    );
  }
}

for (const backend of backends as ('postgres' | 'pglite')[]) {
  await part('oio', backend, () => runBackend(backend));
  await part('kla', backend, () => runKla(backend));
  if (backend === 'postgres') {
    await part('org', backend, () =>
      runOrgBench({
        url: config.url,
        schema: `${config.schema}_org`,
        keep: config.keep,
        seconds: config.seconds,
        concurrency: config.concurrency,
        seed: config.seed,
        units: config.orgUnits,
        users: config.orgUsers,
        print,
      }),
    );
    await part('lora', backend, async () => {
      const schema = `${config.schema}_lora`;
      try {
        await runOrgLoraBench({ databaseUrl: config.url, schema, log: print, seconds: config.seconds, seed: config.seed });
      } finally {
        if (!config.keep) await dropPostgresSchema(config.url, schema);
      }
    });
  }
  await part('adgsystem', backend, () => runAdgsystem(backend));
  await part('bfo', backend, () => runBfo(backend));
  await part('bounds', backend, () =>
    runBounds({ backend, url: config.url, schema: `${config.schema}_bounds`, units: config.boundsUnits, users: config.boundsUsers, print }),
  );
}
print(`bench.total wall=${seconds((performance.now() - started) / 1000)}`);
process.exit(failed ? 1 : 0);
