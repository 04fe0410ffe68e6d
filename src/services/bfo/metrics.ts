/**
 * Prometheus gauges per dueslag, read when /metrics is scraped: depth, age of the oldest message,
 * delivered per second (last minute), dead letters. Each scrape asks the transport once per dueslag.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../../platform/store/store.ts';
import { listDueslag } from './store/admin.ts';
import type { BfoTransport, DueslagStats } from './transport/transport.ts';

export function registerBfoMetrics(registry: Registry, store: Store, transport: BfoTransport): void {
  let pending: Promise<Map<string, DueslagStats>> | undefined;
  // The four gauges are collected one after another in one scrape: read the stats once for all.
  const read = () => {
    pending ??= (async () => {
      const out = new Map<string, DueslagStats>();
      for (const d of await listDueslag(store)) {
        try {
          out.set(d.uuid, await transport.stats(d));
        } catch {
          // A transport that does not answer leaves the dueslag out of this scrape.
        }
      }
      return out;
    })().finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: DueslagStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['dueslag'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [uuid, s] of await read()) this.set({ dueslag: uuid }, pick(s));
      },
    });
  gauge('stotte_bfo_dueslag_depth', 'Messages waiting or handed out and not acknowledged, per dueslag', (s) => s.dybde);
  gauge('stotte_bfo_dueslag_oldest_age_seconds', 'Age of the oldest unacknowledged message, per dueslag', (s) => s.aeldsteSekunder);
  gauge(
    'stotte_bfo_dueslag_delivered_per_second',
    'Messages acknowledged per second over the last minute, per dueslag',
    (s) => s.leveretPrSekund,
  );
  gauge('stotte_bfo_dueslag_dead_letters', 'Messages in the dead-letter list, per dueslag', (s) => s.doede);
}
