/**
 * The forwarder: publishes what the store holds for the broker and no process is publishing, on
 * any instance. Two kinds of work: delivery rows a replay put back (`publiceres`), and messages
 * whose copies were not confirmed within `republishAfterMs` of their ingest (the taking process
 * died, the broker was away, a copy was nacked or its queue is gone). A batch is taken with
 * `FOR UPDATE SKIP LOCKED` and marked in the transaction that took it, after the broker confirmed
 * it; a crash between the confirm and the mark publishes it again (a duplicate, never a loss).
 */
import type { Queryable, Store } from '../../../../platform/store/store.ts';
import { WorkerLoop } from '../../../../platform/worker.ts';
import { markConfirmed, markPublished, takePublishable, takeUnconfirmed, type Batch } from '../broker-outbox.ts';
import type { AuditDeliveries } from '../transport.ts';
import type { AmqpConnection } from './connection.ts';
import { copyProperties, drained, type Publishing } from './publishing.ts';
import type { DeclaredQueues } from './queues.ts';

/** How the forwarder works: batch size, polling, where failures go. */
export interface ForwarderOptions {
  /** Rows published per confirm round. */
  readonly batchSize: number;
  /** How often it looks for work when nothing woke it, in ms. */
  readonly pollMs: number;
  readonly onError: (err: unknown) => void;
}

/** The transport's forwarder; see the module comment. */
export class Forwarder {
  private readonly loop: WorkerLoop;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditDeliveries,
    private readonly connection: AmqpConnection,
    private readonly queues: DeclaredQueues,
    private readonly publishing: Publishing,
    private readonly options: ForwarderOptions,
  ) {
    this.loop = new WorkerLoop({ round: () => this.forwardAll(), intervalMs: options.pollMs, onError: options.onError });
  }

  /** Starts looking for work, at once and then every `pollMs`. */
  start(): void {
    this.loop.start();
  }

  /** Asks for a round now (a replay put rows back). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops, after the round in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Publishes what is due, batch by batch. Where the store has a pool, two batches are in flight
   * at once (each locks its own rows), so one batch's confirm wait overlaps the next batch's
   * reading and publishing.
   */
  async forwardAll(): Promise<number> {
    const lane = async () => {
      let total = 0;
      for (const [take, mark] of [
        [takePublishable, markPublished],
        [takeUnconfirmed, markConfirmed],
      ] as const) {
        for (;;) {
          const n = await this.forwardBatch(take, mark);
          total += n;
          if (n < this.options.batchSize) break;
        }
      }
      return total;
    };
    const lanes = this.store.profile.connections === 'pool' ? 2 : 1;
    return (await Promise.all(Array.from({ length: lanes }, lane))).reduce((a, b) => a + b, 0);
  }

  private async forwardBatch(
    take: (tx: Queryable, limit: number) => Promise<Batch>,
    mark: (tx: Queryable, keys: readonly string[]) => Promise<void>,
  ): Promise<number> {
    if (!this.connection.isOpen) {
      await this.connection.ensure().catch(() => undefined);
      if (!this.connection.isOpen) return 0;
    }
    return this.store.transaction(async (tx) => {
      const batch = await take(tx, this.options.batchSize);
      if (!batch.keys.length) return 0;
      const { publisher } = await this.connection.ensure();
      for (const uuid of new Set(batch.publish.map((r) => r.dueslag))) {
        if (!this.queues.has(uuid)) await this.queues.declareFromStore(publisher, uuid);
      }
      for (const r of batch.publish) {
        const ok = publisher.publish('', r.dueslag, r.body, copyProperties(r.beskedId, r.abonnement));
        if (!ok) await drained(publisher);
      }
      await publisher.waitForConfirms();
      const returned = batch.publish.filter((r) => this.publishing.takeReturned(r.beskedId, r.dueslag));
      if (returned.length) throw new Error(`RabbitMQ could not route ${returned.length} messages (queue missing)`);
      await mark(tx, [...new Set(batch.keys)]);
      await this.audit(
        tx,
        batch.publish.map((r) => this.publishing.audited(r.dueslag, r.beskedId)),
      );
      return batch.keys.length;
    });
  }
}
