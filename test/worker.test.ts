import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerLoop } from '../src/platform/worker.ts';

describe('the background worker loop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A loop whose rounds record when they started, and fail while `failing` says so. */
  const loop = (options: { intervalMs: number; roundMs?: number }) => {
    const started: number[] = [];
    const errors: unknown[] = [];
    const state = { failing: false };
    const worker = new WorkerLoop({
      intervalMs: options.intervalMs,
      round: async () => {
        started.push(Date.now());
        if (options.roundMs) await new Promise((r) => setTimeout(r, options.roundMs));
        if (state.failing) throw new Error('store away');
      },
      onError: (err) => errors.push(err),
    });
    return { worker, started, errors, state };
  };

  it('runs a round at once, then one each interval', async () => {
    const { worker, started } = loop({ intervalMs: 100 });
    worker.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(started).toEqual([0, 100, 200, 300]);
    await worker.stop();
  });

  it('runs at once when woken, and right after the round in flight when woken during it', async () => {
    const { worker, started } = loop({ intervalMs: 1000, roundMs: 50 });
    worker.start();
    await vi.advanceTimersByTimeAsync(10);
    worker.wake(); // during the first round
    worker.wake();
    await vi.advanceTimersByTimeAsync(200);
    // Once more, right after the first round (50 ms), not after the 1,000 ms interval.
    expect(started).toHaveLength(2);
    expect(started[1]).toBeGreaterThanOrEqual(50);
    expect(started[1]).toBeLessThan(60);
    worker.wake(); // idle
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toHaveLength(3);
    expect(started[2]).toBeGreaterThanOrEqual(210);
    expect(started[2]).toBeLessThan(220);
    const stopping = worker.stop();
    await vi.advanceTimersByTimeAsync(100);
    await stopping;
  });

  it('waits longer after each failure in a row, and the interval again after a success', async () => {
    const { worker, started, errors, state } = loop({ intervalMs: 100 });
    state.failing = true;
    worker.start();
    await vi.advanceTimersByTimeAsync(750);
    expect(started).toEqual([0, 100, 300, 700]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store away', 'store away', 'store away', 'store away']);
    state.failing = false;
    await vi.advanceTimersByTimeAsync(1500 - 750);
    expect(started).toEqual([0, 100, 300, 700, 1500]);
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toEqual([0, 100, 300, 700, 1500, 1600]);
    await worker.stop();
  });

  it('stops after the round in flight, and runs no round after', async () => {
    const { worker, started } = loop({ intervalMs: 10, roundMs: 100 });
    worker.start();
    await vi.advanceTimersByTimeAsync(1);
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(50);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    await stopping;
    worker.wake();
    await vi.advanceTimersByTimeAsync(1000);
    expect([stopped, started, worker.started]).toEqual([true, [0], false]);
  });
});
