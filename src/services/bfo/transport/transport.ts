/**
 * The message transport seam: how deliveries recorded by routing reach receivers. Two
 * implementations: the store itself (the embedded default; the delivery rows are the queues) and
 * RabbitMQ (a dueslag is a quorum queue named by its UUID). Routing, the API and the contract
 * tests see only this interface.
 */
import type { Queryable } from '../../../platform/store/store.ts';
import type { Haendelsesbesked } from '../domain/envelope.ts';

/** A dueslag as the transport needs it. */
export interface DueslagRef {
  readonly uuid: string;
  readonly ejer: string;
  readonly maxLeveringer: number;
  readonly synlighedSekunder: number;
  readonly opbevaringSekunder: number;
  /** Hand out one message per object at a time, in order (the store transport; RabbitMQ keeps its queue's order). */
  readonly ordnet?: boolean;
  /** Absent means pull. Push dueslag are served from the store whatever the transport. */
  readonly levering?: { readonly type: 'pull' | 'push' | 'amqp' };
}

/** A delivery routing decided on, written in the ingest transaction. */
export interface NewDelivery {
  readonly dueslag: string;
  readonly beskedSeq: string;
  readonly abonnement: string;
  /** Rewritten receivers; undefined keeps the envelope's. */
  readonly tilladtModtager?: readonly string[] | undefined;
  /** A push dueslag: served from the store by the push worker, whatever the transport. */
  readonly push?: boolean | undefined;
}

/** A message the ingest committed, with the deliveries that are not push. */
export interface CommittedMessage {
  readonly seq: string;
  readonly beskedId: string;
  /** When it was received, as the store wrote it. */
  readonly modtaget: string;
  readonly besked: Haendelsesbesked;
  readonly deliveries: readonly NewDelivery[];
}

/** A message handed to a receiver. */
export interface Delivery {
  /** Acknowledges (or refuses) this hand-out; stale once the message is handed out again. */
  readonly kvittering: string;
  readonly beskedId: string;
  readonly forsoeg: number;
  readonly besked: Haendelsesbesked;
}

export interface DeadLetter {
  readonly beskedId: string;
  readonly forsoeg: number;
  readonly modtaget: string;
  readonly sidsteFejl?: string | undefined;
}

export interface DueslagStats {
  /** Messages waiting or handed out and not yet acknowledged. */
  readonly dybde: number;
  readonly udleveret: number;
  /** Age of the oldest unacknowledged message, in seconds (0 when none). */
  readonly aeldsteSekunder: number;
  /** Acknowledged per second over the last minute. */
  readonly leveretPrSekund: number;
  readonly doede: number;
}

export interface ReceiveOptions {
  readonly max: number;
  /** Long-poll: wait up to this long for a first message. */
  readonly waitMs: number;
  readonly visibilityMs: number;
}

export interface BfoTransport {
  readonly name: 'store' | 'amqp';
  /** Called once before use (connects, declares what exists). */
  start(dueslag: readonly DueslagRef[]): Promise<void>;
  /**
   * Where the ingest records the deliveries that are not push: `rows`, one `bfo_levering` row
   * each, which are the queue (the store); or `message`, on the message itself with a
   * `bfo_udgivelse` row until the broker has confirmed them all (RabbitMQ).
   */
  readonly records: 'rows' | 'message';
  /**
   * For `message`: seconds after the ingest from which any instance's forwarder publishes a
   * message the taking process has not had confirmed (it crashed, or the broker was away).
   */
  readonly republishAfterSeconds?: number;
  /** After the ingest committed: wake receivers / publish to the broker. */
  committed(message: CommittedMessage): Promise<void>;
  declare(d: DueslagRef): Promise<void>;
  remove(uuid: string): Promise<void>;
  receive(d: DueslagRef, options: ReceiveOptions): Promise<Delivery[]>;
  /** Returns the receipts that were acknowledged; unknown or stale ones are left out. */
  ack(d: DueslagRef, receipts: readonly string[]): Promise<string[]>;
  nack(d: DueslagRef, receipts: readonly string[], delayMs: number): Promise<string[]>;
  deadLetters(d: DueslagRef, limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters (all, or those with these BeskedIds) back on the queue. */
  redrive(d: DueslagRef, beskedIds?: readonly string[]): Promise<number>;
  /** Delivers again every message of the dueslag received from `fromSeq` on that is still retained. */
  replay(d: DueslagRef, fromSeq: string): Promise<number>;
  stats(d: DueslagRef): Promise<DueslagStats>;
  /** Where the transport has a send channel of its own (RabbitMQ: today's AMQP senders), serve it. */
  serveSenders?(
    handle: (body: string, token: string | undefined) => Promise<{ statusKode: number; fejlbeskedTekst?: string }>,
  ): Promise<void>;
  close(): Promise<void>;
}

/** One record of the audit log: which receiver got which BeskedId. */
export interface DeliveryAudit {
  readonly dueslag: string;
  readonly ejer: string;
  readonly beskedId: string;
  readonly forsoeg: number;
  readonly via: 'pull' | 'push' | 'amqp';
}

/** Writes delivery audit records inside the transport's transaction. */
export type AuditDeliveries = (tx: Queryable, records: readonly DeliveryAudit[]) => Promise<void>;

const RECEIPT = /^(\d{1,19})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** A receipt of the store transport: the delivery row and its lease. */
export function parseReceipt(r: string): { id: string; lease: string } | undefined {
  const m = RECEIPT.exec(r);
  return m ? { id: m[1]!, lease: m[2]! } : undefined;
}
