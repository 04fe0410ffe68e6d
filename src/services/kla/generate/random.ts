/**
 * The KLE generator's randomness: a seeded generator (mulberry32), and the random choices several
 * parts of the plan make alike (dates after a date, unique titles, uneven spreads).
 */
import { date, yearOf } from './plan.ts';

/** A seeded generator (mulberry32). */
export class Rand {
  private a: number;
  constructor(seed: number) {
    this.a = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** mulberry32 */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)]!;
  }
  shuffle<T>(arr: readonly T[]): T[] {
    const out = [...arr];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** k distinct integers from 0..n-1, ascending; `must` (if given) is always included. */
  sampleSorted(n: number, k: number, must?: number): number[] {
    const pool = this.shuffle(Array.from({ length: n }, (_, i) => i).filter((i) => i !== must));
    const chosen = pool.slice(0, must === undefined ? k : k - 1);
    if (must !== undefined) chosen.push(must);
    return chosen.sort((x, y) => x - y);
  }
}

/** A date strictly after `after` (by at least a year where possible) and not after `limit`. */
export function laterDate(r: Rand, after: string, limit: string): string {
  const lo = Math.min(yearOf(after) + 1, yearOf(limit));
  const y = r.int(lo, yearOf(limit));
  let m = r.int(1, 12);
  let d = date(y, m);
  while (d > limit && m > 1) d = date(y, --m);
  return d <= after ? limit : d;
}

/** The RettetDato of an entry made on `oprettet`: none, one, or now and then two. */
export function maybeRettet(r: Rand, oprettet: string): string[] {
  if (yearOf(oprettet) >= 2018 || !r.chance(0.3)) return [];
  const first = laterDate(r, oprettet, '2019-06-01');
  if (yearOf(first) < 2018 && r.chance(0.25)) {
    const second = laterDate(r, first, '2019-06-01');
    if (second > first) return [first, second];
  }
  return [first];
}

/** A title `make` gives that is not taken yet; after 30 tries, one with a number added. */
export function unique(r: Rand, taken: Set<string>, make: () => string): string {
  for (let i = 0; i < 30; i++) {
    const t = make();
    if (!taken.has(t)) {
      taken.add(t);
      return t;
    }
  }
  const base = make();
  let n = 2;
  while (taken.has(`${base} (${n})`)) n++;
  taken.add(`${base} (${n})`);
  return `${base} (${n})`;
}

/** Spreads `total` items over `bins` bins, each bin at least 1 and at most `cap`. */
export function spread(r: Rand, total: number, bins: number, cap: number): number[] {
  const out = Array.from({ length: bins }, () => 1);
  let left = Math.min(total, bins * cap) - bins;
  // Uneven weights: some areas are much bigger than others, as in the real plan.
  const weights = out.map(() => 0.25 + r.next() * r.next() * 3);
  const sum = weights.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let x = r.next() * sum;
    let i = 0;
    while (i < bins - 1 && x > weights[i]!) x -= weights[i++]!;
    if (out[i]! < cap) {
      out[i]!++;
      left--;
    } else if (out.every((v) => v >= cap)) break;
  }
  return out;
}
