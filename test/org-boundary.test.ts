import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Content } from '../src/oio/model.ts';
import { generateMunicipality, importOrganisation, forImport } from '../src/services/org/index.ts';
import { importRequestBody, type GeneratedMunicipality } from '../src/services/org/generate/index.ts';
import { IMPORT_BODY_LIMIT } from '../src/services/org/api/import-routes.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { provisionTestClient, TEST_CVR } from './support/auth.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The security review's findings about FK Organisation (issue 12), each reproduced on the
 * platform's own HTTP stack with a token for Aarhus (A) against København's data (K), and with a
 * token restricted to one unit: refused with its code, and nothing changed.
 */

const KOBENHAVN_CVR = '64942212';
const AARHUS = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: TEST_CVR };
const KOBENHAVN = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101', bvn: 'kommune-101', navn: 'Københavns Kommune', cvr: KOBENHAVN_CVR };
// A synthetic CPR number (day 71: never issued) that a person of each municipality holds.
const SHARED_CPR = '7101901234';

function expectCode(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toBe(code);
  // A refusal never says which municipality owns the object.
  expect(res.body).not.toContain(KOBENHAVN_CVR);
}

const ofType = (m: GeneratedMunicipality, type: string) => m.objects.filter((o) => o.type === type);

/** Gives the first person of a municipality the shared CPR number. */
function withSharedCpr(m: GeneratedMunicipality): GeneratedMunicipality {
  const objects = m.objects.map((o) => {
    if (o !== ofType(m, 'person')[0]) return o;
    const values = o.content.attributter.personegenskaber!.map((v) => ({ ...v, fields: { ...v.fields, cpr_nummer: SHARED_CPR } }));
    return { ...o, content: { ...o.content, attributter: { ...o.content.attributter, personegenskaber: values } } as Content };
  });
  return { ...m, objects };
}

for (const backend of allBackends) {
  describeWith(backend)(`FK Organisation's municipality boundary on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    let A: string;
    let K: string;
    const aarhus = withSharedCpr(generateMunicipality({ organisation: AARHUS, seed: 11, units: 30, users: 60 }));
    const kobenhavn = withSharedCpr(generateMunicipality({ organisation: KOBENHAVN, seed: 12, units: 30, users: 60 }));
    const kUnit = ofType(kobenhavn, 'organisationenhed')[3]!.uuid;
    const aFunction = ofType(aarhus, 'organisationfunktion')[0]!;
    const kPerson = ofType(kobenhavn, 'person')[0]!.uuid;
    const aPerson = ofType(aarhus, 'person')[0]!.uuid;

    const as = (token: string, method: string, url: string, payload?: unknown) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload: payload as object } : {}),
      });
    const read = async (token: string, url: string) => {
      const res = await as(token, 'GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const registrations = async (uuid: string) =>
      Number((await t.store.query<{ n: string }>('SELECT count(*) AS n FROM oio_registrering WHERE objekt_uuid = $1', [uuid])).rows[0]!.n);

    beforeAll(async () => {
      t = await startPlatform(backend, ['org']);
      app = t.platform.http;
      // Both municipalities, as the platform's own tools import them (no caller).
      await importOrganisation(t.platform.oio, forImport(aarhus));
      await importOrganisation(t.platform.oio, forImport(kobenhavn));
      A = t.tokens.get('org')!;
      const kClient = await provisionTestClient(t.store, t.platform.audit, [{ cvr: KOBENHAVN_CVR, service: 'org' }]);
      K = await kClient.token(t.platform.tokens, 'org', KOBENHAVN_CVR);
    });
    afterAll(async () => t?.close());

    describe('finding 1: the organisation import', () => {
      it("refuses Aarhus's import of København's organisation, and København's organisation is unchanged", async () => {
        const before = await read(K, `/organisation/organisation/${KOBENHAVN.uuid}`);
        const body = importRequestBody(kobenhavn) as unknown as {
          organisation: { attributter: Record<string, Record<string, unknown>[]>; relationer: Record<string, unknown[]> };
        };
        body.organisation.attributter.organisationegenskaber![0]!.organisationsnavn = 'Overtaget';
        expectCode(await as(A, 'POST', '/organisation/organisation/import', body), 403, 'MUNICIPALITY_NOT_ALLOWED');
        // Naming Aarhus's CVR on København's organisation does not help either.
        body.organisation.relationer.virksomhed = [{ urn: `urn:oio:cvr-nr:${TEST_CVR}`, virkning: { from: '2015-01-01', to: 'infinity' } }];
        expectCode(await as(A, 'POST', '/organisation/organisation/import', body), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect(await read(K, `/organisation/organisation/${KOBENHAVN.uuid}`)).toEqual(before);
      });

      it("refuses Aarhus's own import that carries a København unit's UUID, storing nothing", async () => {
        const body = importRequestBody(aarhus);
        const unit = body.objekter.find((o) => o.objekttype === 'organisationenhed')!;
        unit.uuid = kUnit;
        const before = await registrations(kUnit);
        expectCode(await as(A, 'POST', '/organisation/organisation/import', body), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect(await registrations(kUnit)).toBe(before);
        expect((await read(K, `/organisation/organisationenhed/${kUnit}`))[kUnit]).toBeDefined();
      });

      it('takes an import of its own organisation (unchanged: nothing written)', async () => {
        const res = await as(A, 'POST', '/organisation/organisation/import', importRequestBody(aarhus));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ created: 0, updated: 0 });
      });

      it(`refuses a body over ${IMPORT_BODY_LIMIT / 1024 / 1024} MiB with 413 before parsing it`, async () => {
        const payload = `{"organisation":{"uuid":"${AARHUS.uuid}"},"objekter":[],"note":"${'x'.repeat(IMPORT_BODY_LIMIT)}"}`;
        const res = await app.inject({
          method: 'POST',
          url: '/organisation/organisation/import',
          headers: { authorization: `Bearer ${A}`, 'content-type': 'application/json' },
          payload,
        });
        expectCode(res, 413, 'PAYLOAD_TOO_LARGE');
      });
    });

    describe('finding 2: a search with many criteria', () => {
      it('refuses vilkaarligattr=% repeated beyond the bound at once, and answers a bounded one', async () => {
        const many = `/organisation/bruger?${Array.from({ length: 8 }, () => 'vilkaarligattr=%25').join('&')}`;
        expectCode(await as(A, 'GET', many), 400, 'TOO_MANY_CRITERIA');
        const twenty = `/organisation/bruger?${Array.from({ length: 11 }, (_, i) => `brugernavn=x${i}`).join('&')}`;
        expectCode(await as(A, 'GET', twenty), 400, 'TOO_MANY_CRITERIA');
        const two = await read(A, '/organisation/bruger?vilkaarligattr=%25a%25&vilkaarligattr=%25e%25&maximalantalresultater=1000');
        const users = new Set(ofType(aarhus, 'bruger').map((o) => o.uuid));
        expect(two.results[0].length).toBeGreaterThan(0);
        // Only Aarhus's users, though København's match the patterns as well.
        expect((two.results[0] as string[]).every((u) => users.has(u))).toBe(true);
      });
    });

    describe('finding 3: the anonymiser', () => {
      it("anonymises only the caller's persons by CPR, and names only them", async () => {
        const kBefore = await read(K, `/organisation/person/${kPerson}`);
        expect(JSON.stringify(kBefore)).toContain(SHARED_CPR);
        const res = await as(A, 'POST', '/organisation/person/anonymiser', { cpr: SHARED_CPR });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().uuids).toEqual([aPerson]);
        expect(await read(K, `/organisation/person/${kPerson}`)).toEqual(kBefore);
        // A CPR number only København's persons hold is not found at all: nothing says they exist.
        const kCpr = ofType(kobenhavn, 'person')[1]!.content.attributter.personegenskaber![0]!.fields.cpr_nummer!;
        expectCode(await as(A, 'POST', '/organisation/person/anonymiser', { cpr: kCpr }), 404, 'PERSON_NOT_FOUND');
      });

      it("refuses København's person by UUID", async () => {
        expectCode(await as(A, 'POST', '/organisation/person/anonymiser', { uuid: kPerson }), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect(JSON.stringify(await read(K, `/organisation/person/${kPerson}`))).toContain(SHARED_CPR);
      });
    });

    describe('finding 4: organisation functions', () => {
      const url = `/organisation/organisationfunktion/${aFunction.uuid}`;

      it("København reads, lists and searches none of Aarhus's functions", async () => {
        expectCode(await as(K, 'GET', url), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect((await read(K, `/organisation/organisationfunktion?uuid=${aFunction.uuid}`)).results[0]).toEqual([]);
        const found = (await read(K, '/organisation/organisationfunktion?bvn=%25&maximalantalresultater=10000')).results[0] as string[];
        expect(found.length).toBeGreaterThan(0);
        const aarhusFunctions = new Set(ofType(aarhus, 'organisationfunktion').map((o) => o.uuid));
        expect(found.filter((u) => aarhusFunctions.has(u))).toEqual([]);
      });

      it("København cannot change Aarhus's functions, nor tie new ones to Aarhus", async () => {
        const before = await registrations(aFunction.uuid);
        const patch = {
          attributter: { organisationfunktionegenskaber: [{ funktionsnavn: 'x', virkning: { from: '2020-01-01', to: 'infinity' } }] },
        };
        expectCode(await as(K, 'PATCH', url, patch), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expectCode(await as(K, 'DELETE', url), 403, 'MUNICIPALITY_NOT_ALLOWED');
        expect(await registrations(aFunction.uuid)).toBe(before);
        const V = { from: '2020-01-01', to: 'infinity' };
        const fn = (relationer: Record<string, unknown>) => ({
          attributter: { organisationfunktionegenskaber: [{ brugervendtnoegle: 'indtrængt', funktionsnavn: 'x', virkning: V }] },
          relationer,
        });
        // Tied to Aarhus's organisation, or to København's with an Aarhus unit or user: both refused.
        expectCode(
          await as(
            K,
            'POST',
            '/organisation/organisationfunktion',
            fn({ tilknyttedeorganisationer: [{ uuid: AARHUS.uuid, virkning: V }] }),
          ),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const aUnit = ofType(aarhus, 'organisationenhed')[2]!.uuid;
        expectCode(
          await as(
            K,
            'POST',
            '/organisation/organisationfunktion',
            fn({ tilknyttedeorganisationer: [{ uuid: KOBENHAVN.uuid, virkning: V }], tilknyttedeenheder: [{ uuid: aUnit, virkning: V }] }),
          ),
          403,
          'MUNICIPALITY_NOT_ALLOWED',
        );
        const stored = await t.store.query("SELECT 1 FROM oio_soegeindeks WHERE kind = 'a' AND tekst = 'indtrængt'");
        expect(stored.rows).toHaveLength(0);
        // A function of København's own, for its own units, is written.
        const kUnitOwn = ofType(kobenhavn, 'organisationenhed')[2]!.uuid;
        const own = await as(
          K,
          'POST',
          '/organisation/organisationfunktion',
          fn({ tilknyttedeorganisationer: [{ uuid: KOBENHAVN.uuid, virkning: V }], tilknyttedeenheder: [{ uuid: kUnitOwn, virkning: V }] }),
        );
        expect(own.statusCode, own.body).toBe(201);
      });

      it('a write must name its own organisation as owner', async () => {
        const V = { from: '2020-01-01', to: 'infinity' };
        const res = await as(K, 'POST', '/organisation/organisationfunktion', {
          attributter: { organisationfunktionegenskaber: [{ brugervendtnoegle: 'uden-ejer', virkning: V }] },
        });
        expectCode(res, 400, 'OWNER_REQUIRED');
      });
    });

    describe('finding 7: a token restricted to one unit', () => {
      let U: string;
      let restricted: string;
      beforeAll(async () => {
        // A unit with people: the unit most functions tie to.
        const counts = new Map<string, number>();
        for (const f of ofType(aarhus, 'organisationfunktion'))
          for (const v of f.content.relationer.tilknyttedeenheder ?? []) counts.set(v.uuid!, (counts.get(v.uuid!) ?? 0) + 1);
        U = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
        const client = await provisionTestClient(t.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org', organisationenheder: [U] }]);
        restricted = await client.token(t.platform.tokens, 'org');
      });

      it('lists and searches only that unit and the people tied to it', async () => {
        expect((await read(restricted, '/organisation/organisationenhed?bvn=%25')).results[0]).toEqual([U]);
        const tied = new Set(
          ofType(aarhus, 'organisationfunktion')
            .filter((f) => f.content.relationer.tilknyttedeenheder?.some((v) => v.uuid === U))
            .flatMap((f) => (f.content.relationer.tilknyttedebrugere ?? []).map((v) => v.uuid!)),
        );
        const users = (await read(restricted, '/organisation/bruger?bvn=%25&maximalantalresultater=10000')).results[0] as string[];
        expect(users.length).toBeGreaterThan(0);
        expect(users.every((u) => tied.has(u))).toBe(true);
        const all = ofType(aarhus, 'organisationenhed').map((o) => o.uuid);
        expect(
          (await read(restricted, `/organisation/organisationenhed?${all.map((u) => `uuid=${u}`).join('&')}`)).results[0],
        ).toHaveLength(1);
        // Persons: only those of the tied users; IT systems: none.
        const persons = (await read(restricted, '/organisation/person?bvn=%25&maximalantalresultater=10000')).results[0] as string[];
        expect(persons.length).toBeLessThanOrEqual(tied.size);
        expect((await read(restricted, '/organisation/itsystem?bvn=%25')).results[0]).toEqual([]);
      });

      it('cannot read the whole hierarchy, nor another unit, nor what lies below it', async () => {
        expectCode(await as(restricted, 'GET', `/organisation/organisation/${AARHUS.uuid}/hierarki`), 403, 'DATA_OUTSIDE_RESTRICTION');
        const other = ofType(aarhus, 'organisationenhed').find((o) => o.uuid !== U)!.uuid;
        expectCode(await as(restricted, 'GET', `/organisation/organisationenhed/${other}`), 403, 'DATA_OUTSIDE_RESTRICTION');
        expect((await read(restricted, `/organisation/organisationenhed/${U}/underenheder`)).underenheder).toEqual([]);
        const below = await read(restricted, `/organisation/organisationenhed/${U}/brugere?undertraeer=true`);
        expect((below.tilknytninger as { enhed: string }[]).every((r) => r.enhed === U)).toBe(true);
      });

      it('cannot write outside the unit', async () => {
        const other = ofType(aarhus, 'organisationenhed').find((o) => o.uuid !== U)!.uuid;
        const V = { from: '2020-01-01', to: 'infinity' };
        const patch = { attributter: { organisationenhedegenskaber: [{ enhedsnavn: 'x', virkning: V }] } };
        expectCode(await as(restricted, 'PATCH', `/organisation/organisationenhed/${other}`, patch), 403, 'DATA_OUTSIDE_RESTRICTION');
        const fn = await as(restricted, 'POST', '/organisation/organisationfunktion', {
          attributter: { organisationfunktionegenskaber: [{ brugervendtnoegle: 'udenfor', virkning: V }] },
          relationer: {
            tilknyttedeorganisationer: [{ uuid: AARHUS.uuid, virkning: V }],
            tilknyttedeenheder: [{ uuid: other, virkning: V }],
          },
        });
        expectCode(fn, 403, 'DATA_OUTSIDE_RESTRICTION');
      });
    });
  });
}
