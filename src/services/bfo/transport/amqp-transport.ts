/**
 * RabbitMQ as the message transport (AMQP 0-9-1; the only file that imports amqplib).
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
 *   instance publishes and marks in the transaction that took it with `FOR UPDATE SKIP LOCKED`; a
 *   crash between a confirm and the mark publishes again (a duplicate, never a loss). A replay puts
 *   delivery rows (`publiceres`) in the store, which the forwarder publishes the same way.
 * - Reconnection: a lost connection is re-opened with backoff (100 ms doubling to 30 s); queues are
 *   re-declared; publishing resumes from the store. HTTP pulls during an outage answer
 *   BFO_TRANSPORT_UNAVAILABLE.
 * - HTTP pull on an AMQP dueslag takes messages with basic.get and holds them under a lease in
 *   this process until acknowledged, refused or the visibility timeout (then they return to the
 *   queue). Receipts name this process's connection; after a reconnect they are stale.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { Grouped } from '../../../platform/grouped.ts';
import type { Queryable, Store } from '../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../domain/envelope.ts';
import { envelopeFromXml } from '../domain/xml.ts';
import { bfoError } from '../errors.ts';
import {
  bodiesFor,
  dueslagFacts,
  markConfirmed,
  markForReplay,
  markPublished,
  takePublishable,
  takeUnconfirmed,
  waitingToPublish,
  type Batch,
} from './broker-outbox.ts';
import type {
  AuditDeliveries,
  BfoTransport,
  CommittedMessage,
  DeadLetter,
  DeliveryAudit,
  Delivery,
  DueslagRef,
  DueslagStats,
  ReceiveOptions,
} from './transport.ts';

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
  readonly senders?: { readonly exchange?: string; readonly queue?: string } | false;
}

const deadQueue = (uuid: string) => `${uuid}.doede`;

const SEND_EXCHANGE = 'AFSEND_BESKED_EXCHANGE';
const SEND_QUEUE = 'bfo.afsend';

/** What a send answers: StatusKode 20, or the FK status of the error with its code and message. */
export interface SenderAnswer {
  readonly statusKode: number;
  readonly fejlbeskedTekst?: string;
}

/** Handles one send from an AMQP sender; throws only for failures that are not the sender's. */
export type SenderHandler = (body: string, token: string | undefined) => Promise<SenderAnswer>;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The StandardRetur of the sagdok namespace. */
export function standardRetur(a: SenderAnswer): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<StandardRetur xmlns="urn:oio:sagdok:3.0.0"><StatusKode>${a.statusKode}</StatusKode>` +
    (a.fejlbeskedTekst ? `<FejlbeskedTekst>${escapeXml(a.fejlbeskedTekst)}</FejlbeskedTekst>` : '') +
    `</StandardRetur>\n`
  );
}

/**
 * amqplib hands every frame to the socket on its own: a 5 KB publish is two writes, each a system
 * call that, with the broker on the same host, also does the broker's receiving. Writes made in
 * one turn of the event loop are held (corked) and leave together at its end, in one writev.
 * (`connection.stream` is amqplib's socket; without it writes are left as they are.)
 */
function coalesceWrites(model: ChannelModel): void {
  const socket = (model as unknown as { connection?: { stream?: Duplex } }).connection?.stream;
  if (!socket || typeof socket.cork !== 'function') return;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Duplex['write'];
}

/** Names one copy of a message: the broker returns an unroutable copy by its messageId and queue. */
const copyKey = (beskedId: string, queue: string) => `${beskedId} ${queue}`;

/** Resolves when the channel can take more, or is gone (its unconfirmed messages fail then). */
function drained(ch: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ch.off('drain', done);
      ch.off('close', done);
      resolve();
    };
    ch.once('drain', done);
    ch.once('close', done);
  });
}

interface Lease {
  readonly msg: GetMessage;
  readonly channel: Channel;
  readonly dueslag: string;
  timer: NodeJS.Timeout;
}

export class AmqpTransport implements BfoTransport {
  readonly name = 'amqp' as const;
  private model: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private getter: Channel | undefined;
  private connecting: Promise<void> | undefined;
  private generation = 0;
  private backoffMs = 100;
  private closed = false;
  private readonly declared = new Map<string, DueslagRef>();
  private readonly leases = new Map<string, Lease>();
  /** Times of acknowledgements over HTTP through this instance, per dueslag (last minute). */
  private readonly acked = new Map<string, number[]>();
  private forwardTimer: NodeJS.Timeout | undefined;
  private forwarding: Promise<unknown> | undefined;
  private forwardAgain = false;
  private readonly batchSize: number;
  private readonly republishAfterMs: number;
  private readonly pollMs: number;
  /**
   * Messages whose copies the broker confirmed: marked, with their audit records, many in one
   * transaction. A failed mark leaves them to the forwarder (a duplicate, never a loss).
   */
  private readonly confirmations: Grouped<{ seq: string; audit: DeliveryAudit[] }, undefined>;
  /** Copies the broker returned as unroutable (`<BeskedId> <queue>`); their confirm follows. */
  private readonly returned = new Set<string>();
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditDeliveries,
    private readonly options: AmqpOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.republishAfterMs = options.republishAfterMs ?? 5000;
    this.confirmations = new Grouped(
      async (confirmed) => {
        try {
          await this.store.transaction(async (tx) => {
            await markConfirmed(
              tx,
              confirmed.map((c) => c.seq),
            );
            await this.audit(
              tx,
              confirmed.flatMap((c) => c.audit),
            );
          });
        } catch (err) {
          this.onError(err);
        }
        return confirmed.map(() => undefined);
      },
      { lanes: 1, max: 1000 },
    );
    this.pollMs = options.pollMs ?? 250;
    this.onError = options.onError ?? (() => {});
  }

  // --- connection ------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const model = await amqp.connect(this.options.url);
    coalesceWrites(model);
    const publisher = await model.createConfirmChannel();
    const getter = await model.createChannel();
    const generation = ++this.generation;
    const lost = (err?: unknown) => {
      if (this.generation !== generation) return;
      this.generation++;
      this.model = this.publisher = this.getter = undefined;
      for (const [k, l] of this.leases) {
        clearTimeout(l.timer);
        this.leases.delete(k);
      }
      if (err) this.onError(err);
      if (!this.closed) this.reconnectLater();
    };
    model.on('error', (err: Error) => lost(err));
    model.on('close', () => lost());
    // A channel error (e.g. a queue declared with other arguments) closes that channel only.
    publisher.on('error', (err: Error) => this.onError(err));
    // The broker returns an unroutable copy (its queue is gone) before confirming it.
    publisher.on('return', (msg: { fields: { routingKey: string }; properties: { messageId?: string } }) =>
      this.returned.add(copyKey(String(msg.properties.messageId), msg.fields.routingKey)),
    );
    publisher.on('close', () => lost());
    getter.on('error', (err: Error) => this.onError(err));
    getter.on('close', () => lost());
    this.model = model;
    this.publisher = publisher;
    this.getter = getter;
    for (const d of this.declared.values()) await this.assertQueues(publisher, d);
    if (this.senders) await this.consumeSenders(model, this.senders);
    this.backoffMs = 100;
  }

  // --- today's senders: AFSEND_BESKED_EXCHANGE ------------------------------------------------

  private senders: SenderHandler | undefined;

  /**
   * Takes sends the way today's AMQP clients make them: a Haendelsesbesked published to the
   * exchange `AFSEND_BESKED_EXCHANGE` (routing key "", header `token`, `messageId` = TransaktionsId,
   * `replyTo` usually `amq.rabbitmq.reply-to`). Each is handled like `POST /beskedfordeler/beskeder`
   * and answered with a StandardRetur (StatusKode 20, or the error's FK status and its code) to
   * `replyTo` with the request's `correlationId`; the request is acknowledged to the broker only
   * after that, so a crash before it means the broker hands it out again (and a BeskedId already
   * stored is acknowledged, not distributed twice).
   */
  async serveSenders(handle: SenderHandler): Promise<void> {
    if (this.options.senders === false) return;
    this.senders = handle;
    if (this.model) await this.consumeSenders(this.model, handle);
  }

  private async consumeSenders(model: ChannelModel, handle: SenderHandler): Promise<void> {
    const exchange = (this.options.senders || {}).exchange ?? SEND_EXCHANGE;
    const queue = (this.options.senders || {}).queue ?? SEND_QUEUE;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => this.onError(err));
    await ch.assertExchange(exchange, 'fanout', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(queue, exchange, '');
    await ch.prefetch(32);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
      const token = headers.token === undefined ? undefined : String(headers.token);
      handle(msg.content.toString('utf8'), token).then(
        (answer) => {
          if (msg.properties.replyTo) {
            ch.publish('', msg.properties.replyTo, Buffer.from(standardRetur(answer)), {
              correlationId: msg.properties.correlationId,
              contentType: 'application/xml',
            });
          }
          ch.ack(msg);
        },
        (err) => {
          // Not the sender's fault (the store is down): give it back, a little later.
          this.onError(err);
          setTimeout(() => {
            try {
              ch.nack(msg, false, true);
            } catch {
              // The channel is gone; the broker has returned the message already.
            }
          }, 1000).unref();
        },
      );
    });
  }

  private reconnectLater(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    setTimeout(() => {
      if (this.closed || this.model) return;
      this.ensure().catch((err) => {
        this.onError(err);
        if (!this.model && !this.closed) this.reconnectLater();
      });
    }, delay).unref();
  }

  /** The channels, connecting if needed; BFO_TRANSPORT_UNAVAILABLE when the broker cannot be reached. */
  private async ensure(): Promise<{ publisher: ConfirmChannel; getter: Channel }> {
    if (this.closed) throw bfoError('BFO_TRANSPORT_UNAVAILABLE', 'The transport is closed');
    if (!this.model) {
      this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
      try {
        await this.connecting;
      } catch (err) {
        throw bfoError('BFO_TRANSPORT_UNAVAILABLE', `RabbitMQ does not answer: ${(err as Error).message}`);
      }
    }
    if (!this.publisher || !this.getter) throw bfoError('BFO_TRANSPORT_UNAVAILABLE', 'RabbitMQ connection lost; reconnecting');
    return { publisher: this.publisher, getter: this.getter };
  }

  private async assertQueues(ch: Channel, d: DueslagRef): Promise<void> {
    await ch.assertQueue(deadQueue(d.uuid), { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await ch.assertQueue(d.uuid, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // Returns allowed before dead-lettering: handed out at most maxLeveringer times.
        'x-delivery-limit': d.maxLeveringer - 1,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadQueue(d.uuid),
      },
    });
  }

  async start(dueslag: readonly DueslagRef[]): Promise<void> {
    for (const d of dueslag) if (d.levering?.type !== 'push') this.declared.set(d.uuid, d);
    // A broker that is down at start does not stop the service: sends are recorded in the store
    // and published once the connection is made.
    try {
      await this.ensure();
    } catch (err) {
      this.onError(err);
      this.reconnectLater();
    }
    this.scheduleForward(0);
  }

  async declare(d: DueslagRef): Promise<void> {
    if (d.levering?.type === 'push') return;
    this.declared.set(d.uuid, d);
    const { publisher } = await this.ensure();
    await this.assertQueues(publisher, d);
  }

  async remove(uuid: string): Promise<void> {
    this.declared.delete(uuid);
    const { publisher } = await this.ensure();
    await publisher.deleteQueue(uuid);
    await publisher.deleteQueue(deadQueue(uuid));
  }

  // --- publishing ------------------------------------------------------------------------------

  readonly records = 'message' as const;

  get republishAfterSeconds(): number {
    return this.republishAfterMs / 1000;
  }

  /**
   * Publishes a message the ingest just committed, from this process and without reading it back:
   * each receiver's copy is written to the publishing channel before the sender hears back (so
   * messages from one sender reach a queue in the order sent), and the broker's confirms are
   * awaited in the background. Once every copy is confirmed the message is marked, with others, in
   * one statement. Whatever is not confirmed (no connection, a nack, a queue gone, a crash) stays
   * recorded, and the forwarder publishes it `republishAfterSeconds` after the ingest.
   */
  async committed(m: CommittedMessage): Promise<void> {
    const publisher = this.publisher;
    if (!m.deliveries.length || !publisher) return;
    for (const uuid of new Set(m.deliveries.map((d) => d.dueslag))) {
      if (this.declared.has(uuid)) continue;
      try {
        await this.declareFromStore(publisher, uuid);
      } catch (err) {
        this.onError(err);
        return;
      }
    }
    const routed = m.deliveries.map((d) => ({ dueslag: d.dueslag, abonnement: d.abonnement, tilladt: d.tilladtModtager }));
    const bodies = bodiesFor(m.besked, m.modtaget, new Date().toISOString(), routed);
    let left = bodies.length;
    let failed = false;
    let blocked = false;
    const done = () => void this.confirmations.add({ seq: m.seq, audit: routed.map((r) => this.publishedAudit(r.dueslag, m.beskedId)) });
    try {
      routed.forEach((r, i) => {
        const ok = publisher.publish('', r.dueslag, bodies[i]!, this.properties(m.beskedId, r.abonnement), (err: unknown) => {
          if (err || this.returned.delete(copyKey(m.beskedId, r.dueslag))) failed = true;
          if (--left === 0 && !failed) done();
        });
        if (!ok) blocked = true;
      });
    } catch (err) {
      // The channel closed under us: the message is stored, and the forwarder publishes it.
      this.onError(err);
      return;
    }
    // The broker (or the socket) is behind: the sender waits, rather than the process buffering.
    if (blocked) await drained(publisher);
  }

  /** The audit record of a copy the broker confirmed. */
  private publishedAudit(dueslag: string, beskedId: string): DeliveryAudit {
    return { dueslag, ejer: this.declared.get(dueslag)?.ejer ?? '', beskedId, forsoeg: 1, via: 'amqp' };
  }

  private properties(beskedId: string, abonnement: string) {
    return {
      persistent: true,
      mandatory: true,
      messageId: beskedId,
      contentType: 'application/xml',
      timestamp: Math.floor(Date.now() / 1000),
      headers: { 'x-bfo-abonnement': abonnement },
    };
  }

  /** Declares the queues of a dueslag this process has not declared (another instance created it). */
  private async declareFromStore(publisher: ConfirmChannel, uuid: string): Promise<void> {
    const ref = { uuid, ...(await dueslagFacts(this.store, uuid)), synlighedSekunder: 30, opbevaringSekunder: 604800 };
    await this.assertQueues(publisher, ref);
    this.declared.set(uuid, ref);
  }

  /** Asks the forwarder for a round now. */
  kick(): void {
    if (this.forwarding) this.forwardAgain = true;
    else this.scheduleForward(0);
  }

  private scheduleForward(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.forwardTimer);
    this.forwardTimer = setTimeout(() => {
      this.forwarding = this.forwardAll()
        .catch((err) => this.onError(err))
        .finally(() => {
          this.forwarding = undefined;
          const again = this.forwardAgain;
          this.forwardAgain = false;
          this.scheduleForward(again ? 0 : this.pollMs);
        });
    }, ms);
    this.forwardTimer.unref();
  }

  /**
   * Publishes what is due to the forwarder, batch by batch: delivery rows a replay put back, and
   * messages not confirmed in time. Where the store has a pool, two batches are in flight at once
   * (each locks its own rows), so one batch's confirm wait overlaps the next batch's reading and
   * publishing.
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
          if (n < this.batchSize) break;
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
    if (!this.model) {
      await this.ensure().catch(() => undefined);
      if (!this.model) return 0;
    }
    return this.store.transaction(async (tx) => {
      const batch = await take(tx, this.batchSize);
      if (!batch.keys.length) return 0;
      const { publisher } = await this.ensure();
      for (const uuid of new Set(batch.publish.map((r) => r.dueslag))) {
        if (!this.declared.has(uuid)) await this.declareFromStore(publisher, uuid);
      }
      for (const r of batch.publish) {
        const ok = publisher.publish('', r.dueslag, r.body, this.properties(r.beskedId, r.abonnement));
        if (!ok) await drained(publisher);
      }
      await publisher.waitForConfirms();
      const returned = batch.publish.filter((r) => this.returned.delete(copyKey(r.beskedId, r.dueslag)));
      if (returned.length) throw new Error(`RabbitMQ could not route ${returned.length} messages (queue missing)`);
      await mark(tx, [...new Set(batch.keys)]);
      await this.audit(
        tx,
        batch.publish.map((r) => this.publishedAudit(r.dueslag, r.beskedId)),
      );
      return batch.keys.length;
    });
  }

  // --- HTTP pull on an AMQP dueslag ------------------------------------------------------------

  private leaseOf(receipt: string, dueslag: string): Lease | undefined {
    const l = this.leases.get(receipt);
    return l && l.dueslag === dueslag ? l : undefined;
  }

  private release(receipt: string, requeue: boolean): void {
    const l = this.leases.get(receipt);
    if (!l) return;
    clearTimeout(l.timer);
    this.leases.delete(receipt);
    try {
      if (requeue) l.channel.nack(l.msg, false, true);
      else l.channel.ack(l.msg);
    } catch {
      // The channel is gone: the broker has returned the message to the queue already.
    }
  }

  async receive(d: DueslagRef, o: ReceiveOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const { getter } = await this.ensure();
      const out: Delivery[] = [];
      while (out.length < o.max) {
        const msg = await getter.get(d.uuid, { noAck: false });
        if (!msg) break;
        const receipt = `amqp:${this.generation}.${msg.fields.deliveryTag}.${randomUUID().slice(0, 8)}`;
        const timer = setTimeout(() => this.release(receipt, true), o.visibilityMs);
        timer.unref();
        this.leases.set(receipt, { msg, channel: getter, dueslag: d.uuid, timer });
        const returns = Number((msg.properties.headers as Record<string, unknown> | undefined)?.['x-delivery-count'] ?? 0);
        let besked: Haendelsesbesked;
        try {
          // Written by this Beskedfordeler (the sender's message grown by its route): no size limit of a sender's.
          besked = envelopeFromXml(msg.content.toString('utf8'), { maxBytes: msg.content.length });
        } catch {
          // Not ours to read (someone published by hand): a dead letter, confirmed before it leaves the queue.
          const { publisher } = await this.ensure();
          publisher.sendToQueue(deadQueue(d.uuid), msg.content, { ...msg.properties, persistent: true });
          await publisher.waitForConfirms();
          this.release(receipt, false);
          continue;
        }
        const ruter = besked.beskedkuvert.leveranceinformation.leveranceruter;
        const last = ruter[ruter.length - 1];
        if (last) last.antalLeveranceforsoeg = returns + 1;
        out.push({ kvittering: receipt, beskedId: besked.beskedId, forsoeg: returns + 1, besked });
      }
      if (out.length) {
        await this.store.transaction((tx) =>
          this.audit(
            tx,
            out.map((m) => ({ dueslag: d.uuid, ejer: d.ejer, beskedId: m.beskedId, forsoeg: m.forsoeg, via: 'pull' as const })),
          ),
        );
      }
      const left = deadline - Date.now();
      if (out.length || left <= 0 || this.closed) return out;
      await new Promise((r) => setTimeout(r, Math.min(left, 100)));
    }
  }

  async ack(d: DueslagRef, receipts: readonly string[]): Promise<string[]> {
    const done = receipts.filter((r) => this.leaseOf(r, d.uuid));
    for (const r of done) this.release(r, false);
    const now = Date.now();
    const times = (this.acked.get(d.uuid) ?? []).filter((t) => t > now - 60_000);
    for (let i = 0; i < done.length; i++) times.push(now);
    this.acked.set(d.uuid, times);
    return done;
  }

  async nack(d: DueslagRef, receipts: readonly string[], delayMs: number): Promise<string[]> {
    const done = receipts.filter((r) => this.leaseOf(r, d.uuid));
    for (const r of done) {
      const l = this.leases.get(r)!;
      clearTimeout(l.timer);
      // A delay keeps the message leased (invisible) until it returns to the queue.
      l.timer = setTimeout(() => this.release(r, true), delayMs);
      l.timer.unref();
      if (delayMs === 0) this.release(r, true);
    }
    return done;
  }

  /** Takes up to `limit` dead letters, then gives them all back (a peek). */
  private async peekDead(d: DueslagRef, limit: number, take: (m: GetMessage) => boolean): Promise<number> {
    await this.ensure();
    // A channel of its own: closing it returns every message not acknowledged.
    const ch = await this.model!.createChannel();
    let taken = 0;
    try {
      const held: GetMessage[] = [];
      while (held.length < limit) {
        const m = await ch.get(deadQueue(d.uuid), { noAck: false });
        if (!m) break;
        held.push(m);
      }
      const redrive = held.filter(take);
      if (redrive.length) {
        const { publisher } = await this.ensure();
        for (const m of redrive) {
          const headers = { ...(m.properties.headers ?? {}) };
          delete headers['x-death'];
          delete headers['x-delivery-count'];
          publisher.publish('', d.uuid, m.content, { ...m.properties, headers, persistent: true });
        }
        await publisher.waitForConfirms();
        for (const m of redrive) ch.ack(m);
        taken = redrive.length;
      }
    } finally {
      await ch.close().catch(() => undefined);
    }
    return taken;
  }

  async deadLetters(d: DueslagRef, limit: number): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    await this.peekDead(d, limit, (m) => {
      const deaths = (m.properties.headers?.['x-death'] as { count?: number; reason?: string }[] | undefined) ?? [];
      out.push({
        beskedId: String(m.properties.messageId),
        forsoeg: d.maxLeveringer,
        modtaget: new Date(Number(m.properties.timestamp ?? 0) * 1000).toISOString(),
        sidsteFejl: deaths[0]?.reason ? `dead-lettered by RabbitMQ: ${deaths[0].reason}` : undefined,
      });
      return false;
    });
    return out;
  }

  async redrive(d: DueslagRef, beskedIds?: readonly string[]): Promise<number> {
    const wanted = beskedIds ? new Set(beskedIds) : undefined;
    return this.peekDead(d, 100_000, (m) => !wanted || wanted.has(String(m.properties.messageId)));
  }

  async replay(d: DueslagRef, fromSeq: string): Promise<number> {
    const n = await markForReplay(this.store, d.uuid, fromSeq, d.opbevaringSekunder);
    this.kick();
    return n;
  }

  async stats(d: DueslagRef): Promise<DueslagStats> {
    const { publisher } = await this.ensure();
    const q = await publisher.checkQueue(d.uuid);
    const dead = await publisher.checkQueue(deadQueue(d.uuid));
    const held = [...this.leases.values()].filter((l) => l.dueslag === d.uuid).length;
    // The broker does not say how old its oldest message is over AMQP; what the store still has
    // to publish is the oldest we know of.
    const waiting = await waitingToPublish(this.store, d.uuid);
    return {
      dybde: q.messageCount + held + waiting.count,
      udleveret: held,
      aeldsteSekunder: waiting.oldestSeconds,
      leveretPrSekund: Math.round(((this.acked.get(d.uuid) ?? []).filter((t) => t > Date.now() - 60_000).length / 60) * 1000) / 1000,
      doede: dead.messageCount,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.forwardTimer);
    await this.forwarding;
    // Copies already written are confirmed and marked, not left to another instance's forwarder.
    await this.publisher?.waitForConfirms().catch(() => undefined);
    await this.confirmations.idle();
    for (const r of [...this.leases.keys()]) this.release(r, true);
    const model = this.model;
    this.model = this.publisher = this.getter = undefined;
    this.generation++;
    await model?.close().catch(() => undefined);
  }
}
