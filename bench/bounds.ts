/**
 * The bound of a request (issue 12): the most expensive requests the limits still let through,
 * against a municipality of benchmark size, on each backend, timed in the server's own process.
 * On the embedded database a statement holds the whole process while it runs (PGlite runs in the
 * event loop's thread and has no statement timeout), so the figure that matters there is the
 * longest the event loop was held, measured by a timer that should fire every 5 ms.
 *
 *   bounds.<name> <backend> ms_max=… loop_held_max=… status=…
 *
 * Standalone: node bin/run-ts.js bench/bounds.ts  (BENCH_BACKENDS, BENCH_BOUNDS_UNITS, BENCH_BOUNDS_USERS)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform } from '../src/app.ts';
import { migrate } from '../src/platform/store/migrations.ts';
import { openPglite } from '../src/platform/store/pglite-adapter.ts';
import { dropPostgresSchema, openPostgres } from '../src/platform/store/postgres-adapter.ts';
import type { Store } from '../src/platform/store/store.ts';
import { forImport, generateMunicipality, importOrganisation } from '../src/services/org/index.ts';
import { provisionTestClient, testAuthOptions } from '../test/support/auth.ts';
import { ensureTrigram, seconds } from './stats.ts';

export interface BoundsOptions {
  readonly backend: 'postgres' | 'pglite';
  readonly url: string;
  readonly schema: string;
  readonly units: number;
  readonly users: number;
  readonly print: (line: string) => void;
}

const ORG = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: '55133018' };
const TASKS = Array.from({ length: 40 }, (_, i) => `a1d1e000-4b1e-4c1a-8e00-${String(i).padStart(12, '0')}`);

/** How long the event loop was held, at most, while `fn` ran: a 5 ms timer's worst lateness. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; heldMs: number }> {
  let last = performance.now();
  let held = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    held = Math.max(held, now - last - 5);
    last = now;
  }, 5);
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    held = Math.max(held, performance.now() - last - 5);
    return { value, ms, heldMs: Math.max(0, held) };
  } finally {
    clearInterval(timer);
  }
}

export async function runBounds(o: BoundsOptions): Promise<void> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (o.backend === 'postgres') {
    await dropPostgresSchema(o.url, o.schema);
    await ensureTrigram(o.url);
    store = await openPostgres({ url: o.url, schema: o.schema, poolSize: 4 });
    cleanup = async () => {
      await store.close();
      await dropPostgresSchema(o.url, o.schema);
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'stotte-bounds-'));
    store = await openPglite({ dataDir: dir });
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    await migrate(store);
    const platform = await createPlatform(store, { services: ['org'], logger: false, relay: false, auth: testAuthOptions() });
    const m = generateMunicipality({ organisation: ORG, units: o.units, users: o.users, seed: 7, kleClasses: TASKS });
    const t0 = performance.now();
    await importOrganisation(platform.oio, forImport(m));
    o.print(`bounds.import ${o.backend} objects=${m.objects.length + 1} time=${seconds((performance.now() - t0) / 1000)}`);
    const client = await provisionTestClient(store, platform.audit);
    const token = await client.token(platform.tokens, 'org');
    await platform.http.ready();
    const root = m.objects.find(
      (x) => x.type === 'organisationenhed' && !(x.content.relationer.overordnet ?? []).some((v) => v.objekttype === 'organisationenhed'),
    )!.uuid;
    const users = m.objects.filter((x) => x.type === 'bruger').map((x) => x.uuid);
    const narrow = Array.from({ length: 10 }, (_, i) => `gyldighed=${i % 2 ? 'Aktiv' : 'Inaktiv'}`).join('&');
    const requests: [string, string][] = [
      ['search.two_broad', '/organisation/bruger?vilkaarligattr=%25a%25&vilkaarligattr=%25e%25&maximalantalresultater=10000'],
      [
        'search.twenty',
        `/organisation/bruger?vilkaarligattr=%25a%25&vilkaarligattr=%25e%25&${narrow}&brugernavn=%25ans%25&${Array.from({ length: 7 }, () => 'bvn=%25sen%25').join('&')}&maximalantalresultater=10000`,
      ],
      ['search.all_units', '/organisation/organisationenhed?bvn=%25&maximalantalresultater=10000'],
      ['search.persons', '/organisation/person?vilkaarligattr=%25&maximalantalresultater=10000'],
      [
        'list.1000',
        `/organisation/bruger?${users
          .slice(0, 1000)
          .map((u) => `uuid=${u}`)
          .join('&')}`,
      ],
      ['hierarki.page', `/organisation/organisation/${ORG.uuid}/hierarki?format=json&maximalantalresultater=10000`],
      ['underenheder.root', `/organisation/organisationenhed/${root}/underenheder`],
      ['brugere.root_subtree', `/organisation/organisationenhed/${root}/brugere?undertraeer=true&maximalantalresultater=10000`],
      ['enheder_med_opgave', `/organisation/organisation/${ORG.uuid}/enheder-med-opgave?opgave=${TASKS[0]}&arvede=true`],
    ];
    for (const [name, url] of requests) {
      let worst = { ms: 0, heldMs: 0, status: 0 };
      for (let i = 0; i < 3; i++) {
        const r = await timed(() => platform.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }));
        worst = { ms: Math.max(worst.ms, r.ms), heldMs: Math.max(worst.heldMs, r.heldMs), status: r.value.statusCode };
      }
      o.print(
        `bounds.${name} ${o.backend} ms_max=${worst.ms.toFixed(0)} loop_held_max=${worst.heldMs.toFixed(0)}ms status=${worst.status}`,
      );
    }
    await platform.close();
  } finally {
    await cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const backends = (process.env.BENCH_BACKENDS ?? 'postgres,pglite').split(',') as ('postgres' | 'pglite')[];
  for (const backend of backends)
    await runBounds({
      backend,
      url: process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
      schema: 'bench_bounds',
      units: Number(process.env.BENCH_BOUNDS_UNITS ?? 5000),
      users: Number(process.env.BENCH_BOUNDS_USERS ?? 50_000),
      print: (l) => console.log(l),
    });
}
