import { resolve } from 'node:path';

/** The names `--only` accepts: every system of the platform, present or still to come. */
export const SERVICE_NAMES = ['org', 'kla', 'bfo', 'adgsystem', 'adgbruger', 'sdi', 'ydi', 'oss', 'hoibu'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type StoreConfig =
  | { readonly backend: 'pglite'; readonly dataDir: string }
  | { readonly backend: 'postgres'; readonly url: string; readonly poolSize: number; readonly statementTimeoutMs: number };

export type KeysConfig =
  | { readonly provider: 'file'; readonly dir: string; readonly alg: 'ES256' | 'PS256' }
  | {
      readonly provider: 'pkcs11';
      /** Where the rotation state (keyring.json) is kept; the keys themselves stay in the HSM. */
      readonly dir: string;
      readonly alg: 'ES256' | 'PS256';
      readonly library: string;
      readonly tokenLabel: string;
      readonly pin: string;
    };

export interface AuthConfig {
  /** The URL clients reach the platform at; the token issuer is `<publicUrl>/adgangsstyring`. */
  readonly publicUrl: string;
  readonly tokenLifetimeSeconds: number;
  readonly clockSkewSeconds: number;
  readonly revocationCheckMs: number;
  /** How long the token endpoint reuses a found credential, service and agreement. */
  readonly lookupCacheMs: number;
  readonly keys: KeysConfig;
  /** A header a TLS-terminating proxy forwards the client certificate in; read only from `trustedProxies`. */
  readonly clientCertHeader?: string | undefined;
  readonly trustedProxies: readonly string[];
}

export interface TlsConfig {
  readonly cert: string;
  readonly key: string;
  /** Ask clients for a certificate (never required at the TLS layer: the token endpoint decides). */
  readonly clientCert: boolean;
}

export interface Config {
  readonly auth: AuthConfig;
  /** HTTPS instead of HTTP when set. */
  readonly tls?: TlsConfig | undefined;
  readonly host: string;
  readonly port: number;
  readonly store: StoreConfig;
  readonly services: readonly ServiceName[];
  readonly production: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seed a demo municipality into an empty embedded database. */
  readonly demoSeed: boolean;
  /** How long SIGTERM waits for in-flight requests before closing connections, in ms. */
  readonly shutdownGraceMs: number;
  /** Run the outbox relay in this instance. */
  readonly relay: boolean;
  /** The Beskedfordeler's message transport: the store (default) or RabbitMQ at a URL. */
  readonly bfoTransport:
    | { readonly kind: 'store' }
    | {
        readonly kind: 'amqp';
        readonly url: string;
        /** How long after its ingest an instance's own publishing of a message is waited for before any forwarder publishes it. */
        readonly republishAfterMs: number;
      };
}

/** A configuration value that cannot be used; the message names the flag or variable. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Options given on the command line; each overrides its environment variable. */
export interface ConfigFlags {
  port?: string | undefined;
  host?: string | undefined;
  data?: string | undefined;
  databaseUrl?: string | undefined;
  only?: string | undefined;
  noSeed?: boolean | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(setting: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(setting, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(setting, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(setting: string, raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(setting, `expected true or false, got "${raw}"`);
}

function parseServices(setting: string, raw: string): ServiceName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ConfigError(setting, 'names no service');
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(setting, `unknown service "${name}" (known: ${SERVICE_NAMES.join(', ')})`);
    }
  }
  return [...new Set(names)] as ServiceName[];
}

function parseDatabaseUrl(setting: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(setting, 'is not a URL (expected postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(setting, `must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  return raw;
}

/**
 * Reads the configuration once from flags and environment. Flags win over variables.
 * Throws {@link ConfigError} naming the first bad value.
 */
export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const portSetting = flags.port !== undefined ? '--port' : 'STOTTE_PORT';
  const port = integer(portSetting, flags.port ?? env.STOTTE_PORT ?? '8080', 0, 65535);

  const dataFlag = flags.data ?? env.STOTTE_DATA;
  const urlFlag = flags.databaseUrl ?? env.STOTTE_DATABASE_URL;
  if (dataFlag !== undefined && urlFlag !== undefined) {
    throw new ConfigError(
      flags.databaseUrl !== undefined ? '--database-url' : 'STOTTE_DATABASE_URL',
      'cannot be combined with --data/STOTTE_DATA: choose the embedded database or a server',
    );
  }
  let store: StoreConfig;
  if (urlFlag !== undefined) {
    const setting = flags.databaseUrl !== undefined ? '--database-url' : 'STOTTE_DATABASE_URL';
    store = {
      backend: 'postgres',
      url: parseDatabaseUrl(setting, urlFlag),
      poolSize: integer('STOTTE_DB_POOL_SIZE', env.STOTTE_DB_POOL_SIZE ?? '10', 1, 500),
      statementTimeoutMs: integer('STOTTE_DB_STATEMENT_TIMEOUT_MS', env.STOTTE_DB_STATEMENT_TIMEOUT_MS ?? '30000', 1000, 3_600_000),
    };
  } else {
    if (dataFlag === '') throw new ConfigError(flags.data !== undefined ? '--data' : 'STOTTE_DATA', 'is empty');
    store = { backend: 'pglite', dataDir: resolve(dataFlag ?? './data') };
  }

  // The embedded database is one machine's platform (the demo, a developer's): it listens on this
  // machine only unless told otherwise. Instances on PostgreSQL sit behind a load balancer.
  const host = flags.host ?? env.STOTTE_HOST ?? (store.backend === 'pglite' ? '127.0.0.1' : '0.0.0.0');

  const onlyRaw = flags.only ?? env.STOTTE_ONLY;
  const services = onlyRaw === undefined ? [...SERVICE_NAMES] : parseServices(flags.only !== undefined ? '--only' : 'STOTTE_ONLY', onlyRaw);

  const logLevel = env.STOTTE_LOG_LEVEL ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(logLevel)) throw new ConfigError('STOTTE_LOG_LEVEL', `must be one of ${levels.join(', ')}, got "${logLevel}"`);

  const production = env.NODE_ENV === 'production';
  const seedRaw = env.STOTTE_DEMO_SEED;
  const demoSeed = flags.noSeed
    ? false
    : seedRaw !== undefined
      ? bool('STOTTE_DEMO_SEED', seedRaw)
      : store.backend === 'pglite' && !production;

  const tlsCert = flags.tlsCert ?? env.STOTTE_TLS_CERT;
  const tlsKey = flags.tlsKey ?? env.STOTTE_TLS_KEY;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(tlsCert === undefined ? '--tls-cert' : '--tls-key', 'HTTPS needs both --tls-cert and --tls-key');
  }
  const tls =
    tlsCert !== undefined && tlsKey !== undefined
      ? Object.freeze({
          cert: resolve(tlsCert),
          key: resolve(tlsKey),
          clientCert: env.STOTTE_TLS_CLIENT_CERT !== undefined ? bool('STOTTE_TLS_CLIENT_CERT', env.STOTTE_TLS_CLIENT_CERT) : true,
        })
      : undefined;

  const publicUrl = (env.STOTTE_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://localhost:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError('STOTTE_PUBLIC_URL', `is not an http(s) URL: "${publicUrl}"`);
  }
  const alg = env.STOTTE_TOKEN_ALG ?? 'ES256';
  if (alg !== 'ES256' && alg !== 'PS256') throw new ConfigError('STOTTE_TOKEN_ALG', `must be ES256 or PS256, got "${alg}"`);
  const keysDir = resolve(env.STOTTE_KEYS_DIR ?? (store.backend === 'pglite' ? `${store.dataDir}/keys` : './keys'));
  const provider = env.STOTTE_KEYS ?? 'file';
  let keys: KeysConfig;
  if (provider === 'file') keys = { provider, dir: keysDir, alg };
  else if (provider === 'pkcs11') {
    const need = (name: string) => {
      const v = env[name];
      if (!v) throw new ConfigError(name, 'is required with STOTTE_KEYS=pkcs11');
      return v;
    };
    keys = {
      provider,
      dir: keysDir,
      alg,
      library: need('STOTTE_PKCS11_LIBRARY'),
      tokenLabel: need('STOTTE_PKCS11_TOKEN'),
      pin: need('STOTTE_PKCS11_PIN'),
    };
  } else throw new ConfigError('STOTTE_KEYS', `must be file or pkcs11, got "${provider}"`);
  const clientCertHeader = env.STOTTE_CLIENT_CERT_HEADER || undefined;
  const trustedProxies = (env.STOTTE_TRUSTED_PROXIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (clientCertHeader && trustedProxies.length === 0)
    throw new ConfigError('STOTTE_TRUSTED_PROXIES', 'names no proxy address; STOTTE_CLIENT_CERT_HEADER is read only from trusted proxies');
  if (!clientCertHeader && trustedProxies.length)
    throw new ConfigError('STOTTE_CLIENT_CERT_HEADER', 'is required with STOTTE_TRUSTED_PROXIES');
  if (clientCertHeader && !/^[A-Za-z0-9-]+$/.test(clientCertHeader))
    throw new ConfigError('STOTTE_CLIENT_CERT_HEADER', `is not a header name: "${clientCertHeader}"`);
  const auth: AuthConfig = Object.freeze({
    publicUrl,
    tokenLifetimeSeconds: integer('STOTTE_TOKEN_LIFETIME', env.STOTTE_TOKEN_LIFETIME ?? '3600', 60, 86400),
    clockSkewSeconds: integer('STOTTE_AUTH_CLOCK_SKEW', env.STOTTE_AUTH_CLOCK_SKEW ?? '60', 0, 300),
    revocationCheckMs: integer('STOTTE_REVOCATION_CHECK_MS', env.STOTTE_REVOCATION_CHECK_MS ?? '30000', 0, 3_600_000),
    lookupCacheMs: integer('STOTTE_TOKEN_LOOKUP_CACHE_MS', env.STOTTE_TOKEN_LOOKUP_CACHE_MS ?? '5000', 0, 600_000),
    keys: Object.freeze(keys),
    clientCertHeader,
    trustedProxies: Object.freeze(trustedProxies),
  });

  const transportRaw = env.STOTTE_BFO_TRANSPORT ?? 'store';
  if (transportRaw !== 'store' && transportRaw !== 'amqp')
    throw new ConfigError('STOTTE_BFO_TRANSPORT', `must be store or amqp, got "${transportRaw}"`);
  let bfoTransport: Config['bfoTransport'] = { kind: 'store' };
  if (transportRaw === 'amqp') {
    const raw = env.STOTTE_AMQP_URL;
    if (!raw) throw new ConfigError('STOTTE_AMQP_URL', 'is required when STOTTE_BFO_TRANSPORT=amqp (amqp://user:password@host:5672/vhost)');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError('STOTTE_AMQP_URL', 'is not a URL (expected amqp://user:password@host:5672/vhost)');
    }
    if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:')
      throw new ConfigError('STOTTE_AMQP_URL', `must start with amqp:// or amqps://, got ${url.protocol}//`);
    bfoTransport = Object.freeze({
      kind: 'amqp',
      url: raw,
      republishAfterMs: integer('STOTTE_BFO_REPUBLISH_AFTER_MS', env.STOTTE_BFO_REPUBLISH_AFTER_MS ?? '5000', 1000, 600_000),
    });
  }

  return Object.freeze({
    auth,
    tls,
    host,
    port,
    store: Object.freeze(store),
    services: Object.freeze(services),
    production,
    logLevel: logLevel as Config['logLevel'],
    demoSeed,
    shutdownGraceMs: integer('STOTTE_SHUTDOWN_GRACE_MS', env.STOTTE_SHUTDOWN_GRACE_MS ?? '10000', 0, 600000),
    relay: env.STOTTE_RELAY !== undefined ? bool('STOTTE_RELAY', env.STOTTE_RELAY) : true,
    bfoTransport,
  });
}
