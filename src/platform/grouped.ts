/**
 * Group commit in the application: items that arrive while a write is under way go together into
 * the next one, so many callers share one statement and one commit. A few writes may be under way
 * at once (`lanes`), so one batch's commit overlaps the next batch's statement instead of making it
 * wait. Each caller's promise settles with its own result, only once its batch is written.
 */
export class Grouped<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  private writing = 0;
  private scheduled = false;

  constructor(
    /** Writes a batch; returns one result per item, in order. A rejection fails the whole batch. */
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly options: {
      /** Writes under way at most (1 on a single-connection store). */
      readonly lanes: number;
      /** Items per write at most. */
      readonly max: number;
    },
  ) {}

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every item added so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.pending.length || this.writing || this.scheduled) await new Promise<void>((r) => (this.wakeIdle ??= []).push(r));
  }

  /** Callers of `idle`, woken after each write. */
  private wakeIdle: (() => void)[] | undefined;

  /** Starts a write after one turn of the event loop, so items arriving together share it. */
  private schedule(): void {
    if (this.scheduled || this.writing >= this.options.lanes || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing >= this.options.lanes || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.options.max);
    this.writing++;
    // Another write may start while this one is under way.
    this.schedule();
    try {
      const out = await this.write(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (err) {
      batch.forEach((p) => p.reject(err));
    } finally {
      this.writing--;
      this.schedule();
      const waiting = this.wakeIdle;
      this.wakeIdle = undefined;
      waiting?.forEach((r) => r());
    }
  }
}
