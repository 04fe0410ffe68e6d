/**
 * The queues of the dueslag the transport serves: a durable quorum queue named by the dueslag's
 * UUID, whose delivery limit dead-letters to the classic queue `<uuid>.doede`. They are declared
 * when a dueslag is created, again on every new connection, and on first use when another instance
 * created the dueslag.
 */
import type { Channel } from 'amqplib';
import type { Store } from '../../../../platform/store/store.ts';
import { dueslagFacts } from '../broker-outbox.ts';
import type { DueslagRef } from '../transport.ts';

/** The queue a dueslag's dead letters go to. */
export const deadQueue = (uuid: string) => `${uuid}.doede`;

/** Declares a dueslag's queue and its dead-letter queue (again: a no-op when they match). */
export async function assertQueues(ch: Channel, d: DueslagRef): Promise<void> {
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

/** The dueslag whose queues this process has declared, by UUID. */
export class DeclaredQueues {
  private readonly declared = new Map<string, DueslagRef>();

  constructor(private readonly store: Store) {}

  /** Whether this process has declared the dueslag's queues. */
  has(uuid: string): boolean {
    return this.declared.has(uuid);
  }

  /** The owner of a declared dueslag ('' when not declared), for the audit of its deliveries. */
  ejerOf(uuid: string): string {
    return this.declared.get(uuid)?.ejer ?? '';
  }

  /** Remembers a dueslag, to declare on every new connection. */
  remember(d: DueslagRef): void {
    this.declared.set(d.uuid, d);
  }

  /** Declares the queues of a dueslag this process has not declared (another instance created it). */
  async declareFromStore(ch: Channel, uuid: string): Promise<void> {
    const ref = { uuid, ...(await dueslagFacts(this.store, uuid)), synlighedSekunder: 30, opbevaringSekunder: 604800 };
    await assertQueues(ch, ref);
    this.declared.set(uuid, ref);
  }

  /** Declares every remembered dueslag's queues (a new connection). */
  async redeclareAll(ch: Channel): Promise<void> {
    for (const d of this.declared.values()) await assertQueues(ch, d);
  }

  forget(uuid: string): void {
    this.declared.delete(uuid);
  }
}
