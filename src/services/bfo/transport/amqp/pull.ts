/**
 * HTTP pull on an AMQP dueslag: messages are taken with basic.get and held under a lease in this
 * process until acknowledged, refused or the visibility timeout (then they return to the queue).
 * A receipt names the connection it was taken on; after a reconnect it is stale (the broker has
 * returned the message already). Dead letters are inspected by taking them on a channel of their
 * own and giving them back; a redrive republishes them with confirms.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, GetMessage } from 'amqplib';
import type { Store } from '../../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../../domain/envelope.ts';
import { envelopeFromXml } from '../../domain/xml.ts';
import type { AuditDeliveries, DeadLetter, Delivery, DueslagRef, ReceiveOptions } from '../transport.ts';
import type { AmqpConnection } from './connection.ts';
import { deadQueue } from './queues.ts';

/** How often a long-poll asks the queue again while it waits. */
const LONG_POLL_STEP_MS = 100;
/** The window acknowledgements per second are counted over. */
const ACK_RATE_WINDOW_MS = 60_000;

interface Lease {
  readonly msg: GetMessage;
  readonly channel: Channel;
  readonly dueslag: string;
  timer: NodeJS.Timeout;
}

/** The transport's HTTP pull; see the module comment. */
export class Pull {
  private readonly leases = new Map<string, Lease>();
  /** Times of acknowledgements over HTTP through this instance, per dueslag (last minute). */
  private readonly acked = new Map<string, number[]>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditDeliveries,
    private readonly connection: AmqpConnection,
  ) {}

  /** Takes up to `o.max` messages, waiting up to `o.waitMs` for a first one; audited as handed out. */
  async receive(d: DueslagRef, o: ReceiveOptions): Promise<Delivery[]> {
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const { getter } = await this.connection.ensure();
      const out: Delivery[] = [];
      while (out.length < o.max) {
        const msg = await getter.get(d.uuid, { noAck: false });
        if (!msg) break;
        const receipt = `amqp:${this.connection.generation}.${msg.fields.deliveryTag}.${randomUUID().slice(0, 8)}`;
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
          const { publisher } = await this.connection.ensure();
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
      if (out.length || left <= 0 || this.connection.closed) return out;
      await new Promise((r) => setTimeout(r, Math.min(left, LONG_POLL_STEP_MS)));
    }
  }

  /** Acknowledges the receipts this process holds for the dueslag; returns those. */
  ack(d: DueslagRef, receipts: readonly string[]): string[] {
    const done = receipts.filter((r) => this.leaseOf(r, d.uuid));
    for (const r of done) this.release(r, false);
    const now = Date.now();
    const times = (this.acked.get(d.uuid) ?? []).filter((t) => t > now - ACK_RATE_WINDOW_MS);
    for (let i = 0; i < done.length; i++) times.push(now);
    this.acked.set(d.uuid, times);
    return done;
  }

  /** Refuses the receipts: back to the queue after `delayMs`, invisible until then. */
  nack(d: DueslagRef, receipts: readonly string[], delayMs: number): string[] {
    const done = receipts.filter((r) => this.leaseOf(r, d.uuid));
    for (const r of done) {
      const l = this.leases.get(r)!;
      clearTimeout(l.timer);
      l.timer = setTimeout(() => this.release(r, true), delayMs);
      l.timer.unref();
      if (delayMs === 0) this.release(r, true);
    }
    return done;
  }

  /** The dead letters of a dueslag, up to `limit`, left where they are. */
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

  /** Puts dead letters (all, or those with these BeskedIds) back on the dueslag's queue. */
  redrive(d: DueslagRef, beskedIds?: readonly string[]): Promise<number> {
    const wanted = beskedIds ? new Set(beskedIds) : undefined;
    return this.peekDead(d, 100_000, (m) => !wanted || wanted.has(String(m.properties.messageId)));
  }

  /** How many of the dueslag's messages this process holds under a lease. */
  held(dueslag: string): number {
    return [...this.leases.values()].filter((l) => l.dueslag === dueslag).length;
  }

  /** Acknowledgements per second over HTTP through this instance, over the last minute. */
  ackRate(dueslag: string): number {
    const recent = (this.acked.get(dueslag) ?? []).filter((t) => t > Date.now() - ACK_RATE_WINDOW_MS).length;
    return Math.round((recent / 60) * 1000) / 1000;
  }

  /** The connection is gone: so are its deliveries, which the broker has returned to their queues. */
  dropLeases(): void {
    for (const [k, l] of this.leases) {
      clearTimeout(l.timer);
      this.leases.delete(k);
    }
  }

  /** Gives every held message back to its queue (at close). */
  releaseAll(): void {
    for (const r of [...this.leases.keys()]) this.release(r, true);
  }

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

  /** Takes up to `limit` dead letters, republishes those `take` chooses, and gives the rest back. */
  private async peekDead(d: DueslagRef, limit: number, take: (m: GetMessage) => boolean): Promise<number> {
    // A channel of its own: closing it returns every message not acknowledged.
    const ch = await this.connection.ownChannel();
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
        const { publisher } = await this.connection.ensure();
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
}
