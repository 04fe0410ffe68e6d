import { amqpTransport } from '../../src/services/bfo/index.ts';
import type { TestTransport } from './bfo.ts';

/**
 * The transports the Beskedfordeler's contract suite runs on: the store always; RabbitMQ when
 * STOTTE_TEST_AMQP_URL names a broker (the global set-up fails the run if it does not answer).
 */
export const bfoTransports: readonly TestTransport[] = [
  { name: 'store' },
  ...(process.env.STOTTE_TEST_AMQP_URL
    ? [{ name: 'amqp' as const, factory: amqpTransport({ url: process.env.STOTTE_TEST_AMQP_URL, pollMs: 50, senders: false }) }]
    : []),
];
