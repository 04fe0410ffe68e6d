import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { adgsystemService } from '../src/services/adgsystem/index.ts';
import { klaService } from '../src/services/kla/index.ts';
import { bfoService } from '../src/services/bfo/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { CERT_HEADER, clientKey, forwardedCert, provisionTestClient, TEST_CVR, type ClientKey, type TestClient } from './support/auth.ts';

// Aarhus (TEST_CVR) is the municipality that tries to make its own IT system an operator.
const KOBENHAVN = '64942212';
const OPERATOR = '11111111';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const backend of allBackends) {
  describeWith(backend)(`Operator-only privileges on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    let operator: TestClient;
    let aarhus: TestClient;
    const token = (c: TestClient, cvr: string, service = 'adgsystem') => c.token(t.platform.tokens, service, cvr);

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla', 'adgsystem']);
      app = t.platform.http;
      const { store, audit } = t.platform;
      operator = await provisionTestClient(store, audit, [{ cvr: OPERATOR, service: 'adgsystem', privileges: ['operatoer'] }]);
      // Aarhus's own IT department: supplier of its systems and the municipality's administrator.
      aarhus = await provisionTestClient(store, audit, [{ cvr: TEST_CVR, service: 'adgsystem', privileges: ['leverandoer', 'kommune'] }]);
    });
    afterAll(async () => t?.close());

    /** Aarhus registers an IT system of its own and requests an agreement for it; returns the system's key and the agreement. */
    async function requestForOwnSystem(service: string, privileges: string[]): Promise<{ key: ClientKey; agreement: string }> {
      const key = clientKey({ name: 'egen' });
      const admin = bearer(await token(aarhus, TEST_CVR));
      const system = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/itsystemer',
        headers: admin,
        payload: { navn: 'Eget system', certifikater: [key.certPem] },
      });
      expect(system.statusCode, system.body).toBe(201);
      const requested = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/serviceaftaler',
        headers: admin,
        payload: { cvr: TEST_CVR, itsystem: system.json().uuid, tjeneste: service, privilegier: privileges },
      });
      // A supplier may ask: the request grants nothing, and waits for the operator.
      expect(requested.statusCode, requested.body).toBe(201);
      expect(requested.json().tilstand).toBe('requested');
      return { key, agreement: requested.json().uuid as string };
    }

    const askToken = (key: ClientKey, resource: string, cvr = TEST_CVR) =>
      app.inject({
        method: 'POST',
        url: '/adgangsstyring/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', [CERT_HEADER]: forwardedCert(key) },
        payload: new URLSearchParams({ grant_type: 'client_credentials', resource, cvr }).toString(),
      });
    const readAgreement = async (uuid: string) =>
      (
        await app.inject({ method: 'GET', url: `/adgangsstyring/serviceaftaler/${uuid}`, headers: bearer(await token(operator, OPERATOR)) })
      ).json();

    it('refuses a municipality’s approval of the operator’s privilege for its own system, and changes nothing', async () => {
      const { key, agreement } = await requestForOwnSystem(adgsystemService.entityId, ['operatoer', 'kommune']);
      const approve = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(await token(aarhus, TEST_CVR)),
      });
      expect(approve.statusCode, approve.body).toBe(403);
      expect(approve.json().error).toMatchObject({ code: 'PRIVILEGE_OPERATOR_ONLY', details: { privileges: ['operatoer'] } });
      expect(approve.body).not.toContain(TEST_CVR);
      const stored = await readAgreement(agreement);
      expect(stored).toMatchObject({ tilstand: 'requested', privilegier: ['operatoer', 'kommune'] });
      expect(stored.godkendtAf).toBeUndefined();
      const res = await askToken(key, adgsystemService.entityId);
      expect([res.statusCode, res.json().error.code]).toEqual([403, 'NO_AGREEMENT']);
      const { rows } = await t.store.query<{ action: string }>(`SELECT action FROM audit_log WHERE object_uuid = $1`, [agreement]);
      expect(rows.map((r) => r.action)).toEqual(['serviceaftale.anmod']);

      // The municipality may still withdraw what was asked in its name.
      const revoke = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/tilbagekald`,
        headers: bearer(await token(aarhus, TEST_CVR)),
      });
      expect(revoke.statusCode, revoke.body).toBe(200);
      expect(revoke.json().tilstand).toBe('revoked');
    });

    it('refuses a municipality’s approval of every service’s operator-only privileges (FK Klassifikation, FK Beskedfordeler)', async () => {
      for (const [service, privileges] of [
        [klaService.entityId, ['laes', 'administrer']],
        [bfoService.entityId, ['modtag', 'administrer']],
      ] as const) {
        const { agreement } = await requestForOwnSystem(service, [...privileges]);
        const approve = await app.inject({
          method: 'POST',
          url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
          headers: bearer(await token(aarhus, TEST_CVR)),
        });
        expect([approve.statusCode, approve.json().error.code], service).toEqual([403, 'PRIVILEGE_OPERATOR_ONLY']);
        expect((await readAgreement(agreement)).tilstand).toBe('requested');
      }
    });

    it('lets the operator approve it, and only then issues the privilege', async () => {
      const { key, agreement } = await requestForOwnSystem(adgsystemService.entityId, ['operatoer']);
      const approve = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(await token(operator, OPERATOR)),
      });
      expect(approve.statusCode, approve.body).toBe(200);
      expect(approve.json()).toMatchObject({ tilstand: 'approved', godkendtAf: `itsystem:${operator.itSystem}`, godkendtSom: 'operator' });
      const res = await askToken(key, adgsystemService.entityId);
      expect(res.statusCode, res.body).toBe(200);
      expect(decodeJwt(res.json().access_token).privileges).toEqual(['operatoer']);
    });

    it('lets the operator approve only what needs the operator', async () => {
      const { agreement } = await requestForOwnSystem(klaService.entityId, ['laes']);
      const approve = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(await token(operator, OPERATOR)),
      });
      expect([approve.statusCode, approve.json().error.code]).toEqual([403, 'PRIVILEGE_MISSING']);
      expect((await readAgreement(agreement)).tilstand).toBe('requested');
    });

    it('never issues, nor honours, an operator-only privilege a municipality approved before the rule', async () => {
      // A system provisioned with the operator's privilege for Aarhus: its token works ...
      const legacy = await provisionTestClient(t.platform.store, t.platform.audit, [
        { cvr: TEST_CVR, service: 'adgsystem', privileges: ['operatoer', 'kommune'] },
      ]);
      const issued = await token(legacy, TEST_CVR);
      expect((await app.inject({ method: 'GET', url: '/adgangsstyring/serviceaftaler', headers: bearer(issued) })).statusCode).toBe(200);
      // ... until the agreement turns out to carry a municipality's approval (as one made before the rule did).
      await t.store.query(
        `UPDATE adg_agreement SET approved_as = 'municipality', approved_by = 'itsystem:' || it_system WHERE it_system = $1`,
        [legacy.itSystem],
      );
      t.platform.tokens.forget();
      const again = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', [CERT_HEADER]: forwardedCert(legacy.key) },
        payload: new URLSearchParams({ grant_type: 'client_credentials', resource: adgsystemService.entityId, cvr: TEST_CVR }).toString(),
      });
      expect(again.statusCode, again.body).toBe(403);
      expect(again.json().error).toMatchObject({
        code: 'PRIVILEGE_OPERATOR_ONLY',
        details: { privileges: ['operatoer'], oauth_error: 'unauthorized_client' },
      });
      const used = await app.inject({ method: 'GET', url: '/adgangsstyring/serviceaftaler', headers: bearer(issued) });
      expect([used.statusCode, used.json().error.code]).toEqual([401, 'AGREEMENT_REVOKED']);
    });

    it('keeps each service’s operator-only privileges with the service; the operator declares them for a service it registers', async () => {
      const listed = async () =>
        new Map(
          (
            (await app.inject({ method: 'GET', url: '/adgangsstyring/tjenester', headers: bearer(await token(aarhus, TEST_CVR)) })).json()
              .resultater as {
              navn: string;
              operatoerPrivilegier: string[];
            }[]
          ).map((s) => [s.navn, s.operatoerPrivilegier]),
        );
      const before = await listed();
      expect(before.get('adgsystem')).toEqual(['operatoer']);
      expect(before.get('kla')).toEqual(['administrer']);
      expect(before.get('bfo')).toEqual(['administrer']);
      expect(before.get('org')).toEqual([]);

      const operatorToken = bearer(await token(operator, OPERATOR));
      const notOffered = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/tjenester',
        headers: operatorToken,
        payload: { navn: 'ydi', entityId: 'urn:test:ydi', privilegier: ['laes'], operatoerPrivilegier: ['drift'] },
      });
      expect([notOffered.statusCode, notOffered.json().error.code]).toEqual([400, 'PRIVILEGE_NOT_OFFERED']);
      expect((await listed()).has('ydi')).toBe(false);
      const created = await app.inject({
        method: 'POST',
        url: '/adgangsstyring/tjenester',
        headers: operatorToken,
        payload: { navn: 'ydi', entityId: 'urn:test:ydi', privilegier: ['laes', 'drift'], operatoerPrivilegier: ['drift'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ navn: 'ydi', privilegier: ['laes', 'drift'], operatoerPrivilegier: ['drift'] });

      const { agreement } = await requestForOwnSystem('urn:test:ydi', ['laes', 'drift']);
      const approve = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(await token(aarhus, TEST_CVR)),
      });
      expect([approve.statusCode, approve.json().error.code]).toEqual([403, 'PRIVILEGE_OPERATOR_ONLY']);
    });

    it('names no other municipality’s CVR in its errors', async () => {
      const kobenhavn = await provisionTestClient(t.platform.store, t.platform.audit, [
        { cvr: KOBENHAVN, service: 'adgsystem', privileges: ['kommune'] },
      ]);
      const noAgreement = await askToken(kobenhavn.key, klaService.entityId, TEST_CVR);
      expect([noAgreement.statusCode, noAgreement.json().error.code]).toEqual([403, 'NO_AGREEMENT']);
      expect(noAgreement.body).not.toContain(TEST_CVR);
      const { agreement } = await requestForOwnSystem(klaService.entityId, ['laes']);
      const foreign = await app.inject({
        method: 'POST',
        url: `/adgangsstyring/serviceaftaler/${agreement}/godkend`,
        headers: bearer(await token(kobenhavn, KOBENHAVN)),
      });
      expect([foreign.statusCode, foreign.json().error.code]).toEqual([403, 'NOT_OWN_MUNICIPALITY']);
      expect(foreign.body).not.toContain(TEST_CVR);
      expect((await readAgreement(agreement)).tilstand).toBe('requested');
    });
  });
}
