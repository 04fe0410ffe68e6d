import type { FastifyInstance } from 'fastify';
import type { Config, ServiceName } from './platform/config.ts';
import { AuditLog } from './platform/audit.ts';
import { buildHttp, type HttpModule } from './platform/http/server.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { OutboxRelay } from './platform/outbox.ts';
import { instrumentStore } from './platform/store/instrumented.ts';
import type { Store } from './platform/store/store.ts';
import { OioStore, type ContentRules } from './oio/store/oio-store.ts';
import { orgModule, orgRules, orgTypes } from './services/org/index.ts';
import { klaModule, klaTypes } from './services/kla/index.ts';
import { createBfo, type Bfo, type BfoDeps } from './services/bfo/index.ts';

/** Every object type the registers declare on the OIO store. */
export const OIO_TYPES = [...orgTypes, ...klaTypes];

/** The registers' own rules over writes, per object type. */
export const OIO_RULES: ContentRules = { ...orgRules };

/** A running platform: its HTTP app and what it owns. */
export interface Platform {
  readonly http: FastifyInstance;
  readonly store: Store;
  readonly oio: OioStore;
  readonly relay: OutboxRelay;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  /** FK Beskedfordeler, when it is among the services. */
  readonly bfo?: Bfo | undefined;
  close(): Promise<void>;
}

export interface PlatformOptions {
  readonly services: readonly ServiceName[];
  readonly logLevel?: Config['logLevel'];
  readonly logger?: boolean;
  /** Run the outbox relay's poll loop and background workers (tests drive them by hand). */
  readonly relay?: boolean;
  /** The Beskedfordeler's transport, entitlements and limits (defaults: the store, allow-all). */
  readonly bfo?: Omit<BfoDeps, 'store' | 'relay' | 'audit' | 'registry' | 'onError'>;
}

/**
 * Wires the platform on an open, migrated store: the object store with every declared type, the
 * outbox relay, the audit log, and the HTTP modules of the chosen services.
 */
export async function createPlatform(rawStore: Store, options: PlatformOptions): Promise<Platform> {
  const metrics = createMetrics();
  const store = instrumentStore(rawStore, metrics.storeDuration);
  const relay = new OutboxRelay(store);
  const oio = new OioStore(store, OIO_TYPES, () => relay.wake(), OIO_RULES);
  const audit = await AuditLog.open(store);

  const modules: HttpModule[] = [];
  if (options.services.includes('org')) modules.push(orgModule({ oio, audit, store }));
  if (options.services.includes('kla')) modules.push(klaModule(oio, store));
  // Background failures are logged once the HTTP app (and its logger) exists.
  let logError: ((err: unknown, what: string) => void) | undefined;
  const bfo = options.services.includes('bfo')
    ? await createBfo({ store, relay, audit, registry: metrics.registry, onError: (err, what) => logError?.(err, what), ...options.bfo })
    : undefined;
  if (bfo) modules.push(bfo.module);

  const http = await buildHttp({
    store,
    metrics,
    modules,
    logLevel: options.logLevel ?? 'info',
    ...(options.logger === false ? { logger: false } : {}),
  });
  logError = (err, what) => http.log.error({ err }, what);
  if (options.relay !== false) {
    relay.start();
    bfo?.start();
  }
  return {
    http,
    store,
    oio,
    relay,
    audit,
    metrics,
    bfo,
    async close() {
      // First, so waiting long-polls answer now instead of holding the shutdown for their wait.
      const closingBfo = bfo?.close();
      await http.close();
      await relay.stop();
      await closingBfo;
    },
  };
}
