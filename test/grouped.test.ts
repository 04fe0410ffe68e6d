import { describe, expect, it } from 'vitest';
import { Grouped } from '../src/platform/grouped.ts';

describe('Grouped (group commit in the application)', () => {
  it('writes items that arrive together in one write, each caller getting its own result', async () => {
    const writes: number[][] = [];
    const g = new Grouped<number, string>(
      async (items) => {
        writes.push(items);
        return items.map((i) => `r${i}`);
      },
      { lanes: 1, max: 100 },
    );
    expect(await Promise.all([1, 2, 3].map((i) => g.add(i)))).toEqual(['r1', 'r2', 'r3']);
    expect(writes).toEqual([[1, 2, 3]]);
  });

  it('keeps to its lanes and its batch size, and a failed write fails only its own batch', async () => {
    let under = 0;
    let most = 0;
    const g = new Grouped<number, number>(
      async (items) => {
        most = Math.max(most, ++under);
        await new Promise((r) => setTimeout(r, 5));
        under--;
        if (items.includes(13)) throw new Error('bad batch');
        return items;
      },
      { lanes: 2, max: 4 },
    );
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => g.add(i)));
    expect(most).toBe(2);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(failed).toContain(13);
    expect(failed.length).toBeLessThanOrEqual(4);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20 - failed.length);
  });

  it('idle resolves only once everything added so far is written', async () => {
    const written: number[] = [];
    const g = new Grouped<number, undefined>(
      async (items) => {
        await new Promise((r) => setTimeout(r, 10));
        written.push(...items);
        return items.map(() => undefined);
      },
      { lanes: 1, max: 2 },
    );
    for (let i = 0; i < 5; i++) void g.add(i);
    await g.idle();
    expect(written).toEqual([0, 1, 2, 3, 4]);
    await g.idle();
  });
});
