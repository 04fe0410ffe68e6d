import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { operatorScope, PUBLIC, scope } from '../src/platform/auth/access.ts';
import { Authenticator } from '../src/platform/auth/authenticator.ts';
import { buildHttp, type MountedService } from '../src/platform/http/server.ts';
import { FileKeyProvider } from '../src/platform/keys/file-provider.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import type { Store } from '../src/platform/store/store.ts';

// buildHttp never touches the store while routes are registered.
const store = {} as Store;
const keys = FileKeyProvider.ephemeral({ alg: 'ES256', policy: { publishLeadMs: 0, maxTokenLifetimeMs: 1000 } });
const auth = { authenticator: new Authenticator({ issuer: 'i', keys, agreementInForce: async () => true }), clientCert: {} };
const service = { name: 'demo', entityId: 'urn:demo', prefix: '/demo', privileges: ['laes', 'drift'], operatorPrivileges: ['drift'] };
const shared = scope(['shared']);

/** A service with one route: inside its plugin (under /demo), or at the root (`root`, outside every prefix). */
function module(config: Record<string, unknown> | undefined, where: 'inside' | 'root' = 'inside'): MountedService {
  const route = (app: FastifyInstance, url: string) =>
    app.get(url, { ...(config ? { config } : {}), schema: {} }, async () => ({ ok: true }));
  return {
    protected: service,
    routes(app) {
      if (where === 'inside') route(app, '/x');
    },
    rootRoutes(app) {
      if (where === 'root') route(app, '/elsewhere');
    },
  };
}

const start = (m: MountedService) => buildHttp({ store, metrics: createMetrics(), services: [m], auth, logger: false });

describe('routes of a protected service', () => {
  it('refuse to start when a route declares no access (fail closed)', async () => {
    await expect(start(module(undefined))).rejects.toThrow('GET /demo/x declares no config.access');
    await expect(start(module({ privilege: 'laes' }))).rejects.toThrow('GET /demo/x declares no config.access');
  });

  it('refuse to start when a route needs a privilege its service does not offer', async () => {
    await expect(start(module({ access: { privilege: 'skriv', scope: shared } }))).rejects.toThrow(
      'needs privileges skriv that demo does not offer',
    );
  });

  it('refuse to start when a route declares no scope, an unknown kind, or a kind without the code that enforces it', async () => {
    await expect(start(module({ access: { privilege: 'laes' } }))).rejects.toThrow('declares no scope');
    await expect(start(module({ access: { privilege: 'laes', scope: { kinds: ['everything'] } } }))).rejects.toThrow(
      'declares unknown scope kinds everything',
    );
    await expect(start(module({ access: { privilege: 'laes', scope: { kinds: ['object'] } } }))).rejects.toThrow(
      'declares the scope object without its check',
    );
    await expect(start(module({ access: { privilege: 'laes', scope: { kinds: ['caller'] } } }))).rejects.toThrow(
      'without a check or the function that applies it',
    );
  });

  it('refuse to start when an operator-only route accepts a privilege a municipality may be granted', async () => {
    await expect(start(module({ access: { privilege: ['laes', 'drift'], scope: operatorScope(['drift']) } }))).rejects.toThrow(
      'is operator-only but accepts laes',
    );
  });

  it('refuse to start when a route lies outside every service prefix and is not public', async () => {
    await expect(start(module({ access: { privilege: 'laes', scope: shared } }, 'root'))).rejects.toThrow(
      'GET /elsewhere is under no service',
    );
  });

  it('start with a declared access, and ask for a token; a public route stays open, also outside the prefix', async () => {
    const app = await start(module({ access: { privilege: 'laes', scope: shared } }));
    expect((await app.inject({ method: 'GET', url: '/demo/x' })).json().error.code).toBe('TOKEN_MISSING');
    const doc = app.swagger() as { paths: Record<string, { get: { description: string } }> };
    expect(doc.paths['/demo/x']!.get.description).toContain('with the privilege laes. Scope: shared reference data');
    await app.close();
    const open = await start(module({ access: PUBLIC }));
    expect((await open.inject({ method: 'GET', url: '/demo/x' })).statusCode).toBe(200);
    await open.close();
    const outside = await start(module({ access: PUBLIC }, 'root'));
    expect((await outside.inject({ method: 'GET', url: '/elsewhere' })).statusCode).toBe(200);
    await outside.close();
  });
});
