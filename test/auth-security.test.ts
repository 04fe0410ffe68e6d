import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentFromWire } from '../src/oio/domain/wire.ts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { signJwt } from '../src/platform/keys/jws.ts';
import { CLIENT_ASSERTION_TYPE } from '../src/services/adgsystem/index.ts';
import { klaService } from '../src/services/kla/index.ts';
import { orgService } from '../src/services/org/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { CERT_HEADER, clientKey, forwardedCert, provisionTestClient, TEST_CVR, TEST_PUBLIC_URL, type TestClient } from './support/auth.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const ORG_URL = '/organisation/organisation?bvn=x';
const KOBENHAVN = '64942212';

function expectCode(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.json().error?.code, res.body).toBe(code);
  expect(res.statusCode).toBe(status);
}

for (const backend of allBackends) {
  describeWith(backend)(`token and request security on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    let valid: string;
    let claims: Record<string, unknown>;

    /** A token signed with the platform's real signing key, from the valid one with changes. */
    const mint = (changes: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'at+jwt' }) =>
      signJwt(t.platform.keys.signingKey(), header, { ...claims, ...changes });
    const call = (token: string, url = ORG_URL, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });
    const tokenRequest = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/adgangsstyring/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: orgService.entityId,
          cvr: TEST_CVR,
          ...form,
        }).toString(),
      });
    const withAssertion = async (client: TestClient, claimChanges: Record<string, unknown> = {}) =>
      tokenRequest({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await client.assertion(claimChanges) });

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla', 'adgsystem']);
      app = t.platform.http;
      valid = t.tokens.get('org')!;
      claims = decodeJwt(valid) as Record<string, unknown>;
    });
    afterAll(async () => t?.close());

    it('accepts the valid token (the baseline every rejection below differs from)', async () => {
      expect((await call(valid)).statusCode).toBe(200);
      expect((await call(await mint())).statusCode).toBe(200);
    });

    describe('the token header', () => {
      it('alg none', async () => {
        const token = `${b64({ alg: 'none', typ: 'at+jwt', kid: t.platform.keys.signingKey().kid })}.${b64(claims)}.`;
        expectCode(await call(token), 401, 'TOKEN_ALG_NOT_ALLOWED');
      });

      it('RS/HS confusion: HS256 with the published public key as the HMAC secret', async () => {
        const jwk = (await app.inject({ method: 'GET', url: '/adgangsstyring/jwks' })).json().keys[0];
        const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
        for (const secret of [pem, JSON.stringify(jwk)]) {
          const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: jwk.kid })}.${b64(claims)}`;
          const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
          expectCode(await call(token), 401, 'TOKEN_ALG_NOT_ALLOWED');
        }
      });

      it('kid injection: an unknown kid, a path, and the right kid over another key', async () => {
        const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
        for (const kid of ['../../../../dev/null', "' OR '1'='1", 'nope']) {
          const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(attacker);
          expectCode(await call(token), 401, 'TOKEN_KEY_UNKNOWN');
        }
        const forged = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.platform.keys.signingKey().kid })
          .sign(attacker);
        expectCode(await call(forged), 401, 'TOKEN_SIGNATURE_INVALID');
        const noKid = await mint({}, { typ: 'at+jwt', kid: undefined });
        // signJwt always sets kid: build one without it by hand.
        const [, payload, signature] = noKid.split('.');
        expectCode(await call(`${b64({ alg: 'ES256', typ: 'at+jwt' })}.${payload}.${signature}`), 401, 'TOKEN_KEY_UNKNOWN');
      });

      it('jku, x5u and an embedded jwk pointing at the attacker’s key', async () => {
        const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const jwk = attacker.publicKey.export({ format: 'jwk' });
        const kid = t.platform.keys.signingKey().kid;
        for (const extra of [{ jku: 'https://evil.example/jwks' }, { x5u: 'https://evil.example/cert.pem' }, { jwk }, { x5c: ['AAAA'] }]) {
          const token = await new SignJWT(claims)
            .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...extra })
            .sign(attacker.privateKey);
          const res = await call(token);
          expectCode(res, 401, 'TOKEN_HEADER_NOT_ALLOWED');
          expect(res.json().error.details.headers).toEqual(Object.keys(extra));
        }
      });

      it('a changed payload under the original signature', async () => {
        const [h, , s] = valid.split('.');
        expectCode(await call(`${h}.${b64({ ...claims, cvr: KOBENHAVN })}.${s}`), 401, 'TOKEN_SIGNATURE_INVALID');
        expectCode(await call('not-a-jwt'), 401, 'TOKEN_MALFORMED');
      });
    });

    describe('the token claims', () => {
      it('wrong iss, aud and typ', async () => {
        expectCode(await call(await mint({ iss: 'https://evil.example/adgangsstyring' })), 401, 'TOKEN_ISSUER_INVALID');
        expectCode(await call(await mint({ aud: klaService.entityId })), 401, 'TOKEN_AUDIENCE_INVALID');
        expectCode(await call(t.tokens.get('kla')!), 401, 'TOKEN_AUDIENCE_INVALID');
        expectCode(await call(await mint({}, { typ: 'JWT' })), 401, 'TOKEN_TYPE_INVALID');
        expectCode(await call(await mint({}, {})), 401, 'TOKEN_TYPE_INVALID');
      });

      it('expired and not yet valid, beyond the 60 s skew (and accepted within it)', async () => {
        const now = Math.floor(Date.now() / 1000);
        expectCode(await call(await mint({ iat: now - 7200, exp: now - 120 })), 401, 'TOKEN_EXPIRED');
        expect((await call(await mint({ iat: now - 7200, exp: now - 30 }))).statusCode).toBe(200);
        expectCode(await call(await mint({ nbf: now + 600 })), 401, 'TOKEN_NOT_YET_VALID');
        expectCode(await call(await mint({ iat: now + 600, exp: now + 4000 })), 401, 'TOKEN_NOT_YET_VALID');
      });

      it('claims of the wrong shape', async () => {
        expectCode(await call(await mint({ privileges: 'laes' })), 401, 'TOKEN_CLAIMS_INVALID');
        expectCode(await call(await mint({ cvr: undefined })), 401, 'TOKEN_CLAIMS_INVALID');
        expectCode(await call(await mint({ dataafgraensning: undefined })), 401, 'TOKEN_CLAIMS_INVALID');
      });
    });

    describe('certificate-bound tokens (RFC 8705)', () => {
      let bound: string;
      beforeAll(async () => {
        const res = await tokenRequest({}, { [CERT_HEADER]: forwardedCert(t.client.key) });
        expect(res.statusCode, res.body).toBe(200);
        bound = res.json().access_token;
      });

      it('works with its certificate', async () => {
        expect((await call(bound, ORG_URL, { [CERT_HEADER]: forwardedCert(t.client.key) })).statusCode).toBe(200);
      });
      it('is refused without its certificate', async () => {
        expectCode(await call(bound), 401, 'TOKEN_CERT_REQUIRED');
      });
      it('is refused with another certificate', async () => {
        expectCode(await call(bound, ORG_URL, { [CERT_HEADER]: forwardedCert(clientKey()) }), 401, 'TOKEN_CERT_MISMATCH');
      });
      it('ignores a forwarded certificate from an address that is not a trusted proxy', async () => {
        const res = await app.inject({
          method: 'GET',
          url: ORG_URL,
          remoteAddress: '10.9.8.7',
          headers: { authorization: `Bearer ${bound}`, [CERT_HEADER]: forwardedCert(t.client.key) },
        });
        expectCode(res, 401, 'TOKEN_CERT_REQUIRED');
        const token = await app.inject({
          method: 'POST',
          url: '/adgangsstyring/oauth2/token',
          remoteAddress: '10.9.8.7',
          headers: { 'content-type': 'application/x-www-form-urlencoded', [CERT_HEADER]: forwardedCert(t.client.key) },
          payload: `grant_type=client_credentials&resource=${encodeURIComponent(orgService.entityId)}&cvr=${TEST_CVR}`,
        });
        expectCode(token, 401, 'CLIENT_AUTH_MISSING');
      });
      it('refuses a forwarded header that is not a certificate', async () => {
        expectCode(await call(valid, ORG_URL, { [CERT_HEADER]: 'garbage' }), 400, 'CLIENT_CERT_HEADER_INVALID');
      });
    });

    describe('client authentication at the token endpoint', () => {
      it('private_key_jwt: replayed, wrong aud, far exp, expired, unknown client, bad signature', async () => {
        const assertion = await t.client.assertion();
        const form = { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
        expect((await tokenRequest(form)).statusCode).toBe(200);
        expectCode(await tokenRequest(form), 401, 'CLIENT_ASSERTION_REPLAYED');
        expectCode(await withAssertion(t.client, { aud: `${TEST_PUBLIC_URL}/other` }), 401, 'CLIENT_ASSERTION_AUDIENCE_INVALID');
        const now = Math.floor(Date.now() / 1000);
        expectCode(await withAssertion(t.client, { exp: now + 3600 }), 401, 'CLIENT_ASSERTION_EXPIRY_TOO_FAR');
        expectCode(await withAssertion(t.client, { iat: now - 600, exp: now - 300 }), 401, 'CLIENT_ASSERTION_EXPIRED');
        const stranger = '00000000-0000-4000-8000-000000000000';
        expectCode(await withAssertion(t.client, { iss: stranger, sub: stranger }), 401, 'CLIENT_UNKNOWN');
        const forged = await new SignJWT({ iss: t.client.itSystem, sub: t.client.itSystem, aud: 'x', jti: 'j', exp: now + 60 })
          .setProtectedHeader({ alg: 'ES256', kid: t.client.kid })
          .sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
        expectCode(
          await tokenRequest({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: forged }),
          401,
          'CLIENT_ASSERTION_INVALID',
        );
        const none = `${b64({ alg: 'none' })}.${b64({ iss: t.client.itSystem, sub: t.client.itSystem })}.`;
        expectCode(
          await tokenRequest({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: none }),
          401,
          'CLIENT_ASSERTION_INVALID',
        );
        const noJti = await new SignJWT({
          iss: t.client.itSystem,
          sub: t.client.itSystem,
          aud: `${TEST_PUBLIC_URL}/adgangsstyring/oauth2/token`,
          exp: now + 60,
        })
          .setProtectedHeader({ alg: 'ES256', kid: t.client.kid })
          .sign(t.client.key.privateKey);
        expectCode(
          await tokenRequest({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: noJti }),
          401,
          'CLIENT_ASSERTION_INVALID',
        );
      });

      it('mTLS: an unknown, an expired and a revoked certificate', async () => {
        expectCode(await tokenRequest({}, { [CERT_HEADER]: forwardedCert(clientKey()) }), 401, 'CLIENT_CERT_UNKNOWN');
        const expired = clientKey({ notBefore: Date.now() - 86_400_000 * 10, notAfter: Date.now() - 86_400_000 });
        await provisionTestClient(t.platform.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org' }], expired);
        expectCode(await tokenRequest({}, { [CERT_HEADER]: forwardedCert(expired) }), 401, 'CLIENT_CERT_EXPIRED');

        const revoked = await provisionTestClient(t.platform.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org' }]);
        expect((await tokenRequest({}, { [CERT_HEADER]: forwardedCert(revoked.key) })).statusCode).toBe(200);
        // The supplier (the default test client administers everything for its CVR) revokes both credentials.
        const system = (await app.inject({ method: 'GET', url: `/adgangsstyring/itsystemer/${revoked.itSystem}` })).json();
        for (const c of system.legitimationer as { uuid: string }[]) {
          const res = await app.inject({
            method: 'DELETE',
            url: `/adgangsstyring/itsystemer/${revoked.itSystem}/legitimationer/${c.uuid}`,
          });
          expect(res.statusCode, res.body).toBe(200);
        }
        expectCode(await tokenRequest({}, { [CERT_HEADER]: forwardedCert(revoked.key) }), 401, 'CLIENT_CREDENTIAL_REVOKED');
        expectCode(await withAssertion(revoked), 401, 'CLIENT_CREDENTIAL_REVOKED');
      });
    });

    describe('agreements', () => {
      it('a CVR without an agreement, and a service without one', async () => {
        expectCode(
          await tokenRequest({
            cvr: KOBENHAVN,
            client_assertion_type: CLIENT_ASSERTION_TYPE,
            client_assertion: await t.client.assertion(),
          }),
          403,
          'NO_AGREEMENT',
        );
        const orgOnly = await provisionTestClient(t.platform.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org' }]);
        const kla = await tokenRequest({
          resource: klaService.entityId,
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await orgOnly.assertion(),
        });
        expectCode(kla, 403, 'NO_AGREEMENT');
      });

      it('an agreement revoked after the token was issued', async () => {
        const client = await provisionTestClient(t.platform.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org' }]);
        const token = await client.token(t.platform.tokens, 'org');
        expect((await call(token)).statusCode).toBe(200);
        const agreement = decodeJwt(token).serviceaftale as string;
        const revoke = await app.inject({ method: 'POST', url: `/adgangsstyring/serviceaftaler/${agreement}/tilbagekald` });
        expect(revoke.statusCode, revoke.body).toBe(200);
        expectCode(await call(token), 401, 'AGREEMENT_REVOKED');
      });

      it('a privilege the route needs but the token lacks', async () => {
        const reader = await provisionTestClient(t.platform.store, t.platform.audit, [
          { cvr: TEST_CVR, service: 'org', privileges: ['laes'] },
        ]);
        const token = await reader.token(t.platform.tokens, 'org');
        expect((await call(token)).statusCode).toBe(200);
        const res = await app.inject({
          method: 'POST',
          url: '/organisation/organisation',
          payload: organisationBody('laeser'),
          headers: { authorization: `Bearer ${token}` },
        });
        expectCode(res, 403, 'PRIVILEGE_MISSING');
        expect(res.json().error.details.privilege).toEqual(['skriv']);
        const anon = await app.inject({
          method: 'POST',
          url: '/organisation/person/anonymiser',
          payload: { cpr: '0101700000' },
          headers: { authorization: `Bearer ${token}` },
        });
        expectCode(anon, 403, 'PRIVILEGE_MISSING');
      });
    });

    describe('data restrictions and the municipality', () => {
      const unitBody = (org: string) => {
        const virkning = { from: '2020-01-01', to: 'infinity' };
        return {
          attributter: { organisationenhedegenskaber: [{ brugervendtnoegle: 'enhed', enhedsnavn: 'Enhed', virkning }] },
          tilstande: { organisationenhedgyldighed: [{ gyldighed: 'Aktiv', virkning }] },
          relationer: { tilhoerer: [{ uuid: org, virkning }] },
        };
      };

      it('audits each person the hierarchy hands out under the calling IT system and its CVR', async () => {
        const org = (await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('revideret') })).json()
          .uuid as string;
        const virkning = { from: '2020-01-01', to: 'infinity' };
        const person = await app.inject({
          method: 'POST',
          url: '/organisation/person',
          payload: {
            attributter: { personegenskaber: [{ brugervendtnoegle: 'p', navn: 'Person', virkning }] },
            relationer: { tilhoerer: [{ uuid: org, virkning }] },
          },
        });
        expect(person.statusCode, person.body).toBe(201);
        const uuid = person.json().uuid as string;
        const read = await app.inject({ method: 'GET', url: `/organisation/organisation/${org}/hierarki` });
        expect(read.statusCode).toBe(200);
        expect(read.body).toContain(uuid);
        const { rows } = await t.platform.store.query<{ actor: string; actor_cvr: string }>(
          `SELECT actor, actor_cvr FROM audit_log WHERE object_uuid = $1 AND purpose = 'organisationens hierarki'`,
          [uuid],
        );
        expect(rows).toEqual([{ actor: expect.stringMatching(/^itsystem:[0-9a-f-]{36}$/), actor_cvr: TEST_CVR }]);
      });

      it('limits a person or an address without tilhoerer by the objects that point to it', async () => {
        const always = { from: 0, to: Infinity };
        const theirs = await t.platform.oio.opret('organisation', {
          attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'deres-2' }, virkning: always }] },
          tilstande: {},
          relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning: always }] },
        });
        const ours = (await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('vores-2') })).json()
          .uuid as string;
        const person = (navn: string) =>
          t.platform.oio.opret('person', {
            attributter: { personegenskaber: [{ fields: { brugervendtnoegle: navn, navn }, virkning: always }] },
            tilstande: {},
            relationer: {},
          });
        const address = () =>
          t.platform.oio.opret('adresse', {
            attributter: { adresseegenskaber: [{ fields: { brugervendtnoegle: 'a', adressetekst: 'a@kk.dk' }, virkning: always }] },
            tilstande: {},
            relationer: {},
          });
        const user = (org: string, relationer: Record<string, { uuid: string; virkning: typeof always }[]>) =>
          t.platform.oio.opret('bruger', {
            attributter: { brugeregenskaber: [{ fields: { brugervendtnoegle: 'b', brugernavn: 'b' }, virkning: always }] },
            tilstande: {},
            relationer: { tilhoerer: [{ uuid: org, virkning: always }], ...relationer },
          });
        const [theirPerson, ourPerson, nobodysPerson, theirAddress] = [
          await person('deres'),
          await person('vores'),
          await person('ingens'),
          await address(),
        ];
        await user(theirs, {
          tilknyttedepersoner: [{ uuid: theirPerson, virkning: always }],
          adresser: [{ uuid: theirAddress, virkning: always }],
        });
        await user(ours, { tilknyttedepersoner: [{ uuid: ourPerson, virkning: always }] });
        const read = (type: string, uuid: string) => app.inject({ method: 'GET', url: `/organisation/${type}/${uuid}` });
        expectCode(await read('person', theirPerson), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expectCode(await read('adresse', theirAddress), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect((await read('person', ourPerson)).statusCode).toBe(200);
        // Pointed to by no one: it belongs to no municipality, and is not limited.
        expect((await read('person', nobodysPerson)).statusCode).toBe(200);
        const listed = (await app.inject({ method: 'GET', url: `/organisation/person?uuid=${theirPerson}&uuid=${ourPerson}` })).json()
          .results[0] as { id: string }[];
        expect(listed.map((p) => p.id)).toEqual([ourPerson]);
        // A search finds the persons and addresses the caller's organisations point to, and no others.
        const found = async (url: string) => (await app.inject({ method: 'GET', url })).json().results[0] as string[];
        expect(await found('/organisation/person?navn=vores')).toEqual([ourPerson]);
        expect(await found('/organisation/person?navn=deres')).toEqual([]);
        expect(await found('/organisation/person?navn=ingens')).toEqual([]);
        // One with tilhoerer is judged by it alone.
        const owned = async (navn: string, org: string) =>
          t.platform.oio.opret('person', {
            attributter: { personegenskaber: [{ fields: { brugervendtnoegle: navn, navn }, virkning: always }] },
            tilstande: {},
            relationer: { tilhoerer: [{ uuid: org, virkning: always }] },
          });
        const ourOwn = await owned('egen-vores', ours);
        await owned('egen-deres', theirs);
        expect(await found('/organisation/person?navn=egen-%25')).toEqual([ourOwn]);
        expect(await found('/organisation/adresse?adressetekst=a@kk.dk')).toEqual([]);
      });

      it('refuses organisation data of another municipality, on reads and writes', async () => {
        const ours = (await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('vores') })).json()
          .uuid as string;
        const theirs = await t.platform.oio.opret('organisation', {
          attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'deres' }, virkning: { from: 0, to: Infinity } }] },
          tilstande: {},
          relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning: { from: 0, to: Infinity } }] },
        });
        expect((await app.inject({ method: 'GET', url: `/organisation/organisation/${ours}` })).statusCode).toBe(200);
        expectCode(await app.inject({ method: 'GET', url: `/organisation/organisation/${theirs}` }), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expectCode(
          await app.inject({ method: 'GET', url: `/organisation/organisation/${theirs}/hierarki` }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        expect((await app.inject({ method: 'GET', url: `/organisation/organisation/${ours}/hierarki?format=json` })).statusCode).toBe(200);
        // Searches and lists leave the other municipality's objects out.
        const found = async (url: string) => (await app.inject({ method: 'GET', url })).json().results[0] as unknown[];
        expect(await found('/organisation/organisation?bvn=deres')).toEqual([]);
        expect(await found('/organisation/organisation?bvn=vores')).toEqual([ours]);
        const listed = (await found(`/organisation/organisation?uuid=${theirs}&uuid=${ours}`)) as { id: string }[];
        expect(listed.map((o) => o.id)).toEqual([ours]);
        expectCode(
          await app.inject({ method: 'PATCH', url: `/organisation/organisation/${theirs}`, payload: { note: 'x', livscyklus: 'Passiv' } }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const foreign = organisationBody('fremmed', undefined, {
          relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning: { from: '2020-01-01', to: 'infinity' } }] },
        });
        expectCode(
          await app.inject({ method: 'POST', url: '/organisation/organisation', payload: foreign }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );

        const unit = await app.inject({ method: 'POST', url: '/organisation/organisationenhed', payload: unitBody(ours) });
        expect(unit.statusCode, unit.body).toBe(201);
        expectCode(
          await app.inject({ method: 'POST', url: '/organisation/organisationenhed', payload: unitBody(theirs) }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const theirUnit = await t.platform.oio.opret('organisationenhed', {
          attributter: {
            organisationenhedegenskaber: [{ fields: { brugervendtnoegle: 'e', enhedsnavn: 'E' }, virkning: { from: 0, to: Infinity } }],
          },
          tilstande: {},
          relationer: { tilhoerer: [{ uuid: theirs, virkning: { from: 0, to: Infinity } }] },
        });
        expectCode(
          await app.inject({ method: 'GET', url: `/organisation/organisationenhed/${theirUnit}` }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        expectCode(
          await app.inject({ method: 'GET', url: `/organisation/organisationenhed/${theirUnit}/underenheder` }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const units = (await app.inject({ method: 'GET', url: `/organisation/organisationenhed?bvn=%25` })).json().results[0] as string[];
        expect(units).toContain(unit.json().uuid);
        expect(units).not.toContain(theirUnit);
        const listedUnits = (await app.inject({ method: 'GET', url: `/organisation/organisationenhed?uuid=${theirUnit}` })).json()
          .results[0];
        expect(listedUnits).toEqual([]);
      });

      it('sees a change of owner at once after a write through this instance (reads reuse owners for a few seconds)', async () => {
        const searchUnits = async () =>
          (await app.inject({ method: 'GET', url: '/organisation/organisationenhed?bvn=%25' })).json().results[0] as string[];
        await searchUnits(); // the caller's organisations, as the search found them
        const ours = (await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('ejer') })).json()
          .uuid as string;
        // An organisation with no CVR: its data is not limited to a municipality.
        const neutral = await t.platform.oio.opret('organisation', {
          attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'uden-cvr' }, virkning: { from: 0, to: Infinity } }] },
          tilstande: {},
          relationer: {},
        });
        const created = await app.inject({ method: 'POST', url: '/organisation/organisationenhed', payload: unitBody(ours) });
        expect(created.statusCode, created.body).toBe(201);
        // The new organisation is among the caller's at once: its unit is found.
        expect(await searchUnits()).toContain(created.json().uuid);
        const kobenhavn = await mint({ cvr: KOBENHAVN });
        expectCode(await call(kobenhavn, `/organisation/organisationenhed/${created.json().uuid}`), 403, 'MUNICIPALITY_NOT_ALLOWED');
        // A unit of the organisation without a CVR (written by the platform itself) is no one's: København reads it ...
        const unit = t.platform.oio.decl('organisationenhed');
        const stray = await t.platform.oio.opret('organisationenhed', contentFromWire(unit, unitBody(neutral) as never));
        const url = `/organisation/organisationenhed/${stray}`;
        expect((await call(kobenhavn, url)).statusCode).toBe(200);
        // ... until Aarhus takes it into its organisation: then København is refused at once.
        const taken = await app.inject({ method: 'PUT', url, payload: unitBody(ours) });
        expect(taken.statusCode, taken.body).toBe(200);
        expectCode(await call(kobenhavn, url), 403, 'MUNICIPALITY_NOT_ALLOWED');
      });

      it('refuses organisation units outside the token’s units', async () => {
        const org = (await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('enheder') })).json()
          .uuid as string;
        const [a, b] = await Promise.all(
          [1, 2].map(
            async () =>
              (await app.inject({ method: 'POST', url: '/organisation/organisationenhed', payload: unitBody(org) })).json().uuid as string,
          ),
        );
        const limited = await provisionTestClient(t.platform.store, t.platform.audit, [
          { cvr: TEST_CVR, service: 'org', organisationenheder: [a!] },
        ]);
        const token = await limited.token(t.platform.tokens, 'org');
        expect((await call(token, `/organisation/organisationenhed/${a}`)).statusCode).toBe(200);
        const res = await call(token, `/organisation/organisationenhed/${b}`);
        expectCode(res, 403, 'DATA_OUTSIDE_RESTRICTION');
      });

      it('lets only the owning municipality write a classification that has an owner', async () => {
        const virkning = { from: '2020-01-01', to: 'infinity' };
        const theirs = await t.platform.oio.opret('organisation', {
          attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'ejer-kbh' }, virkning: { from: 0, to: Infinity } }] },
          tilstande: {},
          relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning: { from: 0, to: Infinity } }] },
        });
        const ours = (
          await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('ejer-aarhus') })
        ).json().uuid as string;
        const klassifikation = (ejer: string) => ({
          attributter: { klassifikationegenskaber: [{ brugervendtnoegle: `lokal-${ejer.slice(0, 4)}`, titel: 'Lokal', virkning }] },
          relationer: { ejer: [{ uuid: ejer, virkning }] },
        });
        const mine = await app.inject({ method: 'POST', url: '/klassifikation/klassifikation', payload: klassifikation(ours) });
        expect(mine.statusCode, mine.body).toBe(201);
        expectCode(
          await app.inject({ method: 'POST', url: '/klassifikation/klassifikation', payload: klassifikation(theirs) }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const foreign = await t.platform.oio.opret('klassifikation', {
          attributter: {
            klassifikationegenskaber: [{ fields: { brugervendtnoegle: 'kbh', titel: 'Kbh' }, virkning: { from: 0, to: Infinity } }],
          },
          tilstande: {},
          relationer: { ejer: [{ uuid: theirs, virkning: { from: 0, to: Infinity } }] },
        });
        expectCode(
          await app.inject({ method: 'DELETE', url: `/klassifikation/klassifikation/${foreign}` }),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        expect((await app.inject({ method: 'GET', url: `/klassifikation/klassifikation/${foreign}` })).statusCode).toBe(200);
      });

      it('refuses KLE classes outside the token’s KLE numbers', async () => {
        const klasse = (nr: string) => ({
          attributter: {
            klasseegenskaber: [{ brugervendtnoegle: nr, titel: `Emne ${nr}`, virkning: { from: '2020-01-01', to: 'infinity' } }],
          },
          tilstande: { klassepubliceret: [{ publiceret: 'Publiceret', virkning: { from: '2020-01-01', to: 'infinity' } }] },
        });
        const inside = (await app.inject({ method: 'POST', url: '/klassifikation/klasse', payload: klasse('27.12.04') })).json()
          .uuid as string;
        const outside = (await app.inject({ method: 'POST', url: '/klassifikation/klasse', payload: klasse('32.01.01') })).json()
          .uuid as string;
        expect(inside).toBeTruthy();
        const limited = await provisionTestClient(t.platform.store, t.platform.audit, [
          { cvr: TEST_CVR, service: 'kla', privileges: ['laes'], kle: ['27.*'] },
        ]);
        const token = await limited.token(t.platform.tokens, 'kla');
        expect((await call(token, `/klassifikation/klasse/${inside}`)).statusCode).toBe(200);
        expectCode(await call(token, `/klassifikation/klasse/${outside}`), 403, 'DATA_OUTSIDE_RESTRICTION');
        const found = (await call(token, '/klassifikation/klasse/fritekst?nummer=')).json().resultater as { brugervendtnoegle: string }[];
        expect(found.map((r) => r.brugervendtnoegle)).toEqual(['27.12.04']);
      });
    });
  });
}
