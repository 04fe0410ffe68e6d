/**
 * RabbitMQ as the message transport (AMQP 0-9-1). The pieces live in `amqp/`: the connection
 * (the only file that loads amqplib), the dueslag's queues, publishing what the ingest committed,
 * the forwarder, HTTP pull, and today's AMQP senders. This class puts them together behind the
 * transport seam.
 *
 * - A dueslag is a durable quorum queue named by its UUID, so existing AMQP clients consume it
 *   directly (manual ack; they de-duplicate on BeskedId, as delivery is at least once). Its
 *   delivery limit is the queue's `x-delivery-limit`; a message over it is dead-lettered to the
 *   classic durable queue `<uuid>.doede`, which the owner inspects and redrives over HTTP.
 * - Durable before the sender's acknowledgement: the ingest records the message's deliveries on the
 *   message, with a `bfo_udgivelse` row, in one statement. Right after that commits, the taking
 *   process publishes each receiver's copy (persistent, mandatory, publisher confirms) and, once
 *   the broker confirmed them all, deletes the row (batched with other messages). What is not
 *   confirmed within `republishAfterMs` of the ingest (a crash, a broker away) a forwarder on any
 *   instance publishes and marks. A replay puts delivery rows (`publiceres`) in the store, which
 *   the forwarder publishes the same way.
 * - Reconnection: a lost connection is re-opened with backoff (100 ms doubling to 30 s); queues are
 *   re-declared; publishing resumes from the store. HTTP pulls during an outage answer
 *   BFO_TRANSPORT_UNAVAILABLE.
 */
import type { Store } from '../../../platform/store/store.ts';
import { markForReplay, waitingToPublish } from './broker-outbox.ts';
import { AmqpConnection } from './amqp/connection.ts';
import { Forwarder } from './amqp/forwarder.ts';
import { Publishing } from './amqp/publishing.ts';
import { Pull } from './amqp/pull.ts';
import { assertQueues, deadQueue, DeclaredQueues } from './amqp/queues.ts';
import { consumeSenders, type SenderHandler, type SendersOptions } from './amqp/senders.ts';
import type {
  AuditDeliveries,
  BfoTransport,
  CommittedMessage,
  DeadLetter,
  Delivery,
  DueslagRef,
  DueslagStats,
  ReceiveOptions,
} from './transport.ts';

export { standardRetur, type SenderAnswer, type SenderHandler } from './amqp/senders.ts';

/** The RabbitMQ transport's options. */
export interface AmqpOptions {
  readonly url: string;
  /** Rows published per confirm round. */
  readonly batchSize?: number;
  /**
   * How long after its ingest a message whose deliveries this process has not had confirmed is
   * left to it before any instance's forwarder publishes it (default 5,000 ms).
   */
  readonly republishAfterMs?: number;
  /** How often the forwarder looks for rows to publish when nothing woke it, in ms. */
  readonly pollMs?: number;
  readonly onError?: (err: unknown) => void;
  /**
   * Today's AMQP senders: the exchange they publish to and the queue this instance takes them from
   * (defaults `AFSEND_BESKED_EXCHANGE`, `bfo.afsend`); `false` serves none.
   */
  readonly senders?: SendersOptions | false;
}

/** RabbitMQ behind the transport seam; see the module comment. */
export class AmqpTransport implements BfoTransport {
  readonly name = 'amqp' as const;
  readonly records = 'message' as const;
  private readonly connection: AmqpConnection;
  private readonly queues: DeclaredQueues;
  private readonly publishing: Publishing;
  private readonly forwarder: Forwarder;
  private readonly pull: Pull;
  private readonly republishAfterMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly sendersOptions: SendersOptions;
  /** The handler of today's senders, once served: consumed on every new connection. */
  private senders: SenderHandler | undefined;

  constructor(
    private readonly store: Store,
    audit: AuditDeliveries,
    private readonly options: AmqpOptions,
  ) {
    this.republishAfterMs = options.republishAfterMs ?? 5000;
    const onError = (this.onError = options.onError ?? (() => {}));
    this.sendersOptions = options.senders || {};
    this.queues = new DeclaredQueues(store);
    this.connection = new AmqpConnection(options.url, {
      onError,
      onReturn: (beskedId, queue) => this.publishing.noteReturned(beskedId, queue),
      onConnected: async (model, publisher) => {
        await this.queues.redeclareAll(publisher);
        if (this.senders) await consumeSenders(model, this.sendersOptions, this.senders, onError);
      },
      onLost: () => this.pull.dropLeases(),
    });
    this.publishing = new Publishing(store, audit, this.connection, this.queues, onError);
    this.forwarder = new Forwarder(store, audit, this.connection, this.queues, this.publishing, {
      batchSize: options.batchSize ?? 500,
      pollMs: options.pollMs ?? 250,
      onError,
    });
    this.pull = new Pull(store, audit, this.connection);
  }

  get republishAfterSeconds(): number {
    return this.republishAfterMs / 1000;
  }

  async start(dueslag: readonly DueslagRef[]): Promise<void> {
    for (const d of dueslag) if (d.levering?.type !== 'push') this.queues.remember(d);
    // A broker that is down at start does not stop the service: sends are recorded in the store
    // and published once the connection is made.
    try {
      await this.connection.ensure();
    } catch (err) {
      this.onError(err);
      this.connection.reconnectLater();
    }
    this.forwarder.start();
  }

  /**
   * Takes sends the way today's AMQP clients make them (see amqp/senders.ts), on this connection
   * and every later one.
   */
  async serveSenders(handle: SenderHandler): Promise<void> {
    if (this.options.senders === false) return;
    this.senders = handle;
    const model = this.connection.openModel;
    if (model) await consumeSenders(model, this.sendersOptions, handle, this.onError);
  }

  async declare(d: DueslagRef): Promise<void> {
    if (d.levering?.type === 'push') return;
    this.queues.remember(d);
    const { publisher } = await this.connection.ensure();
    await assertQueues(publisher, d);
  }

  async remove(uuid: string): Promise<void> {
    this.queues.forget(uuid);
    const { publisher } = await this.connection.ensure();
    await publisher.deleteQueue(uuid);
    await publisher.deleteQueue(deadQueue(uuid));
  }

  /**
   * Publishes a message the ingest just committed (amqp/publishing.ts); what is not confirmed the
   * forwarder publishes `republishAfterSeconds` after the ingest.
   */
  committed(m: CommittedMessage): Promise<void> {
    return this.publishing.committed(m);
  }

  /** Asks the forwarder for a round now. */
  kick(): void {
    this.forwarder.wake();
  }

  /** Publishes what is due to the forwarder now; returns how many rows and messages it marked. */
  forwardAll(): Promise<number> {
    return this.forwarder.forwardAll();
  }

  receive(d: DueslagRef, o: ReceiveOptions): Promise<Delivery[]> {
    return this.pull.receive(d, o);
  }

  async ack(d: DueslagRef, receipts: readonly string[]): Promise<string[]> {
    return this.pull.ack(d, receipts);
  }

  async nack(d: DueslagRef, receipts: readonly string[], delayMs: number): Promise<string[]> {
    return this.pull.nack(d, receipts, delayMs);
  }

  deadLetters(d: DueslagRef, limit: number): Promise<DeadLetter[]> {
    return this.pull.deadLetters(d, limit);
  }

  redrive(d: DueslagRef, beskedIds?: readonly string[]): Promise<number> {
    return this.pull.redrive(d, beskedIds);
  }

  async replay(d: DueslagRef, fromSeq: string): Promise<number> {
    const n = await markForReplay(this.store, d.uuid, fromSeq, d.opbevaringSekunder);
    this.kick();
    return n;
  }

  async stats(d: DueslagRef): Promise<DueslagStats> {
    const { publisher } = await this.connection.ensure();
    const q = await publisher.checkQueue(d.uuid);
    const dead = await publisher.checkQueue(deadQueue(d.uuid));
    const held = this.pull.held(d.uuid);
    // The broker does not say how old its oldest message is over AMQP; what the store still has
    // to publish is the oldest we know of.
    const waiting = await waitingToPublish(this.store, d.uuid);
    return {
      dybde: q.messageCount + held + waiting.count,
      udleveret: held,
      aeldsteSekunder: waiting.oldestSeconds,
      leveretPrSekund: this.pull.ackRate(d.uuid),
      doede: dead.messageCount,
    };
  }

  async close(): Promise<void> {
    this.connection.closing();
    await this.forwarder.stop();
    // Copies already written are confirmed and marked, not left to another instance's forwarder.
    await this.publishing.settle();
    this.pull.releaseAll();
    await this.connection.close();
  }
}
