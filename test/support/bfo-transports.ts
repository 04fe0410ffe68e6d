import { amqpTransport } from '../../src/services/bfo/index.ts';
import type { TestTransport } from './bfo.ts';
import { AMQP } from './requires.ts';

/**
 * The transports the Beskedfordeler's contract suite runs on: the store always; RabbitMQ when
 * STOTTE_TEST_AMQP_URL names a broker (the global set-up fails the run if it does not answer).
 * Without a broker the RabbitMQ entry stays, unavailable, so its suite is listed as skipped.
 */
export const bfoTransports: readonly TestTransport[] = [
  { name: 'store' },
  AMQP.value
    ? { name: 'amqp', factory: amqpTransport({ url: AMQP.value, pollMs: 50, senders: false }) }
    : { name: 'amqp', unavailable: AMQP.unavailable },
];
