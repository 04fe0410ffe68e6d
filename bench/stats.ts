import pg from 'pg';
// Small, dependency-free helpers for the benchmarks: a seeded PRNG, a bounded concurrent load
// runner that records per-operation latency, percentiles and figure formatting.

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n) from a generator. */
export const pick = (rand: () => number, n: number): number => Math.floor(rand() * n);

export interface LoadOptions {
  /** Operations in flight at once. */
  readonly concurrency: number;
  /** Stop after this many operations … */
  readonly maxOps: number;
  /** … or after this many seconds, whichever comes first. */
  readonly maxSeconds: number;
}

export interface LoadResult {
  /** Latency of every successful operation, in ms. */
  readonly latencies: Float64Array;
  readonly ops: number;
  readonly errors: number;
  readonly firstError: unknown;
  /** Wall time of the whole run, in seconds. */
  readonly seconds: number;
}

/**
 * Runs `op(n)` for n = 0, 1, 2 … with `concurrency` workers until maxOps operations have started
 * or maxSeconds have passed. Latency is measured around each call.
 */
export async function runLoad(opts: LoadOptions, op: (n: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies = new Float64Array(opts.maxOps);
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: unknown;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(opts.maxSeconds * 1e9));
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= opts.maxOps || process.hrtime.bigint() >= deadline) return;
      const t0 = process.hrtime.bigint();
      try {
        await op(n);
        latencies[done++] = Number(process.hrtime.bigint() - t0) / 1e6;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { latencies: latencies.slice(0, done), ops: done, errors, firstError, seconds };
}

export interface Summary {
  readonly p50: number;
  readonly p99: number;
  /** Successful operations per second of wall time. */
  readonly rate: number;
  readonly ops: number;
  readonly errors: number;
}

/** The q-quantile (nearest rank) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(r: LoadResult): Summary {
  const sorted = r.latencies.slice().sort();
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), rate: r.ops / r.seconds, ops: r.ops, errors: r.errors };
}

export const ms = (v: number): string => (Number.isNaN(v) ? 'n/a' : v < 10 ? `${v.toFixed(2)}ms` : `${v.toFixed(1)}ms`);
export const perSecond = (v: number): string => `${v >= 100 ? Math.round(v) : v.toFixed(1)}/s`;
export const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
export const seconds = (v: number): string => `${v.toFixed(1)}s`;

/** Describes the first error of a run, in one short line. */
export function errorNote(r: { errors: number; firstError: unknown }): string {
  if (r.errors === 0) return '';
  const msg = r.firstError instanceof Error ? r.firstError.message : String(r.firstError);
  return ` errors=${r.errors} first_error="${msg.slice(0, 120).replace(/\s+/g, ' ')}"`;
}

/**
 * Runs several variants of one workload in alternating rounds (a, b, a, b …), each round a share
 * of the limits, so a change in the machine's background load hits every variant alike. Each
 * variant's n keeps counting across its rounds. Returns one merged result per variant.
 */
export async function runAlternating(
  opts: LoadOptions,
  rounds: number,
  variants: readonly ((n: number) => Promise<unknown>)[],
): Promise<LoadResult[]> {
  const parts: LoadResult[][] = variants.map(() => []);
  const done = variants.map(() => 0);
  const share = { ...opts, maxOps: Math.ceil(opts.maxOps / rounds), maxSeconds: opts.maxSeconds / rounds };
  for (let round = 0; round < rounds; round++) {
    for (const [i, op] of variants.entries()) {
      const offset = done[i]! + parts[i]!.reduce((sum, r) => sum + r.errors, 0);
      const r = await runLoad(share, (n) => op(offset + n));
      parts[i]!.push(r);
      done[i]! += r.ops;
    }
  }
  return parts.map(mergeResults);
}

/** Several runs of one workload as one: their latencies, counts and times added up. */
export function mergeResults(list: readonly LoadResult[]): LoadResult {
  const latencies = new Float64Array(list.reduce((sum, r) => sum + r.ops, 0));
  let at = 0;
  for (const r of list) {
    latencies.set(r.latencies, at);
    at += r.ops;
  }
  return {
    latencies,
    ops: at,
    errors: list.reduce((sum, r) => sum + r.errors, 0),
    firstError: list.find((r) => r.errors > 0)?.firstError,
    seconds: list.reduce((sum, r) => sum + r.seconds, 0),
  };
}

/** Creates pg_trgm in the public schema: the migrations' CREATE EXTENSION IF NOT EXISTS then finds it on the search path of any schema. */
export async function ensureTrigram(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
  } finally {
    await client.end();
  }
}
