import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SERVICE_NAMES } from '../src/platform/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database in ./data, every service, port 8080', () => {
    const config = loadConfig({}, {});
    expect(config.port).toBe(8080);
    expect(config.store).toMatchObject({ backend: 'pglite' });
    expect(config.store.backend === 'pglite' && config.store.dataDir.endsWith('/data')).toBe(true);
    expect(config.services).toEqual([...SERVICE_NAMES]);
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
    expect(config.store).toEqual({ backend: 'postgres', url: 'postgres://u@db:5432/stotte', poolSize: 20 });
    expect(config.demoSeed).toBe(false);
  });

  it("chooses the Beskedfordeler's transport: the store by default, RabbitMQ at a URL", () => {
    expect(loadConfig({}, {}).bfoTransport).toEqual({ kind: 'store' });
    expect(loadConfig({}, { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'amqp://u:p@mq:5672/BF' }).bfoTransport).toEqual({
      kind: 'amqp',
      url: 'amqp://u:p@mq:5672/BF',
    });
  });

  const bad: [string, Parameters<typeof loadConfig>[0], Record<string, string>, RegExp][] = [
    ['an unknown Beskedfordeler transport', {}, { STOTTE_BFO_TRANSPORT: 'kafka' }, /^STOTTE_BFO_TRANSPORT: must be store or amqp/],
    ['amqp without a URL', {}, { STOTTE_BFO_TRANSPORT: 'amqp' }, /^STOTTE_AMQP_URL: is required/],
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
  ];
  for (const [name, flags, env, message] of bad) {
    it(`stops on ${name}, naming the setting`, () => {
      expect(() => loadConfig(flags, env)).toThrow(ConfigError);
      expect(() => loadConfig(flags, env)).toThrow(message);
    });
  }
});
