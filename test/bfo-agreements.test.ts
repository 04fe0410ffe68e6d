/**
 * FK Beskedfordeler entitled by the service agreements of FK Adgangsstyring for Systemer (the
 * platform's default): senders only about their own municipality, receivers only where their
 * IT system has an approved agreement with `modtag`, TilladtModtager rewritten to it, and
 * dueslag administered by their owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';
import { clientKey, provisionTestClient, TEST_CVR, type TestClient } from './support/auth.ts';

const OTHER_CVR = '64942212';

for (const backend of allBackends) {
  describeWith(backend)(`FK Beskedfordeler on the service agreements (${backend.name})`, () => {
    let t: TestPlatform;
    /** Receives for TEST_CVR only, may not administer. */
    let receiver: TestClient;
    /** Has no agreement for FK Beskedfordeler at all. */
    let outsider: TestClient;
    let receiverToken: string;

    beforeAll(async () => {
      t = await startPlatform(backend, ['bfo', 'adgsystem', 'org']);
      receiver = await provisionTestClient(
        t.store,
        t.platform.audit,
        [{ cvr: TEST_CVR, service: 'bfo', privileges: ['modtag'] }],
        clientKey(),
      );
      outsider = await provisionTestClient(t.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'kla' }], clientKey());
      receiverToken = await receiver.token(t.platform.tokens, 'bfo');
    });
    afterAll(async () => t?.close());

    const send = (xml: string) =>
      t.platform.http.inject({
        method: 'POST',
        url: '/beskedfordeler/beskeder',
        headers: { 'content-type': 'application/xml' },
        payload: xml,
      });
    // The test client administers (it has every privilege of FK Beskedfordeler).
    const admin = () => client(t.platform.http);
    const dueslagOf = async (ejer: string, type: string) => {
      const d = (await admin().post('/beskedfordeler/dueslag', { navn: 'd', ejer, levering: { type: 'pull' } })).body.uuid as string;
      await admin().post('/beskedfordeler/abonnementer', { dueslag: d, beskedtype: type });
      return d;
    };
    const pull = async (dueslag: string, token: string) => {
      const res = await t.platform.http.inject({
        method: 'GET',
        url: `/beskedfordeler/dueslag/${dueslag}/beskeder?vent=1`,
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };

    it('lets a sender send only about its own municipality: BFO_SENDER_NOT_ENTITLED, nothing stored', async () => {
      const type = (await admin().post('/beskedfordeler/beskedtyper', { navn: 'a', ejer: t.client.itSystem, sensitivitet: 'fortrolig' }))
        .body.uuid;
      const foreign = testbesked({ beskedtype: type, cvr: OTHER_CVR });
      const refused = await send(foreign.xml);
      expect(refused.statusCode).toBe(403);
      expect(JSON.parse(refused.body).error.code).toBe('BFO_SENDER_NOT_ENTITLED');
      expect((await t.store.query('SELECT 1 FROM bfo_besked WHERE besked_id = $1', [foreign.beskedId])).rows).toHaveLength(0);
      const own = await send(testbesked({ beskedtype: type, cvr: TEST_CVR }).xml);
      expect(own.statusCode).toBeLessThan(300);
    });

    it('delivers only to receivers with an agreement for the municipality', async () => {
      const type = (await admin().post('/beskedfordeler/beskedtyper', { navn: 'b', ejer: t.client.itSystem, sensitivitet: 'fortrolig' }))
        .body.uuid;
      const entitled = await dueslagOf(receiver.itSystem, type);
      const without = await dueslagOf(outsider.itSystem, type);
      // (A sender names only its own municipality: bfo-security.test.ts.)
      const m = testbesked({ beskedtype: type, cvr: TEST_CVR });
      const r = await send(m.xml);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'modtaget', modtagere: 1 });
      const got = await pull(entitled, receiverToken);
      expect(got.status).toBe(200);
      expect(got.body.beskeder).toHaveLength(1);
      expect(got.body.beskeder[0].besked.beskedkuvert.filtreringsdata.tilladtModtager).toEqual([`urn:oio:cvr-nr:${TEST_CVR}`]);
      expect((await pull(without, t.tokens.get('bfo')!)).body.beskeder).toEqual([]);
    });

    it("delivers the registers' events only to receivers entitled for the organisation's municipality", async () => {
      const { orgDefinition } = await import('../src/services/org/index.ts');
      const elsewhere = await provisionTestClient(
        t.store,
        t.platform.audit,
        [{ cvr: OTHER_CVR, service: 'bfo', privileges: ['modtag'] }],
        clientKey(),
      );
      const ours = await dueslagOf(receiver.itSystem, orgDefinition.events!.beskedtype.uuid);
      const theirs = await dueslagOf(elsewhere.itSystem, orgDefinition.events!.beskedtype.uuid);
      // An organisation of TEST_CVR (organisationBody's CVR), written through FK Organisation.
      const org = await t.platform.http.inject({
        method: 'POST',
        url: '/organisation/organisation',
        payload: organisationBody('haendelser'),
      });
      expect(org.statusCode, org.body).toBe(201);
      await t.platform.relay.drain();
      const got = await pull(ours, receiverToken);
      const mine = got.body.beskeder.filter(
        (b: any) => b.besked.beskedkuvert.filtreringsdata.objektRegistrering[0].objektId === org.json().uuid,
      );
      expect(mine).toHaveLength(1);
      expect(mine[0].besked.beskedkuvert.filtreringsdata.objektRegistrering[0].objektAnsvarligMyndighed).toBe(`urn:oio:cvr-nr:${TEST_CVR}`);
      // It named no receivers: TilladtModtager is the municipality the receiver is entitled for.
      expect(mine[0].besked.beskedkuvert.filtreringsdata.tilladtModtager).toEqual([`urn:oio:cvr-nr:${TEST_CVR}`]);
      expect((await pull(theirs, await elsewhere.token(t.platform.tokens, 'bfo', OTHER_CVR))).body.beskeder).toEqual([]);
    });

    it("delivers an organisation's events to nobody while it has no CVR number: no agreement can cover them", async () => {
      const { orgDefinition } = await import('../src/services/org/index.ts');
      const ours = await dueslagOf(receiver.itSystem, orgDefinition.events!.beskedtype.uuid);
      // Written by the platform itself: a municipality's token must name its CVR (FK Organisation's rule).
      const uuid = await t.platform.oio.opret('organisation', {
        attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: 'uden-cvr' }, virkning: { from: 0, to: Infinity } }] },
        tilstande: {},
        relationer: {},
      });
      const org = { json: () => ({ uuid }) };
      await t.platform.relay.drain();
      // The event is stored, naming the organisation itself, and routed to no dueslag.
      const { rows } = await t.store.query<{ myndighed: string; n: number }>(
        `SELECT b.kuvert #>> '{beskedkuvert,filtreringsdata,objektRegistrering,0,objektAnsvarligMyndighed}' AS myndighed,
                ((SELECT count(*) FROM bfo_levering l WHERE l.besked_seq = b.seq) + COALESCE(jsonb_array_length(b.leveringer), 0))::int AS n
         FROM bfo_besked b WHERE b.kuvert #>> '{beskedkuvert,filtreringsdata,objektRegistrering,0,objektId}' = $1`,
        [org.json().uuid],
      );
      expect(rows).toEqual([{ myndighed: org.json().uuid, n: 0 }]);
      const got = await pull(ours, receiverToken);
      const about = (b: any) => b.besked.beskedkuvert.filtreringsdata.objektRegistrering[0].objektId === org.json().uuid;
      expect(got.body.beskeder.filter(about)).toEqual([]);
    });

    it('lets a receiver without administrer read only its own dueslag', async () => {
      const type = (await admin().post('/beskedfordeler/beskedtyper', { navn: 'c', ejer: t.client.itSystem, sensitivitet: 'fortrolig' }))
        .body.uuid;
      const others = await dueslagOf(t.client.itSystem, type);
      const foreign = await pull(others, receiverToken);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('BFO_DUESLAG_NOT_FOUND');
      // A token without the privilege a route needs is refused before anything else.
      const outsiderToken = await outsider.token(t.platform.tokens, 'kla');
      const wrongService = await pull(others, outsiderToken);
      expect(wrongService.status).toBe(401);
      expect(wrongService.body.error.code).toBe('TOKEN_AUDIENCE_INVALID');
    });
  });
}
