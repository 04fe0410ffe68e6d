import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createPlatform, type Platform } from '../src/app.ts';
import { selfSignedCertificate } from '../src/platform/keys/self-signed.ts';
import type { Store } from '../src/platform/store/store.ts';
import { orgService } from '../src/services/org/index.ts';
import { backends } from './support/backends.ts';
import { clientKey, provisionTestClient, testAuthOptions, TEST_CVR, type ClientKey, type TestClient } from './support/auth.ts';

/**
 * RFC 8705's x5t#S256, computed here and not by the platform's helper: the base64url SHA-256 of
 * the certificate's DER bytes.
 */
const x5tS256 = (certPem: string) => createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');

interface Answer {
  readonly status: number;
  readonly body: { access_token?: string; error?: { code: string } };
}

/** One request on a fresh TLS connection, presenting `cert` when given. */
function call(
  port: number,
  method: string,
  path: string,
  options: { cert?: ClientKey; token?: string; form?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        rejectUnauthorized: false,
        ...(options.cert ? { cert: options.cert.certPem, key: options.cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) } : {}),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(options.form);
  });
}

const backend = backends[0]!;

describe('HTTPS with client certificates (mutual TLS on a real socket)', () => {
  let store: Store;
  let platform: Platform;
  let port: number;
  let client: TestClient;
  const form = `grant_type=client_credentials&resource=${encodeURIComponent(orgService.entityId)}&cvr=${TEST_CVR}`;

  beforeAll(async () => {
    store = await backend.open();
    const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    platform = await createPlatform(store, {
      services: ['org', 'adgsystem'],
      logger: false,
      relay: false,
      // No proxy header here: the certificate comes from the TLS connection itself.
      auth: testAuthOptions({ clientCert: {} }),
      tls: {
        cert: Buffer.from(selfSignedCertificate(serverKey, { commonName: 'localhost' })),
        key: Buffer.from(serverKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        requestCert: true,
      },
    });
    client = await provisionTestClient(store, platform.audit, [{ cvr: TEST_CVR, service: 'org' }]);
    await platform.http.listen({ port: 0, host: '127.0.0.1' });
    port = (platform.http.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await platform?.close();
    await store?.close();
  });

  it('issues a certificate-bound token to a registered certificate and accepts it only with that certificate', async () => {
    const issued = await call(port, 'POST', '/adgangsstyring/oauth2/token', { cert: client.key, form });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const token = issued.body.access_token!;
    expect(decodeJwt(token).cnf).toEqual({ 'x5t#S256': x5tS256(client.key.certPem) });

    expect((await call(port, 'GET', '/organisation/organisation?bvn=x', { cert: client.key, token })).status).toBe(200);
    const without = await call(port, 'GET', '/organisation/organisation?bvn=x', { token });
    expect([without.status, without.body.error?.code]).toEqual([401, 'TOKEN_CERT_REQUIRED']);
    const other = await call(port, 'GET', '/organisation/organisation?bvn=x', { cert: clientKey(), token });
    expect([other.status, other.body.error?.code]).toEqual([401, 'TOKEN_CERT_MISMATCH']);
  });

  it('refuses a token request with no certificate, or an unregistered one', async () => {
    const none = await call(port, 'POST', '/adgangsstyring/oauth2/token', { form });
    expect([none.status, none.body.error?.code]).toEqual([401, 'CLIENT_AUTH_MISSING']);
    const unknown = await call(port, 'POST', '/adgangsstyring/oauth2/token', { cert: clientKey(), form });
    expect([unknown.status, unknown.body.error?.code]).toEqual([401, 'CLIENT_CERT_UNKNOWN']);
  });

  it('serves the open routes over HTTPS without a certificate', async () => {
    expect((await call(port, 'GET', '/health/live')).status).toBe(200);
  });
});
