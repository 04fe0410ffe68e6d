import type { FastifyInstance } from 'fastify';
import type { Config, ServiceName } from './platform/config.ts';
import { AuditLog } from './platform/audit.ts';
import { Authenticator, DEFAULT_ALGORITHMS } from './platform/auth/authenticator.ts';
import type { ClientCertOptions } from './platform/auth/client-cert.ts';
import { buildHttp, type HttpModule } from './platform/http/server.ts';
import type { KeyProvider } from './platform/keys/key-provider.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { OutboxRelay } from './platform/outbox.ts';
import { instrumentStore } from './platform/store/instrumented.ts';
import type { Store } from './platform/store/store.ts';
import { OioStore, type ContentRules } from './oio/store/oio-store.ts';
import { organisationCvrsOf, orgModule, orgRules, orgService, orgTypes } from './services/org/index.ts';
import { klaModule, klaService, klaTypes } from './services/kla/index.ts';
import {
  adgsystemModule,
  adgsystemService,
  agreementInForce,
  agreementsInForce,
  registerPlatformServices,
  TOKEN_PATH,
  TokenService,
} from './services/adgsystem/index.ts';
import { agreementEntitlements, bfoService, createBfo, type Bfo, type BfoDeps } from './services/bfo/index.ts';

/** Every object type the registers declare on the OIO store. */
export const OIO_TYPES = [...orgTypes, ...klaTypes];

/** The registers' own rules over writes, per object type. */
export const OIO_RULES: ContentRules = { ...orgRules };

/** The platform's services that take tokens, by name (`stotte token --service NAME`). */
export const PROTECTED_SERVICES = [orgService, klaService, adgsystemService, bfoService] as const;

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
  /** FK Beskedfordeler, when it is among the services. */
  readonly bfo?: Bfo | undefined;
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
  readonly services: readonly ServiceName[];
  readonly auth: PlatformAuthOptions;
  readonly logLevel?: Config['logLevel'];
  readonly logger?: boolean;
  /** Run the outbox relay's poll loop and background workers (tests drive them by hand). */
  readonly relay?: boolean;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly requestCert: boolean };
  /** The Beskedfordeler's transport, entitlements and limits (defaults: the store, the service agreements). */
  readonly bfo?: Omit<BfoDeps, 'store' | 'relay' | 'audit' | 'registry' | 'onError'>;
}

/**
 * Wires the platform on an open, migrated store: the object store with every declared type, the
 * outbox relay, the audit log, the token service and the Authenticator, and the HTTP modules of
 * the chosen services, each behind the Authenticator.
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
    clockSkewSeconds: options.auth.clockSkewSeconds ?? 60,
    revocationCheckMs: options.auth.revocationCheckMs ?? 30_000,
    agreementInForce: agreementInForce(store),
  });
  const tokens = new TokenService({
    store,
    audit,
    keys,
    issuer,
    tokenEndpoint,
    lifetimeSeconds: options.auth.tokenLifetimeSeconds ?? 3600,
    lookupCacheMs: options.auth.lookupCacheMs ?? 5000,
  });

  const modules: HttpModule[] = [];
  if (options.services.includes('org')) modules.push(orgModule({ oio, audit, store }));
  if (options.services.includes('kla')) modules.push(klaModule(oio, store));
  if (options.services.includes('adgsystem')) {
    modules.push(
      adgsystemModule({
        store,
        audit,
        keys,
        tokens,
        issuer,
        tokenEndpoint,
        clientCert,
        algorithms: DEFAULT_ALGORITHMS,
        onAgreementChange: (uuid) => authenticator.forgetAgreement(uuid),
      }),
    );
  }
  // Background failures are logged once the HTTP app (and its logger) exists.
  let logError: ((err: unknown, what: string) => void) | undefined;
  const bfo = options.services.includes('bfo')
    ? await createBfo({
        store,
        relay,
        audit,
        registry: metrics.registry,
        onError: (err, what) => logError?.(err, what),
        // Who may send and receive: the service agreements (a test may put its own in options.bfo).
        entitlements: agreementEntitlements(agreementsInForce(bfoService.name)),
        // Today's AMQP senders carry their token in a header: verified as a request's would be.
        verifyToken: (token) => authenticator.verify(token, bfoService.entityId),
        // The registers' events name the responsible municipality by its CVR.
        municipalitiesOf: organisationCvrsOf,
        ...options.bfo,
      })
    : undefined;
  if (bfo) modules.push(bfo.module);

  const http = await buildHttp({
    store,
    metrics,
    modules,
    auth: { authenticator, clientCert },
    ...(options.tls ? { tls: options.tls } : {}),
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
    authenticator,
    tokens,
    keys,
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
