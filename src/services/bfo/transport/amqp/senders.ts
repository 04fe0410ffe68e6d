/**
 * Today's AMQP senders: a Haendelsesbesked published to the exchange `AFSEND_BESKED_EXCHANGE`
 * (routing key "", header `token`, `messageId` = TransaktionsId, `replyTo` usually
 * `amq.rabbitmq.reply-to`) lands in a quorum queue every instance consumes. Each is handled like
 * `POST /beskedfordeler/beskeder` and answered with a StandardRetur to `replyTo` with the request's
 * `correlationId`.
 */
import type { ChannelModel } from 'amqplib';

/** The exchange today's senders publish to, unless the options name another. */
export const SEND_EXCHANGE = 'AFSEND_BESKED_EXCHANGE';
/** The queue every instance takes their sends from, unless the options name another. */
export const SEND_QUEUE = 'bfo.afsend';

/** Where today's senders publish: the exchange, and the queue this instance takes sends from. */
export interface SendersOptions {
  readonly exchange?: string;
  readonly queue?: string;
}

/** What a send answers: StatusKode 20, or the FK status of the error with its code and message. */
export interface SenderAnswer {
  readonly statusKode: number;
  readonly fejlbeskedTekst?: string;
}

/** Handles one send from an AMQP sender; throws only for failures that are not the sender's. */
export type SenderHandler = (body: string, token: string | undefined) => Promise<SenderAnswer>;

/** How long a send that failed for a reason not the sender's waits before it is given back. */
const GIVE_BACK_AFTER_MS = 1000;

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
 * Consumes the senders' queue on a channel of its own on `model`. A send is acknowledged to the
 * broker only after it is answered, so a crash before that means the broker hands it out again
 * (and a BeskedId already stored is acknowledged, not distributed twice).
 */
export async function consumeSenders(
  model: ChannelModel,
  options: SendersOptions,
  handle: SenderHandler,
  onError: (err: unknown) => void,
): Promise<void> {
  const exchange = options.exchange ?? SEND_EXCHANGE;
  const queue = options.queue ?? SEND_QUEUE;
  const ch = await model.createChannel();
  ch.on('error', (err: Error) => onError(err));
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
        onError(err);
        setTimeout(() => {
          try {
            ch.nack(msg, false, true);
          } catch {
            // The channel is gone; the broker has returned the message already.
          }
        }, GIVE_BACK_AFTER_MS).unref();
      },
    );
  });
}
