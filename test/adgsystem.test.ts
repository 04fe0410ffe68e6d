import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { orgService } from '../src/services/org/index.ts';
import { klaService } from '../src/services/kla/index.ts';
import { adgsystemService } from '../src/services/adgsystem/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';
import {
  CERT_HEADER,
  clientKey,
  forwardedCert,
  provisionTestClient,
  TEST_CVR,
  TEST_PUBLIC_URL,
  TEST_TOKEN_ENDPOINT,
  type TestClient,
} from './support/auth.ts';
import { CLIENT_ASSERTION_TYPE } from '../src/services/adgsystem/index.ts';

/**
 * RFC 8705's x5t#S256, computed here and not by the platform's helper: the base64url SHA-256 of
 * the certificate's DER bytes.
 */
const x5tS256 = (certPem: string) => createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');

const KOBENHAVN = '64942212';
const SUPPLIER = '12345678';

/** A form-encoded token request on the real HTTP stack. */
export function tokenRequest(app: FastifyInstance, form: Record<string, string>, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/adgangsstyring/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(form).toString(),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const backend of allBackends) {
  describeWith(backend)(`FK Adgangsstyring for Systemer on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    let operator: TestClient;
    let supplier: TestClient;
    let kommune: TestClient;
    let adminToken: (c: TestClient, cvr: string) => Promise<string>;

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla', 'adgsystem']);
      app = t.platform.http;
      const { store, audit } = t.platform;
      operator = await provisionTestClient(store, audit, [{ cvr: '11111111', service: 'adgsystem', privileges: ['operatoer'] }]);
      supplier = await provisionTestClient(store, audit, [{ cvr: SUPPLIER, service: 'adgsystem', privileges: ['leverandoer'] }]);
      kommune = await provisionTestClient(store, audit, [{ cvr: KOBENHAVN, service: 'adgsystem', privileges: ['kommune'] }]);
      adminToken = (c, cvr) => c.token(t.platform.tokens, 'adgsystem', cvr);
    });
    afterAll(async () => t?.close());

    it('publishes RFC 8414 metadata and the JWKS, open to anyone', async () => {
      const meta = await app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server/adgangsstyring' });
      expect(meta.statusCode).toBe(200);
      expect(meta.json()).toMatchObject({
        issuer: `${TEST_PUBLIC_URL}/adgangsstyring`,
        token_endpoint: TEST_TOKEN_ENDPOINT,
        jwks_uri: `${TEST_PUBLIC_URL}/adgangsstyring/jwks`,
        grant_types_supported: ['client_credentials'],
        tls_client_certificate_bound_access_tokens: true,
      });
      const jwks = (await app.inject({ method: 'GET', url: '/adgangsstyring/jwks' })).json() as {
        keys: { kid: string; d?: string; alg: string }[];
      };
      expect(jwks.keys.map((k) => k.kid)).toEqual([t.platform.keys.signingKey().kid]);
      expect(jwks.keys[0]!.alg).toBe('ES256');
      expect(jwks.keys[0]!.d).toBeUndefined();
    });

    it('issues an RFC 9068 access token for private_key_jwt with the agreement’s claims, audited', async () => {
      const res = await tokenRequest(app, {
        grant_type: 'client_credentials',
        resource: orgService.entityId,
        cvr: TEST_CVR,
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await t.client.assertion(),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json() as { access_token: string; token_type: string; expires_in: number };
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(3600);
      expect(decodeProtectedHeader(body.access_token)).toMatchObject({
        typ: 'at+jwt',
        alg: 'ES256',
        kid: t.platform.keys.signingKey().kid,
      });
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({
        iss: `${TEST_PUBLIC_URL}/adgangsstyring`,
        aud: orgService.entityId,
        sub: t.client.itSystem,
        client_id: t.client.itSystem,
        cvr: TEST_CVR,
        privileges: ['laes', 'skriv', 'anonymiser'],
        dataafgraensning: { kle: [], organisationenheder: [] },
      });
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(claims.cnf).toBeUndefined();
      const { rows } = await t.store.query<{ actor: string; actor_cvr: string; details: { jti: string; method: string } }>(
        `SELECT actor, actor_cvr, details FROM audit_log WHERE action = 'token.udsted' AND details->>'jti' = $1`,
        [claims.jti],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actor: `itsystem:${t.client.itSystem}`,
        actor_cvr: TEST_CVR,
        details: { method: 'private_key_jwt' },
      });

      const read = await app.inject({ method: 'GET', url: '/organisation/organisation?bvn=x', headers: bearer(body.access_token) });
      expect(read.statusCode).toBe(200);
    });

    it('binds a token issued over mTLS to the certificate (cnf x5t#S256)', async () => {
      const res = await tokenRequest(
        app,
        { grant_type: 'client_credentials', resource: klaService.entityId, cvr: TEST_CVR },
        { [CERT_HEADER]: forwardedCert(t.client.key) },
      );
      expect(res.statusCode, res.body).toBe(200);
      const claims = decodeJwt(res.json().access_token);
      expect(claims.cnf).toEqual({ 'x5t#S256': x5tS256(t.client.key.certPem) });
      expect(claims.aud).toBe(klaService.entityId);
    });

    it('refuses malformed token requests with their codes', async () => {
      const assertion = await t.client.assertion();
      const cases: [Record<string, string>, string][] = [
        [{ grant_type: 'password', resource: orgService.entityId, cvr: TEST_CVR }, 'UNSUPPORTED_GRANT_TYPE'],
        [{ grant_type: 'client_credentials', cvr: TEST_CVR }, 'INVALID_TOKEN_REQUEST'],
        [{ grant_type: 'client_credentials', resource: orgService.entityId }, 'INVALID_TOKEN_REQUEST'],
        [{ grant_type: 'client_credentials', resource: orgService.entityId, cvr: '123' }, 'INVALID_CVR'],
        [{ grant_type: 'client_credentials', resource: orgService.entityId, cvr: TEST_CVR }, 'CLIENT_AUTH_MISSING'],
        [
          {
            grant_type: 'client_credentials',
            resource: 'urn:nothing',
            cvr: TEST_CVR,
            client_assertion_type: CLIENT_ASSERTION_TYPE,
            client_assertion: assertion,
          },
          'RESOURCE_UNKNOWN',
        ],
        [
          {
            grant_type: 'client_credentials',
            resource: orgService.entityId,
            cvr: TEST_CVR,
            client_assertion_type: 'x',
            client_assertion: assertion,
          },
          'CLIENT_ASSERTION_INVALID',
        ],
      ];
      for (const [form, code] of cases) {
        const res = await tokenRequest(app, form);
        expect(res.json().error?.code, JSON.stringify(form)).toBe(code);
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
      }
      const twice = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&cvr=${TEST_CVR}&cvr=${KOBENHAVN}&resource=x`,
      });
      expect(twice.json().error.code).toBe('INVALID_TOKEN_REQUEST');
      const json = await app.inject({ method: 'POST', url: '/adgangsstyring/oauth2/token', payload: { grant_type: 'client_credentials' } });
      expect(json.json().error.code).toBe('UNSUPPORTED_GRANT_TYPE');
    });

    it('runs the agreement life cycle: supplier registers and requests, municipality approves and revokes', async () => {
      const supplierToken = await adminToken(supplier, SUPPLIER);
      const kommuneToken = await adminToken(kommune, KOBENHAVN);
      const key = clientKey({ name: 'fagsystem' });

      // Only the operator registers services.
      const notOperator = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/tjenester',
        headers: bearer(supplierToken),
        payload: { navn: 'sdi', entityId: 'http://stoettesystemerne.dk/service/sagdokumentindeks/1', privilegier: ['laes'] },
      });
      expect(notOperator.json().error.code).toBe('PRIVILEGE_MISSING');
      const service = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/tjenester',
        headers: bearer(await adminToken(operator, '11111111')),
        payload: { navn: 'sdi', entityId: 'http://stoettesystemerne.dk/service/sagdokumentindeks/1', privilegier: ['laes', 'skriv'] },
      });
      expect(service.statusCode, service.body).toBe(201);
      expect(service.json()).toMatchObject({ navn: 'sdi', privilegier: ['laes', 'skriv'] });

      const system = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: bearer(supplierToken),
        payload: { navn: 'Fagsystem', kontakt: 'drift@example.invalid', certifikater: [key.certPem] },
      });
      expect(system.statusCode, system.body).toBe(201);
      const systemUuid = system.json().uuid as string;
      expect(system.json()).toMatchObject({
        navn: 'Fagsystem',
        leverandoerCvr: SUPPLIER,
        legitimationer: [{ type: 'certificate', thumbprint: x5tS256(key.certPem) }],
      });

      const requestBody = {
        cvr: KOBENHAVN,
        itsystem: systemUuid,
        tjeneste: orgService.entityId,
        privilegier: ['laes'],
        dataafgraensning: { kle: ['27.*', '32.01.01'] },
      };
      const badKle = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/serviceaftaler',
        headers: bearer(supplierToken),
        payload: { ...requestBody, dataafgraensning: { kle: ['27.*.01'] } },
      });
      expect(badKle.json().error.code).toBe('INVALID_KLE_PATTERN');
      const badPrivilege = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/serviceaftaler',
        headers: bearer(supplierToken),
        payload: { ...requestBody, privilegier: ['alt'] },
      });
      expect(badPrivilege.json().error.code).toBe('PRIVILEGE_NOT_OFFERED');
      const requested = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/serviceaftaler',
        headers: bearer(supplierToken),
        payload: requestBody,
      });
      expect(requested.statusCode, requested.body).toBe(201);
      const agreement = requested.json().uuid as string;
      expect(requested.json().gyldigFra).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(requested.json()).toMatchObject({
        tjeneste: orgService.entityId,
        gyldigTil: 'infinity',
        tilstand: 'requested',
        cvr: KOBENHAVN,
        dataafgraensning: { kle: ['27.*', '32.01.01'], organisationenheder: [] },
      });

      const askToken = () =>
        tokenRequest(
          app,
          { grant_type: 'client_credentials', resource: orgService.entityId, cvr: KOBENHAVN },
          { [CERT_HEADER]: forwardedCert(key) },
        );
      expect((await askToken()).json().error.code).toBe('NO_AGREEMENT');

      // Another municipality cannot approve it; the supplier cannot either.
      const aarhusAdmin = await provisionTestClient(t.platform.store, t.platform.audit, [
        { cvr: TEST_CVR, service: 'adgsystem', privileges: ['kommune'] },
      ]);
      const aarhus = await adminToken(aarhusAdmin, TEST_CVR);
      const foreign = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(aarhus),
      });
      expect(foreign.json().error.code).toBe('NOT_OWN_MUNICIPALITY');
      const bySupplier = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(supplierToken),
      });
      expect(bySupplier.json().error.code).toBe('PRIVILEGE_MISSING');

      const approved = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(kommuneToken),
      });
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ tilstand: 'approved', godkendtAf: `itsystem:${kommune.itSystem}` });
      const again = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(kommuneToken),
      });
      expect(again.json().error.code).toBe('AGREEMENT_STATE_CONFLICT');

      const issued = await askToken();
      expect(issued.statusCode, issued.body).toBe(200);
      const claims = decodeJwt(issued.json().access_token);
      expect(claims).toMatchObject({
        sub: systemUuid,
        cvr: KOBENHAVN,
        privileges: ['laes'],
        dataafgraensning: { kle: ['27.*', '32.01.01'] },
        serviceaftale: agreement,
      });

      // Each party sees the agreement; a stranger does not.
      const mine = (await app.inject({ method: 'GET', url: '/adgangsstyring/serviceaftaler', headers: bearer(kommuneToken) })).json()
        .resultater as { uuid: string; cvr: string }[];
      expect(mine.map((a) => a.uuid)).toContain(agreement);
      expect(new Set(mine.map((a) => a.cvr))).toEqual(new Set([KOBENHAVN]));
      const supplied = (await app.inject({ method: 'GET', url: '/adgangsstyring/serviceaftaler', headers: bearer(supplierToken) })).json()
        .resultater as { uuid: string }[];
      expect(supplied.map((a) => a.uuid)).toEqual([agreement]);
      const hidden = await app.inject({ method: 'GET', url: `/adgangsstyring/serviceaftaler/${agreement}`, headers: bearer(aarhus) });
      expect(hidden.json().error.code).toBe('AGREEMENT_NOT_FOUND');

      const revoked = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/tilbagekald`,
        headers: bearer(kommuneToken),
      });
      expect(revoked.json()).toMatchObject({ tilstand: 'revoked', tilbagekaldtAf: `itsystem:${kommune.itSystem}` });
      expect((await askToken()).json().error.code).toBe('NO_AGREEMENT');

      const { rows } = await t.store.query<{ action: string }>(`SELECT action FROM audit_log WHERE object_uuid = $1 ORDER BY id`, [
        agreement,
      ]);
      expect(rows.map((r) => r.action)).toEqual([
        'serviceaftale.anmod',
        'serviceaftale.godkend',
        'token.udsted',
        'serviceaftale.tilbagekald',
      ]);
    });

    it('never lets a token outlive its agreement', async () => {
      const supplierToken = await adminToken(supplier, SUPPLIER);
      const key = clientKey({ name: 'kortvarig' });
      const system = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: bearer(supplierToken),
        payload: { navn: 'Kortvarig', certifikater: [key.certPem] },
      });
      const ends = new Date(Date.now() + 10 * 60_000).toISOString();
      const requested = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/serviceaftaler',
        headers: bearer(supplierToken),
        payload: { cvr: KOBENHAVN, itsystem: system.json().uuid, tjeneste: klaService.entityId, privilegier: ['laes'], gyldigTil: ends },
      });
      expect(requested.json().gyldigTil).toBe(ends);
      const approve = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${requested.json().uuid}/godkend`,
        headers: bearer(await adminToken(kommune, KOBENHAVN)),
      });
      expect(approve.statusCode, approve.body).toBe(200);
      const res = await tokenRequest(
        app,
        { grant_type: 'client_credentials', resource: klaService.entityId, cvr: KOBENHAVN },
        { [CERT_HEADER]: forwardedCert(key) },
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().expires_in).toBeLessThanOrEqual(600);
      expect(res.json().expires_in).toBeGreaterThan(590);
      expect(decodeJwt(res.json().access_token).exp).toBe(Math.floor(Date.parse(ends) / 1000));
    });

    it('lets a supplier administer only its own IT systems, and revoke their credentials', async () => {
      const supplierToken = await adminToken(supplier, SUPPLIER);
      const other = await app.inject({
        method: 'GET',
        url: `/adgangsstyring/itsystemer/${t.client.itSystem}`,
        headers: bearer(supplierToken),
      });
      expect(other.json().error.code).toBe('NOT_OWN_IT_SYSTEM');
      const jwk = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', d: 'AAAA' };
      const created = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: bearer(supplierToken),
        payload: { navn: 'Med nøgle', noegler: [jwk] },
      });
      expect(created.json().error.code).toBe('INVALID_JWK');
      for (const noegle of [
        { kty: 'RSA', n: 'A'.repeat(400), e: '' },
        { kty: 'EC', crv: 'P-256', x: '', y: '' },
        { kty: 'oct', k: 'c2VjcmV0' },
      ]) {
        const res = await app.inject({
          method: 'POST',
          url: '/adgangsstyring/itsystemer',
          headers: bearer(supplierToken),
          payload: { navn: 'x', noegler: [noegle] },
        });
        expect([res.statusCode, res.json().error.code]).toEqual([400, 'INVALID_JWK']);
      }
      const badCert = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: bearer(supplierToken),
        payload: { navn: 'x', certifikater: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] },
      });
      expect(badCert.json().error.code).toBe('INVALID_CERTIFICATE');
      const dup = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: bearer(supplierToken),
        payload: { navn: 'x', certifikater: [t.client.key.certPem] },
      });
      expect(dup.json().error.code).toBe('CREDENTIAL_EXISTS');
      const list = (await app.inject({ method: 'GET', url: '/adgangsstyring/itsystemer', headers: bearer(supplierToken) })).json()
        .resultater as { leverandoerCvr: string }[];
      expect(list.length).toBeGreaterThan(0);
      expect(new Set(list.map((s) => s.leverandoerCvr))).toEqual(new Set([SUPPLIER]));
    });

    it('has the platform services registered with their entity ids and privileges', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/adgangsstyring/tjenester',
        headers: bearer(await adminToken(kommune, KOBENHAVN)),
      });
      const byName = new Map(
        (res.json().resultater as { navn: string; entityId: string; privilegier: string[] }[]).map((s) => [s.navn, s]),
      );
      for (const s of [orgService, klaService, adgsystemService])
        expect(byName.get(s.name)).toMatchObject({ entityId: s.entityId, privilegier: s.privileges });
    });

    it('keeps the platform routes open and every service route closed', async () => {
      for (const url of ['/health/live', '/metrics', '/openapi.json', '/adgangsstyring/jwks']) {
        expect((await app.inject({ method: 'GET', url, headers: { authorization: null } as never })).statusCode, url).toBe(200);
      }
      for (const url of [
        '/organisation/organisation?bvn=x',
        '/klassifikation/klasse/fritekst?tekst=x',
        '/adgangsstyring/serviceaftaler',
        '/organisation/bruger/fields',
      ]) {
        const res = await app.inject({ method: 'GET', url, headers: { authorization: null } as never });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().error.code).toBe('TOKEN_MISSING');
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/organisation/organisation/{uuid}'].patch.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/organisation/organisation/{uuid}'].patch.description).toMatch(/privilege skriv/);
      expect(doc.paths['/adgangsstyring/oauth2/token'].post.security).toBeUndefined();
      const post = await app.inject({
        method: 'POST',
        url: '/organisation/organisation',
        payload: organisationBody('x'),
        headers: { authorization: null } as never,
      });
      expect(post.json().error.code).toBe('TOKEN_MISSING');
    });
  });
}
