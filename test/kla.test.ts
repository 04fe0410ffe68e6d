import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { importKle, KLE_KLASSIFIKATION, readKle } from '../src/services/kla/index.ts';
import { generateEmneplan } from '../src/services/kla/generate/index.ts';
import type { KleEntry } from '../src/services/kla/kle/parse.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';

/** A tiny plan in the published format: one main group, one group, two subjects. */
function plan(edition: { date: string; title0400: string; retire0401?: string; extra?: string }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<KLE-Emneplan>
  <UdgivelsesDato>${edition.date}</UdgivelsesDato>
  <Hovedgruppe>
    <HovedgruppeNr>27</HovedgruppeNr>
    <HovedgruppeTitel>Børn og unge</HovedgruppeTitel>
    <HovedgruppeAdministrativInfo><OprettetDato>1988-01-01</OprettetDato></HovedgruppeAdministrativInfo>
    <UUID>11111111-1111-4111-8111-111111111127</UUID>
    <Gruppe>
      <GruppeNr>27.35</GruppeNr>
      <GruppeTitel>Dagpasning</GruppeTitel>
      <GruppeAdministrativInfo><OprettetDato>1990-01-01</OprettetDato></GruppeAdministrativInfo>
      <UUID>11111111-1111-4111-8111-111111112735</UUID>
      <Emne>
        <EmneNr>27.35.04</EmneNr>
        <EmneTitel>${edition.title0400}</EmneTitel>
        <EmneAdministrativInfo><OprettetDato>1995-03-01</OprettetDato></EmneAdministrativInfo>
        <UUID>11111111-1111-4111-8111-111127350400</UUID>
      </Emne>
      <Emne>
        <EmneNr>27.35.05</EmneNr>
        <EmneTitel>Fritidshjem</EmneTitel>
        <EmneAdministrativInfo><OprettetDato>1995-03-01</OprettetDato>${
          edition.retire0401 ? `<Historisk><UdgaaetDato>${edition.retire0401}</UdgaaetDato></Historisk>` : ''
        }</EmneAdministrativInfo>
        <UUID>11111111-1111-4111-8111-111127350500</UUID>
      </Emne>${edition.extra ?? ''}
    </Gruppe>
  </Hovedgruppe>
</KLE-Emneplan>`;
}

/**
 * What changed between two editions, worked out here from the two files as read (not taken from
 * the generator's own change list): entries only in the later one are added, entries it newly
 * retires are retired, entries whose number, title or parent differ are changed.
 */
function editionDiff(before: readonly KleEntry[], after: readonly KleEntry[]) {
  const earlier = new Map(before.map((e) => [e.uuid!, e]));
  const diff = { added: [] as KleEntry[], retired: [] as KleEntry[], changed: [] as { was: KleEntry; is: KleEntry }[] };
  for (const is of after) {
    const was = earlier.get(is.uuid!);
    if (!was) diff.added.push(is);
    else if (is.udgaaet && !was.udgaaet) diff.retired.push(is);
    else if (is.nummer !== was.nummer || is.titel !== was.titel || is.parent !== was.parent) diff.changed.push({ was, is });
  }
  return diff;
}

const EDITION_1 = plan({ date: '2018-01-01', title0400: 'Vuggestuer' });
const EDITION_2 = plan({ date: '2021-01-01', title0400: 'Vuggestuer og dagpleje', retire0401: '2021-01-01' });

for (const backend of allBackends) {
  describeWith(backend)(`FK Klassifikation on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla']);
      app = t.platform.http;
    });
    afterAll(async () => t?.close());

    const upload = (xml: string) =>
      app.inject({ method: 'POST', url: '/klassifikation/kle/import', payload: xml, headers: { 'content-type': 'application/xml' } });
    const registrations = async () => Number((await t.store.query<{ n: string }>('SELECT count(*) AS n FROM oio_registrering')).rows[0]!.n);
    const search = async (query: string) =>
      (await app.inject({ method: 'GET', url: `/klassifikation/klasse/fritekst?${query}` })).json().resultater;

    it('imports a plan, reads the hierarchy, searches it, and re-imports only what changed', async () => {
      const first = await upload(EDITION_1);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ added: 4, changed: 0, retired: 0, unchanged: 0 });
      const registeredBefore = await t.platform.oio.now();

      const tree = (await app.inject({ method: 'GET', url: `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki` })).json();
      const emner = tree.facetter.find((f: { brugervendtnoegle: string }) => f.brugervendtnoegle === 'KLE-emner');
      expect(emner.klasser[0]).toMatchObject({ brugervendtnoegle: '27', titel: 'Børn og unge' });
      expect(emner.klasser[0].underklasser[0].underklasser.map((k: { brugervendtnoegle: string }) => k.brugervendtnoegle)).toEqual([
        '27.35.04',
        '27.35.05',
      ]);

      expect((await search('nummer=27.35')).map((h: { brugervendtnoegle: string }) => h.brugervendtnoegle)).toEqual([
        '27.35',
        '27.35.04',
        '27.35.05',
      ]);
      // Case and æ/ø/å do not matter: "boern" and "BØRN" both find "Børn og unge".
      expect((await search('tekst=boern'))[0].brugervendtnoegle).toBe('27');
      expect((await search(`tekst=${encodeURIComponent('BØRN')}`))[0].brugervendtnoegle).toBe('27');
      // Ranked: a title hit first.
      expect((await search('tekst=vuggestuer'))[0].titel).toBe('Vuggestuer');

      const again = await upload(EDITION_1);
      expect(again.json()).toMatchObject({ added: 0, changed: 0, retired: 0, unchanged: 4 });

      const before = await registrations();
      const second = await upload(EDITION_2);
      expect(second.json()).toMatchObject({ added: 0, changed: 1, retired: 1, unchanged: 2 });
      expect(await registrations()).toBe(before + 2);

      // What was 27.35.04 called in mid-2019 — as registered now, and as registered then?
      const read = async (q: string) =>
        (await app.inject({ method: 'GET', url: `/klassifikation/klasse/11111111-1111-4111-8111-111127350400?${q}` })).json()[
          '11111111-1111-4111-8111-111127350400'
        ][0].registreringer[0].attributter.klasseegenskaber[0].titel;
      expect(await read('virkningstid=2019-06-01')).toBe('Vuggestuer');
      expect(await read('virkningstid=2022-06-01')).toBe('Vuggestuer og dagpleje');
      expect(await read(`virkningstid=2022-06-01&registreringstid=${encodeURIComponent(registeredBefore)}`)).toBe('Vuggestuer');

      // The retired subject is gone from searches after its retirement, and still there before it.
      expect((await search('nummer=27.35.05&virkningstid=2022-01-01')).length).toBe(0);
      expect((await search('nummer=27.35.05&virkningstid=2020-01-01')).length).toBe(1);
      expect((await search('nummer=27.35&publiceret=Publiceret')).map((h: { brugervendtnoegle: string }) => h.brugervendtnoegle)).toEqual([
        '27.35',
        '27.35.04',
      ]);
    });

    it('takes back a subject the register retired when a later edition keeps it, with whole values', async () => {
      // After the test above 27.35.05 is retired from 2021; this edition keeps it, renamed.
      const res = await upload(
        plan({ date: '2023-01-01', title0400: 'Vuggestuer og dagpleje' }).replace('Fritidshjem', 'Fritidshjem og klubber'),
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ added: 0, changed: 1, retired: 0 });
      const found = await search('nummer=27.35.05&virkningstid=2024-01-01');
      expect(found).toMatchObject([{ brugervendtnoegle: '27.35.05', titel: 'Fritidshjem og klubber' }]);
      const tree = (
        await app.inject({ method: 'GET', url: `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki?virkningstid=2024-01-01` })
      ).json();
      const group = tree.facetter.find((f: { brugervendtnoegle: string }) => f.brugervendtnoegle === 'KLE-emner').klasser[0]
        .underklasser[0];
      expect(group.underklasser.map((k: { brugervendtnoegle: string }) => k.brugervendtnoegle)).toEqual(['27.35.04', '27.35.05']);
      expect(
        (
          await upload(plan({ date: '2023-01-01', title0400: 'Vuggestuer og dagpleje' }).replace('Fritidshjem', 'Fritidshjem og klubber'))
        ).json(),
      ).toMatchObject({
        added: 0,
        changed: 0,
        retired: 0,
        unchanged: 4,
      });
    });

    it('imports a generated plan and finds exactly what its next edition changed', async () => {
      const seed = 7;
      const scale = 0.1;
      const read = (edition: 1 | 2) => readKle(Readable.from([generateEmneplan({ seed, scale, edition })]));
      const [one, two] = [await read(1), await read(2)];
      const diff = editionDiff(one.entries, two.entries);
      // This seed and scale: two new subjects, one retired, two renamed and one moved.
      expect([diff.added.length, diff.retired.length, diff.changed.length]).toEqual([2, 1, 3]);
      const first = await importKle(t.platform.oio, [one]);
      expect(first.added).toBe(one.entries.length);
      const second = await importKle(t.platform.oio, [two]);
      expect(second.added).toBe(diff.added.length);
      expect(second.retired).toBe(diff.retired.length);
      // Renames and moves (a new number under another group) are changes of the class.
      expect(second.changed).toBe(diff.changed.length);

      const moves = diff.changed.filter((c) => c.is.nummer !== c.was.nummer);
      expect(moves).toHaveLength(1);
      const moved = moves[0]!;
      const klasse = (await t.platform.oio.laes('klasse', moved.is.uuid!)).registreringer[0]!.content;
      const numbers = klasse.attributter.klasseegenskaber!.map((v) => v.fields.brugervendtnoegle);
      expect(numbers).toEqual([moved.was.nummer, moved.is.nummer]);
      expect(klasse.relationer.overordnetklasse).toHaveLength(2);
    });

    describe('bad files: a clear error naming the line, nothing imported', () => {
      const cases: [string, string, string, number][] = [
        ['truncated XML', EDITION_1.slice(0, 400), 'KLE_MALFORMED_XML', 0],
        ['a wrong root element', '<?xml version="1.0"?>\n<Noget/>', 'KLE_WRONG_ROOT', 2],
        [
          'a DOCTYPE with an entity',
          '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<KLE-Emneplan>&a;</KLE-Emneplan>',
          'KLE_DOCTYPE_FORBIDDEN',
          2,
        ],
        [
          'duplicate numbers',
          plan({
            date: '2018-01-01',
            title0400: 'X',
            extra: '<Emne><EmneNr>27.35.04</EmneNr><EmneTitel>Igen</EmneTitel><UUID>11111111-1111-4111-8111-999999999999</UUID></Emne>',
          }),
          'KLE_DUPLICATE_NUMBER',
          25,
        ],
        [
          'a subject whose group does not exist',
          plan({
            date: '2018-01-01',
            title0400: 'X',
            extra: '<Emne><EmneNr>27.99.01</EmneNr><EmneTitel>Forkert</EmneTitel><UUID>11111111-1111-4111-8111-999999999998</UUID></Emne>',
          }),
          'KLE_MISSING_PARENT',
          25,
        ],
        ['an unknown date format', EDITION_1.replace('1995-03-01', '01-03-1995'), 'KLE_BAD_DATE', 0],
        [
          'a malformed tag',
          EDITION_1.replace('<GruppeTitel>Dagpasning</GruppeTitel>', '<GruppeTitel>Dagpasning</GruppeTitle>'),
          'KLE_MALFORMED_XML',
          0,
        ],
        ['an undeclared entity', EDITION_1.replace('Dagpasning', 'Dag&pasning;'), 'KLE_ENTITY_FORBIDDEN', 0],
        [
          'duplicate UUIDs',
          plan({
            date: '2018-01-01',
            title0400: 'X',
            extra: '<Emne><EmneNr>27.35.09</EmneNr><EmneTitel>Igen</EmneTitel><UUID>11111111-1111-4111-8111-111127350400</UUID></Emne>',
          }),
          'KLE_DUPLICATE_UUID',
          25,
        ],
      ];
      for (const [name, xml, code, line] of cases) {
        it(`${name} → ${code}`, async () => {
          const before = await registrations();
          const res = await upload(xml);
          expect(res.statusCode).toBe(400);
          expect(res.json().error.code).toBe(code);
          expect(res.json().error.message).toMatch(/line \d+/);
          if (line) expect(res.json().error.details.line).toBe(line);
          expect(await registrations()).toBe(before);
        });
      }

      it('the upload takes XML only, and no other route takes XML', async () => {
        const json = await app.inject({ method: 'POST', url: '/klassifikation/kle/import', payload: { a: 1 } });
        expect(json.statusCode).toBe(415);
        expect(json.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        const xmlElsewhere = await app.inject({
          method: 'POST',
          url: '/klassifikation/klasse',
          payload: '<klasse/>',
          headers: { 'content-type': 'application/xml' },
        });
        expect(xmlElsewhere.statusCode).toBe(415);
        expect(xmlElsewhere.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        const zero = await app.inject({
          method: 'GET',
          url: `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki?maximalantalresultater=0`,
        });
        expect(zero.statusCode).toBe(400);
        expect(zero.json().error.code).toBe('INVALID_REQUEST');
      });

      it('a failure while writing rolls the whole import back', async () => {
        // The last subject's UUID belongs to an organisation: that write fails after the others.
        const org = await app.inject({
          method: 'PUT',
          url: '/organisation/organisation/11111111-1111-4111-8111-111127350600',
          payload: organisationBody('x'),
        });
        expect(org.statusCode, org.body).toBe(200);
        const before = await registrations();
        const res = await upload(
          plan({
            date: '2030-01-01',
            title0400: 'Zyxwvut nyt navn',
            extra: '<Emne><EmneNr>27.35.06</EmneNr><EmneTitel>Ny</EmneTitel><UUID>11111111-1111-4111-8111-111127350600</UUID></Emne>',
          }),
        );
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('OBJECT_TYPE_MISMATCH');
        expect(await registrations()).toBe(before);
        expect((await search('tekst=zyxwvut')).length).toBe(0);
      });
    });
  });
}
