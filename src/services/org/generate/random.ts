/**
 * The generator's randomness and identities: a small seeded generator, and deterministic UUIDs,
 * so the same seed and options always give the same municipality, UUIDs included.
 */

/** A small seeded generator (xorshift-multiply on 32 bits, splitmix-style seeding). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = mix32((seed ^ 0x2545f491) >>> 0) || 1;
  }
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    return mix32(this.s) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** One of `items` by weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return items[items.length - 1]![0];
  }
}

/** murmur3's finaliser: a bijection on 32-bit integers that mixes well. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a string under a salt. */
export function hashString(s: string, salt: number): number {
  let h = salt >>> 0;
  for (let i = 0; i < s.length; i++) h = mix32((h ^ s.charCodeAt(i)) + Math.imul(i + 1, 0x27d4eb2d));
  return h;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex8 = (n: number) => HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;

/** Kinds of object, each with its own UUID space. */
export const KIND = { unit: 1, user: 2, person: 3, function: 4, address: 5, itsystem: 6, interessefaellesskab: 7 } as const;

/**
 * Deterministic v4-shaped UUIDs from (organisation, seed, kind, index). The first 32 bits are a
 * bijection of (kind, index) under the key, so UUIDs within one municipality never collide.
 */
export class UuidSpace {
  private readonly keys: [number, number, number, number];
  constructor(orgUuid: string, seed: number) {
    const base = `${orgUuid.toLowerCase()}:${seed}`;
    this.keys = [hashString(base, 0x51ed270b), hashString(base, 0x0b4a3f11), hashString(base, 0x7f4a7c15), hashString(base, 0x2c1b3c6d)];
  }
  make(kind: number, index: number): string {
    const c = (kind * 0x8000000 + index) >>> 0;
    const [k0, k1, k2, k3] = this.keys;
    const a = mix32((k0 ^ mix32(c ^ 0x3c6ef372)) >>> 0);
    const b = (mix32((k1 ^ mix32(c ^ 0xa54ff53a)) >>> 0) & 0xffff0fff) | 0x4000;
    const d = ((mix32((k2 ^ mix32(c ^ 0x510e527f)) >>> 0) & 0x3fffffff) | 0x80000000) >>> 0;
    const e = mix32((k3 ^ mix32(c ^ 0x9b05688c)) >>> 0);
    const hb = hex8(b >>> 0);
    const hd = hex8(d);
    return `${hex8(a)}-${hb.slice(0, 4)}-${hb.slice(4)}-${hd.slice(0, 4)}-${hd.slice(4)}${hex8(e)}`;
  }
}
