import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Readable } from 'node:stream';
import { KLE_FACET_EMNER, KLE_KLASSIFIKATION, KLE_UPLOAD_LIMIT } from '../src/services/kla/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';
import { provisionTestClient, TEST_CVR } from './support/auth.ts';

const KOBENHAVN = '64942212';
const OPERATOR = '11111111';
const SUBJECT = '22222222-2222-4222-8222-222227350400';
/** A subject KL adds in the second edition: a municipality may write to its UUID before KL does. */
const NEW_SUBJECT = '22222222-2222-4222-8222-222227350600';
const virkning = { from: '2020-01-01', to: 'infinity' };

function plan(date: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<KLE-Emneplan><UdgivelsesDato>${date}</UdgivelsesDato>
  <Hovedgruppe><HovedgruppeNr>27</HovedgruppeNr><HovedgruppeTitel>Børn og unge</HovedgruppeTitel>
    <UUID>22222222-2222-4222-8222-222222222227</UUID>
    <Gruppe><GruppeNr>27.35</GruppeNr><GruppeTitel>Dagpasning</GruppeTitel><UUID>22222222-2222-4222-8222-222222222735</UUID>
      <Emne><EmneNr>27.35.04</EmneNr><EmneTitel>Vuggestuer</EmneTitel><UUID>${SUBJECT}</UUID></Emne>${extra}
    </Gruppe>
  </Hovedgruppe>
</KLE-Emneplan>`;
}

const newSubject = `<Emne><EmneNr>27.35.06</EmneNr><EmneTitel>Legestuer</EmneTitel><UUID>${NEW_SUBJECT}</UUID></Emne>`;

for (const backend of allBackends) {
  describeWith(backend)(`FK Klassifikation's national data on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    /** København's fagsystem: laes and skriv, as a municipality may approve. */
    let kobenhavn: string;
    let aarhus: string;
    /** The operator: administrer, the privilege for national data. */
    let operator: string;
    let kobenhavnOrg: string;

    const as = (token: string, opts: InjectOptions) =>
      app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    const upload = (token: string, xml: string) =>
      as(token, { method: 'POST', url: '/klassifikation/kle/import', payload: xml, headers: { 'content-type': 'application/xml' } });
    const registrations = async () => Number((await t.store.query<{ n: string }>('SELECT count(*) AS n FROM oio_registrering')).rows[0]!.n);
    /** The current registration of an object, as the default (unrestricted) token reads it. */
    const current = async (type: string, uuid: string) => {
      const res = await app.inject({ method: 'GET', url: `/klassifikation/${type}/${uuid}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json()[uuid][0].registreringer.at(-1);
    };
    const titleOf = async (uuid: string) => (await current('klasse', uuid)).attributter.klasseegenskaber[0].titel as string;
    const ownerOf = async (uuid: string) => (await current('klasse', uuid)).relationer?.ejer?.[0]?.uuid as string | undefined;
    const klasse = (nr: string, ejer?: string) => ({
      attributter: { klasseegenskaber: [{ brugervendtnoegle: nr, titel: `Emne ${nr}`, virkning }] },
      relationer: { facet: [{ uuid: KLE_FACET_EMNER, virkning }], ...(ejer ? { ejer: [{ uuid: ejer, virkning }] } : {}) },
    });
    const refused = (res: { statusCode: number; json(): { error: { code: string } } }) => [res.statusCode, res.json().error.code];

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla']);
      app = t.platform.http;
      const { store, audit, tokens } = t.platform;
      const client = async (cvr: string, privileges: string[]) =>
        (await provisionTestClient(store, audit, [{ cvr, service: 'kla', privileges }])).token(tokens, 'kla', cvr);
      kobenhavn = await client(KOBENHAVN, ['laes', 'skriv']);
      aarhus = await client(TEST_CVR, ['laes', 'skriv']);
      operator = await client(OPERATOR, ['laes', 'administrer']);
      kobenhavnOrg = await t.platform.oio.opret('organisation', {
        attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'kbh' }, virkning: { from: 0, to: Infinity } }] },
        tilstande: {},
        relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning: { from: 0, to: Infinity } }] },
      });
      expect((await upload(operator, plan('2019-01-01'))).statusCode).toBe(200);
    });
    afterAll(async () => t?.close());

    it('refuses a municipality every write of national data (KLE), and changes nothing', async () => {
      const before = await registrations();
      const writes: InjectOptions[] = [
        {
          method: 'PATCH',
          url: `/klassifikation/klasse/${SUBJECT}`,
          payload: { attributter: { klasseegenskaber: [{ titel: 'Kapret', virkning }] } },
        },
        { method: 'PUT', url: `/klassifikation/klasse/${SUBJECT}`, payload: klasse('27.35.04') },
        { method: 'PATCH', url: `/klassifikation/klasse/${SUBJECT}`, payload: { livscyklus: 'Passiv' } },
        { method: 'DELETE', url: `/klassifikation/klasse/${SUBJECT}` },
        { method: 'POST', url: '/klassifikation/klasse', payload: klasse('27.35.99') },
        {
          method: 'PATCH',
          url: `/klassifikation/facet/${KLE_FACET_EMNER}`,
          payload: { attributter: { facetegenskaber: [{ titel: 'x', virkning }] } },
        },
        {
          method: 'PATCH',
          url: `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}`,
          payload: { attributter: { klassifikationegenskaber: [{ titel: 'x', virkning }] } },
        },
      ];
      for (const write of writes)
        expect(refused(await as(kobenhavn, write)), `${write.method} ${write.url}`).toEqual([403, 'NATIONAL_DATA_OPERATOR_ONLY']);
      expect(await titleOf(SUBJECT)).toBe('Vuggestuer');
      expect((await current('klasse', SUBJECT)).livscykluskode).not.toBe('Passiveret');
      expect(await registrations()).toBe(before);
    });

    it('leaves the KLE import to the operator', async () => {
      const before = await registrations();
      const byMunicipality = await upload(kobenhavn, plan('2030-01-01').replace('Vuggestuer', 'Kapret'));
      expect(refused(byMunicipality)).toEqual([403, 'PRIVILEGE_MISSING']);
      expect(byMunicipality.json().error.details.privilege).toEqual(['administrer']);
      expect(await registrations()).toBe(before);
      expect(await titleOf(SUBJECT)).toBe('Vuggestuer');

      const restricted = await provisionTestClient(t.platform.store, t.platform.audit, [
        { cvr: OPERATOR, service: 'kla', privileges: ['administrer'], kle: ['27.*'] },
      ]);
      const partial = await upload(await restricted.token(t.platform.tokens, 'kla', OPERATOR), plan('2030-01-01'));
      expect(refused(partial)).toEqual([403, 'DATA_OUTSIDE_RESTRICTION']);

      const patched = await as(operator, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${SUBJECT}`,
        payload: { attributter: { klasseegenskaber: [{ titel: 'Vuggestuer (rettet)', virkning }] } },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(await titleOf(SUBJECT)).toBe('Vuggestuer (rettet)');
    });

    it('takes the right to write both to move an object between national and owned', async () => {
      // National → owned: the municipality may own the result, but not write the national class.
      const claim = await as(kobenhavn, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${SUBJECT}`,
        payload: { relationer: { ejer: [{ uuid: kobenhavnOrg, virkning }] } },
      });
      expect(refused(claim)).toEqual([403, 'NATIONAL_DATA_OPERATOR_ONLY']);
      expect(await ownerOf(SUBJECT)).toBeUndefined();
      // ... and the operator may write the national class, but not own it for a municipality.
      const handOver = await as(operator, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${SUBJECT}`,
        payload: { relationer: { ejer: [{ uuid: kobenhavnOrg, virkning }] } },
      });
      expect(refused(handOver)).toEqual([403, 'PRIVILEGE_MISSING']);
      expect(await ownerOf(SUBJECT)).toBeUndefined();

      // Owned → national: the owner may write its class, but not make it national.
      const created = await as(kobenhavn, { method: 'POST', url: '/klassifikation/klasse', payload: klasse('90.01.01', kobenhavnOrg) });
      expect(created.statusCode, created.body).toBe(201);
      const own = created.json().uuid as string;
      for (const write of [
        { method: 'PATCH', url: `/klassifikation/klasse/${own}`, payload: { relationer: { ejer: [] } } },
        { method: 'PUT', url: `/klassifikation/klasse/${own}`, payload: klasse('90.01.01') },
      ] as InjectOptions[])
        expect(refused(await as(kobenhavn, write)), JSON.stringify(write.payload)).toEqual([403, 'NATIONAL_DATA_OPERATOR_ONLY']);
      expect(await ownerOf(own)).toBe(kobenhavnOrg);

      // Another municipality writes none of it; the owner writes its own.
      const foreign = await as(aarhus, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${own}`,
        payload: { attributter: { klasseegenskaber: [{ titel: 'Aarhus var her', virkning }] } },
      });
      expect(refused(foreign)).toEqual([403, 'MUNICIPALITY_NOT_ALLOWED']);
      const mine = await as(kobenhavn, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${own}`,
        payload: { attributter: { klasseegenskaber: [{ titel: 'Københavns emne', virkning }] } },
      });
      expect(mine.statusCode, mine.body).toBe(200);
      expect(await titleOf(own)).toBe('Københavns emne');
    });

    it('lets no one write an object whose owner leads to no municipality', async () => {
      const before = await registrations();
      const unknown = await as(kobenhavn, {
        method: 'POST',
        url: '/klassifikation/klasse',
        payload: klasse('90.02.01', '33333333-3333-4333-8333-333333333333'),
      });
      expect(refused(unknown)).toEqual([403, 'MUNICIPALITY_NOT_ALLOWED']);
      const byUrn = await as(kobenhavn, {
        method: 'POST',
        url: '/klassifikation/klasse',
        payload: { ...klasse('90.02.02'), relationer: { ejer: [{ urn: `urn:oio:cvr-nr:${KOBENHAVN}`, virkning }] } },
      });
      expect(refused(byUrn)).toEqual([403, 'MUNICIPALITY_NOT_ALLOWED']);
      const aarhusOrg = (
        await app.inject({ method: 'POST', url: '/organisation/organisation', payload: organisationBody('ejer-aarhus') })
      ).json().uuid as string;
      const theirs = await as(kobenhavn, { method: 'POST', url: '/klassifikation/klasse', payload: klasse('90.02.03', aarhusOrg) });
      expect(refused(theirs)).toEqual([403, 'MUNICIPALITY_NOT_ALLOWED']);
      expect(await registrations()).toBe(before + 1);
    });

    it('makes a class a municipality wrote under a KLE UUID national when KL publishes it', async () => {
      const squat = await as(kobenhavn, {
        method: 'PUT',
        url: `/klassifikation/klasse/${NEW_SUBJECT}`,
        payload: klasse('27.35.06', kobenhavnOrg),
      });
      expect(squat.statusCode, squat.body).toBe(200);
      const imported = await upload(operator, plan('2021-01-01', newSubject));
      expect(imported.statusCode, imported.body).toBe(200);
      expect(await ownerOf(NEW_SUBJECT)).toBeUndefined();
      expect(await titleOf(NEW_SUBJECT)).toBe('Legestuer');
      const after = await as(kobenhavn, {
        method: 'PATCH',
        url: `/klassifikation/klasse/${NEW_SUBJECT}`,
        payload: { attributter: { klasseegenskaber: [{ titel: 'Kapret', virkning }] } },
      });
      expect(refused(after)).toEqual([403, 'NATIONAL_DATA_OPERATOR_ONLY']);
    });

    it(`caps a KLE upload at ${KLE_UPLOAD_LIMIT / 1024 / 1024} MiB, declared or streamed, and refuses an empty one`, async () => {
      const before = await registrations();
      const declared = await as(operator, {
        method: 'POST',
        url: '/klassifikation/kle/import',
        payload: plan('2031-01-01'),
        headers: { 'content-type': 'application/xml', 'content-length': String(KLE_UPLOAD_LIMIT + 1) },
      });
      expect(refused(declared)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const chunk = Buffer.alloc(1024 * 1024, ' ');
      const streamed = await as(operator, {
        method: 'POST',
        url: '/klassifikation/kle/import',
        payload: Readable.from(
          (function* () {
            yield Buffer.from(plan('2031-01-01').replace('</KLE-Emneplan>', ''));
            for (let i = 0; i <= KLE_UPLOAD_LIMIT / chunk.length; i++) yield chunk;
            yield Buffer.from('</KLE-Emneplan>');
          })(),
        ),
        headers: { 'content-type': 'application/xml', 'transfer-encoding': 'chunked' },
      });
      expect(refused(streamed)).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(streamed.headers.connection).toBe('close');
      const empty = await as(operator, {
        method: 'POST',
        url: '/klassifikation/kle/import',
        payload: '',
        headers: { 'content-type': 'application/xml' },
      });
      expect(refused(empty)).toEqual([400, 'KLE_EMPTY_UPLOAD']);
      expect(await registrations()).toBe(before);
    });
  });
}
