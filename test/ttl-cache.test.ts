import { describe, expect, it } from 'vitest';
import { TtlCache } from '../src/platform/ttl-cache.ts';

describe('the TTL cache', () => {
  const asking = () => {
    const asked: string[] = [];
    return {
      asked,
      ask:
        (key: string, answer = `${key}!`) =>
        async () => (asked.push(key), answer),
    };
  };

  it('keeps an answer for its lifetime, counted from when it was asked', async () => {
    let now = 1000;
    const cache = new TtlCache<string, string>({ ttlMs: 100, maxEntries: 10, now: () => now });
    const { asked, ask } = asking();
    expect(await cache.getOrAsk('a', ask('a'))).toBe('a!');
    now = 1099;
    expect(await cache.getOrAsk('a', ask('a'))).toBe('a!');
    expect(cache.get('a')).toBe('a!');
    now = 1100;
    expect(cache.get('a')).toBeUndefined();
    expect(await cache.getOrAsk('a', ask('a', 'again'))).toBe('again');
    expect(asked).toEqual(['a', 'a']);
  });

  it('holds at most maxEntries, the oldest going first', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: Infinity, maxEntries: 2, now: () => 0 });
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('a', 'A2'); // stored again: now the newest
    cache.set('c', 'C');
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual(['A2', undefined, 'C', 2]);
  });

  it('keeps nothing with a lifetime of 0, no room, or an answer not worth keeping', async () => {
    const none = [
      new TtlCache<string, string | undefined>({ ttlMs: 0, maxEntries: 10 }),
      new TtlCache<string, string | undefined>({ ttlMs: 1000, maxEntries: 0 }),
    ];
    for (const cache of none) {
      await cache.getOrAsk('a', async () => 'A');
      expect(cache.size).toBe(0);
    }
    const hits = new TtlCache<string, string | undefined>({ ttlMs: 1000, maxEntries: 10, keep: (v) => v !== undefined });
    await hits.getOrAsk('miss', async () => undefined);
    await hits.getOrAsk('hit', async () => 'H');
    expect([hits.size, hits.get('hit')]).toEqual([1, 'H']);
  });

  it('hands an answer asked for before a forget to its caller, but does not keep it', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    let answer!: (v: string) => void;
    const pending = cache.getOrAsk('a', () => new Promise<string>((r) => (answer = r)));
    cache.forget('a');
    answer('before the write');
    expect(await pending).toBe('before the write');
    expect(cache.get('a')).toBeUndefined();

    const all = cache.getOrAsk('b', () => new Promise<string>((r) => (answer = r)));
    cache.forgetAll();
    answer('before the write');
    await all;
    expect(cache.get('b')).toBeUndefined();
  });

  it('answers many keys in their order, asking once for those it does not hold', async () => {
    const cache = new TtlCache<string, string>({ ttlMs: 1000, maxEntries: 10, now: () => 0 });
    cache.set('b', 'kept b');
    const asks: (readonly string[])[] = [];
    const answers = await cache.getOrAskMany(['a', 'b', 'c'], async (missing) => {
      asks.push(missing);
      return missing.map((k) => `asked ${k}`);
    });
    expect(answers).toEqual(['asked a', 'kept b', 'asked c']);
    expect(asks).toEqual([['a', 'c']]);
    expect(await cache.getOrAskMany(['c', 'a'], async () => [])).toEqual(['asked c', 'asked a']);
  });
});
