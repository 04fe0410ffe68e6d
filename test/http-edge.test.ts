import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { scope } from '../src/platform/auth/access.ts';
import { Authenticator } from '../src/platform/auth/authenticator.ts';
import { loadConfig } from '../src/platform/config.ts';
import { maskCpr } from '../src/platform/http/edge.ts';
import { buildHttp, toAppError } from '../src/platform/http/server.ts';
import { FileKeyProvider } from '../src/platform/keys/file-provider.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { openPostgres, dropPostgresSchema } from '../src/platform/store/postgres-adapter.ts';
import type { Store } from '../src/platform/store/store.ts';
import { describeWith, POSTGRES } from './support/requires.ts';

/**
 * The edge of the HTTP stack (issue 12, finding 13): what is refused before any route sees it,
 * on a real socket where the HTTP parser is involved.
 */

const keys = FileKeyProvider.ephemeral({ alg: 'ES256', policy: { publishLeadMs: 0, maxTokenLifetimeMs: 1000 } });
const auth = { authenticator: new Authenticator({ issuer: 'i', keys, agreementInForce: async () => true }), clientCert: {} };
const service = { name: 'demo', entityId: 'urn:demo', prefix: '/demo', privileges: ['laes'] };
const CPR = '7101901234';

/** Sends raw bytes to the server and reads the whole answer. */
function raw(port: number, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the edge of the HTTP stack', () => {
  let app: FastifyInstance;
  let port: number;
  const lines: string[] = [];
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await buildHttp({
      store: {} as Store,
      metrics: createMetrics(),
      auth,
      logStream,
      logLevel: 'info',
      services: [
        {
          protected: service,
          routes(http) {
            http.get('/x', { config: { access: { privilege: 'laes', scope: scope(['shared']) } } }, async () => ({}));
          },
          rootRoutes(http) {
            const open = { access: { public: true as const } };
            http.post('/open/echo', { config: open }, async (req) => ({ got: req.body }));
            http.get('/open/query', { config: open }, async (req) => ({ got: req.query }));
          },
        },
      ],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => app?.close());

  const json = { 'content-type': 'application/json' };

  it('refuses a JSON body that is not valid UTF-8 instead of replacing the bytes', async () => {
    const res = await raw(port, 'POST', '/open/echo', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('INVALID_ENCODING');
    const ok = await raw(port, 'POST', '/open/echo', Buffer.from('{"a":"æøå"}'), json);
    expect(JSON.parse(ok.body)).toEqual({ got: { a: 'æøå' } });
  });

  it('refuses JSON nested deeper than 64 levels, and prototype keys', async () => {
    const deep = await raw(port, 'POST', '/open/echo', Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), json);
    expect(deep.status).toBe(400);
    expect(JSON.parse(deep.body).error.code).toBe('JSON_TOO_DEEP');
    const proto = await raw(port, 'POST', '/open/echo', Buffer.from('{"a":{"__proto__":{"x":1}}}'), json);
    expect(JSON.parse(proto.body).error.code).toBe('MALFORMED_JSON');
  });

  it('refuses a query string that is not valid UTF-8, and reads a good one', async () => {
    const bad = await raw(port, 'GET', '/open/query?navn=%FF%FE');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('INVALID_ENCODING');
    const good = await raw(port, 'GET', '/open/query?navn=%C3%A6&navn=b+c');
    expect(JSON.parse(good.body)).toEqual({ got: { navn: ['æ', 'b c'] } });
  });

  it('answers a URL over 16 KiB with 431 in the catalogue shape', async () => {
    const res = await raw(port, 'GET', `/demo/x?q=${'a'.repeat(17 * 1024)}`);
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).error.code).toBe('REQUEST_HEADERS_TOO_LARGE');
  });

  it('answers a path it cannot decode in the catalogue shape', async () => {
    const res = await raw(port, 'GET', '/demo/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('INVALID_ENCODING');
  });

  it('keeps CPR numbers out of the request log', async () => {
    lines.length = 0;
    await raw(port, 'GET', `/demo/x?cpr_nummer=${CPR}&b=710190-1234&c=710190%2D1234`);
    const log = lines.join('');
    expect(log).toContain('/demo/x?cpr_nummer=**********');
    expect(log).not.toContain(CPR);
    expect(log).not.toContain('710190-1234');
    expect(log).not.toMatch(/710190%2D1234/i);
    expect(maskCpr('uuid 3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101 stays')).toBe('uuid 3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101 stays');
  });
});

describe('configuration of the boundary', () => {
  it('listens on this machine only on the embedded database, unless told otherwise', () => {
    expect(loadConfig({}, {}).host).toBe('127.0.0.1');
    expect(loadConfig({ host: '0.0.0.0' }, {}).host).toBe('0.0.0.0');
    expect(loadConfig({}, { STOTTE_DATABASE_URL: 'postgres://x@h/db' }).host).toBe('0.0.0.0');
  });
});

const pgUrl = POSTGRES.value;
describeWith(POSTGRES)('the statement timeout on PostgreSQL', () => {
  it('cancels a statement over the limit and answers 503 STATEMENT_TIMEOUT', async () => {
    const schema = `t_timeout_${process.pid}`;
    const store = await openPostgres({ url: pgUrl!, schema, poolSize: 1, statementTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const err = await store.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(4000);
      const mapped = toAppError(err);
      expect([mapped.status, mapped.code]).toEqual([503, 'STATEMENT_TIMEOUT']);
      expect((await store.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      await store.close();
      await dropPostgresSchema(pgUrl!, schema);
    }
  });
});
