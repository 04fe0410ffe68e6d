import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config.ts';
import { SETTINGS } from './platform/config-table.ts';
import { AuditLog } from './platform/audit.ts';
import { Authenticator, DEFAULT_ALGORITHMS } from './platform/auth/authenticator.ts';
import type { ClientCertOptions } from './platform/auth/client-cert.ts';
import { buildHttp } from './platform/http/server.ts';
import type { KeyProvider } from './platform/keys/key-provider.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { OutboxRelay } from './platform/outbox.ts';
import type { DemoSeed, RunningService, ServiceContext, ServiceDefinition } from './platform/service.ts';
import { instrumentStore } from './platform/store/instrumented.ts';
import type { Store } from './platform/store/store.ts';
import { OioStore } from './oio/store/oio-store.ts';
import { agreementInForce, registerPlatformServices, TOKEN_PATH, TokenService, type AdgsystemOptions } from './services/adgsystem/index.ts';
import type { BfoOptions } from './services/bfo/index.ts';
import { OIO_RULES, OIO_TYPES, PROTECTED_SERVICES, SERVICES, type RunningServices } from './services.ts';

export { OIO_RULES, OIO_TYPES, PROTECTED_SERVICES, SERVICES };

/** A running platform: its HTTP app and what it owns. */
export interface Platform {
  readonly http: FastifyInstance;
  readonly store: Store;
  readonly oio: OioStore;
  readonly relay: OutboxRelay;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly authenticator: Authenticator;
  readonly tokens: TokenService;
  readonly keys: KeyProvider;
  /** The running systems, by name: those `--only` chose. */
  readonly services: Partial<RunningServices>;
  /** Seeds every running system's demo data, in the table's order. */
  seed(demo: DemoSeed): Promise<void>;
  close(): Promise<void>;
}

/** How the platform issues and verifies tokens. */
export interface PlatformAuthOptions {
  readonly keys: KeyProvider;
  /** The URL clients reach the platform at (no trailing slash): the issuer is `<publicUrl>/adgangsstyring`. */
  readonly publicUrl: string;
  readonly tokenLifetimeSeconds?: number;
  readonly clockSkewSeconds?: number;
  /** How long the verifier trusts an agreement's state: revocation takes effect within this. */
  readonly revocationCheckMs?: number;
  /** How long the token endpoint reuses a found credential, service and agreement (default 5000 ms). */
  readonly lookupCacheMs?: number;
  readonly clientCert?: ClientCertOptions;
}

export interface PlatformOptions {
  /** The systems to run, by name (default: every one of the table). */
  readonly services?: readonly string[];
  readonly auth: PlatformAuthOptions;
  readonly logLevel?: Config['logLevel'];
  readonly logger?: boolean;
  /** Run the outbox relay's poll loop and background workers (tests drive them by hand). */
  readonly relay?: boolean;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly requestCert: boolean };
  /** The Beskedfordeler's transport, entitlements and limits (defaults: the store, the service agreements). */
  readonly bfo?: BfoOptions;
}

/**
 * Wires the platform on an open, migrated store: the object store with every system's types, the
 * outbox relay, the audit log, the token service and the Authenticator, then each chosen system of
 * the table (src/services.ts), built in the table's order on these shared parts, its routes in a
 * plugin of its own behind the Authenticator.
 */
export async function createPlatform(rawStore: Store, options: PlatformOptions): Promise<Platform> {
  const metrics = createMetrics();
  const store = instrumentStore(rawStore, metrics.storeDuration);
  const relay = new OutboxRelay(store);
  const oio = new OioStore(store, OIO_TYPES, () => relay.wake(), OIO_RULES);
  const audit = await AuditLog.open(store);
  await registerPlatformServices(store, PROTECTED_SERVICES);

  const { keys } = options.auth;
  const publicUrl = options.auth.publicUrl.replace(/\/+$/, '');
  const issuer = `${publicUrl}/adgangsstyring`;
  const tokenEndpoint = `${publicUrl}${TOKEN_PATH}`;
  const clientCert = options.auth.clientCert ?? {};
  const authenticator = new Authenticator({
    issuer,
    keys,
    algorithms: DEFAULT_ALGORITHMS,
    clockSkewSeconds: options.auth.clockSkewSeconds ?? SETTINGS.clockSkew.default,
    revocationCheckMs: options.auth.revocationCheckMs ?? SETTINGS.revocationCheckMs.default,
    agreementInForce: agreementInForce(store),
  });
  // The issuer of every token: part of the platform whichever systems run.
  const tokens = new TokenService({
    store,
    audit,
    keys,
    issuer,
    tokenEndpoint,
    lifetimeSeconds: options.auth.tokenLifetimeSeconds ?? SETTINGS.tokenLifetime.default,
    lookupCacheMs: options.auth.lookupCacheMs ?? SETTINGS.tokenLookupCacheMs.default,
  });

  const chosen = options.services ?? SERVICES.map((s) => s.name);
  const definitions: readonly ServiceDefinition[] = SERVICES.filter((s) => chosen.includes(s.name));
  const optionsOf: Record<string, unknown> = {
    adgsystem: {
      tokens,
      algorithms: DEFAULT_ALGORITHMS,
      onAgreementChange: (uuid: string) => authenticator.forgetAgreement(uuid),
    } satisfies AdgsystemOptions,
    bfo: options.bfo,
  };
  // Background failures are logged once the HTTP app (and its logger) exists.
  let logError: ((err: unknown, what: string) => void) | undefined;
  const running = new Map<string, RunningService>();
  // The platform's shared parts: every system is built on them, and the platform hands them out.
  const shared = { store, oio, relay, audit, metrics, authenticator, keys };
  for (const def of definitions) {
    const ctx: ServiceContext = {
      ...shared,
      issuer,
      tokenEndpoint,
      clientCert,
      definitions: SERVICES,
      running: <T extends RunningService>(name: string) => running.get(name) as T | undefined,
      onError: (err, what) => logError?.(err, what),
      options: optionsOf[def.name],
    };
    running.set(def.name, await def.create(ctx));
  }

  const http = await buildHttp({
    store,
    metrics,
    services: definitions.map((def) => {
      const r = running.get(def.name)!;
      return {
        protected: def.protected,
        routes: (app: FastifyInstance) => r.routes(app),
        ...(r.rootRoutes ? { rootRoutes: (app: FastifyInstance) => r.rootRoutes!(app) } : {}),
      };
    }),
    auth: { authenticator, clientCert },
    ...(options.tls ? { tls: options.tls } : {}),
    logLevel: options.logLevel ?? 'info',
    ...(options.logger === false ? { logger: false } : {}),
  });
  logError = (err, what) => http.log.error({ err }, what);
  if (options.relay !== false) {
    relay.start();
    for (const r of running.values()) r.start?.();
  }
  return {
    http,
    ...shared,
    tokens,
    services: Object.fromEntries(running) as Partial<RunningServices>,
    async seed(demo) {
      for (const r of running.values()) await r.seed?.(demo);
    },
    async close() {
      // First, so waiting long-polls answer now instead of holding the shutdown for their wait.
      const closing = [...running.values()].map((r) => r.close?.());
      await http.close();
      await relay.stop();
      await Promise.all(closing);
    },
  };
}
