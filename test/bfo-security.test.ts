/**
 * FK Beskedfordeler's findings of the security review (issue 12), each reproduced on the real
 * composition root (the service agreements decide, tokens from the token service) and refused with
 * its code, nothing stored or delivered. Aarhus (A) and København (K) each have IT systems of
 * their own: a sender for Aarhus, and a receiver in each municipality.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { bfoActor, CPR_OBJEKT, syntheticXml, testbesked, type BfoActor } from './support/bfo.ts';
import { bfoService, envelopeFromXml, toCloudEvent } from '../src/services/bfo/index.ts';

const A = '55133018';
const K = '64942212';
const CPR = CPR_OBJEKT.slice(-10);

/** A message about Aarhus whose envelope declares `namespaces` namespaces and whose payload has `elements` empty elements. */
function crafted(namespaces: number, elements: number, wrapped: boolean): { xml: string; beskedId: string } {
  const beskedId = randomUUID();
  const decls = Array.from({ length: namespaces }, (_, i) => ` xmlns:p${i}="urn:stotte:test:ns:${i}"`).join('');
  const payload = wrapped ? `<p0:w>${'<e/>'.repeat(elements)}</p0:w>` : '<e/>'.repeat(elements);
  const xml = syntheticXml(beskedId)
    .replace(/urn:oio:cvr-nr:12345678/g, `urn:oio:cvr-nr:${A}`)
    .replace('xmlns:ns2="urn:oio:besked:kuvert:1.0"', `xmlns:ns2="urn:oio:besked:kuvert:1.0"${decls}`)
    .replace(/<ns2:Beskeddata>[\s\S]*<\/ns2:Beskeddata>/, `<ns2:Beskeddata>${payload}</ns2:Beskeddata>`);
  return { xml, beskedId };
}

for (const backend of allBackends) {
  describeWith(backend)(`FK Beskedfordeler, security review issue 12 (${backend.name})`, () => {
    let t: TestPlatform;
    let sender: BfoActor;
    let receiverA: BfoActor;
    let receiverK: BfoActor;

    beforeAll(async () => {
      t = await startPlatform(backend, ['bfo', 'adgsystem']);
      sender = await bfoActor(t, ['send'], A);
      receiverA = await bfoActor(t, ['modtag'], A);
      receiverK = await bfoActor(t, ['modtag'], K);
    });
    afterAll(async () => t?.close());

    const stored = async (beskedId: string) =>
      (await t.store.query('SELECT 1 FROM bfo_besked WHERE besked_id = $1', [beskedId])).rows.length;
    const count = async (table: string) => (await t.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    const beskedtype = async () => {
      const r = await sender.request('POST', '/beskedfordeler/beskedtyper', {
        navn: `t ${randomUUID()}`,
        ejer: sender.itSystem,
        sensitivitet: 'fortrolig',
      });
      expect(r.status, r.text).toBe(201);
      return r.body.uuid as string;
    };
    /** A pull dueslag of the receiver, subscribed to the beskedtype with a filter. */
    const dueslagOf = async (receiver: BfoActor, type: string, filter: unknown = {}) => {
      const d = await receiver.request('POST', '/beskedfordeler/dueslag', {
        navn: 'd',
        ejer: receiver.itSystem,
        levering: { type: 'pull' },
      });
      expect(d.status, d.text).toBe(201);
      const a = await receiver.request('POST', '/beskedfordeler/abonnementer', { dueslag: d.body.uuid, beskedtype: type, filter });
      expect(a.status, a.text).toBe(201);
      return { dueslag: d.body.uuid as string, abonnement: a.body.uuid as string };
    };
    const pull = async (receiver: BfoActor, dueslag: string, format = 'json') => {
      const r = await receiver.request('GET', `/beskedfordeler/dueslag/${dueslag}/beskeder?maks=100&format=${format}`);
      expect(r.status, r.text).toBe(200);
      return r.body.beskeder as any[];
    };

    describe('finding 6: administrer is the operator’s; IT systems manage their own with send and modtag', () => {
      it('declares administrer an operator privilege', () => {
        expect(bfoService.operatorPrivileges).toEqual(['administrer']);
      });

      it('lets a sender register and delete its own beskedtype with send, never one for another owner', async () => {
        const type = await beskedtype();
        const before = await count('bfo_beskedtype');
        const foreign = await sender.request('POST', '/beskedfordeler/beskedtyper', {
          navn: 'x',
          ejer: receiverA.itSystem,
          sensitivitet: 'fortrolig',
        });
        expect(foreign.status).toBe(403);
        expect(foreign.body.error.code).toBe('BFO_NOT_OWNER');
        expect(foreign.text).not.toContain(receiverA.itSystem);
        const receiverTries = await receiverA.request('POST', '/beskedfordeler/beskedtyper', {
          navn: 'x',
          ejer: receiverA.itSystem,
          sensitivitet: 'fortrolig',
        });
        expect(receiverTries.body.error.code).toBe('PRIVILEGE_MISSING');
        expect(await count('bfo_beskedtype')).toBe(before);
        expect((await receiverA.request('DELETE', `/beskedfordeler/beskedtyper/${type}`)).body.error.code).toBe('PRIVILEGE_MISSING');
        expect((await sender.request('DELETE', `/beskedfordeler/beskedtyper/${type}`)).status).toBe(204);
        expect(await count('bfo_beskedtype')).toBe(before - 1);
      });

      it("lets a receiver manage its own dueslag, subscriptions and value lists with modtag, and nobody else's", async () => {
        const type = await beskedtype();
        const own = await dueslagOf(receiverA, type);
        const theirs = await dueslagOf(receiverK, type);
        const before = await Promise.all(['bfo_dueslag', 'bfo_abonnement', 'bfo_vaerdiliste'].map(count));

        const forOther = await receiverA.request('POST', '/beskedfordeler/dueslag', {
          navn: 'x',
          ejer: receiverK.itSystem,
          levering: { type: 'pull' },
        });
        expect(forOther.status).toBe(403);
        expect(forOther.body.error.code).toBe('BFO_NOT_OWNER');
        expect(forOther.text).not.toContain(receiverK.itSystem);
        const listForOther = await receiverA.request('POST', '/beskedfordeler/vaerdilister', { navn: 'x', ejer: receiverK.itSystem });
        expect(listForOther.body.error.code).toBe('BFO_NOT_OWNER');
        const subscribeOther = await receiverA.request('POST', '/beskedfordeler/abonnementer', {
          dueslag: theirs.dueslag,
          beskedtype: type,
        });
        expect(subscribeOther.status).toBe(404);
        expect(subscribeOther.body.error.code).toBe('BFO_DUESLAG_NOT_FOUND');
        const deleteOther = await receiverA.request('DELETE', `/beskedfordeler/dueslag/${theirs.dueslag}`);
        expect(deleteOther.body.error.code).toBe('BFO_DUESLAG_NOT_FOUND');
        const unsubscribeOther = await receiverA.request('DELETE', `/beskedfordeler/abonnementer/${theirs.abonnement}`);
        expect(unsubscribeOther.body.error.code).toBe('BFO_ABONNEMENT_NOT_FOUND');
        const senderTries = await sender.request('POST', '/beskedfordeler/dueslag', {
          navn: 'x',
          ejer: sender.itSystem,
          levering: { type: 'pull' },
        });
        expect(senderTries.body.error.code).toBe('PRIVILEGE_MISSING');
        expect(await Promise.all(['bfo_dueslag', 'bfo_abonnement', 'bfo_vaerdiliste'].map(count))).toEqual(before);

        // Its own: a value list with values, then everything removed again.
        const list = await receiverA.request('POST', '/beskedfordeler/vaerdilister', { navn: 'borgere', ejer: receiverA.itSystem });
        expect(list.status).toBe(201);
        const values = await receiverA.request(
          'PUT',
          `/beskedfordeler/vaerdilister/${list.body.uuid}/vaerdier`,
          `urn:oio:cpr-nr:${CPR}`,
          'text/plain',
        );
        expect(values.body).toMatchObject({ antal: 1 });
        expect((await receiverA.request('DELETE', `/beskedfordeler/abonnementer/${own.abonnement}`)).status).toBe(204);
        expect((await receiverA.request('DELETE', `/beskedfordeler/vaerdilister/${list.body.uuid}`)).status).toBe(204);
        expect((await receiverA.request('DELETE', `/beskedfordeler/dueslag/${own.dueslag}`)).status).toBe(204);
        const left = await t.store.query('SELECT uuid::text AS uuid FROM bfo_dueslag WHERE uuid = ANY($1::uuid[])', [
          [own.dueslag, theirs.dueslag],
        ]);
        expect(left.rows).toEqual([{ uuid: theirs.dueslag }]);
      });
    });

    describe("finding 8: subscriptions, value lists and dueslag are their owner's alone", () => {
      it("shows another IT system's subscription, its CPR filter and its value list to nobody else", async () => {
        const type = await beskedtype();
        const list = await receiverK.request('POST', '/beskedfordeler/vaerdilister', { navn: 'borgere', ejer: receiverK.itSystem });
        const theirs = await dueslagOf(receiverK, type, {
          or: [
            { field: 'objektRegistrering.objektId', equals: `urn:oio:cpr-nr:${CPR}` },
            { field: 'relateretObjekt.objektId', inList: list.body.uuid },
          ],
        });
        const mine = await dueslagOf(receiverA, type);

        const subs = await receiverA.request('GET', '/beskedfordeler/abonnementer');
        expect(subs.body.resultater.map((a: any) => a.uuid)).toContain(mine.abonnement);
        expect(subs.body.resultater.map((a: any) => a.uuid)).not.toContain(theirs.abonnement);
        expect(subs.text).not.toContain(CPR);
        expect((await receiverA.request('GET', `/beskedfordeler/abonnementer?dueslag=${theirs.dueslag}`)).body.resultater).toEqual([]);
        const one = await receiverA.request('GET', `/beskedfordeler/abonnementer/${theirs.abonnement}`);
        expect(one.status).toBe(404);
        expect(one.body.error.code).toBe('BFO_ABONNEMENT_NOT_FOUND');
        expect(one.text).not.toContain(CPR);
        const lists = await receiverA.request('GET', '/beskedfordeler/vaerdilister');
        expect(lists.body.resultater.map((l: any) => l.uuid)).not.toContain(list.body.uuid);
        expect((await receiverA.request('GET', `/beskedfordeler/vaerdilister/${list.body.uuid}`)).body.error.code).toBe(
          'BFO_VAERDILISTE_NOT_FOUND',
        );
        const dueslag = await receiverA.request('GET', '/beskedfordeler/dueslag');
        expect(dueslag.body.resultater.map((d: any) => d.uuid)).toEqual(expect.arrayContaining([mine.dueslag]));
        expect(dueslag.body.resultater.map((d: any) => d.ejer)).toEqual(dueslag.body.resultater.map(() => receiverA.itSystem));
        expect((await receiverA.request('GET', `/beskedfordeler/dueslag?ejer=${receiverK.itSystem}`)).body.resultater).toEqual([]);
        const explainTheirs = await receiverA.request(
          'POST',
          `/beskedfordeler/abonnementer/${theirs.abonnement}/forklar`,
          testbesked({ beskedtype: type, cvr: A }).xml,
          'application/xml',
        );
        expect(explainTheirs.body.error.code).toBe('BFO_ABONNEMENT_NOT_FOUND');
        expect(explainTheirs.text).not.toContain(CPR);

        // Nor may a filter refer to another owner's list (routing would test values against it).
        const before = await count('bfo_abonnement');
        const borrowed = await receiverA.request('POST', '/beskedfordeler/abonnementer', {
          dueslag: mine.dueslag,
          beskedtype: type,
          filter: { field: 'relateretObjekt.objektId', inList: list.body.uuid },
        });
        expect(borrowed.body.error.code).toBe('BFO_UNKNOWN_VAERDILISTE');
        expect(await count('bfo_abonnement')).toBe(before);
        // The owner sees its own.
        const own = await receiverK.request('GET', '/beskedfordeler/abonnementer');
        expect(own.body.resultater.map((a: any) => a.uuid)).toContain(theirs.abonnement);
        expect(own.body.resultater.map((a: any) => a.uuid)).not.toContain(mine.abonnement);
      });

      it('explains a stored message only to a receiver it was delivered to or that is entitled to it', async () => {
        const type = await beskedtype();
        // Aarhus's receiver does not match (another KLE group), København's is not entitled for Aarhus.
        const a = await dueslagOf(receiverA, type, { field: 'objektRegistrering.opgaveEmne', prefix: '27' });
        const k = await dueslagOf(receiverK, type);
        const m = testbesked({ beskedtype: type, cvr: A });
        expect((await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml')).body).toMatchObject({ modtagere: 0 });

        const entitled = await receiverA.request('GET', `/beskedfordeler/abonnementer/${a.abonnement}/forklar?beskedId=${m.beskedId}`);
        expect(entitled.status).toBe(200);
        expect(entitled.body).toMatchObject({ matched: false, entitled: true });
        const other = await receiverK.request('GET', `/beskedfordeler/abonnementer/${k.abonnement}/forklar?beskedId=${m.beskedId}`);
        expect(other.status).toBe(404);
        expect(other.body.error.code).toBe('BFO_BESKED_NOT_FOUND');
        expect(other.text).not.toContain(CPR);
        expect(other.text).not.toContain(A);
        expect(await pull(receiverK, k.dueslag)).toEqual([]);
      });
    });

    describe('finding 9: a sender sends about its own municipality only', () => {
      it('refuses a message from Aarhus addressed to København, storing and delivering nothing', async () => {
        const type = await beskedtype();
        const k = await dueslagOf(receiverK, type);
        for (const m of [
          testbesked({ beskedtype: type, cvr: A, tilladtModtager: [K], ansvarlig: false }),
          testbesked({ beskedtype: type, cvr: A, tilladtModtager: [A, K] }),
          testbesked({ beskedtype: type, cvr: K, tilladtModtager: [] }),
        ]) {
          const r = await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml');
          expect(r.status).toBe(403);
          expect(r.body.error.code).toBe('BFO_SENDER_NOT_ENTITLED');
          expect(r.text).not.toContain(K);
          expect(await stored(m.beskedId)).toBe(0);
        }
        expect(await pull(receiverK, k.dueslag)).toEqual([]);
      });

      it("routes a message naming no municipality as about the sender's: to Aarhus's receivers only", async () => {
        const type = await beskedtype();
        const a = await dueslagOf(receiverA, type);
        const k = await dueslagOf(receiverK, type);
        const m = testbesked({ beskedtype: type, cvr: A, tilladtModtager: [], ansvarlig: false });
        const r = await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml');
        expect(r.body).toMatchObject({ status: 'modtaget', modtagere: 1 });
        const row = await t.store.query<{ t: string }>(
          `SELECT kuvert #>> '{beskedkuvert,filtreringsdata,tilladtModtager}' AS t FROM bfo_besked WHERE besked_id = $1`,
          [m.beskedId],
        );
        expect(JSON.parse(row.rows[0]!.t)).toEqual([`urn:oio:cvr-nr:${A}`]);
        const got = await pull(receiverA, a.dueslag);
        expect(got.map((g) => g.beskedId)).toEqual([m.beskedId]);
        expect(got[0].besked.beskedkuvert.filtreringsdata.tilladtModtager).toEqual([`urn:oio:cvr-nr:${A}`]);
        expect(await pull(receiverK, k.dueslag)).toEqual([]);
      });
    });

    describe('finding 10: payload XML is read and written again, never pasted', () => {
      const forged =
        '<x>a</x></b:Beskeddata><b:Beskedkuvert><b:Filtreringsdata><b:Beskedtype><UUIDIdentifikator>00000000-0000-4000-8000-000000000000</UUIDIdentifikator></b:Beskedtype></b:Filtreringsdata></b:Beskedkuvert><b:Beskeddata><y/>';

      it('refuses a JSON or CloudEvent payload that would close its Beskeddata, or uses an undeclared prefix; stores nothing', async () => {
        const type = await beskedtype();
        const base = envelopeFromXml(testbesked({ beskedtype: type, cvr: A }).xml);
        for (const [xml, code] of [
          [forged, 'BFO_MALFORMED_XML'],
          ['<p:x>undeclared</p:x>', 'BFO_MALFORMED_XML'],
          ['<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', 'BFO_DOCTYPE_FORBIDDEN'],
          ['just text', 'BFO_INVALID_ENVELOPE'],
        ] as const) {
          const asJson = { ...base, beskedId: randomUUID(), beskeddata: [{ xml }] };
          const r = await sender.request('POST', '/beskedfordeler/beskeder', asJson);
          expect(r.status, xml).toBe(400);
          expect(r.body.error.code, xml).toBe(code);
          expect(r.body.error.details.field).toBe('beskeddata[0].xml');
          expect(await stored(asJson.beskedId)).toBe(0);
        }
        const ce = {
          ...toCloudEvent({ ...base, beskedId: randomUUID(), beskeddata: [] }),
          datacontenttype: 'application/xml',
          data: forged,
        };
        const r = await sender.request('POST', '/beskedfordeler/beskeder', ce, 'application/cloudevents+json');
        expect(r.body.error.code).toBe('BFO_MALFORMED_XML');
        expect(await stored(ce.id)).toBe(0);
      });

      it('hands out a JSON payload as XML that stands alone inside exactly one envelope', async () => {
        const type = await beskedtype();
        const a = await dueslagOf(receiverA, type);
        const payload = '<p:doc xmlns:p="urn:p"><p:a n="1 &amp; 2">x &lt; y</p:a><plain/></p:doc>';
        const asJson = {
          ...envelopeFromXml(testbesked({ beskedtype: type, cvr: A }).xml),
          beskedId: randomUUID(),
          beskeddata: [{ xml: payload }],
        };
        expect((await sender.request('POST', '/beskedfordeler/beskeder', asJson)).status).toBe(201);
        const [got] = await pull(receiverA, a.dueslag, 'xml');
        expect(got.besked.match(/<b:Beskedkuvert>/g)).toHaveLength(1);
        expect(got.besked).toContain(`<b:Beskeddata xmlns="">${payload}</b:Beskeddata>`);
        expect(envelopeFromXml(got.besked).beskeddata).toEqual([{ xml: payload }]);
      });

      it('writes a stored payload that was never checked as base64, not as XML', async () => {
        const type = await beskedtype();
        const a = await dueslagOf(receiverA, type);
        const m = testbesked({ beskedtype: type, cvr: A });
        expect((await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml')).status).toBe(201);
        // As a row stored before payloads were checked could hold it.
        const { rows } = await t.store.query<{ kuvert: any }>('SELECT kuvert FROM bfo_besked WHERE besked_id = $1', [m.beskedId]);
        await t.store.query('UPDATE bfo_besked SET kuvert = $2::json WHERE besked_id = $1', [
          m.beskedId,
          JSON.stringify({ ...rows[0]!.kuvert, beskeddata: [{ xml: forged }] }),
        ]);
        const [got] = await pull(receiverA, a.dueslag, 'xml');
        expect(got.besked.match(/<b:Beskedkuvert>/g)).toHaveLength(1);
        expect(envelopeFromXml(got.besked).beskeddata).toEqual([{ base64: Buffer.from(forged).toString('base64') }]);
      });
    });

    describe('finding 13: deep JSON and the open /metrics', () => {
      const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown;

      it('refuses 10,000-deep JSON in beskeddata and in a CloudEvent kuvert with JSON_TOO_DEEP, storing nothing', async () => {
        const type = await beskedtype();
        const base = envelopeFromXml(testbesked({ beskedtype: type, cvr: A }).xml);
        const id = randomUUID();
        const body = `{"beskedId":"${id}","beskedVersion":"1.0","beskedkuvert":${JSON.stringify(base.beskedkuvert)},"beskeddata":[{"json":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`;
        const r = await sender.request('POST', '/beskedfordeler/beskeder', body);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('JSON_TOO_DEEP');
        expect(await stored(id)).toBe(0);
        const ce = { ...toCloudEvent({ ...base, beskedId: randomUUID() }), bfokuvert: '['.repeat(10_000) + ']'.repeat(10_000) };
        const c = await sender.request('POST', '/beskedfordeler/beskeder', ce, 'application/cloudevents+json');
        expect(c.body.error.code).toBe('JSON_TOO_DEEP');
        expect(await stored(ce.id)).toBe(0);
        // Within the limit a JSON payload is taken.
        const fine = { ...base, beskedId: randomUUID(), beskeddata: [{ json: deep(40) }] };
        expect((await sender.request('POST', '/beskedfordeler/beskeder', fine)).status).toBe(201);
      });

      it("shows on /metrics, which needs no token, aggregates only: no dueslag's UUID", async () => {
        const type = await beskedtype();
        const a = await dueslagOf(receiverA, type);
        await sender.request('POST', '/beskedfordeler/beskeder', testbesked({ beskedtype: type, cvr: A }).xml, 'application/xml');
        const scrape = await t.platform.http.inject({ method: 'GET', url: '/metrics' });
        expect(scrape.statusCode).toBe(200);
        expect(scrape.body).not.toContain(a.dueslag);
        expect(scrape.body).not.toMatch(/stotte_bfo_\w+\{[^}]*dueslag=/);
        expect(Number(/^stotte_bfo_depth (\d+)/m.exec(scrape.body)?.[1])).toBeGreaterThanOrEqual(1);
        // The per-dueslag figures are behind the owner's token.
        expect((await receiverA.request('GET', `/beskedfordeler/dueslag/${a.dueslag}/metrikker`)).body).toMatchObject({ dybde: 1 });
        expect((await receiverK.request('GET', `/beskedfordeler/dueslag/${a.dueslag}/metrikker`)).body.error.code).toBe(
          'BFO_DUESLAG_NOT_FOUND',
        );
      });
    });

    describe('finding 5: namespaces are never copied onto every payload element', () => {
      it('refuses 300 namespaces on the root with XML_TOO_MANY_NAMESPACES, storing nothing', async () => {
        const m = crafted(300, 20_000, false);
        const r = await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml');
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('XML_TOO_MANY_NAMESPACES');
        expect(await stored(m.beskedId)).toBe(0);
      });

      it('refuses 20,000 top payload elements that would each repeat an inherited namespace with XML_TOO_LARGE', async () => {
        const m = crafted(60, 20_000, false);
        const r = await sender.request('POST', '/beskedfordeler/beskeder', m.xml, 'application/xml');
        expect(r.status).toBe(413);
        expect(r.body.error.code).toBe('XML_TOO_LARGE');
        expect(await stored(m.beskedId)).toBe(0);
      });

      it('takes 60 namespaces and 20,000 elements under one top element, declaring only the two it uses', async () => {
        const type = await beskedtype();
        const a = await dueslagOf(receiverA, type);
        const m = crafted(60, 20_000, true);
        const r = await sender.request(
          'POST',
          '/beskedfordeler/beskeder',
          m.xml.replace('7654895c-a3f3-4c77-8afd-4c77330f963c', type),
          'application/xml',
        );
        expect(r.status, r.text).toBe(201);
        const [got] = await pull(receiverA, a.dueslag);
        const payload = got.besked.beskeddata[0].xml as string;
        expect(payload.length).toBeLessThan(m.xml.length);
        expect(payload.match(/xmlns(:\w+)?=/g)).toEqual(['xmlns:p0=', 'xmlns=']);
      });
    });
  });
}
