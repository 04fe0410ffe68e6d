import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../src/app.ts';
import { registerOrgReadRoutes } from '../src/services/org/api/read-routes.ts';
import { chooseFrom, type HierarchyFrom } from '../src/services/org/store/hierarchy-scan.ts';
import { hierarchyChunks, STREAMED } from '../src/services/org/store/hierarchy-stream.ts';
import type { Store } from '../src/platform/store/store.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { organisationBody, startPlatform, type TestPlatform } from './support/platform.ts';

const id = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const ORG = id(1);
const OTHER_ORG = id(2);
const [ROOT, A, B, A1, A2, OTHER_UNIT] = [id(11), id(12), id(13), id(14), id(15), id(16)];
const [U1, U2, U3] = [id(21), id(22), id(23)];
const [F1, F2, F3] = [id(31), id(32), id(33)];
const P1 = id(41);
const ADR = id(51);
const KLE_TASK = id(61);
const FUNKTIONSTYPE = id(62);
const ROLE_EMAIL = id(63);

const V = { from: '2020-01-01', to: 'infinity' };

function unitBody(name: string, org: string, parent?: string, extra: Record<string, unknown[]> = {}) {
  return {
    attributter: { organisationenhedegenskaber: [{ brugervendtnoegle: name, enhedsnavn: `Enhed ${name}`, virkning: V }] },
    tilstande: { organisationenhedgyldighed: [{ gyldighed: 'Aktiv', virkning: V }] },
    relationer: {
      tilhoerer: [{ uuid: org, virkning: V }],
      ...(parent ? { overordnet: [{ uuid: parent, virkning: V }] } : {}),
      ...extra,
    },
  };
}

function userBody(name: string, extra: Record<string, unknown[]> = {}) {
  return {
    attributter: { brugeregenskaber: [{ brugervendtnoegle: name, brugernavn: `Bruger ${name}`, virkning: V }] },
    tilstande: { brugergyldighed: [{ gyldighed: 'Aktiv', virkning: V }] },
    relationer: { tilhoerer: [{ uuid: ORG, virkning: V }], ...extra },
  };
}

function functionBody(name: string, user: string, units: string[]) {
  return {
    attributter: { organisationfunktionegenskaber: [{ brugervendtnoegle: name, funktionsnavn: `Funktion ${name}`, virkning: V }] },
    tilstande: { organisationfunktiongyldighed: [{ gyldighed: 'Aktiv', virkning: V }] },
    relationer: {
      funktionstype: [{ uuid: FUNKTIONSTYPE, virkning: V }],
      tilknyttedebrugere: [{ uuid: user, virkning: V }],
      tilknyttedeenheder: units.map((u) => ({ uuid: u, virkning: V })),
      tilknyttedeorganisationer: [{ uuid: ORG, virkning: V }],
    },
  };
}

for (const backend of allBackends) {
  describeWith(backend)(`FK Organisation read models on ${backend.name}`, () => {
    let store: Store;
    let t: TestPlatform;
    let platform: Platform;
    let app: FastifyInstance;

    beforeAll(async () => {
      t = await startPlatform(backend, ['org']);
      store = t.store;
      platform = t.platform;
      app = platform.http;
      expect(app.hasRoute({ method: 'GET', url: '/organisation/organisation/:uuid/hierarki' })).toBe(true);

      const put = async (type: string, uuid: string, body: object) => {
        const res = await app.inject({ method: 'PUT', url: `/organisation/${type}/${uuid}`, payload: body });
        expect(res.statusCode, res.body).toBe(200);
      };
      await put('organisation', ORG, organisationBody('read-org'));
      await put('organisation', OTHER_ORG, organisationBody('other-org'));
      await put('organisationenhed', ROOT, unitBody('root', ORG, undefined, { opgaver: [{ uuid: KLE_TASK, virkning: V }] }));
      await put('organisationenhed', A, unitBody('a', ORG, ROOT));
      await put(
        'organisationenhed',
        B,
        unitBody('b', ORG, ROOT, { adresser: [{ uuid: ADR, rolle: ROLE_EMAIL, objekttype: 'adresse', indeks: 1, virkning: V }] }),
      );
      await put('organisationenhed', A1, unitBody('a1', ORG, A));
      await put('organisationenhed', A2, unitBody('a2', ORG, A));
      await put('organisationenhed', OTHER_UNIT, unitBody('other', OTHER_ORG));
      await put('adresse', ADR, {
        attributter: { adresseegenskaber: [{ brugervendtnoegle: 'b-mail', adressetekst: 'b@kommune.dk', virkning: V }] },
      });
      // Quotes, a backslash and letters beyond ASCII, in a value and in the note: the hierarchy hands
      // the stored bytes on, and they must read back as the same text.
      await put('person', P1, {
        note: 'Oprettet af "HR" \\ Ærø',
        attributter: { personegenskaber: [{ brugervendtnoegle: 'p1', navn: 'Person "Et" \\ Åse Ærø ✓', virkning: V }] },
      });
      await put('bruger', U1, userBody('u1', { tilknyttedepersoner: [{ uuid: P1, virkning: V }] }));
      await put('bruger', U2, userBody('u2'));
      await put('bruger', U3, userBody('u3'));
      await put('organisationfunktion', F1, functionBody('f1', U1, [A1]));
      await put('organisationfunktion', F2, functionBody('f2', U2, [A]));
      await put('organisationfunktion', F3, functionBody('f3', U3, [B, A2]));
    });
    afterAll(async () => {
      await platform?.close();
      await store?.close();
    });

    const get = async (url: string, status = 200) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(status);
      return res.json();
    };
    const uuids = (list: { uuid: string }[]) => list.map((x) => x.uuid);
    const ancestorsOf = async (unit: string, q = '') =>
      uuids((await get(`/organisation/organisationenhed/${unit}/overordnede?${q}`)).overordnede);
    const subtreeOf = async (unit: string, q = '') =>
      (await get(`/organisation/organisationenhed/${unit}/underenheder?${q}`)).underenheder.map(
        (u: { uuid: string; niveau: number; overordnet: string }) => [u.uuid, u.niveau, u.overordnet],
      );
    const worksIn = async (unit: string, q = '') =>
      (await get(`/organisation/organisationenhed/${unit}/brugere?${q}`)).tilknytninger.map(
        (x: { bruger: string; enhed: string; funktion: string }) => `${x.bruger}@${x.enhed}:${x.funktion}`,
      );
    const move = async (unit: string, parent: string, from: string) => {
      const res = await app.inject({
        method: 'PATCH',
        url: `/organisation/organisationenhed/${unit}`,
        payload: { relationer: { overordnet: [{ uuid: parent, virkning: { from, to: 'infinity' } }] } },
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    const ndjson = async (url: string) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(res.body.endsWith('\n')).toBe(true);
      return res.body
        .split('\n')
        .filter((l) => l.length)
        .map((l) => JSON.parse(l) as { objekttype: string; uuid: string; relationer?: Record<string, { uuid: string }[]> });
    };

    it('reads the unit tree: ancestors nearest first, the subtree with depth', async () => {
      expect(await ancestorsOf(A1)).toEqual([A, ROOT]);
      expect(await ancestorsOf(ROOT)).toEqual([]);
      const tree = await get(`/organisation/organisationenhed/${ROOT}/underenheder`);
      expect(tree.underenheder[0]).toMatchObject({ uuid: A, niveau: 1, overordnet: ROOT, brugervendtnoegle: 'a', enhedsnavn: 'Enhed a' });
      expect(await subtreeOf(ROOT)).toEqual([
        [A, 1, ROOT],
        [B, 1, ROOT],
        [A1, 2, A],
        [A2, 2, A],
      ]);
      expect(tree.registreringstid).toEqual(expect.any(String));
      await get(`/organisation/organisationenhed/${id(99)}/underenheder`, 404);
      expect((await get(`/organisation/organisationenhed/${A}/underenheder?dybde=2`, 400)).error.code).toBe('UNKNOWN_PARAMETER');
      expect((await get(`/organisation/organisationenhed/${A}/overordnede?virkningstid=igaar`, 400)).error.code).toBe('INVALID_TIMESTAMP');
    });

    it('travels in time: a unit moved from a date is under its old parent before it, under the new after; registered before the move, nowhere moved', async () => {
      const before = await platform.oio.now();
      await move(A2, B, '2024-01-01');
      expect(await ancestorsOf(A2, 'virkningstid=2023-06-01')).toEqual([A, ROOT]);
      expect(await ancestorsOf(A2, 'virkningstid=2024-06-01')).toEqual([B, ROOT]);
      expect(await ancestorsOf(A2)).toEqual([B, ROOT]);
      expect(await subtreeOf(A, 'virkningstid=2023-06-01')).toEqual([
        [A1, 1, A],
        [A2, 1, A],
      ]);
      expect(await subtreeOf(A, 'virkningstid=2024-06-01')).toEqual([[A1, 1, A]]);
      expect(await subtreeOf(B, 'virkningstid=2024-06-01')).toEqual([[A2, 1, B]]);
      // As registered before the move, A2 was under A in 2024 too.
      const asBefore = `virkningstid=2024-06-01&registreringstid=${encodeURIComponent(before)}`;
      expect(await ancestorsOf(A2, asBefore)).toEqual([A, ROOT]);
      expect(await subtreeOf(B, asBefore)).toEqual([]);
    });

    it('reads a correction as of registration time: the old value before it, the corrected after', async () => {
      const before = await platform.oio.now();
      const res = await app.inject({
        method: 'PATCH',
        url: `/organisation/organisationenhed/${A1}`,
        payload: { attributter: { organisationenhedegenskaber: [{ enhedsnavn: 'Enhed a1 (rettet)', virkning: V }] } },
      });
      expect(res.statusCode).toBe(200);
      const after = await platform.oio.now();
      const nameOf = async (q: string) =>
        (await get(`/organisation/organisationenhed/${A}/underenheder?virkningstid=2021-01-01&${q}`)).underenheder.find(
          (u: { uuid: string }) => u.uuid === A1,
        ).enhedsnavn;
      expect(await nameOf(`registreringstid=${encodeURIComponent(before)}`)).toBe('Enhed a1');
      expect(await nameOf(`registreringstid=${encodeURIComponent(after)}`)).toBe('Enhed a1 (rettet)');
      expect(await nameOf('')).toBe('Enhed a1 (rettet)');
      // Before the unit was registered at all, it is not found.
      await get(`/organisation/organisationenhed/${A1}/overordnede?registreringstid=2019-01-01`, 404);
    });

    it('tells who works in a unit, with and without the units below it', async () => {
      expect(await worksIn(A, 'virkningstid=2024-06-01')).toEqual([`${U2}@${A}:${F2}`]);
      expect((await worksIn(A, 'virkningstid=2024-06-01&undertraeer=true')).sort()).toEqual(
        [`${U2}@${A}:${F2}`, `${U1}@${A1}:${F1}`].sort(),
      );
      // Before the move, A2 (and so U3 through F3) was below A.
      expect((await worksIn(A, 'virkningstid=2023-06-01&undertraeer=true')).sort()).toEqual(
        [`${U2}@${A}:${F2}`, `${U1}@${A1}:${F1}`, `${U3}@${A2}:${F3}`].sort(),
      );
      expect((await worksIn(B, 'virkningstid=2024-06-01&undertraeer=true')).sort()).toEqual(
        [`${U3}@${B}:${F3}`, `${U3}@${A2}:${F3}`].sort(),
      );
      const row = (await get(`/organisation/organisationenhed/${A}/brugere?virkningstid=2024-06-01`)).tilknytninger[0];
      expect(row).toEqual({
        bruger: U2,
        brugervendtnoegle: 'u2',
        brugernavn: 'Bruger u2',
        enhed: A,
        enhedsnavn: 'Enhed a',
        funktion: F2,
        funktionsnavn: 'Funktion f2',
        funktionstype: FUNKTIONSTYPE,
      });
      // An inactive function ties no one.
      const res = await app.inject({
        method: 'PATCH',
        url: `/organisation/organisationfunktion/${F2}`,
        payload: {
          tilstande: { organisationfunktiongyldighed: [{ gyldighed: 'Inaktiv', virkning: { from: '2025-01-01', to: 'infinity' } }] },
        },
      });
      expect(res.statusCode).toBe(200);
      expect(await worksIn(A, 'virkningstid=2025-06-01')).toEqual([]);
      expect(await worksIn(A, 'virkningstid=2024-06-01')).toEqual([`${U2}@${A}:${F2}`]);
      expect((await get(`/organisation/organisationenhed/${A}/brugere?undertraeer=ja`, 400)).error.code).toBe('INVALID_REQUEST');
    });

    it("lists a user's functions and units", async () => {
      const res = await get(`/organisation/bruger/${U3}/enheder?virkningstid=2024-06-01`);
      expect(res.funktioner).toEqual([
        {
          funktion: F3,
          funktionsnavn: 'Funktion f3',
          funktionstype: FUNKTIONSTYPE,
          enheder: [
            { uuid: A2, brugervendtnoegle: 'a2', enhedsnavn: 'Enhed a2' },
            { uuid: B, brugervendtnoegle: 'b', enhedsnavn: 'Enhed b' },
          ],
        },
      ]);
      expect(uuids(res.enheder).sort()).toEqual([A2, B].sort());
      expect(uuids((await get(`/organisation/bruger/${U1}/enheder`)).enheder)).toEqual([A1]);
      await get(`/organisation/bruger/${A}/enheder`, 404);
    });

    it('finds units by KLE task, inherited from ancestors when asked', async () => {
      const direct = await get(`/organisation/organisation/${ORG}/enheder-med-opgave?opgave=${KLE_TASK}&virkningstid=2024-06-01`);
      expect(direct.enheder).toEqual([{ uuid: ROOT, brugervendtnoegle: 'root', enhedsnavn: 'Enhed root', arvet: false }]);
      const inherited = await get(
        `/organisation/organisation/${ORG}/enheder-med-opgave?opgave=${KLE_TASK}&arvede=true&virkningstid=2024-06-01`,
      );
      expect(uuids(inherited.enheder).sort()).toEqual([ROOT, A, B, A1, A2].sort());
      expect(inherited.enheder.find((u: { uuid: string }) => u.uuid === A2)).toMatchObject({ arvet: true, arvetfra: ROOT });
      // Another organisation's units never show up, and its own search finds nothing here.
      expect((await get(`/organisation/organisation/${OTHER_ORG}/enheder-med-opgave?opgave=${KLE_TASK}&arvede=true`)).enheder).toEqual([]);
      expect((await get(`/organisation/organisation/${ORG}/enheder-med-opgave?opgave=noget`, 400)).error.code).toBe('INVALID_PARAMETER');
      await get(`/organisation/organisation/${ORG}/enheder-med-opgave`, 400);

      // A holds the task itself too, and A2 a task named by URN: A1 inherits from its nearest holder.
      const withTask = async (unit: string, opgaver: object[]) => {
        const res = await app.inject({
          method: 'PATCH',
          url: `/organisation/organisationenhed/${unit}`,
          payload: { relationer: { opgaver } },
        });
        expect(res.statusCode, res.body).toBe(200);
      };
      await withTask(A, [{ uuid: KLE_TASK, virkning: V }]);
      await withTask(A2, [{ urn: 'urn:kle:27.35.04', virkning: { from: '2024-01-01', to: 'infinity' } }]);
      const nearest = await get(
        `/organisation/organisation/${ORG}/enheder-med-opgave?opgave=${KLE_TASK}&arvede=true&virkningstid=2023-06-01`,
      );
      const from = Object.fromEntries(nearest.enheder.map((u: { uuid: string; arvetfra?: string }) => [u.uuid, u.arvetfra ?? null]));
      expect(from).toEqual({ [ROOT]: null, [A]: null, [B]: ROOT, [A1]: A, [A2]: A });
      const byUrn = (q: string) => get(`/organisation/organisation/${ORG}/enheder-med-opgave?opgave=URN:KLE:27.35.04&arvede=true&${q}`);
      expect(uuids((await byUrn('virkningstid=2024-06-01')).enheder)).toEqual([A2]);
      expect((await byUrn('virkningstid=2023-06-01')).enheder).toEqual([]);
    });

    it('finds units by address role', async () => {
      const res = await get(`/organisation/organisation/${ORG}/enheder-med-adresserolle?rolle=${ROLE_EMAIL.toUpperCase()}`);
      expect(res.enheder).toEqual([
        {
          uuid: B,
          brugervendtnoegle: 'b',
          enhedsnavn: 'Enhed b',
          adresser: [{ uuid: ADR, rolle: ROLE_EMAIL, indeks: 1, adressetekst: 'b@kommune.dk' }],
        },
      ]);
      expect((await get(`/organisation/organisation/${ORG}/enheder-med-adresserolle?rolle=${id(64)}`)).enheder).toEqual([]);
      expect(
        (await get(`/organisation/organisation/${ORG}/enheder-med-adresserolle?rolle=${ROLE_EMAIL}&virkningstid=2019-01-01`)).enheder,
      ).toEqual([]);
    });

    it('streams the whole organisation as NDJSON, one object per line, in (objekttype, uuid) order', async () => {
      const lines = await ndjson(`/organisation/organisation/${ORG}/hierarki?virkningstid=2024-06-01`);
      const count = (type: string) => lines.filter((l) => l.objekttype === type).length;
      expect(lines).toHaveLength(14);
      expect([count('organisation'), count('organisationenhed'), count('organisationfunktion'), count('bruger')]).toEqual([1, 5, 3, 3]);
      expect([count('person'), count('adresse')]).toEqual([1, 1]);
      // Reading the hierarchy read a person: that read is in the audit log.
      const audited = await store.query<{ object_uuid: string }>(
        `SELECT object_uuid::text FROM audit_log WHERE object_type = 'person' AND purpose = 'organisationens hierarki'`,
      );
      expect(audited.rows.map((r) => r.object_uuid)).toContain(P1);
      expect(lines.map((l) => l.uuid)).not.toContain(OTHER_UNIT);
      expect(lines.map((l) => l.uuid)).not.toContain(OTHER_ORG);
      const keys = lines.map((l) => `${l.objekttype} ${l.uuid}`);
      expect(keys).toEqual([...keys].sort());
      const a2 = lines.find((l) => l.uuid === A2)!;
      expect(a2).toMatchObject({ objekttype: 'organisationenhed', livscykluskode: 'Rettet' });
      expect(a2.relationer!.overordnet).toEqual([expect.objectContaining({ uuid: B })]);
      // Each line is the registration as a read of the object at the instant gives it (whether the
      // line is the stored registration whole, or some of its values are left out).
      const before = await ndjson(`/organisation/organisation/${ORG}/hierarki?virkningstid=2023-06-01`);
      for (const [at, read] of [
        ['2024-06-01', lines],
        ['2023-06-01', before],
      ] as const) {
        for (const { objekttype, uuid, ...registration } of read) {
          expect(registration).toEqual((await get(`/organisation/${objekttype}/${uuid}?virkningstid=${at}`))[uuid][0].registreringer[0]);
        }
      }
      expect(lines.find((l) => l.uuid === B)!.objekttype).toBe('organisationenhed');
      expect(lines.find((l) => l.uuid === P1)).toMatchObject({
        note: 'Oprettet af "HR" \\ Ærø',
        attributter: { personegenskaber: [expect.objectContaining({ navn: 'Person "Et" \\ Åse Ærø ✓' })] },
      });
      // Values hold at the instant asked for.
      expect(before.find((l) => l.uuid === A2)!.relationer!.overordnet).toEqual([expect.objectContaining({ uuid: A })]);
      // Before the objects' virkning, nothing ties them to the organisation: only the organisation is left.
      const asOf2019 = await ndjson(`/organisation/organisation/${ORG}/hierarki?virkningstid=2019-06-01`);
      expect(asOf2019.map((l) => l.uuid)).toEqual([ORG]);
      await get(`/organisation/organisation/${id(98)}/hierarki`, 404);
    });

    it('finds the same members whether it scans every registration or asks the search index by organisation', async () => {
      const { rows } = await store.query<{ r: string; s: string }>(
        `SELECT to_json(clock_timestamp())#>>'{}' AS r, pg_current_snapshot()::text AS s`,
      );
      const read = async (organisation: string, at: string, from: HierarchyFrom, parts: number) => {
        const pin = { organisation, registreringstid: rows[0]!.r, snapshot: rows[0]!.s, virkningstid: Date.parse(at) };
        const lines: string[] = [];
        for await (const c of hierarchyChunks(store, pin, undefined, undefined, { ...STREAMED, parts, chunk: 2, indexChunk: 2, from }))
          for (let i = 0; i < c.uuids.length; i++) lines.push(c.line(i));
        return lines;
      };
      for (const [organisation, at] of [
        [ORG, '2024-06-01T00:00:00Z'],
        [ORG, '2023-06-01T00:00:00Z'],
        [ORG, '2019-06-01T00:00:00Z'],
        [OTHER_ORG, '2024-06-01T00:00:00Z'],
      ] as const) {
        const scanned = await read(organisation, at, 'scan', 16);
        expect(scanned.length).toBeGreaterThan(0);
        expect(await read(organisation, at, 'index', 16)).toEqual(scanned);
        expect(await read(organisation, at, 'index', 1)).toEqual(scanned);
      }
      // An organisation that is most of the database is scanned; one that is few among many is read
      // through the index.
      await store.query('ANALYZE oio_registrering');
      expect([await chooseFrom(store, ORG), await chooseFrom(store, OTHER_ORG)]).toEqual(['scan', 'index']);
      // The person and the address reached from members, not by a relation of their own.
      const reached = (await read(ORG, '2024-06-01T00:00:00Z', 'index', 1)).map((l) => JSON.parse(l) as { uuid: string });
      expect(reached.map((l) => l.uuid)).toEqual(expect.arrayContaining([P1, ADR]));
    });

    it('pages as JSON from one pinned snapshot: a unit moved meanwhile keeps its old parent on later pages', async () => {
      const url = `/organisation/organisation/${ORG}/hierarki?format=json&maximalantalresultater=3`;
      const first = await get(url);
      expect(first.objekter).toHaveLength(3);
      expect(first.naeste).toEqual(expect.any(String));
      // A1 comes on a later page; it is moved under B now, from the start of its virkning.
      expect(first.objekter.map((o: { uuid: string }) => o.uuid)).not.toContain(A1);
      await move(A1, B, '2020-01-01');
      const seen = [...first.objekter];
      let next: string | undefined = first.naeste;
      let pages = 1;
      while (next) {
        const page = await get(`${url}&efter=${next}`);
        expect(page.registreringstid).toBe(first.registreringstid);
        seen.push(...page.objekter);
        next = page.naeste;
        pages++;
      }
      expect(pages).toBe(5);
      expect(seen).toHaveLength(14);
      expect(new Set(seen.map((o: { uuid: string }) => o.uuid)).size).toBe(14);
      const a1 = seen.find((o: { uuid: string }) => o.uuid === A1);
      expect(a1.relationer.overordnet[0].uuid).toBe(A);
      // A new read sees the move.
      const fresh = await ndjson(`/organisation/organisation/${ORG}/hierarki`);
      expect(fresh.find((l) => l.uuid === A1)!.relationer!.overordnet![0]!.uuid).toBe(B);
      // A cursor belongs to its organisation and its times.
      expect((await get(`/organisation/organisation/${OTHER_ORG}/hierarki?format=json&efter=${first.naeste}`, 400)).error.code).toBe(
        'INVALID_CURSOR',
      );
      expect((await get(`${url}&efter=${first.naeste}&virkningstid=2021-01-01`, 400)).error.code).toBe('INVALID_CURSOR');
      expect((await get(`${url}&efter=bm90LWEtY3Vyc29y`, 400)).error.code).toBe('INVALID_CURSOR');
    });

    // Needs a second connection: on the embedded database a write in flight holds the only one, so
    // the case belongs to the PostgreSQL suite alone. That suite is declared on every run, so
    // without STOTTE_TEST_POSTGRES_URL this case is listed as skipped.
    if (backend.name === 'postgres')
      it('leaves out a write that was in flight when the first page pinned the snapshot (PostgreSQL only: a reader beside a writer)', async () => {
        const parentOf = (objects: { uuid: string; relationer?: Record<string, { uuid: string }[]> }[]) =>
          objects.find((o) => o.uuid === A2)!.relationer!.overordnet![0]!.uuid;
        const parentBefore = parentOf(await ndjson(`/organisation/organisation/${ORG}/hierarki`));
        expect(parentBefore).not.toBe(ROOT);
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let wrote!: () => void;
        const written = new Promise<void>((resolve) => (wrote = resolve));
        const tx = platform.oio.inTransaction(async (w) => {
          await w.ret('organisationenhed', A2, {
            attributter: {},
            tilstande: {},
            relationer: { overordnet: [{ uuid: ROOT, virkning: { from: Date.parse('2020-01-01T00:00:00+01:00'), to: Infinity } }] },
          });
          wrote();
          await gate;
        });
        await written;
        const url = `/organisation/organisation/${ORG}/hierarki?format=json&maximalantalresultater=2`;
        const first = await get(url);
        release();
        await tx;
        const seen = [...first.objekter];
        for (let next: string | undefined = first.naeste; next;) {
          const page = await get(`${url}&efter=${next}`);
          seen.push(...page.objekter);
          next = page.naeste;
        }
        // Its registration time lies before the pinned one, but it was not committed then.
        expect(parentOf(seen)).toBe(parentBefore);
        expect(parentOf(await ndjson(`/organisation/organisation/${ORG}/hierarki`))).toBe(ROOT);
      });
  });
}
