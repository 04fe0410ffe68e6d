import type { StoreConfig } from '../config.ts';
import { openPglite } from './pglite-adapter.ts';
import { openPostgres } from './postgres-adapter.ts';
import type { Store } from './store.ts';

/** Opens the configured backend. The only place that chooses between them. */
export function openStore(config: StoreConfig): Promise<Store> {
  return config.backend === 'pglite'
    ? openPglite({ dataDir: config.dataDir })
    : openPostgres({ url: config.url, poolSize: config.poolSize, statementTimeoutMs: config.statementTimeoutMs });
}
