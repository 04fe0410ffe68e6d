/**
 * The entitlements seam: what the token service's implementation will decide, routing obeys.
 * Here a stand-in answers from a table, as agreements would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BfoCaller, BfoEntitlements, ReceiveQuestion } from '../src/services/bfo/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';

for (const backend of allBackends) {
  describeWith(backend)(`FK Beskedfordeler entitlements on ${backend.name}`, () => {
    let t: TestPlatform;
    let c: ReturnType<typeof client>;
    const asked: ReceiveQuestion[] = [];
    // The sender is named by a header until the token service authenticates callers.
    const entitlements: BfoEntitlements = {
      async maySend({ caller, besked }) {
        const municipality = besked.beskedkuvert.filtreringsdata.objektRegistrering[0]?.objektAnsvarligMyndighed;
        return caller?.system === 'urn:test:afsender' && municipality === `urn:oio:cvr-nr:${caller.cvr}`
          ? { allowed: true }
          : { allowed: false, reason: `${caller?.system ?? 'an anonymous caller'} may not send for ${municipality}` };
      },
      async mayReceive(questions) {
        asked.push(...questions);
        return questions.map((q) =>
          q.dueslag.ejer === 'urn:test:uden-aftale'
            ? { allowed: false, reason: 'no approved agreement' }
            : { allowed: true, tilladtModtager: q.tilladtModtager.filter((m) => m === 'urn:oio:cvr-nr:55133018') },
        );
      },
      async mayManage(caller, ejer) {
        return caller?.system === ejer || caller?.system === 'urn:test:afsender'
          ? { allowed: true }
          : { allowed: false, reason: 'not the owner' };
      },
    };
    const callerOf = (req: { headers: Record<string, unknown> }): BfoCaller | undefined =>
      typeof req.headers['x-test-system'] === 'string'
        ? { system: req.headers['x-test-system'], cvr: String(req.headers['x-test-cvr'] ?? ''), privileges: [] }
        : undefined;

    beforeAll(async () => {
      t = await startPlatform(backend, ['bfo'], { entitlements, callerOf });
      // The administrator acts as the sender system, which this stand-in lets administer everything.
      c = client(t.platform.http, { 'x-test-system': 'urn:test:afsender' });
    });
    afterAll(async () => t?.close());

    const send = (xml: string, headers: Record<string, string>) =>
      t.platform.http.inject({
        method: 'POST',
        url: '/beskedfordeler/beskeder',
        headers: { 'content-type': 'application/xml', ...headers },
        payload: xml,
      });

    it('refuses a sender without agreement with BFO_SENDER_NOT_ENTITLED, storing nothing', async () => {
      const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'e', ejer: 'urn:test', sensitivitet: 'foelsom' })).body.uuid;
      const m = testbesked({ beskedtype: type, cvr: '55133018' });
      const anonymous = await send(m.xml, {});
      expect(anonymous.statusCode).toBe(403);
      expect(JSON.parse(anonymous.body).error.code).toBe('BFO_SENDER_NOT_ENTITLED');
      const otherMunicipality = await send(m.xml, { 'x-test-system': 'urn:test:afsender', 'x-test-cvr': '64942212' });
      expect(JSON.parse(otherMunicipality.body).error.code).toBe('BFO_SENDER_NOT_ENTITLED');
      const stored = await t.store.query('SELECT 1 FROM bfo_besked WHERE besked_id = $1', [m.beskedId]);
      expect(stored.rows).toHaveLength(0);
    });

    it('routes only to entitled receivers, with TilladtModtager rewritten to what each is entitled for', async () => {
      const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'e2', ejer: 'urn:test', sensitivitet: 'fortrolig' })).body.uuid;
      const mk = async (ejer: string) => {
        const d = (await c.post('/beskedfordeler/dueslag', { navn: 'd', ejer, levering: { type: 'pull' } })).body.uuid as string;
        await c.post('/beskedfordeler/abonnementer', { dueslag: d, beskedtype: type });
        return d;
      };
      const entitled = await mk('urn:test:med-aftale');
      const refused = await mk('urn:test:uden-aftale');
      const m = testbesked({ beskedtype: type, cvr: '55133018' });
      // The envelope allows two municipalities; the receiver is entitled for one.
      const xml = m.xml.replace(
        '<ns2:TilladtModtager>',
        '<ns2:TilladtModtager><URNIdentifikator>urn:oio:cvr-nr:64942212</URNIdentifikator></ns2:TilladtModtager><ns2:TilladtModtager>',
      );
      const r = await send(xml, { 'x-test-system': 'urn:test:afsender', 'x-test-cvr': '55133018' });
      expect(JSON.parse(r.body)).toMatchObject({ status: 'modtaget', modtagere: 1 });
      expect(asked.at(-1)).toMatchObject({ ansvarligMyndighed: ['urn:oio:cvr-nr:55133018'], opgaveEmne: ['urn:oio:kle:32.01.01'] });
      const got = await t.platform.http.inject({
        method: 'GET',
        url: `/beskedfordeler/dueslag/${entitled}/beskeder?vent=2`,
        headers: { 'x-test-system': 'urn:test:med-aftale' },
      });
      const beskeder = JSON.parse(got.body).beskeder;
      expect(beskeder).toHaveLength(1);
      expect(beskeder[0].besked.beskedkuvert.filtreringsdata.tilladtModtager).toEqual(['urn:oio:cvr-nr:55133018']);
      const none = await t.platform.http.inject({
        method: 'GET',
        url: `/beskedfordeler/dueslag/${refused}/beskeder`,
        headers: { 'x-test-system': 'urn:test:uden-aftale' },
      });
      expect(JSON.parse(none.body).beskeder).toEqual([]);
      // Someone else's dueslag is not found.
      const foreign = await t.platform.http.inject({
        method: 'GET',
        url: `/beskedfordeler/dueslag/${entitled}/beskeder`,
        headers: { 'x-test-system': 'urn:test:fremmed' },
      });
      expect(foreign.statusCode).toBe(404);
      expect(JSON.parse(foreign.body).error.code).toBe('BFO_DUESLAG_NOT_FOUND');
      // A receiver lists only its own dueslag, and cannot create one for another owner.
      const own = client(t.platform.http, { 'x-test-system': 'urn:test:uden-aftale' });
      expect((await own.get('/beskedfordeler/dueslag')).body.resultater.map((x: any) => x.uuid)).toEqual([refused]);
      const before = (await t.store.query('SELECT count(*)::int AS n FROM bfo_dueslag')).rows[0];
      const taken = await own.post('/beskedfordeler/dueslag', { navn: 'x', ejer: 'urn:test:med-aftale', levering: { type: 'pull' } });
      expect(taken.status).toBe(403);
      expect(taken.body.error.code).toBe('BFO_NOT_OWNER');
      expect((await t.store.query('SELECT count(*)::int AS n FROM bfo_dueslag')).rows[0]).toEqual(before);
      // Nor subscribe someone else's dueslag.
      const sub = await own.post('/beskedfordeler/abonnementer', { dueslag: entitled, beskedtype: type });
      expect(sub.body.error.code).toBe('BFO_DUESLAG_NOT_FOUND');
    });
  });
}
