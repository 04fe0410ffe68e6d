/**
 * A small in-process cache of answers that are allowed to be a little old: each answer is kept for
 * a lifetime, at most `maxEntries` are kept (the oldest goes first), and a caller forgets one or
 * all of them when it knows they changed. It holds nothing another instance needs: every instance
 * asks the database again once the lifetime is over.
 */

export interface TtlCacheOptions<V> {
  /**
   * How long an answer is kept, in ms, counted from when it was asked for (so it is never
   * younger than it claims). 0 keeps nothing; Infinity keeps it until it is evicted or forgotten.
   */
  readonly ttlMs: number;
  /** The most answers kept (0: none). When full, the answer stored longest ago goes first. */
  readonly maxEntries: number;
  /** Whether an answer is worth keeping (default: every one). Misses usually are not. */
  readonly keep?: (value: V) => boolean;
  /** The clock, in ms (tests move it by hand). */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly until: number;
}

/** A bounded cache of answers with a lifetime; see the module comment. */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  /**
   * Counts forgets. An answer asked for before a forget may predate the change the forget was for,
   * so it goes to its caller but is not kept.
   */
  private forgets = 0;
  private readonly now: () => number;

  constructor(private readonly options: TtlCacheOptions<V>) {
    this.now = options.now ?? Date.now;
  }

  /** How many answers are held (expired ones included until they are asked for or evicted). */
  get size(): number {
    return this.entries.size;
  }

  /** The answer kept for `key`, if it is still within its lifetime. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** The answer kept for `key`, or `ask`'s answer, kept for next time. A rejection keeps nothing. */
  async getOrAsk(key: K, ask: () => Promise<V>): Promise<V> {
    const asked = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.until > asked) return entry.value;
    const forgets = this.forgets;
    const value = await ask();
    if (forgets === this.forgets) this.store(key, value, asked + this.options.ttlMs);
    return value;
  }

  /**
   * The answers for many keys, in their order: those kept, and the others from one `ask`, which
   * is given the missing keys and answers each of them, in their order.
   */
  async getOrAskMany(keys: readonly K[], ask: (missing: readonly K[]) => Promise<readonly V[]>): Promise<V[]> {
    const asked = this.now();
    const out: V[] = new Array(keys.length);
    const missing: K[] = [];
    const at: number[] = [];
    keys.forEach((key, i) => {
      const entry = this.entries.get(key);
      if (entry && entry.until > asked) out[i] = entry.value;
      else {
        missing.push(key);
        at.push(i);
      }
    });
    if (!missing.length) return out;
    const forgets = this.forgets;
    const found = await ask(missing);
    missing.forEach((key, k) => {
      const value = found[k] as V;
      out[at[k]!] = value;
      if (forgets === this.forgets) this.store(key, value, asked + this.options.ttlMs);
    });
    return out;
  }

  /** Keeps `value` for `key` for the cache's lifetime from now (or until `until`, in ms). */
  set(key: K, value: V, until?: number): void {
    this.store(key, value, until ?? this.now() + this.options.ttlMs);
  }

  /** Forgets the answer for `key` (it changed). */
  forget(key: K): void {
    this.forgets++;
    this.entries.delete(key);
  }

  /** Forgets every answer. */
  forgetAll(): void {
    this.forgets++;
    this.entries.clear();
  }

  private store(key: K, value: V, until: number): void {
    const { ttlMs, maxEntries, keep } = this.options;
    if (ttlMs <= 0 || maxEntries <= 0 || (keep && !keep(value))) return;
    // Stored again, it counts as the newest: a Map iterates in insertion order.
    this.entries.delete(key);
    if (this.entries.size >= maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, until });
  }
}
