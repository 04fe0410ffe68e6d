import { describe, expect, it } from 'vitest';
import { Authenticator } from '../src/platform/auth/authenticator.ts';
import { buildHttp, type HttpModule } from '../src/platform/http/server.ts';
import { FileKeyProvider } from '../src/platform/keys/file-provider.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import type { Store } from '../src/platform/store/store.ts';

// buildHttp never touches the store while routes are registered.
const store = {} as Store;
const keys = FileKeyProvider.ephemeral({ alg: 'ES256', policy: { publishLeadMs: 0, maxTokenLifetimeMs: 1000 } });
const auth = { authenticator: new Authenticator({ issuer: 'i', keys, agreementInForce: async () => true }), clientCert: {} };
const service = { name: 'demo', entityId: 'urn:demo', prefix: '/demo', privileges: ['laes'] };

function module(config: Record<string, unknown> | undefined, url = '/demo/x'): HttpModule {
  return {
    name: 'demo',
    service,
    register(app) {
      app.get(url, { ...(config ? { config } : {}), schema: {} }, async () => ({ ok: true }));
    },
  };
}

const start = (m: HttpModule) => buildHttp({ store, metrics: createMetrics(), modules: [m], auth, logger: false });

describe('routes of a protected service', () => {
  it('refuse to start when a route declares neither a privilege nor public (fail closed)', async () => {
    await expect(start(module(undefined))).rejects.toThrow('GET /demo/x declares neither config.privilege nor config.public');
  });

  it('refuse to start when a route needs a privilege its service does not offer', async () => {
    await expect(start(module({ privilege: 'skriv' }))).rejects.toThrow('needs privileges skriv that demo does not offer');
  });

  it('refuse to start when a route lies outside every service prefix and is not public', async () => {
    await expect(start(module({ privilege: 'laes' }, '/elsewhere'))).rejects.toThrow('GET /elsewhere is under no service');
  });

  it('start with a declared privilege, and ask for a token; a public route stays open, also outside the prefix', async () => {
    const app = await start(module({ privilege: 'laes' }));
    expect((await app.inject({ method: 'GET', url: '/demo/x' })).json().error.code).toBe('TOKEN_MISSING');
    await app.close();
    const open = await start(module({ public: true }));
    expect((await open.inject({ method: 'GET', url: '/demo/x' })).statusCode).toBe(200);
    await open.close();
    const outside = await start(module({ public: true }, '/elsewhere'));
    expect((await outside.inject({ method: 'GET', url: '/elsewhere' })).statusCode).toBe(200);
    await outside.close();
  });
});
