import type { OutboxEventMap, OutboxTopic } from './outbox-events.ts';
import type { Queryable, Store } from './store/store.ts';
import { WorkerLoop } from './worker.ts';

/**
 * The payload of an event of topic `T`: the one outbox-events.ts maps `T` to, and required, when
 * `T` is one of its topics; any JSON object otherwise. (Brackets keep a union of topics whole: an
 * event is checked against its map entry only when every topic it may have is in the map.)
 */
type PayloadOf<T extends string> = [T] extends [OutboxTopic]
  ? { readonly payload: OutboxEventMap[T] }
  : { readonly payload?: Readonly<Record<string, unknown>> | undefined };

/** An event as a write records it: what happened to which object, and who is responsible. */
export type OutboxEvent<T extends string = string> = {
  /** e.g. `organisation.organisationenhed` */
  readonly topic: T;
  /** e.g. `opret`, `ret`, `passiver`, `slet`, `importer` */
  readonly action: string;
  readonly objectUuid?: string | undefined;
  /** The responsible organisation (a UUID or CVR URN), when the data has one. */
  readonly responsible?: string | undefined;
} & PayloadOf<T>;

/** An event as a consumer receives it. */
export type OutboxMessage<T extends string = string> = OutboxEvent<T> & {
  readonly id: string;
  readonly recordedAt: string;
  readonly attempts: number;
};

/**
 * Records events inside the caller's transaction: they commit or roll back with the write.
 * One statement for any number of events. An event whose topic is in the event map must carry the
 * map's payload for it.
 */
export async function recordEvents<T extends string>(tx: Queryable, events: readonly OutboxEvent<T>[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO outbox (topic, action, object_uuid, responsible, payload)
     SELECT e.topic, e.action, e.object_uuid, e.responsible, COALESCE(e.payload, '{}'::jsonb)
     FROM jsonb_to_recordset($1::jsonb) AS e(topic text, action text, object_uuid uuid, responsible text, payload jsonb)`,
    [
      JSON.stringify(
        events.map((e) => ({
          topic: e.topic,
          action: e.action,
          object_uuid: e.objectUuid ?? null,
          responsible: e.responsible ?? null,
          payload: e.payload ?? null,
        })),
      ),
    ],
  );
}

/**
 * A consumer handles a batch inside the relay's transaction: its own writes (through `tx`)
 * commit together with the acknowledgement. Throwing retries the whole batch later.
 */
export type OutboxHandler = (messages: readonly OutboxMessage[], tx: Queryable) => Promise<void>;

export interface RelayOptions {
  batchSize?: number;
  /** Delay before retry n (1-based), in ms. */
  backoffMs?: (attempt: number) => number;
  onError?: (consumer: string, err: unknown) => void;
}

const defaultBackoff = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 5 * 60_000);

/**
 * Hands outbox rows to registered consumers, at least once each, in outbox order per object.
 * Several instances may run a relay on one database: a row is taken with `FOR UPDATE SKIP LOCKED`,
 * and a row whose object still has an earlier undelivered row is not taken at all, so two
 * instances never deliver the same row, nor two rows of one object, at the same time.
 */
export class OutboxRelay {
  private readonly consumers = new Map<string, OutboxHandler>();
  private readonly loop: WorkerLoop;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly batchSize: number;
  private readonly backoff: (attempt: number) => number;
  private readonly onError: (consumer: string, err: unknown) => void;

  constructor(
    private readonly store: Store,
    options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.backoff = options.backoffMs ?? defaultBackoff;
    this.onError = options.onError ?? (() => {});
    this.loop = new WorkerLoop({
      round: () => this.drain(),
      intervalMs: store.profile.pollIntervalMs,
      onError: (err) => this.onError('relay', err),
    });
  }

  /**
   * Registers a consumer. Events recorded from now on are kept for it until delivered, even
   * while no instance runs its handler.
   */
  async register(name: string, handler: OutboxHandler): Promise<void> {
    await this.store.query('INSERT INTO outbox_consumer (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    this.consumers.set(name, handler);
  }

  /** Delivers what is due, once, for every consumer. Returns how many messages were handled. */
  async drain(): Promise<number> {
    let total = 0;
    for (const [name, handler] of this.consumers) {
      for (;;) {
        const n = await this.deliverBatch(name, handler);
        total += n;
        if (n < this.batchSize) break;
      }
    }
    return total;
  }

  private async deliverBatch(consumer: string, handler: OutboxHandler): Promise<number> {
    let handled = 0;
    try {
      await this.store.transaction(async (tx) => {
        const { rows } = await tx.query<{
          id: string;
          topic: string;
          action: string;
          object_uuid: string | null;
          responsible: string | null;
          payload: Record<string, unknown>;
          recorded_at: string;
          attempts: number;
        }>(
          `SELECT o.id, o.topic, o.action, o.object_uuid, o.responsible, o.payload,
                  to_json(o.recorded_at)#>>'{}' AS recorded_at, d.attempts
           FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
           WHERE d.consumer = $1 AND d.not_before <= clock_timestamp()
             AND NOT EXISTS (SELECT 1 FROM outbox_delivery e
                             WHERE e.consumer = d.consumer AND e.order_key = d.order_key AND e.outbox_id < d.outbox_id)
           ORDER BY d.outbox_id
           LIMIT $2
           FOR UPDATE OF d SKIP LOCKED`,
          [consumer, this.batchSize],
        );
        if (rows.length === 0) return;
        const messages: OutboxMessage[] = rows.map((r) => ({
          id: String(r.id),
          topic: r.topic,
          action: r.action,
          objectUuid: r.object_uuid ?? undefined,
          responsible: r.responsible ?? undefined,
          payload: r.payload,
          recordedAt: r.recorded_at,
          attempts: r.attempts,
        }));
        await handler(messages, tx);
        await tx.query('DELETE FROM outbox_delivery WHERE consumer = $1 AND outbox_id = ANY($2::bigint[])', [
          consumer,
          messages.map((m) => m.id),
        ]);
        handled = messages.length;
      });
    } catch (err) {
      this.onError(consumer, err);
      await this.postpone(consumer, err);
    }
    return handled;
  }

  /** After a failed batch: the oldest due row of each key waits, with its attempt counted. */
  private async postpone(consumer: string, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const { rows } = await this.store.query<{ outbox_id: string; attempts: number }>(
      `SELECT d.outbox_id, d.attempts FROM outbox_delivery d
       WHERE d.consumer = $1 AND d.not_before <= clock_timestamp()
         AND NOT EXISTS (SELECT 1 FROM outbox_delivery e
                         WHERE e.consumer = d.consumer AND e.order_key = d.order_key AND e.outbox_id < d.outbox_id)
       ORDER BY d.outbox_id LIMIT $2`,
      [consumer, this.batchSize],
    );
    for (const row of rows) {
      const delay = this.backoff(row.attempts + 1);
      await this.store.query(
        `UPDATE outbox_delivery SET attempts = attempts + 1, last_error = $3,
           not_before = clock_timestamp() + make_interval(secs => $4::double precision / 1000)
         WHERE consumer = $1 AND outbox_id = $2`,
        [consumer, row.outbox_id, message.slice(0, 2000), delay],
      );
    }
  }

  /**
   * Starts delivering until {@link stop}: woken by {@link wake} after local writes, by NOTIFY
   * from writes on other instances where the backend carries it, and by polling as a fallback.
   */
  start(): void {
    if (this.loop.started) return;
    this.loop.start();
    if (this.store.profile.crossInstanceNotify && this.store.listen) {
      this.store
        .listen('stotte_outbox', () => this.wake())
        .then(
          (unlisten) => {
            if (!this.loop.started) void unlisten();
            else this.unlisten = unlisten;
          },
          (err) => this.onError('relay', err),
        );
    }
  }

  /** Asks for a delivery round soon (a local write just committed). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops polling and waits for a round in progress. */
  async stop(): Promise<void> {
    const stopping = this.loop.stop();
    await this.unlisten?.();
    this.unlisten = undefined;
    await stopping;
  }
}
