/**
 * FK Organisation beside LoRa 1.3 (the open anchor of issue 4), through our REST API over real
 * sockets. LoRa was measured on this machine class with 4 workers and PostgreSQL 15 on the same
 * 2-core box, a client at concurrency 8, on 2,000 units in a 6-level tree with one rename each,
 * 10,000 users and 10,000 functions. The same workload here:
 *   lora.load                the whole load (organisation, units level by level, one rename per
 *                            unit, users, functions), writes/s over its wall time   (LoRa 64/s)
 *   lora.laes                one unit by uuid at a random virkningstid  (LoRa p50 36 ms, p99 68 ms, 216/s)
 *   lora.soeg.brugernavn     brugernavn=%x% with an infix of a stored user name     (LoRa 149/s)
 *   lora.soeg.overordnet     overordnet=<uuid> of a random unit that has children   (LoRa 579/s)
 *   lora.list100             one GET listing 100 random unit uuids        (LoRa 4.7/s, p50 1.7 s)
 * Each line: p50, p99 and rate of ours, LoRa's figures, speedup_* = how many times better ours
 * is (rates ours/LoRa, latencies LoRa/ours), and the goal: at least 10× LoRa on every figure.
 * A request that fails (status, or an empty answer where one must be non-empty) is counted in
 * errors=… and never as throughput. host_load1 is the machine's load average after the phase.
 * lora.baseline.http_floor is GET /health/live (no database) through the same client: the most
 * this client and server can do on the machine, for reading the other lines.
 *
 * The platform (createPlatform) runs in this process, on 127.0.0.1 at a free port; the client is
 * node:http with a keep-alive agent of 8 sockets. Authentication: `authHeaders` (when given) is
 * called for every request and its headers are sent.
 *
 * Standalone: node bin/run-ts.js bench/org-lora.ts
 *   BENCH_DATABASE_URL  default postgres://postgres@127.0.0.1:5432/test
 *   BENCH_LORA_SCHEMA   default bench_lora (dropped before and after the run)
 *   BENCH_SECONDS       length of each measured phase (default 12)
 *   BENCH_KEEP=1        keep the schema afterwards (to EXPLAIN queries on the data)
 */
import { request, Agent } from 'node:http';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlatform, type Platform } from '../src/app.ts';
import { provisionTestClient, testAuthOptions } from '../test/support/auth.ts';
import { migrate } from '../src/platform/store/migrations.ts';
import { dropPostgresSchema, openPostgres } from '../src/platform/store/postgres-adapter.ts';
import type { Store } from '../src/platform/store/store.ts';
import { FEMALE, MALE, SURNAMES } from '../src/services/org/generate/index.ts';
import {
  ensureTrigram,
  errorNote,
  mergeResults,
  ms,
  perSecond,
  pick,
  prng,
  runLoad,
  seconds,
  summarize,
  type LoadResult,
  type Summary,
} from './stats.ts';

export interface OrgLoraOptions {
  readonly databaseUrl: string;
  /** Dropped and recreated at the start; the caller drops it afterwards (unless keeping it). */
  readonly schema: string;
  readonly log: (line: string) => void;
  /** Headers to send with every request (the token service plugs in here). */
  readonly authHeaders?: () => Promise<Record<string, string>> | Record<string, string>;
  /** Length of each measured phase, in seconds (default 12). */
  readonly seconds?: number;
  /** Seed of the data and the workload (default 1). */
  readonly seed?: number;
}

/** LoRa 1.3's figures on this machine class (issue 4). */
const LORA = {
  loadRate: 64,
  laes: { p50: 36, p99: 68, rate: 216 },
  brugernavnRate: 149,
  overordnetRate: 579,
  list: { rate: 4.7, p50: 1700 },
} as const;
const GOAL_FACTOR = 10;
const CONCURRENCY = 8;
/** Units per level of the 6-level tree: 2,000 in all; every unit above the last level has children. */
const LEVELS = [1, 6, 30, 150, 500, 1313] as const;
const USERS = 10_000;
const FUNCTIONS = 10_000;
const LIST_SIZE = 100;
const EXISTS_FROM = '2015-01-01';
const EXISTS_FROM_MS = Date.parse('2015-01-01T00:00:00+01:00');
const DAY = 86_400_000;

const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
const hostLoad = () => ` host_load1=${loadavg()[0]!.toFixed(1)}`;
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}x` : 'n/a');
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A request that did not answer as it must: counted as an error, never as throughput. */
class BadAnswer extends Error {}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A small JSON client over node:http with keep-alive sockets, one per concurrent caller. */
class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, maxFreeSockets: CONCURRENCY });
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly authHeaders: OrgLoraOptions['authHeaders'],
  ) {}

  async send(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json', ...(this.authHeaders ? await this.authHeaders() : {}) };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    return new Promise<Answer>((done, fail) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(payload);
    });
  }

  /** Sends and parses the JSON answer; any other status than `expect` is a failure. */
  async json<T>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    const a = await this.send(method, path, body);
    if (a.status !== expect) throw new BadAnswer(`${method} ${path.split('?')[0]} answered ${a.status}: ${a.body.slice(0, 200)}`);
    return JSON.parse(a.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

const virkning = (from: string) => ({ from, to: 'infinity' });

function lowerAscii(s: string): string {
  return s
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/[^a-z]/g, '');
}

/** Runs `count` operations at concurrency 8 with no time limit (the load phase). */
const loadAll = (count: number, op: (n: number) => Promise<unknown>) =>
  runLoad({ concurrency: CONCURRENCY, maxOps: count, maxSeconds: 3600 }, op);

export async function runOrgLoraBench(opts: OrgLoraOptions): Promise<void> {
  const log = opts.log;
  const phaseSeconds = opts.seconds ?? 12;
  const seed = opts.seed ?? 1;
  const rand = prng(seed);
  /** Each measured phase draws from its own generator: the same requests whatever ran before. */
  const phaseRand = (k: number) => prng(seed * 1_000_003 + k);

  await dropPostgresSchema(opts.databaseUrl, opts.schema);
  await ensureTrigram(opts.databaseUrl);
  // The server's default pool (STOTTE_DB_POOL_SIZE 10).
  const store: Store = await openPostgres({ url: opts.databaseUrl, schema: opts.schema, poolSize: 10 });
  let platform: Platform | undefined;
  let client: Client | undefined;
  try {
    await migrate(store);
    platform = await createPlatform(store, { services: ['org'], logger: false, auth: testAuthOptions({ revocationCheckMs: 30_000 }) }); // the served default (STOTTE_REVOCATION_CHECK_MS)
    await platform.http.listen({ host: '127.0.0.1', port: 0 });
    const address = platform.http.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
    // Auth on: an IT system with an approved agreement for FK Organisation and CVR 55133018 (the
    // benchmark organisation's), its token issued by the token service, sent with every request.
    let authHeaders = opts.authHeaders;
    if (!authHeaders) {
      const benchClient = await provisionTestClient(store, platform.audit);
      const bearer = { authorization: `Bearer ${await benchClient.token(platform.tokens, 'org')}` };
      authHeaders = () => bearer;
    }
    client = new Client('127.0.0.1', address.port, authHeaders);
    const http = client;
    const { rows } = await store.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    log(
      `lora.setup postgres server=${rows[0]!.v} schema=${opts.schema} port=${address.port} conc=${CONCURRENCY} ` +
        `units=${LEVELS.reduce((a, b) => a + b, 0)} levels=${LEVELS.length} users=${USERS} functions=${FUNCTIONS} ` +
        `auth=bearer phase_max=${phaseSeconds}s`,
    );

    // ---- Load -------------------------------------------------------------------------------
    const create = async (type: string, body: unknown) =>
      (await http.json<{ uuid: string }>('POST', `/organisation/${type}`, body, 201)).uuid;
    const loadStarted = performance.now();
    const parts: LoadResult[] = [];

    let org = '';
    const orgLoad = await loadAll(1, async () => {
      org = await create('organisation', {
        attributter: {
          organisationegenskaber: [
            { brugervendtnoegle: 'lora-bench', organisationsnavn: 'Benchmark Kommune', virkning: virkning(EXISTS_FROM) },
          ],
        },
        tilstande: { organisationgyldighed: [{ gyldighed: 'Aktiv', virkning: virkning(EXISTS_FROM) }] },
        relationer: { virksomhed: [{ urn: 'urn:oio:cvr-nr:55133018', virkning: virkning(EXISTS_FROM) }] },
      });
    });
    if (!org) throw new Error(`the organisation was not created${errorNote(orgLoad)}`);
    parts.push(orgLoad);

    // Units level by level: every parent exists before its children are written.
    const levels: string[][] = [];
    for (const [depth, size] of LEVELS.entries()) {
      const above = depth === 0 ? [org] : levels[depth - 1]!;
      const created: (string | undefined)[] = new Array(size);
      const r = await loadAll(size, async (n) => {
        const name = `enhed-${depth + 1}-${n}`;
        created[n] = await create('organisationenhed', {
          attributter: {
            organisationenhedegenskaber: [
              { brugervendtnoegle: name, enhedsnavn: `Enhed ${depth + 1}.${n}`, virkning: virkning(EXISTS_FROM) },
            ],
          },
          tilstande: { organisationenhedgyldighed: [{ gyldighed: 'Aktiv', virkning: virkning(EXISTS_FROM) }] },
          relationer: {
            tilhoerer: [{ uuid: org, virkning: virkning(EXISTS_FROM) }],
            overordnet: [{ uuid: above[n % above.length]!, virkning: virkning(EXISTS_FROM) }],
          },
        });
      });
      parts.push(r);
      const ok = created.filter((u): u is string => u !== undefined);
      if (ok.length === 0) throw new Error(`no unit of level ${depth + 1} was created${errorNote(r)}`);
      levels.push(ok);
    }
    const units = levels.flat();
    const unitSeconds = parts.reduce((n, r) => n + r.seconds, 0);

    // One rename per unit, from a later day (2018–2024).
    const renameDays = units.map(() => isoDay(Date.parse('2018-01-01T12:00:00Z') + pick(rand, 7 * 365) * DAY));
    const renames = await loadAll(units.length, (n) =>
      http.json(
        'PATCH',
        `/organisation/organisationenhed/${units[n]}`,
        {
          attributter: { organisationenhedegenskaber: [{ enhedsnavn: `Omdøbt enhed ${n}`, virkning: virkning(renameDays[n]!) }] },
        },
        200,
      ),
    );
    parts.push(renames);

    // Users with synthetic names: three letters of a first name, three of a surname, a number.
    const firstNames = [...FEMALE, ...MALE];
    const brugernavne = Array.from(
      { length: USERS },
      (_, n) =>
        `${lowerAscii(firstNames[pick(rand, firstNames.length)]!).slice(0, 3)}${lowerAscii(SURNAMES[pick(rand, SURNAMES.length)]!).slice(0, 3)}${n}`,
    );
    const userUuids: (string | undefined)[] = new Array(USERS);
    const userLoad = await loadAll(USERS, async (n) => {
      userUuids[n] = await create('bruger', {
        attributter: {
          brugeregenskaber: [
            { brugervendtnoegle: `bruger-${n}`, brugernavn: brugernavne[n], brugertype: 'Medarbejder', virkning: virkning(EXISTS_FROM) },
          ],
        },
        tilstande: { brugergyldighed: [{ gyldighed: 'Aktiv', virkning: virkning(EXISTS_FROM) }] },
        relationer: { tilhoerer: [{ uuid: org, virkning: virkning(EXISTS_FROM) }] },
      });
    });
    parts.push(userLoad);
    const users = userUuids.filter((u): u is string => u !== undefined);
    if (users.length === 0) throw new Error(`no user was created${errorNote(userLoad)}`);

    // Functions: each ties one user to one unit (users first, then at random).
    const functionLoad = await loadAll(FUNCTIONS, (n) =>
      create('organisationfunktion', {
        attributter: {
          organisationfunktionegenskaber: [{ brugervendtnoegle: `funktion-${n}`, funktionsnavn: 'Ansat', virkning: virkning(EXISTS_FROM) }],
        },
        tilstande: { organisationfunktiongyldighed: [{ gyldighed: 'Aktiv', virkning: virkning(EXISTS_FROM) }] },
        relationer: {
          tilknyttedebrugere: [{ uuid: users[n % users.length]!, virkning: virkning(EXISTS_FROM) }],
          tilknyttedeenheder: [{ uuid: units[pick(rand, units.length)]!, virkning: virkning(EXISTS_FROM) }],
          tilknyttedeorganisationer: [{ uuid: org, virkning: virkning(EXISTS_FROM) }],
        },
      }),
    );
    parts.push(functionLoad);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const load = mergeResults(parts);
    const loadSummary = summarize(load);
    const loadRate = load.ops / loadSeconds;
    const counts = await store.query<{ objekttype: string; n: string }>(
      'SELECT objekttype, count(*)::text AS n FROM oio_objekt GROUP BY 1 ORDER BY 1',
    );
    log(
      `lora.load postgres conc=${CONCURRENCY} writes=${load.ops} p50=${ms(loadSummary.p50)} p99=${ms(loadSummary.p99)} ` +
        `rate=${perSecond(loadRate)} time=${seconds(loadSeconds)} lora_rate=${perSecond(LORA.loadRate)} ` +
        `speedup_rate=${times(loadRate / LORA.loadRate)} goal(>=${GOAL_FACTOR}x: rate>=${LORA.loadRate * GOAL_FACTOR}/s)=${verdict(loadRate >= LORA.loadRate * GOAL_FACTOR)}` +
        `${hostLoad()}${errorNote(load)}`,
    );
    log(
      `lora.load.detail postgres units=${perSecond(units.length / unitSeconds)} renames=${perSecond(renames.ops / renames.seconds)} ` +
        `users=${perSecond(userLoad.ops / userLoad.seconds)} functions=${perSecond(functionLoad.ops / functionLoad.seconds)} ` +
        `stored=${counts.rows.map((r) => `${r.objekttype}:${r.n}`).join(',')}`,
    );
    await store.query('ANALYZE');

    // ---- Measured reads ---------------------------------------------------------------------
    const measure = async (op: (n: number) => Promise<unknown>): Promise<{ run: LoadResult; s: Summary }> => {
      await runLoad({ concurrency: CONCURRENCY, maxOps: 400, maxSeconds: 5 }, op); // warm-up: a fixed count, so the measured requests are the same each run
      const run = await runLoad({ concurrency: CONCURRENCY, maxOps: 1_000_000, maxSeconds: phaseSeconds }, op);
      return { run, s: summarize(run) };
    };
    const figure = (name: string, s: Summary) =>
      `${name} postgres conc=${CONCURRENCY} ops=${s.ops} p50=${ms(s.p50)} p99=${ms(s.p99)} rate=${perSecond(s.rate)}`;
    const rateGoal = (s: Summary, lora: number) =>
      `lora_rate=${perSecond(lora)} speedup_rate=${times(s.rate / lora)} goal(>=${GOAL_FACTOR}x: rate>=${perSecond(lora * GOAL_FACTOR)})=${verdict(s.rate >= lora * GOAL_FACTOR)}`;

    // The floor of this client and server: the cheapest route (no database), same sockets.
    const floor = await measure(() => http.json('GET', '/health/live', undefined, 200));
    log(`${figure('lora.baseline.http_floor', floor.s)} route=/health/live${hostLoad()}${errorNote(floor.run)}`);

    // One unit by uuid at a random virkningstid while it exists (2015 to now): 200, with content.
    const now = Date.now();
    const laesRand = phaseRand(1);
    const laes = await measure(async () => {
      const uuid = units[pick(laesRand, units.length)]!;
      const at = new Date(EXISTS_FROM_MS + DAY + laesRand() * (now - EXISTS_FROM_MS - 2 * DAY)).toISOString();
      const got = await http.json<Record<string, { registreringer?: { attributter?: Record<string, unknown[]> }[] }[]>>(
        'GET',
        `/organisation/organisationenhed/${uuid}?virkningstid=${encodeURIComponent(at)}`,
        undefined,
        200,
      );
      const reg = got[uuid]?.[0]?.registreringer?.[0];
      if (!reg?.attributter?.organisationenhedegenskaber?.length) throw new BadAnswer(`laes ${uuid} at ${at}: no content`);
    });
    {
      const { s, run } = laes;
      const l = LORA.laes;
      const met = s.p50 <= l.p50 / GOAL_FACTOR && s.p99 <= l.p99 / GOAL_FACTOR && s.rate >= l.rate * GOAL_FACTOR;
      log(
        `${figure('lora.laes', s)} lora_p50=${ms(l.p50)} lora_p99=${ms(l.p99)} lora_rate=${perSecond(l.rate)} ` +
          `speedup_p50=${times(l.p50 / s.p50)} speedup_p99=${times(l.p99 / s.p99)} speedup_rate=${times(s.rate / l.rate)} ` +
          `goal(>=${GOAL_FACTOR}x: p50<=${ms(l.p50 / GOAL_FACTOR)} p99<=${ms(l.p99 / GOAL_FACTOR)} rate>=${perSecond(l.rate * GOAL_FACTOR)})=${verdict(met)}` +
          `${hostLoad()}${errorNote(run)}`,
      );
    }

    // brugernavn=%x%: x is three letters of a stored user name, so every search hits someone.
    let brugernavnHits = 0;
    const bvnRand = phaseRand(2);
    const brugernavn = await measure(async () => {
      const name = brugernavne[pick(bvnRand, brugernavne.length)]!.replace(/\d+$/, '');
      const at = pick(bvnRand, name.length - 2);
      const infix = name.slice(at, at + 3);
      const got = await http.json<{ results: string[][] }>(
        'GET',
        `/organisation/bruger?brugernavn=${encodeURIComponent(`%${infix}%`)}`,
        undefined,
        200,
      );
      const hits = got.results?.[0]?.length ?? 0;
      if (hits === 0) throw new BadAnswer(`brugernavn=%${infix}%: no user`);
      brugernavnHits += hits;
    });
    log(
      `${figure('lora.soeg.brugernavn', brugernavn.s)} ${rateGoal(brugernavn.s, LORA.brugernavnRate)} ` +
        `avg_hits=${(brugernavnHits / Math.max(1, brugernavn.s.ops)).toFixed(0)}${hostLoad()}${errorNote(brugernavn.run)}`,
    );

    // overordnet=<uuid>: a random unit above the last level (each has children).
    const parents = levels.slice(0, -1).flat();
    let overordnetHits = 0;
    const parentRand = phaseRand(3);
    const overordnet = await measure(async () => {
      const parent = parents[pick(parentRand, parents.length)]!;
      const got = await http.json<{ results: string[][] }>('GET', `/organisation/organisationenhed?overordnet=${parent}`, undefined, 200);
      const hits = got.results?.[0]?.length ?? 0;
      if (hits === 0) throw new BadAnswer(`overordnet=${parent}: no unit`);
      overordnetHits += hits;
    });
    log(
      `${figure('lora.soeg.overordnet', overordnet.s)} ${rateGoal(overordnet.s, LORA.overordnetRate)} ` +
        `avg_hits=${(overordnetHits / Math.max(1, overordnet.s.ops)).toFixed(1)}${hostLoad()}${errorNote(overordnet.run)}`,
    );

    // A list of 100 distinct random units in one GET: all 100 must come back.
    const listRand = phaseRand(4);
    const list = await measure(async () => {
      const chosen = new Set<string>();
      while (chosen.size < Math.min(LIST_SIZE, units.length)) chosen.add(units[pick(listRand, units.length)]!);
      const query = [...chosen].map((u) => `uuid=${u}`).join('&');
      const got = await http.json<{ results: { id?: string }[][] }>('GET', `/organisation/organisationenhed?${query}`, undefined, 200);
      const n = got.results?.[0]?.length ?? 0;
      if (n !== chosen.size) throw new BadAnswer(`list of ${chosen.size} uuids answered ${n} objects`);
    });
    {
      const { s, run } = list;
      const l = LORA.list;
      const met = s.rate >= l.rate * GOAL_FACTOR && s.p50 <= l.p50 / GOAL_FACTOR;
      log(
        `${figure('lora.list100', s)} lora_p50=${ms(l.p50)} lora_rate=${perSecond(l.rate)} ` +
          `speedup_p50=${times(l.p50 / s.p50)} speedup_rate=${times(s.rate / l.rate)} ` +
          `goal(>=${GOAL_FACTOR}x: p50<=${ms(l.p50 / GOAL_FACTOR)} rate>=${perSecond(l.rate * GOAL_FACTOR)})=${verdict(met)}` +
          `${hostLoad()}${errorNote(run)}`,
      );
    }
  } finally {
    client?.close();
    await platform?.close();
    await store.close();
  }
}

/**
 * Whether this file was named on the command line: directly (tsx bench/org-lora.ts), or through
 * bin/run-ts.js, which removes the file from process.argv (the kernel's copy of the command line
 * still has it).
 */
function runDirectly(): boolean {
  const self = fileURLToPath(import.meta.url);
  const args = [process.argv[1] ?? ''];
  try {
    args.push(...readFileSync('/proc/self/cmdline', 'utf8').split('\0'));
  } catch {
    // not Linux: process.argv alone
  }
  return args.some((a) => a !== '' && resolve(a) === self);
}

if (runDirectly()) {
  const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = process.env.BENCH_LORA_SCHEMA || 'bench_lora';
  const phase = Number(process.env.BENCH_SECONDS || 12);
  const started = performance.now();
  let failed = false;
  try {
    await runOrgLoraBench({ databaseUrl, schema, log: (line) => console.log(line), seconds: phase > 0 ? phase : 12 });
  } catch (err) {
    failed = true;
    console.log(
      `lora.error postgres ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join(' | ') : String(err)}`,
    );
  } finally {
    if (process.env.BENCH_KEEP !== '1') {
      await dropPostgresSchema(databaseUrl, schema).catch((err) => console.log(`lora.error dropping schema ${schema}: ${String(err)}`));
    }
  }
  console.log(`lora.wall ${seconds((performance.now() - started) / 1000)}`);
  process.exit(failed ? 1 : 0);
}
