import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import type { PlatformAuthOptions } from '../../src/app.ts';
import { PROTECTED_SERVICES } from '../../src/app.ts';
import type { AuditLog } from '../../src/platform/audit.ts';
import { FileKeyProvider } from '../../src/platform/keys/file-provider.ts';
import type { SigningAlg } from '../../src/platform/keys/key-provider.ts';
import { certificateThumbprint, selfSignedCertificate } from '../../src/platform/keys/self-signed.ts';
import type { Store } from '../../src/platform/store/store.ts';
import {
  CLIENT_ASSERTION_TYPE,
  parseCertificate,
  parseJwk,
  provisionItSystem,
  TOKEN_PATH,
  agreementInForce,
  registerPlatformServices,
  TokenService as TokenServiceClass,
  type ProvisionedAgreement,
  type TokenService,
} from '../../src/services/adgsystem/index.ts';
import { Authenticator } from '../../src/platform/auth/authenticator.ts';
import type { AuthSetup } from '../../src/platform/auth/http.ts';
import { X509Certificate } from 'node:crypto';

/** The municipality the default test client acts for: Aarhus, as in `organisationBody`. */
export const TEST_CVR = '55133018';
export const TEST_PUBLIC_URL = 'https://stotte.test';
export const TEST_TOKEN_ENDPOINT = `${TEST_PUBLIC_URL}${TOKEN_PATH}`;
/** The header a (test) TLS-terminating proxy forwards client certificates in. */
export const CERT_HEADER = 'x-client-cert';

/** Token settings for test platforms: keys in memory, proxy header trusted from the injector's address. */
export function testAuthOptions(overrides: Partial<PlatformAuthOptions> & { alg?: SigningAlg } = {}): PlatformAuthOptions {
  return {
    keys: FileKeyProvider.ephemeral({ alg: overrides.alg ?? 'ES256', policy: { publishLeadMs: 60_000, maxTokenLifetimeMs: 3_600_000 } }),
    publicUrl: TEST_PUBLIC_URL,
    revocationCheckMs: 0,
    clientCert: { header: CERT_HEADER, trustedProxies: ['127.0.0.1'] },
    ...overrides,
  };
}

/** A client's key pair with a self-signed certificate over it. */
export interface ClientKey {
  readonly privateKey: KeyObject;
  readonly certPem: string;
  readonly thumbprint: string;
}

export function clientKey(options: { notBefore?: number; notAfter?: number; name?: string } = {}): ClientKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = selfSignedCertificate(privateKey, { commonName: options.name ?? 'test client', ...options });
  return { privateKey, certPem, thumbprint: certificateThumbprint(new X509Certificate(certPem)) };
}

/** The certificate as a proxy forwards it (URL-encoded PEM). */
export const forwardedCert = (key: ClientKey) => encodeURIComponent(key.certPem);

/** A registered test IT system: its key (registered both as certificate and as JWK). */
export interface TestClient {
  readonly itSystem: string;
  readonly key: ClientKey;
  readonly kid: string;
  /** A client assertion for the token endpoint (RFC 7523), with overridable claims. */
  assertion(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Issues a token through the token service (private_key_jwt). */
  token(tokens: TokenService, service: string, cvr?: string): Promise<string>;
}

/**
 * Registers an IT system with approved agreements (default: every platform service, every
 * privilege, for TEST_CVR and no data restrictions).
 */
export async function provisionTestClient(
  store: Store,
  audit: AuditLog,
  agreements: readonly ProvisionedAgreement[] = PROTECTED_SERVICES.map((s) => ({ cvr: TEST_CVR, service: s.name })),
  key: ClientKey = clientKey(),
  /** The supplier the IT system is registered for (default TEST_CVR). */
  supplierCvr: string = TEST_CVR,
): Promise<TestClient> {
  const jwk = await parseJwk(createPublicKey(key.privateKey).export({ format: 'jwk' }));
  const { system } = await provisionItSystem(store, audit, {
    name: 'Test-anvendersystem',
    supplierCvr,
    credentials: [parseCertificate(key.certPem), jwk],
    agreements,
    by: 'test',
  });
  const kid = jwk.kid!;
  const assertion = async (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: system.uuid,
      sub: system.uuid,
      aud: TEST_TOKEN_ENDPOINT,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid, ...header })
      .sign(key.privateKey);
  };
  return {
    itSystem: system.uuid,
    key,
    kid,
    assertion,
    async token(tokens, service, cvr = TEST_CVR) {
      const entityId = PROTECTED_SERVICES.find((s) => s.name === service)?.entityId ?? service;
      const answer = await tokens.issue({
        grantType: 'client_credentials',
        resource: entityId,
        cvr,
        clientAssertionType: CLIENT_ASSERTION_TYPE,
        clientAssertion: await assertion(),
      });
      return answer.access_token;
    },
  };
}

/**
 * Makes `app.inject` carry a bearer token for the service a URL belongs to, unless the request
 * gives its own `authorization` header (or `null` to send none), so tests written before
 * authentication keep their meaning.
 */
export function injectWithTokens(app: FastifyInstance, tokenForService: (name: string) => string | undefined): void {
  const original = app.inject.bind(app);
  const patched = (opts: InjectOptions | string) => {
    const o: InjectOptions = typeof opts === 'string' ? { url: opts } : { ...opts };
    const url = typeof o.url === 'string' ? o.url : ((o.path as string | undefined) ?? '');
    const headers = { ...(o.headers ?? {}) } as Record<string, unknown>;
    if (!('authorization' in headers)) {
      const service = PROTECTED_SERVICES.find((s) => url === s.prefix || url.startsWith(`${s.prefix}/`) || url.startsWith(`${s.prefix}?`));
      const token = service ? tokenForService(service.name) : undefined;
      if (token) headers.authorization = `Bearer ${token}`;
    } else if (headers.authorization === null) delete headers.authorization;
    return original({ ...o, headers: headers as InjectOptions['headers'] });
  };
  (app as { inject: unknown }).inject = patched;
}

/**
 * Authentication for a test that builds its HTTP app itself (`buildHttp`): the platform's services
 * registered, a test client provisioned, and its token for each service.
 */
export async function standaloneAuth(store: Store, audit: AuditLog): Promise<{ auth: AuthSetup; tokens: Map<string, string> }> {
  const options = testAuthOptions();
  await registerPlatformServices(store, PROTECTED_SERVICES);
  const issuer = `${TEST_PUBLIC_URL}/adgangsstyring`;
  const authenticator = new Authenticator({
    issuer,
    keys: options.keys,
    agreementInForce: agreementInForce(store),
    revocationCheckMs: 60_000,
  });
  const service = new TokenServiceClass({
    store,
    audit,
    keys: options.keys,
    issuer,
    tokenEndpoint: TEST_TOKEN_ENDPOINT,
    lifetimeSeconds: 3600,
  });
  const client = await provisionTestClient(store, audit);
  const tokens = new Map<string, string>();
  for (const s of PROTECTED_SERVICES) tokens.set(s.name, await client.token(service, s.name));
  return { auth: { authenticator, clientCert: options.clientCert ?? {} }, tokens };
}

/**
 * For a platform started as its own process (`stotte serve`): registers the test IT system with
 * approved agreements for every service, straight in its store before the server starts (the
 * store is closed again), and returns a way to fetch its token for a service from the running
 * server's token endpoint over HTTP (private_key_jwt).
 */
export async function provisionServerClient(
  store: Store,
  audit: AuditLog,
): Promise<{ readonly itSystem: string; token(base: string, publicUrl: string, service: string, cvr?: string): Promise<string> }> {
  await registerPlatformServices(store, PROTECTED_SERVICES);
  const client = await provisionTestClient(store, audit);
  return {
    itSystem: client.itSystem,
    async token(base, publicUrl, service, cvr = TEST_CVR) {
      const entityId = PROTECTED_SERVICES.find((s) => s.name === service)?.entityId ?? service;
      const res = await fetch(`${base}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: entityId,
          cvr,
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await client.assertion({ aud: `${publicUrl}${TOKEN_PATH}` }),
        }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
  };
}
