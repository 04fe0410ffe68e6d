/**
 * Every setting of the platform in one table: its flag and variable, the type its text is parsed
 * by with its bounds (config-values.ts), its default and what it means. `loadConfig` (config.ts)
 * reads the settings through it; `stotte --help` and README.md's configuration table are rendered
 * from it (config-docs.ts), and test/config-docs.test.ts holds the README to it.
 */

import { boolean, folder, headerName, httpUrl, integer, list, nodeEnv, oneOf, text, url, type ValueType } from './config-values.ts';

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

/** A default computed from other settings, with the words the docs describe it in. */
export interface DerivedDefault<T, From> {
  readonly shown: string;
  readonly from: (other: From) => T;
}

/** One row of the table. */
export interface Setting<T, From = never> {
  readonly variable: string;
  /** Its command-line flag, spelt as the key of {@link ConfigFlags} (`databaseUrl` is `--database-url`). */
  readonly flag?: keyof ConfigFlags;
  /** What the flag takes, for `--help` (`--port N`). */
  readonly arg?: string;
  // The type alone decides T: a default must be one of its values, not widen them.
  readonly type: ValueType<T>;
  readonly default?: NoInfer<T>;
  readonly derived?: DerivedDefault<NoInfer<T>, From>;
  /** What it does (Markdown). */
  readonly meaning: string;
}

/** `--database-url` for `databaseUrl`: how a key of {@link ConfigFlags} is written on the command line. */
export function flagOf(key: keyof ConfigFlags): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

// Overloads keep a row's default (plain or derived) visible in its type, so the loader reads a
// setting that has one without a check, and a default of the wrong type does not compile.
function setting<T>(row: Setting<T> & { readonly default: NoInfer<T> }): Setting<T> & { readonly default: T };
function setting<T, From>(
  row: Setting<T, From> & { readonly derived: DerivedDefault<NoInfer<T>, From> },
): Setting<T, From> & { readonly derived: DerivedDefault<T, From> };
function setting<T>(row: Setting<T>): Setting<T>;
function setting<Row>(row: Row): Row {
  return Object.freeze(row);
}

/** Every setting, in the order the docs list them. */
export const SETTINGS = Object.freeze({
  // Where the platform listens.
  port: setting({ variable: 'STOTTE_PORT', flag: 'port', arg: 'N', type: integer(0, 65535), default: 8080, meaning: 'HTTP port' }),
  host: setting({
    variable: 'STOTTE_HOST',
    flag: 'host',
    arg: 'ADDR',
    type: text('an address'),
    // The embedded database is one machine's platform (the demo, a developer's): it listens on this
    // machine only unless told otherwise. Instances on PostgreSQL sit behind a load balancer.
    derived: {
      shown: '`127.0.0.1` on the embedded database, `0.0.0.0` on PostgreSQL',
      from: (db: { embedded: boolean }) => (db.embedded ? '127.0.0.1' : '0.0.0.0'),
    },
    meaning: 'listen address; the embedded demo answers this machine only unless told otherwise',
  }),
  tlsCert: setting({
    variable: 'STOTTE_TLS_CERT',
    flag: 'tlsCert',
    arg: 'FILE',
    type: text('a file'),
    meaning: 'serve HTTPS with this certificate (PEM), with `--tls-key`',
  }),
  tlsKey: setting({
    variable: 'STOTTE_TLS_KEY',
    flag: 'tlsKey',
    arg: 'FILE',
    type: text('a file'),
    meaning: "the certificate's private key (PEM)",
  }),
  tlsClientCert: setting({
    variable: 'STOTTE_TLS_CLIENT_CERT',
    type: boolean,
    default: true,
    // Never required at the TLS layer: the token endpoint decides which clients need one.
    meaning: 'on HTTPS: ask clients for a certificate, without requiring one',
  }),
  publicUrl: setting({
    variable: 'STOTTE_PUBLIC_URL',
    type: httpUrl,
    derived: {
      shown: '`http(s)://localhost:PORT`',
      from: (on: { https: boolean; port: number }) => `${on.https ? 'https' : 'http'}://localhost:${on.port}`,
    },
    meaning: 'the URL clients use; the token issuer is `<URL>/adgangsstyring`',
  }),

  // The database.
  data: setting({
    variable: 'STOTTE_DATA',
    flag: 'data',
    arg: 'DIR',
    type: folder,
    default: './data',
    meaning: "the embedded database's folder: PGlite's files",
  }),
  databaseUrl: setting({
    variable: 'STOTTE_DATABASE_URL',
    flag: 'databaseUrl',
    arg: 'URL',
    type: url(['postgres', 'postgresql'], 'postgres://user@host:port/database'),
    meaning: 'PostgreSQL instead of the embedded database',
  }),
  dbPoolSize: setting({
    variable: 'STOTTE_DB_POOL_SIZE',
    type: integer(1, 500),
    default: 10,
    meaning: 'PostgreSQL connections per instance',
  }),
  dbStatementTimeoutMs: setting({
    variable: 'STOTTE_DB_STATEMENT_TIMEOUT_MS',
    type: integer(1000, 3_600_000),
    default: 30_000,
    meaning: 'on PostgreSQL: how long one statement of a request may run before `503 STATEMENT_TIMEOUT`; migrations are exempt',
  }),

  // What runs in this instance.
  only: setting({
    variable: 'STOTTE_ONLY',
    flag: 'only',
    arg: 'LIST',
    type: list('names of built services, comma separated (`stotte --help` lists them)', 'names no service'),
    derived: { shown: 'every built service', from: (built: readonly string[]) => [...built] },
    meaning: 'run only these services',
  }),
  demoSeed: setting({
    variable: 'STOTTE_DEMO_SEED',
    flag: 'noSeed',
    type: boolean,
    // A demo that starts empty shows nothing; a database that others use must not get invented data.
    derived: {
      shown: 'on for the embedded database, off on PostgreSQL and in production',
      from: (on: { embedded: boolean; production: boolean }) => on.embedded && !on.production,
    },
    meaning: 'seed the demo municipalities into an empty database; `--no-seed` turns it off',
  }),
  relay: setting({
    variable: 'STOTTE_RELAY',
    type: boolean,
    default: true,
    meaning: "run the outbox relay, and the Beskedfordeler's push and retention workers, in this instance",
  }),
  nodeEnv: setting({
    variable: 'NODE_ENV',
    type: nodeEnv,
    meaning: '`production`: no demo seed, no demo IT system; a loud warning on the embedded database',
  }),
  logLevel: setting({
    variable: 'STOTTE_LOG_LEVEL',
    type: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    default: 'info',
    meaning: 'the least severe log entry written',
  }),
  shutdownGraceMs: setting({
    variable: 'STOTTE_SHUTDOWN_GRACE_MS',
    type: integer(0, 600_000),
    default: 10_000,
    meaning: 'how long SIGTERM waits for in-flight requests, in ms',
  }),

  // Tokens and the keys that sign them.
  tokenLifetime: setting({
    variable: 'STOTTE_TOKEN_LIFETIME',
    type: integer(60, 86_400),
    default: 3600,
    meaning: "access token lifetime in seconds, never past the agreement's end",
  }),
  tokenAlg: setting({
    variable: 'STOTTE_TOKEN_ALG',
    type: oneOf('ES256', 'PS256'),
    default: 'ES256',
    meaning: 'token signature algorithm',
  }),
  keys: setting({
    variable: 'STOTTE_KEYS',
    type: oneOf('file', 'pkcs11'),
    default: 'file',
    meaning: 'where the signing keys are: `file`, PEM files in `STOTTE_KEYS_DIR`, generated on first start; `pkcs11`, an HSM',
  }),
  keysDir: setting({
    variable: 'STOTTE_KEYS_DIR',
    type: text('a folder'),
    derived: {
      shown: '`<data>/keys` on the embedded database, `./keys` on PostgreSQL',
      from: (db: { dataDir: string | undefined }) => (db.dataDir !== undefined ? `${db.dataDir}/keys` : './keys'),
    },
    meaning: 'the key files; with `pkcs11` only the rotation state, `keyring.json`',
  }),
  pkcs11Library: setting({ variable: 'STOTTE_PKCS11_LIBRARY', type: text('a file'), meaning: "with `pkcs11`: the HSM's PKCS #11 library" }),
  pkcs11Token: setting({ variable: 'STOTTE_PKCS11_TOKEN', type: text('a label'), meaning: "with `pkcs11`: the token's label" }),
  pkcs11Pin: setting({ variable: 'STOTTE_PKCS11_PIN', type: text('a PIN'), meaning: "with `pkcs11`: the token's PIN" }),
  clockSkew: setting({
    variable: 'STOTTE_AUTH_CLOCK_SKEW',
    type: integer(0, 300),
    default: 60,
    meaning: 'seconds of clock skew accepted on `exp`, `nbf`, `iat`',
  }),
  revocationCheckMs: setting({
    variable: 'STOTTE_REVOCATION_CHECK_MS',
    type: integer(0, 3_600_000),
    default: 30_000,
    meaning: 'a revoked agreement stops its tokens within this, in ms',
  }),
  tokenLookupCacheMs: setting({
    variable: 'STOTTE_TOKEN_LOOKUP_CACHE_MS',
    type: integer(0, 600_000),
    default: 5000,
    meaning: 'how long the token endpoint reuses a found credential and agreement, in ms',
  }),
  clientCertHeader: setting({
    variable: 'STOTTE_CLIENT_CERT_HEADER',
    type: headerName,
    meaning:
      'behind a TLS-terminating proxy: the header carrying the client certificate, URL-encoded PEM or base64 DER; read only from `STOTTE_TRUSTED_PROXIES`',
  }),
  trustedProxies: setting({
    variable: 'STOTTE_TRUSTED_PROXIES',
    type: list('addresses, comma separated'),
    meaning: 'the proxies `STOTTE_CLIENT_CERT_HEADER` is read from; on connections from elsewhere it is ignored',
  }),

  // The Beskedfordeler's transport.
  bfoTransport: setting({
    variable: 'STOTTE_BFO_TRANSPORT',
    type: oneOf('store', 'amqp'),
    default: 'store',
    meaning: "the Beskedfordeler's transport: the database, or RabbitMQ",
  }),
  amqpUrl: setting({
    variable: 'STOTTE_AMQP_URL',
    type: url(['amqp', 'amqps'], 'amqp://user:password@host:5672/vhost'),
    meaning: 'with `amqp`: RabbitMQ',
  }),
  bfoRepublishAfterMs: setting({
    variable: 'STOTTE_BFO_REPUBLISH_AFTER_MS',
    type: integer(1000, 600_000),
    default: 5000,
    meaning:
      "with `amqp`: how long after taking a message an instance's own publishing is waited for before any instance's forwarder publishes it, in ms",
  }),
});

/** The type a row's text is parsed to: `SettingValue<typeof SETTINGS.port>` is `number`. */
export type SettingValue<S> = S extends Setting<infer T, infer _From> ? T : never;

/** A row of {@link SETTINGS}, whatever its type: what the docs are rendered from. */
export type AnySetting = Setting<unknown>;
