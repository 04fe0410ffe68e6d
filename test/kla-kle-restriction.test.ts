import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KLE_FACET_EMNER, KLE_KLASSIFIKATION } from '../src/services/kla/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { provisionTestClient, TEST_CVR } from './support/auth.ts';

/** The plan's classes by number; the UUIDs sort in another order than the numbers. */
const CLASSES: Record<string, string> = {
  '00': '44444444-4444-4444-8444-0000000000f0',
  '00.01': '44444444-4444-4444-8444-0000000001e0',
  '00.01.00': '44444444-4444-4444-8444-0000000100d0',
  '00.01.05': '44444444-4444-4444-8444-0000000105c0',
  '00.02': '44444444-4444-4444-8444-0000000002b0',
  '00.02.00': '44444444-4444-4444-8444-0000000200a0',
  '27': '44444444-4444-4444-8444-000000002790',
  '27.35': '44444444-4444-4444-8444-000000273580',
  '27.35.04': '44444444-4444-4444-8444-000027350470',
  '27.35.05': '44444444-4444-4444-8444-000027350560',
};
const TITLES: Record<string, string> = {
  '00.01.00': 'Børn i kommunen',
  '00.01.05': 'Børnesager, almindelige',
  '00.02.00': 'Børneattester',
  '27.35.04': 'Børnehaver',
  '27.35.05': 'Fritidshjem for børn',
};

function plan(): string {
  const entry = (kind: 'Hovedgruppe' | 'Gruppe' | 'Emne', nr: string, children = '') =>
    `<${kind}><${kind}Nr>${nr}</${kind}Nr><${kind}Titel>${TITLES[nr] ?? `Emne ${nr}`}</${kind}Titel><UUID>${CLASSES[nr]}</UUID>${children}</${kind}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<KLE-Emneplan><UdgivelsesDato>2019-01-01</UdgivelsesDato>
  ${entry('Hovedgruppe', '00', entry('Gruppe', '00.01', entry('Emne', '00.01.00') + entry('Emne', '00.01.05')) + entry('Gruppe', '00.02', entry('Emne', '00.02.00')))}
  ${entry('Hovedgruppe', '27', entry('Gruppe', '27.35', entry('Emne', '27.35.04') + entry('Emne', '27.35.05')))}
</KLE-Emneplan>`;
}

const numbersOf = (uuids: readonly string[]) => uuids.map((u) => Object.keys(CLASSES).find((n) => CLASSES[n] === u)).sort();

for (const backend of allBackends) {
  describeWith(backend)(`KLE restrictions inside FK Klassifikation's statements on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    /** Tokens limited to KLE 00.01.* and to 27.*. */
    let only0001: string;
    let only27: string;

    const get = async (token: string, url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json();
    };
    /** Every UUID a LoRa search finds, page by page with the cursor; and the pages' sizes. */
    const searchAll = async (token: string, query: string) => {
      const found: string[] = [];
      const pages: number[] = [];
      let cursor: string | undefined;
      do {
        const body = await get(
          token,
          `/klassifikation/klasse?${query}&maximalantalresultater=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        found.push(...body.results[0]);
        pages.push(body.results[0].length);
        cursor = body.next;
      } while (cursor);
      return { found, pages };
    };

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla']);
      app = t.platform.http;
      const res = await app.inject({
        method: 'POST',
        url: '/klassifikation/kle/import',
        payload: plan(),
        headers: { 'content-type': 'application/xml' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const { store, audit, tokens } = t.platform;
      const limited = async (kle: string[]) =>
        (await provisionTestClient(store, audit, [{ cvr: TEST_CVR, service: 'kla', privileges: ['laes'], kle }])).token(tokens, 'kla');
      only0001 = await limited(['00.01.*']);
      only27 = await limited(['27.*']);
    });
    afterAll(async () => t?.close());

    it('limits a LoRa search in its statement: every page full, only the token’s classes', async () => {
      const limited = await searchAll(only0001, 'bvn=%25');
      expect(numbersOf(limited.found)).toEqual(['00.01', '00.01.00', '00.01.05']);
      expect(limited.pages).toEqual([2, 1]);
      const byTitle = await searchAll(only27, 'titel=B%25rn%25');
      expect(numbersOf(byTitle.found)).toEqual(['27.35.04']);
      const unlimited = await searchAll(t.tokens.get('kla')!, 'bvn=%25');
      expect(unlimited.found).toHaveLength(Object.keys(CLASSES).length);
    });

    it('leaves the other classes out of a list by UUID', async () => {
      const uuids = Object.values(CLASSES);
      const body = await get(only0001, `/klassifikation/klasse?${uuids.map((u) => `uuid=${u}`).join('&')}`);
      expect(numbersOf((body.results[0] as { id: string }[]).map((o) => o.id))).toEqual(['00.01', '00.01.00', '00.01.05']);
    });

    it('limits the class search in its statement, so its limit counts only the token’s classes', async () => {
      const byNumber = await get(only27, '/klassifikation/klasse/fritekst?nummer=&maximalantalresultater=2');
      expect(byNumber.resultater.map((r: { brugervendtnoegle: string }) => r.brugervendtnoegle)).toEqual(['27', '27.35']);
      const byWord = await get(only27, '/klassifikation/klasse/fritekst?tekst=boern&maximalantalresultater=1');
      expect(byWord.resultater.map((r: { brugervendtnoegle: string }) => r.brugervendtnoegle)).toEqual(['27.35.04']);
      const none = await get(only0001, '/klassifikation/klasse/fritekst?nummer=27');
      expect(none.resultater).toEqual([]);
    });

    it('limits the hierarchy in its statement: pages and naeste count only the token’s classes', async () => {
      const url = `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki?facet=${KLE_FACET_EMNER}&maximalantalresultater=2`;
      const first = await get(only27, url);
      const facet = first.facetter[0];
      expect(facet.klasser).toMatchObject([{ brugervendtnoegle: '27', underklasser: [{ brugervendtnoegle: '27.35', underklasser: [] }] }]);
      expect(facet.naeste).toBe('27.35');
      const rest = (await get(only27, `${url}&efter=27.35&registreringstid=${encodeURIComponent(first.registreringstid)}`)).facetter[0];
      expect(rest.klasser.map((k: { brugervendtnoegle: string }) => k.brugervendtnoegle)).toEqual(['27.35.04', '27.35.05']);
      expect(rest.klasser[0].overordnetklasse).toBe(CLASSES['27.35']);
      expect(rest.naeste).toBeUndefined();

      const other = (await get(only0001, `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki`)).facetter.find(
        (f: { uuid: string }) => f.uuid === KLE_FACET_EMNER,
      );
      // 00.01 has no parent the token may see: it stands at the top, naming its parent.
      expect(other.klasser).toMatchObject([
        {
          brugervendtnoegle: '00.01',
          overordnetklasse: CLASSES['00'],
          underklasser: [{ brugervendtnoegle: '00.01.00' }, { brugervendtnoegle: '00.01.05' }],
        },
      ]);
    });

    it('refuses a class outside the restriction read by UUID, and classifications and facets stay shared', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/klassifikation/klasse/${CLASSES['27.35.04']}`,
        headers: { authorization: `Bearer ${only0001}` },
      });
      expect([res.statusCode, res.json().error.code]).toEqual([403, 'DATA_OUTSIDE_RESTRICTION']);
      expect(Object.keys(await get(only0001, `/klassifikation/klasse/${CLASSES['00.01.05']}`))).toEqual([CLASSES['00.01.05']]);
      expect(Object.keys(await get(only0001, `/klassifikation/facet/${KLE_FACET_EMNER}`))).toEqual([KLE_FACET_EMNER]);
    });
  });
}
