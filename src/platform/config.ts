import { resolve } from 'node:path';
import { flagOf, SETTINGS, type ConfigFlags, type Setting, type SettingValue } from './config-table.ts';
import { ConfigError } from './config-values.ts';

export { ConfigError } from './config-values.ts';
export type { ConfigFlags } from './config-table.ts';

/** A service's name as `--only` takes it; the table of services owns the list of them. */
export type ServiceName = string;

/** The services that are built, for callers that do not pass the table of services' names. */
export const DEFAULT_BUILT_SERVICES: readonly ServiceName[] = Object.freeze(['org', 'kla', 'adgsystem', 'bfo']);

type TokenAlg = SettingValue<typeof SETTINGS.tokenAlg>;

export type StoreConfig =
  | { readonly backend: 'pglite'; readonly dataDir: string }
  | { readonly backend: 'postgres'; readonly url: string; readonly poolSize: number; readonly statementTimeoutMs: number };

export type KeysConfig =
  | { readonly provider: 'file'; readonly dir: string; readonly alg: TokenAlg }
  | {
      readonly provider: 'pkcs11';
      /** Where the rotation state (keyring.json) is kept; the keys themselves stay in the HSM. */
      readonly dir: string;
      readonly alg: TokenAlg;
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
  readonly logLevel: SettingValue<typeof SETTINGS.logLevel>;
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

type Env = Readonly<Record<string, string | undefined>>;

/** A setting's text and the name it came by, for messages: a flag wins over its variable. */
interface Given {
  readonly name: string;
  readonly raw: string;
}

function given<T, From>(setting: Setting<T, From>, flags: ConfigFlags, env: Env): Given | undefined {
  const flag = setting.flag === undefined ? undefined : flags[setting.flag];
  // `--no-seed` carries no text: loadConfig reads it itself before the variable.
  if (typeof flag === 'string') return { name: flagOf(setting.flag!), raw: flag };
  const raw = env[setting.variable];
  return raw === undefined ? undefined : { name: setting.variable, raw };
}

function parse<T, From>(setting: Setting<T, From>, text: Given | undefined): T | undefined {
  return text === undefined ? undefined : setting.type.parse(text.name, text.raw);
}

/** What {@link loadConfig} is told about the program it configures. */
export interface LoadOptions {
  /** The services that are built: the names `--only` accepts, and the default of running them all. */
  readonly services?: readonly ServiceName[];
}

/**
 * Reads the configuration once from flags and environment, by the table of settings
 * (config-table.ts). Flags win over variables. Throws {@link ConfigError} naming the first bad value.
 */
export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env, options: LoadOptions = {}): Config {
  const S = SETTINGS;
  const textOf = <T, From>(setting: Setting<T, From>) => given(setting, flags, env);
  const read = <T, From>(setting: Setting<T, From>) => parse(setting, textOf(setting));

  const port = read(S.port) ?? S.port.default;

  const data = textOf(S.data);
  const databaseUrl = textOf(S.databaseUrl);
  if (data !== undefined && databaseUrl !== undefined) {
    throw new ConfigError(
      databaseUrl.name,
      `cannot be combined with ${flagOf('data')}/${S.data.variable}: choose the embedded database or a server`,
    );
  }
  const store: StoreConfig =
    databaseUrl !== undefined
      ? {
          backend: 'postgres',
          url: S.databaseUrl.type.parse(databaseUrl.name, databaseUrl.raw),
          poolSize: read(S.dbPoolSize) ?? S.dbPoolSize.default,
          statementTimeoutMs: read(S.dbStatementTimeoutMs) ?? S.dbStatementTimeoutMs.default,
        }
      : { backend: 'pglite', dataDir: resolve(parse(S.data, data) ?? S.data.default) };
  const embedded = store.backend === 'pglite';

  const host = read(S.host) ?? S.host.derived.from({ embedded });

  const built = options.services ?? DEFAULT_BUILT_SERVICES;
  const only = textOf(S.only);
  const services = parse(S.only, only) ?? S.only.derived.from(built);
  // Only a list that was given can name a service that is not built, so `only` is there.
  for (const name of services) {
    if (!built.includes(name)) throw new ConfigError(only!.name, `unknown service "${name}" (built: ${built.join(', ')})`);
  }

  const logLevel = read(S.logLevel) ?? S.logLevel.default;
  const production = read(S.nodeEnv) ?? false;
  const demoSeed = flags.noSeed ? false : (read(S.demoSeed) ?? S.demoSeed.derived.from({ embedded, production }));

  const tlsCert = textOf(S.tlsCert);
  const tlsKey = textOf(S.tlsKey);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(
      flagOf(tlsCert === undefined ? 'tlsCert' : 'tlsKey'),
      `HTTPS needs both ${flagOf('tlsCert')} and ${flagOf('tlsKey')}`,
    );
  }
  const tls =
    tlsCert !== undefined && tlsKey !== undefined
      ? Object.freeze({
          cert: resolve(tlsCert.raw),
          key: resolve(tlsKey.raw),
          clientCert: read(S.tlsClientCert) ?? S.tlsClientCert.default,
        })
      : undefined;

  const publicUrl = read(S.publicUrl) ?? S.publicUrl.derived.from({ https: tls !== undefined, port });
  const alg = read(S.tokenAlg) ?? S.tokenAlg.default;
  const keysDir = resolve(read(S.keysDir) ?? S.keysDir.derived.from({ dataDir: store.backend === 'pglite' ? store.dataDir : undefined }));
  const provider = read(S.keys) ?? S.keys.default;
  const need = (setting: Setting<string>) => {
    const value = read(setting);
    if (!value) throw new ConfigError(setting.variable, `is required with ${S.keys.variable}=pkcs11`);
    return value;
  };
  const keys: KeysConfig =
    provider === 'file'
      ? { provider, dir: keysDir, alg }
      : {
          provider,
          dir: keysDir,
          alg,
          library: need(S.pkcs11Library),
          tokenLabel: need(S.pkcs11Token),
          pin: need(S.pkcs11Pin),
        };

  // An empty variable is how a compose file leaves the header off.
  const header = textOf(S.clientCertHeader);
  const headerGiven = header?.raw ? header : undefined;
  const trustedProxies = read(S.trustedProxies) ?? [];
  if (headerGiven && trustedProxies.length === 0) {
    throw new ConfigError(
      S.trustedProxies.variable,
      `names no proxy address; ${S.clientCertHeader.variable} is read only from trusted proxies`,
    );
  }
  if (!headerGiven && trustedProxies.length)
    throw new ConfigError(S.clientCertHeader.variable, `is required with ${S.trustedProxies.variable}`);
  const auth: AuthConfig = Object.freeze({
    publicUrl,
    tokenLifetimeSeconds: read(S.tokenLifetime) ?? S.tokenLifetime.default,
    clockSkewSeconds: read(S.clockSkew) ?? S.clockSkew.default,
    revocationCheckMs: read(S.revocationCheckMs) ?? S.revocationCheckMs.default,
    lookupCacheMs: read(S.tokenLookupCacheMs) ?? S.tokenLookupCacheMs.default,
    keys: Object.freeze(keys),
    clientCertHeader: parse(S.clientCertHeader, headerGiven),
    trustedProxies: Object.freeze(trustedProxies),
  });

  const transport = read(S.bfoTransport) ?? S.bfoTransport.default;
  let bfoTransport: Config['bfoTransport'] = { kind: 'store' };
  if (transport === 'amqp') {
    const amqpUrl = textOf(S.amqpUrl);
    if (!amqpUrl?.raw) {
      throw new ConfigError(
        S.amqpUrl.variable,
        `is required when ${S.bfoTransport.variable}=amqp (${S.amqpUrl.type.values.replaceAll('`', '')})`,
      );
    }
    bfoTransport = Object.freeze({
      kind: 'amqp',
      url: S.amqpUrl.type.parse(amqpUrl.name, amqpUrl.raw),
      republishAfterMs: read(S.bfoRepublishAfterMs) ?? S.bfoRepublishAfterMs.default,
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
    logLevel,
    demoSeed,
    shutdownGraceMs: read(S.shutdownGraceMs) ?? S.shutdownGraceMs.default,
    relay: read(S.relay) ?? S.relay.default,
    bfoTransport,
  });
}
