import type { TestTransport } from './bfo.ts';

/** The transports the Beskedfordeler's contract suite runs on: the store always. */
export const bfoTransports: readonly TestTransport[] = [{ name: 'store' }];
