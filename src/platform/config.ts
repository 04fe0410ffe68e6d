import { resolve } from 'node:path';

/** The names `--only` accepts: every system of the platform, present or still to come. */
export const SERVICE_NAMES = ['org', 'kla', 'bfo', 'adgsystem', 'adgbruger', 'sdi', 'ydi', 'oss', 'hoibu'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type StoreConfig =
  | { readonly backend: 'pglite'; readonly dataDir: string }
  | { readonly backend: 'postgres'; readonly url: string; readonly poolSize: number };

export interface Config {
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
  readonly bfoTransport: { readonly kind: 'store' } | { readonly kind: 'amqp'; readonly url: string };
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
  const host = flags.host ?? env.STOTTE_HOST ?? '0.0.0.0';

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
    };
  } else {
    if (dataFlag === '') throw new ConfigError(flags.data !== undefined ? '--data' : 'STOTTE_DATA', 'is empty');
    store = { backend: 'pglite', dataDir: resolve(dataFlag ?? './data') };
  }

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
    bfoTransport = Object.freeze({ kind: 'amqp', url: raw });
  }

  return Object.freeze({
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
