// The measured OIO workloads: laes as of (virkningstid, registreringstid), soeg by attribute
// wildcard and by relation target, and ret. Each read runs twice on the same requests: through
// OioStore (as the REST API would call it) and as one hand-written SQL query, the baseline.
import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Store } from '../src/platform/store/store.ts';
import type { OioStore } from '../src/oio/store/oio-store.ts';
import type { SearchCriterion } from '../src/oio/store/search-sql.ts';
import { contentFromWire, contentToWire } from '../src/oio/domain/wire.ts';
import type { Content, ObjectTypeDecl, OioObject } from '../src/oio/model.ts';
import { ALL_EXIST_FROM, BRUGERREF, TYPE, objectUuid } from './oio-dataset.ts';
import {
  errorNote,
  ms,
  perSecond,
  pick,
  prng,
  ratio,
  runAlternating,
  runLoad,
  summarize,
  type LoadOptions,
  type LoadResult,
  type Summary,
} from './stats.ts';

export interface BenchContext {
  readonly backend: string;
  readonly store: Store;
  readonly oio: OioStore;
  readonly seed: number;
  readonly objects: number;
  readonly concurrency: number;
  /** Upper bound of every measured phase, in seconds. */
  readonly seconds: number;
  /** Whether the goals apply (they are set for PostgreSQL). */
  readonly goals: boolean;
  readonly print: (line: string) => void;
}

/** Ours and the baseline run in this many alternating rounds (fair against background load). */
const ROUNDS = 5;
/** The API's default page (maximalantalresultater 1000) plus the one that tells whether there is more. */
const SEARCH_LIMIT = 1001;
const VIRKNING_FROM = Date.parse('2014-06-01T00:00:00Z');
const VIRKNING_TO = Date.parse('2027-01-01T00:00:00Z');

function goal(ctx: BenchContext, text: string, met: boolean): string {
  return ctx.goals ? `goal(${text})=${met ? 'met' : 'MISSED'}` : `goal(${text})=n/a (goals are for postgres)`;
}

function figure(name: string, ctx: BenchContext, conc: number, s: Summary): string {
  return `${name} ${ctx.backend} n=${ctx.objects} conc=${conc} ops=${s.ops} p50=${ms(s.p50)} p99=${ms(s.p99)} rate=${perSecond(s.rate)}`;
}

/** The machine's 1-minute load average: other processes on the same cores make figures noisy. */
const hostLoad = () => ` host_load1=${loadavg()[0]!.toFixed(1)}`;

function vsBaseline(ours: Summary, base: Summary): string {
  return `baseline_p50=${ms(base.p50)} baseline_p99=${ms(base.p99)} baseline_rate=${perSecond(base.rate)} ratio_p50=${ratio(ours.p50, base.p50)} ratio_p99=${ratio(ours.p99, base.p99)}`;
}

const LAES_BASELINE_SQL = 'SELECT indhold FROM oio_registrering WHERE objekt_uuid = $1 AND fra <= $2 AND til > $2';

export async function benchLaes(ctx: BenchContext): Promise<void> {
  const { oio, store } = ctx;
  const decl = oio.decl(TYPE);
  const rand = prng(ctx.seed * 1_000_003 + 1);
  const now = Date.parse(await oio.now());
  const count = 50_000;
  const reqs = Array.from({ length: count }, () => ({
    uuid: objectUuid(ctx.seed, pick(rand, ctx.objects)),
    reg: new Date(ALL_EXIST_FROM + rand() * (now - ALL_EXIST_FROM)).toISOString(),
    at: VIRKNING_FROM + rand() * (VIRKNING_TO - VIRKNING_FROM),
  }));
  const ours = async (n: number) => {
    const q = reqs[n % count]!;
    // What GET …/{uuid}?virkningstid=T&registreringstid=R does.
    return oio.laesWire(TYPE, q.uuid, { at: q.reg }, { at: q.at });
  };
  const baseline = async (n: number) => {
    const q = reqs[n % count]!;
    return (await store.query<{ indhold: Record<string, unknown> }>(LAES_BASELINE_SQL, [q.uuid, q.reg])).rows;
  };
  // Both must read the same: the registration's content, filtered to the virkningstid.
  let mismatches = 0;
  for (let n = count - 50; n < count; n++) {
    const q = reqs[n]!;
    const [a, b] = [await ours(n), await baseline(n)];
    const expected = b.map((r) => contentToWire(decl, contentFromWire(decl, r.indhold), { at: q.at }));
    const got = a.registreringer.map(({ fratidspunkt: _f, tiltidspunkt: _t, livscykluskode: _l, brugerref: _b, note: _n, ...c }) => c);
    if (!isDeepStrictEqual(got, expected)) mismatches++;
  }
  const opts: LoadOptions = { concurrency: ctx.concurrency, maxOps: count, maxSeconds: ctx.seconds };
  await runLoad({ ...opts, maxOps: 2000, maxSeconds: 3 }, ours);
  await runLoad({ ...opts, maxOps: 2000, maxSeconds: 3 }, baseline);
  const [rOurs, rBase] = (await runAlternating(opts, ROUNDS, [ours, baseline])) as [LoadResult, LoadResult];
  const [s, b] = [summarize(rOurs), summarize(rBase)];
  const r = s.p99 / b.p99;
  ctx.print(
    `${figure('oio.laes', ctx, ctx.concurrency, s)} ${vsBaseline(s, b)} check_mismatches=${mismatches} ${goal(ctx, 'p99<5ms, ratio_p99<2', s.p99 < 5 && r < 2)}${hostLoad()}${errorNote(rOurs)}${errorNote(rBase)}`,
  );
}

const SEARCH_BASELINE_SQL = (match: string) => `
SELECT DISTINCT r.objekt_uuid AS uuid
FROM oio_soegeindeks s JOIN oio_registrering r ON r.id = s.registrering_id
WHERE ${match} AND s.virkning @> $2::timestamptz
  AND r.objekttype = '${TYPE}' AND r.fra <= $3::timestamptz AND r.til > $3::timestamptz AND r.livscykluskode NOT IN ('Passiveret', 'Slettet')
ORDER BY 1 LIMIT ${SEARCH_LIMIT}`;

interface SearchKind {
  readonly name: string;
  readonly query: (rand: () => number) => { criterion: SearchCriterion; param: string };
  readonly baselineMatch: string;
  readonly goal?: { text: string; met: (s: Summary) => boolean };
}

function searchKinds(ctx: BenchContext): SearchKind[] {
  return [
    {
      name: 'oio.soeg.attribute',
      query: (rand) => {
        const pattern = `bench-${10 + pick(rand, 90)}%`;
        return { criterion: { kind: 'attribute', field: 'brugervendtnoegle', pattern }, param: pattern };
      },
      baselineMatch: `s.kind = 'a' AND s.felt = 'brugervendtnoegle' AND lower(s.tekst) LIKE $1`,
    },
    {
      name: 'oio.soeg.relation',
      query: (rand) => {
        const uuid = objectUuid(ctx.seed, pick(rand, Math.ceil(ctx.objects / 10)));
        return { criterion: { kind: 'relation', name: 'overordnet', uuid }, param: uuid };
      },
      baselineMatch: `s.kind = 'r' AND s.felt = 'overordnet' AND s.maal_uuid = $1::uuid`,
      goal: { text: 'p99<20ms', met: (s) => s.p99 < 20 },
    },
  ];
}

/** Searches run one at a time: their figure is latency. */
export async function benchSoeg(ctx: BenchContext): Promise<void> {
  const { oio, store } = ctx;
  // As the API does for a first page: registration time and database snapshot pinned (OioStore.pin),
  // virkningstid now. The pin is taken once per phase, outside the timing.
  const { registreringstid, snapshot } = await oio.pin();
  const at = Date.now();
  const atText = new Date(at).toISOString();
  for (const [index, kind] of searchKinds(ctx).entries()) {
    const rand = prng(ctx.seed * 1_000_003 + 100 + index);
    const count = 5000;
    const reqs = Array.from({ length: count }, () => kind.query(rand));
    const sql = SEARCH_BASELINE_SQL(kind.baselineMatch);
    const ours = (n: number) =>
      oio.soeg(TYPE, { criteria: [reqs[n % count]!.criterion], virkning: { at }, registreringstid, snapshot, limit: SEARCH_LIMIT });
    const baseline = async (n: number) =>
      (await store.query<{ uuid: string }>(sql, [reqs[n % count]!.param, atText, registreringstid])).rows.map((r) => String(r.uuid));
    let mismatches = 0;
    let hits = 0;
    for (let n = count - 20; n < count; n++) {
      const [a, b] = [await ours(n), await baseline(n)];
      hits += a.length;
      if (!isDeepStrictEqual(a, b)) mismatches++;
    }
    const opts: LoadOptions = { concurrency: 1, maxOps: count, maxSeconds: ctx.seconds };
    await runLoad({ ...opts, maxOps: 50, maxSeconds: 2 }, ours);
    await runLoad({ ...opts, maxOps: 50, maxSeconds: 2 }, baseline);
    const [rOurs, rBase] = (await runAlternating(opts, ROUNDS, [ours, baseline])) as [LoadResult, LoadResult];
    const [s, b] = [summarize(rOurs), summarize(rBase)];
    const goalText = kind.goal ? goal(ctx, kind.goal.text, kind.goal.met(s)) : 'goal=none';
    ctx.print(
      `${figure(kind.name, ctx, 1, s)} ${vsBaseline(s, b)} avg_hits=${(hits / 20).toFixed(0)} limit=${SEARCH_LIMIT} check_mismatches=${mismatches} ${goalText}${hostLoad()}${errorNote(rOurs)}${errorNote(rBase)}`,
    );
  }
}

/** ret: a rename from a random day on a random object, each with its outbox event. */
export async function benchRet(ctx: BenchContext): Promise<void> {
  const { oio, store } = ctx;
  const rand = prng(ctx.seed * 1_000_003 + 200);
  const count = 100_000;
  const uuids = Array.from({ length: count }, () => objectUuid(ctx.seed, pick(rand, ctx.objects)));
  const days = Array.from({ length: count }, () => Date.parse('2016-01-01T00:00:00Z') + pick(rand, 3000) * 86_400_000);
  const update = (n: number): Content => ({
    attributter: {
      organisationegenskaber: [{ fields: { organisationsnavn: `Omdøbt ${n}` }, virkning: { from: days[n % count]!, to: Infinity } }],
    },
    tilstande: {},
    relationer: {},
  });
  const op = (n: number) => oio.ret(TYPE, uuids[n % count]!, update(n), { brugerref: BRUGERREF, note: 'bench' });
  const outbox = async () => Number((await store.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox')).rows[0]!.n);
  const opts: LoadOptions = { concurrency: ctx.concurrency, maxOps: count, maxSeconds: ctx.seconds };
  await runLoad({ ...opts, maxOps: 200, maxSeconds: 2 }, op);
  const before = await outbox();
  const r = await runLoad(opts, (n) => op(n + 200));
  const events = (await outbox()) - before;
  const s = summarize(r);
  ctx.print(
    `${figure('oio.ret', ctx, ctx.concurrency, s)} outbox_events=+${events} ${goal(ctx, 'rate>=1000/s', s.rate >= 1000)}${hostLoad()}${errorNote(r)}`,
  );
}
