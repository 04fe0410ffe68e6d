import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_BUILT_SERVICES, loadConfig } from '../src/platform/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database in ./data, every built service, port 8080', () => {
    const config = loadConfig({}, {});
    expect(config.port).toBe(8080);
    expect(config.store).toMatchObject({ backend: 'pglite' });
    expect(config.store.backend === 'pglite' && config.store.dataDir.endsWith('/data')).toBe(true);
    expect(config.services).toEqual(['org', 'kla', 'adgsystem', 'bfo']);
    expect(config.services).toEqual(DEFAULT_BUILT_SERVICES);
    expect(config.demoSeed).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.store)).toBe(true);
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig({ port: '9000', only: 'org,kla' }, { STOTTE_PORT: '7000', STOTTE_ONLY: 'bfo' });
    expect(config.port).toBe(9000);
    expect(config.services).toEqual(['org', 'kla']);
  });

  it('chooses PostgreSQL from a URL and turns the demo seed off there', () => {
    const config = loadConfig({}, { STOTTE_DATABASE_URL: 'postgres://u@db:5432/stotte', STOTTE_DB_POOL_SIZE: '20' });
    expect(config.store).toEqual({ backend: 'postgres', url: 'postgres://u@db:5432/stotte', poolSize: 20, statementTimeoutMs: 30_000 });
    const limited = loadConfig({}, { STOTTE_DATABASE_URL: 'postgres://u@db/s', STOTTE_DB_STATEMENT_TIMEOUT_MS: '5000' });
    expect(limited.store).toMatchObject({ statementTimeoutMs: 5000 });
    expect(() => loadConfig({}, { STOTTE_DATABASE_URL: 'postgres://u@db/s', STOTTE_DB_STATEMENT_TIMEOUT_MS: '10' })).toThrow(
      'STOTTE_DB_STATEMENT_TIMEOUT_MS: must be between 1000 and 3600000',
    );
    expect(config.demoSeed).toBe(false);
  });

  it('derives the token settings: issuer URL, PEM keys in the data folder, proxy header off', () => {
    const config = loadConfig({ port: '9000' }, {});
    expect(config.auth).toMatchObject({
      publicUrl: 'http://localhost:9000',
      tokenLifetimeSeconds: 3600,
      clockSkewSeconds: 60,
      trustedProxies: [],
    });
    expect(config.auth.keys).toMatchObject({ provider: 'file', alg: 'ES256' });
    expect(config.auth.keys.dir.endsWith('/data/keys')).toBe(true);
    expect(config.auth.clientCertHeader).toBeUndefined();
    expect(config.tls).toBeUndefined();
    const tls = loadConfig(
      { tlsCert: 'c.pem', tlsKey: 'k.pem' },
      { STOTTE_CLIENT_CERT_HEADER: 'x-ssl-client-cert', STOTTE_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2' },
    );
    expect(tls.tls).toMatchObject({ clientCert: true });
    expect(tls.auth.publicUrl).toBe('https://localhost:8080');
    expect(tls.auth.trustedProxies).toEqual(['10.0.0.1', '10.0.0.2']);
    const hsm = loadConfig(
      {},
      {
        STOTTE_KEYS: 'pkcs11',
        STOTTE_PKCS11_LIBRARY: '/l.so',
        STOTTE_PKCS11_TOKEN: 't',
        STOTTE_PKCS11_PIN: '1',
        STOTTE_TOKEN_ALG: 'PS256',
      },
    );
    expect(hsm.auth.keys).toMatchObject({ provider: 'pkcs11', library: '/l.so', tokenLabel: 't', alg: 'PS256' });
  });

  it("chooses the Beskedfordeler's transport: the store by default, RabbitMQ at a URL", () => {
    expect(loadConfig({}, {}).bfoTransport).toEqual({ kind: 'store' });
    expect(loadConfig({}, { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'amqp://u:p@mq:5672/BF' }).bfoTransport).toEqual({
      kind: 'amqp',
      url: 'amqp://u:p@mq:5672/BF',
      republishAfterMs: 5000,
    });
    const slow = { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'amqp://mq', STOTTE_BFO_REPUBLISH_AFTER_MS: '30000' };
    expect(loadConfig({}, slow).bfoTransport).toMatchObject({ republishAfterMs: 30000 });
  });

  it('accepts in --only the services that are built, and refuses the others naming those', () => {
    const built = { services: ['org', 'kla', 'adgsystem', 'bfo', 'sdi'] };
    expect(loadConfig({}, {}, built).services).toEqual(built.services);
    expect(loadConfig({ only: 'sdi, org,sdi' }, {}, built).services).toEqual(['sdi', 'org']);
    expect(() => loadConfig({ only: 'sdi' }, {})).toThrow('--only: unknown service "sdi" (built: org, kla, adgsystem, bfo)');
    expect(() => loadConfig({}, { STOTTE_ONLY: 'kla,adgbruger' }, { services: ['kla'] })).toThrow(
      'STOTTE_ONLY: unknown service "adgbruger" (built: kla)',
    );
    expect(() => loadConfig({ only: ' , ' }, {})).toThrow('--only: names no service');
  });

  it('derives the defaults that depend on other settings', () => {
    const postgres = { STOTTE_DATABASE_URL: 'postgres://u@db/s' };
    expect(loadConfig({}, {}).host).toBe('127.0.0.1');
    expect(loadConfig({}, postgres).host).toBe('0.0.0.0');
    expect(loadConfig({}, { NODE_ENV: 'production' }).demoSeed).toBe(false);
    expect(loadConfig({}, { NODE_ENV: 'test' })).toMatchObject({ demoSeed: true, production: false });
    expect(loadConfig({ noSeed: true }, { STOTTE_DEMO_SEED: 'true' }).demoSeed).toBe(false);
    expect(loadConfig({}, { ...postgres, STOTTE_DEMO_SEED: 'yes' }).demoSeed).toBe(true);
    expect(loadConfig({ data: '/srv/stotte' }, {}).auth.keys.dir).toBe('/srv/stotte/keys');
    expect(loadConfig({}, postgres).auth.keys.dir).toBe(resolve('./keys'));
    expect(loadConfig({}, { STOTTE_PORT: '9443', STOTTE_TLS_CERT: 'c.pem', STOTTE_TLS_KEY: 'k.pem' }).auth.publicUrl).toBe(
      'https://localhost:9443',
    );
    expect(loadConfig({}, { STOTTE_PUBLIC_URL: 'https://stotte.example.dk//' }).auth.publicUrl).toBe('https://stotte.example.dk');
  });

  it('reads the other spellings of a boolean and an empty proxy header as none', () => {
    expect(loadConfig({}, { STOTTE_RELAY: 'off' }).relay).toBe(false);
    expect(loadConfig({}, { STOTTE_RELAY: 'ON' }).relay).toBe(true);
    expect(loadConfig({}, { STOTTE_CLIENT_CERT_HEADER: '' }).auth.clientCertHeader).toBeUndefined();
  });

  const bad: [string, Parameters<typeof loadConfig>[0], Record<string, string>, RegExp][] = [
    ['a token algorithm not offered', {}, { STOTTE_TOKEN_ALG: 'HS256' }, /^STOTTE_TOKEN_ALG: must be ES256 or PS256/],
    ['a token lifetime out of range', {}, { STOTTE_TOKEN_LIFETIME: '5' }, /^STOTTE_TOKEN_LIFETIME: must be between 60 and 86400/],
    ['a proxy header without trusted proxies', {}, { STOTTE_CLIENT_CERT_HEADER: 'x-cert' }, /^STOTTE_TRUSTED_PROXIES: names no proxy/],
    ['trusted proxies without a header', {}, { STOTTE_TRUSTED_PROXIES: '10.0.0.1' }, /^STOTTE_CLIENT_CERT_HEADER: is required/],
    ['pkcs11 without its library', {}, { STOTTE_KEYS: 'pkcs11' }, /^STOTTE_PKCS11_LIBRARY: is required/],
    ['an unknown key provider', {}, { STOTTE_KEYS: 'vault' }, /^STOTTE_KEYS: must be file or pkcs11/],
    ['a TLS certificate without its key', { tlsCert: 'c.pem' }, {}, /^--tls-key: HTTPS needs both/],
    ['a public URL that is not http(s)', {}, { STOTTE_PUBLIC_URL: 'ftp://x' }, /^STOTTE_PUBLIC_URL: is not an http\(s\) URL/],
    ['an unknown Beskedfordeler transport', {}, { STOTTE_BFO_TRANSPORT: 'kafka' }, /^STOTTE_BFO_TRANSPORT: must be store or amqp/],
    ['amqp without a URL', {}, { STOTTE_BFO_TRANSPORT: 'amqp' }, /^STOTTE_AMQP_URL: is required/],
    [
      'a republishing wait shorter than a second',
      {},
      { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'amqp://mq', STOTTE_BFO_REPUBLISH_AFTER_MS: '10' },
      /^STOTTE_BFO_REPUBLISH_AFTER_MS: must be between 1000 and 600000/,
    ],
    [
      'an AMQP URL of another scheme',
      {},
      { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'http://mq' },
      /^STOTTE_AMQP_URL: must start with amqp/,
    ],
    ['a port that is not a number', { port: 'eighty' }, {}, /^--port: expected a whole number/],
    ['a port out of range', {}, { STOTTE_PORT: '70000' }, /^STOTTE_PORT: must be between 0 and 65535/],
    ['an unknown service', { only: 'org,post' }, {}, /^--only: unknown service "post"/],
    ['a database URL of another scheme', { databaseUrl: 'mysql://x' }, {}, /^--database-url: must start with postgres/],
    [
      'a data folder and a database URL together',
      { data: './d' },
      { STOTTE_DATABASE_URL: 'postgres://x/y' },
      /^STOTTE_DATABASE_URL: cannot be combined/,
    ],
    ['an unknown log level', {}, { STOTTE_LOG_LEVEL: 'loud' }, /^STOTTE_LOG_LEVEL: must be one of/],
    ['a boolean that is not one', {}, { STOTTE_RELAY: 'maybe' }, /^STOTTE_RELAY: expected true or false/],
    ['an empty data folder', {}, { STOTTE_DATA: '' }, /^STOTTE_DATA: is empty$/],
    ['a database URL that is not one', {}, { STOTTE_DATABASE_URL: 'db' }, /^STOTTE_DATABASE_URL: is not a URL \(expected postgres:/],
    [
      'a proxy header that is not a header name',
      {},
      { STOTTE_CLIENT_CERT_HEADER: 'x cert', STOTTE_TRUSTED_PROXIES: '10.0.0.1' },
      /^STOTTE_CLIENT_CERT_HEADER: is not a header name: "x cert"$/,
    ],
    ['a TLS key without its certificate', {}, { STOTTE_TLS_KEY: 'k.pem' }, /^--tls-cert: HTTPS needs both --tls-cert and --tls-key$/],
  ];
  for (const [name, flags, env, message] of bad) {
    it(`stops on ${name}, naming the setting`, () => {
      expect(() => loadConfig(flags, env)).toThrow(ConfigError);
      expect(() => loadConfig(flags, env)).toThrow(message);
    });
  }
});
