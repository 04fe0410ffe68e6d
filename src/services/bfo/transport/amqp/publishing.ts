/**
 * Publishing what the ingest just committed, from the process that took it: each receiver's copy
 * is written to the confirm channel before the sender hears back (so one sender's messages reach a
 * queue in the order sent), and the broker's confirms are awaited in the background. Once every
 * copy of a message is confirmed, the message is marked, with others, in one transaction. Whatever
 * is not confirmed (no connection, a nack, a queue gone, a crash) stays recorded in the store for
 * the forwarder.
 */
import type { ConfirmChannel } from 'amqplib';
import { Grouped } from '../../../../platform/grouped.ts';
import type { Store } from '../../../../platform/store/store.ts';
import { bodiesFor, markConfirmed } from '../broker-outbox.ts';
import type { AuditDeliveries, CommittedMessage, DeliveryAudit } from '../transport.ts';
import type { AmqpConnection } from './connection.ts';
import type { DeclaredQueues } from './queues.ts';

/** Names one copy of a message: the broker returns an unroutable copy by its messageId and queue. */
const copyKey = (beskedId: string, queue: string) => `${beskedId} ${queue}`;

/** Resolves when the channel can take more, or is gone (its unconfirmed messages fail then). */
export function drained(ch: ConfirmChannel): Promise<void> {
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

/** The properties of a published copy: persistent, returned when unroutable, named by its BeskedId. */
export function copyProperties(beskedId: string, abonnement: string) {
  return {
    persistent: true,
    mandatory: true,
    messageId: beskedId,
    contentType: 'application/xml',
    timestamp: Math.floor(Date.now() / 1000),
    headers: { 'x-bfo-abonnement': abonnement },
  };
}

/** The transport's publishing of committed messages; see the module comment. */
export class Publishing {
  /**
   * Messages whose copies the broker confirmed: marked, with their audit records, many in one
   * transaction. A failed mark leaves them to the forwarder (a duplicate, never a loss).
   */
  private readonly confirmations: Grouped<{ seq: string; audit: DeliveryAudit[] }, undefined>;
  /** Copies the broker returned as unroutable; their confirm follows. */
  private readonly returned = new Set<string>();

  constructor(
    store: Store,
    audit: AuditDeliveries,
    private readonly connection: AmqpConnection,
    private readonly queues: DeclaredQueues,
    private readonly onError: (err: unknown) => void,
  ) {
    this.confirmations = new Grouped(
      async (confirmed) => {
        try {
          await store.transaction(async (tx) => {
            await markConfirmed(
              tx,
              confirmed.map((c) => c.seq),
            );
            await audit(
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
  }

  /** The broker returned a copy as unroutable (called from the publishing channel's `return`). */
  noteReturned(beskedId: string, queue: string): void {
    this.returned.add(copyKey(beskedId, queue));
  }

  /** Whether the broker returned this copy as unroutable (asked once per copy: it is forgotten then). */
  takeReturned(beskedId: string, queue: string): boolean {
    return this.returned.delete(copyKey(beskedId, queue));
  }

  /** The audit record of a copy the broker confirmed. */
  audited(dueslag: string, beskedId: string): DeliveryAudit {
    return { dueslag, ejer: this.queues.ejerOf(dueslag), beskedId, forsoeg: 1, via: 'amqp' };
  }

  /** Publishes a message the ingest just committed, without reading it back; see the module comment. */
  async committed(m: CommittedMessage): Promise<void> {
    const publisher = this.connection.openPublisher;
    if (!m.deliveries.length || !publisher) return;
    for (const uuid of new Set(m.deliveries.map((d) => d.dueslag))) {
      if (this.queues.has(uuid)) continue;
      try {
        await this.queues.declareFromStore(publisher, uuid);
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
    const done = () => void this.confirmations.add({ seq: m.seq, audit: routed.map((r) => this.audited(r.dueslag, m.beskedId)) });
    try {
      routed.forEach((r, i) => {
        const ok = publisher.publish('', r.dueslag, bodies[i]!, copyProperties(m.beskedId, r.abonnement), (err: unknown) => {
          if (err || this.takeReturned(m.beskedId, r.dueslag)) failed = true;
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

  /**
   * Waits for the confirms of copies already written and for their marks, so they are not left to
   * another instance's forwarder (at close).
   */
  async settle(): Promise<void> {
    await this.connection.openPublisher?.waitForConfirms().catch(() => undefined);
    await this.confirmations.idle();
  }
}
