/**
 * The RabbitMQ connection of the transport: one connection with a confirm channel for publishing
 * and a channel for basic.get, re-opened with backoff (100 ms doubling to 30 s) when lost. This is
 * the only file that loads amqplib; the others use its types alone.
 */
import type { Duplex } from 'node:stream';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { bfoError } from '../../errors.ts';

/** What the rest of the transport hears from the connection. */
export interface ConnectionHooks {
  /** A channel's or the connection's error (the connection is re-opened by itself). */
  readonly onError: (err: unknown) => void;
  /** The broker returned an unroutable copy (its queue is gone); its confirm follows. */
  readonly onReturn: (messageId: string, queue: string) => void;
  /** A new connection is open: declare what it must have before it is used for more. */
  readonly onConnected: (model: ChannelModel, publisher: ConfirmChannel) => Promise<void>;
  /** The connection is gone: what was held on its channels is gone with it. */
  readonly onLost: () => void;
}

/** The channels of an open connection. */
export interface Channels {
  readonly publisher: ConfirmChannel;
  readonly getter: Channel;
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 30_000;

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

/** The transport's connection to RabbitMQ; see the module comment. */
export class AmqpConnection {
  private model: ChannelModel | undefined;
  private publisher: ConfirmChannel | undefined;
  private getter: Channel | undefined;
  private connecting: Promise<void> | undefined;
  /** Counts connections and their losses: a receipt or a lease names the connection it came from. */
  private gen = 0;
  private backoffMs = FIRST_RETRY_MS;
  private isClosed = false;

  constructor(
    private readonly url: string,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Which connection (and channels) is current; changes when one is lost or closed. */
  get generation(): number {
    return this.gen;
  }

  /** Whether a connection is open now. */
  get isOpen(): boolean {
    return this.model !== undefined;
  }

  /** Whether the transport is closing or closed: nothing new is started then. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The connection if one is open, without connecting. */
  get openModel(): ChannelModel | undefined {
    return this.model;
  }

  /** The publishing channel if a connection is open, without connecting. */
  get openPublisher(): ConfirmChannel | undefined {
    return this.publisher;
  }

  /** The channels, connecting if needed; BFO_TRANSPORT_UNAVAILABLE when the broker cannot be reached. */
  async ensure(): Promise<Channels> {
    if (this.isClosed) throw bfoError('BFO_TRANSPORT_UNAVAILABLE', 'The transport is closed');
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

  /** A channel of its own on the current connection (closing it returns what it holds). */
  async ownChannel(): Promise<Channel> {
    await this.ensure();
    return this.model!.createChannel();
  }

  /** Tries to connect after the current backoff, and again with a longer one until it succeeds. */
  reconnectLater(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, LAST_RETRY_MS);
    setTimeout(() => {
      if (this.isClosed || this.model) return;
      this.ensure().catch((err) => {
        this.hooks.onError(err);
        if (!this.model && !this.isClosed) this.reconnectLater();
      });
    }, delay).unref();
  }

  /** Refuses new work from now on; the connection stays open until {@link close}. */
  closing(): void {
    this.isClosed = true;
  }

  /** Closes the connection (after {@link closing} and whatever had to finish on it). */
  async close(): Promise<void> {
    this.isClosed = true;
    const model = this.model;
    this.model = this.publisher = this.getter = undefined;
    this.gen++;
    await model?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const model = await amqp.connect(this.url);
    coalesceWrites(model);
    const publisher = await model.createConfirmChannel();
    const getter = await model.createChannel();
    const generation = ++this.gen;
    const lost = (err?: unknown) => {
      if (this.gen !== generation) return;
      this.gen++;
      this.model = this.publisher = this.getter = undefined;
      this.hooks.onLost();
      if (err) this.hooks.onError(err);
      if (!this.isClosed) this.reconnectLater();
    };
    model.on('error', (err: Error) => lost(err));
    model.on('close', () => lost());
    // A channel error (e.g. a queue declared with other arguments) closes that channel only.
    publisher.on('error', (err: Error) => this.hooks.onError(err));
    publisher.on('return', (msg: { fields: { routingKey: string }; properties: { messageId?: string } }) =>
      this.hooks.onReturn(String(msg.properties.messageId), msg.fields.routingKey),
    );
    publisher.on('close', () => lost());
    getter.on('error', (err: Error) => this.hooks.onError(err));
    getter.on('close', () => lost());
    this.model = model;
    this.publisher = publisher;
    this.getter = getter;
    await this.hooks.onConnected(model, publisher);
    this.backoffMs = FIRST_RETRY_MS;
  }
}
