/**
 * Prometheus gauges of the Beskedfordeler as a whole, read when /metrics is scraped: how many
 * dueslag, messages waiting, the oldest one's age, deliveries per second, dead letters. /metrics
 * is open, so it carries no dueslag's identifier: the per-dueslag figures are behind a token at
 * `GET /beskedfordeler/dueslag/{uuid}/metrikker`. Each scrape asks the transport once per dueslag.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../../platform/store/store.ts';
import { listDueslag } from './store/admin.ts';
import type { BfoTransport, DueslagStats } from './transport/transport.ts';

interface Totals {
  readonly dueslag: number;
  readonly dybde: number;
  readonly aeldsteSekunder: number;
  readonly leveretPrSekund: number;
  readonly doede: number;
}

/** Registers the Beskedfordeler's aggregate gauges on the platform's registry. */
export function registerBfoMetrics(registry: Registry, store: Store, transport: BfoTransport): void {
  let pending: Promise<Totals> | undefined;
  // The gauges are collected one after another in one scrape: read the stats once for all.
  const read = () => {
    pending ??= (async () => {
      const stats: DueslagStats[] = [];
      const all = await listDueslag(store);
      for (const d of all) {
        try {
          stats.push(await transport.stats(d));
        } catch {
          // A transport that does not answer leaves the dueslag out of this scrape.
        }
      }
      const sum = (pick: (s: DueslagStats) => number) => stats.reduce((n, s) => n + pick(s), 0);
      return {
        dueslag: all.length,
        dybde: sum((s) => s.dybde),
        aeldsteSekunder: stats.reduce((n, s) => Math.max(n, s.aeldsteSekunder), 0),
        leveretPrSekund: sum((s) => s.leveretPrSekund),
        doede: sum((s) => s.doede),
      };
    })().finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  const gauge = (name: string, help: string, pick: (t: Totals) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await read()));
      },
    });
  gauge('stotte_bfo_dueslag', 'Dueslag', (t) => t.dueslag);
  gauge('stotte_bfo_depth', 'Messages waiting or handed out and not acknowledged, over every dueslag', (t) => t.dybde);
  gauge('stotte_bfo_oldest_age_seconds', 'Age of the oldest unacknowledged message in any dueslag', (t) => t.aeldsteSekunder);
  gauge(
    'stotte_bfo_delivered_per_second',
    'Messages acknowledged per second over the last minute, over every dueslag',
    (t) => t.leveretPrSekund,
  );
  gauge('stotte_bfo_dead_letters', 'Messages in the dead-letter lists of every dueslag', (t) => t.doede);
}
