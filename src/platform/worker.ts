/**
 * A background loop: runs a round of work, then waits an interval before the next one. A caller
 * that knows there is work (a write just committed) wakes it at once; a wake during a round asks for
 * another right after it, so nothing that arrived mid-round waits a whole interval. A failed round
 * is reported and the loop waits longer after each failure in a row, so a database or broker that
 * is away is not asked again many times a second. Rounds never overlap, and stopping waits for the
 * round in flight.
 */

export interface WorkerLoopOptions {
  /** One round of work. A rejection is reported to `onError`; the loop goes on. */
  readonly round: () => Promise<unknown>;
  /** The wait between rounds when nothing wakes the loop, in ms. */
  readonly intervalMs: number;
  /**
   * The wait after the nth failed round in a row (1-based), in ms. Default: the interval,
   * doubling with each failure, at most 30 s (never less than the interval).
   */
  readonly backoffMs?: (failures: number) => number;
  readonly onError: (err: unknown) => void;
}

const MAX_BACKOFF_MS = 30_000;

/** A background loop of rounds; see the module comment. */
export class WorkerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeRequested = false;
  private failures = 0;
  private readonly backoff: (failures: number) => number;

  constructor(private readonly options: WorkerLoopOptions) {
    const interval = options.intervalMs;
    this.backoff = options.backoffMs ?? ((n) => Math.max(interval, Math.min(interval * 2 ** (n - 1), MAX_BACKOFF_MS)));
  }

  /** Whether the loop is started and not stopped. */
  get started(): boolean {
    return !this.stopped;
  }

  /** Starts the loop with a round at once. Starting a started loop does nothing. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.failures = 0;
    this.schedule(0);
  }

  /** Asks for a round soon: at once, or right after the round in flight. Ignored while stopped. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops the loop and waits for the round in flight, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // `then` runs after this assignment even when the round fails at once, so `running` is never stale.
      this.running = this.runRound().then((failed) => {
        this.running = undefined;
        this.failures = failed ? this.failures + 1 : 0;
        if (this.stopped) return;
        const again = this.wakeRequested;
        this.wakeRequested = false;
        this.schedule(again ? 0 : this.failures ? this.backoff(this.failures) : this.options.intervalMs);
      });
    }, ms);
    // The loop alone never keeps the process alive; stop() is how it ends.
    this.timer.unref();
  }

  /** Runs one round; resolves with whether it failed, and never rejects (the loop must go on). */
  private async runRound(): Promise<boolean> {
    try {
      await this.options.round();
      return false;
    } catch (err) {
      try {
        this.options.onError(err);
      } catch {
        // A reporter that fails must not end the loop.
      }
      return true;
    }
  }
}
