import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../src/app.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import type { Content } from '../src/oio/model.ts';
import type { Store } from '../src/platform/store/store.ts';
import { registerOrgImportRoutes } from '../src/services/org/api/import-routes.ts';
import { isSyntheticCpr } from '../src/services/org/domain/cpr.ts';
import {
  demoMunicipality,
  forImport,
  generateMunicipality,
  importRequestBody,
  type GeneratedMunicipality,
} from '../src/services/org/generate/index.ts';
import { importOrganisation } from '../src/services/org/store/org-import.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';

const AARHUS = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: '55133018' };
const OTHER = { uuid: '5b1f0c2e-6d1a-4c3b-8e2f-000000000999', bvn: 'kommune-999', navn: 'Prøvekommune', cvr: '12345678' };
const KLE = Array.from({ length: 120 }, (_, i) => `a1d1e000-0000-4000-8000-${String(i).padStart(12, '0')}`);

const unitsOf = (m: GeneratedMunicipality) => m.objects.filter((o) => o.type === 'organisationenhed');
const countByType = (m: GeneratedMunicipality) => {
  const out: Record<string, number> = { organisation: 1 };
  for (const o of m.objects) out[o.type] = (out[o.type] ?? 0) + 1;
  return out;
};

/** The parent a unit names at instant t (a unit UUID, the organisation's, or undefined). */
function parentAt(content: Content, t: number): string | undefined {
  return content.relationer.overordnet?.find((v) => v.virkning.from <= t && t < v.virkning.to)?.uuid;
}

/** The deepest level of the tree at instant t (the root unit is level 1); throws on a cycle. */
function depthAt(m: GeneratedMunicipality, t: number): number {
  const units = new Map(unitsOf(m).map((u) => [u.uuid, u.content]));
  let deepest = 0;
  for (const [uuid, content] of units) {
    const alive = content.tilstande.organisationenhedgyldighed?.some(
      (s) => s.value === 'Aktiv' && s.virkning.from <= t && t < s.virkning.to,
    );
    if (!alive) continue;
    let depth = 1;
    let at = parentAt(content, t);
    const seen = new Set([uuid]);
    while (at && units.has(at)) {
      if (seen.has(at)) throw new Error(`cycle at ${uuid}`);
      seen.add(at);
      depth++;
      at = parentAt(units.get(at)!, t);
    }
    expect(at).toBe(m.uuid); // every chain ends at the organisation
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

describe('the municipality generator', () => {
  it('gives the same municipality for the same seed, and another for another seed', () => {
    const a = generateMunicipality({ organisation: AARHUS, seed: 5, units: 120, users: 400, kleClasses: KLE });
    const b = generateMunicipality({ organisation: AARHUS, seed: 5, units: 120, users: 400, kleClasses: KLE });
    const c = generateMunicipality({ organisation: AARHUS, seed: 6, units: 120, users: 400, kleClasses: KLE });
    const d = generateMunicipality({ organisation: OTHER, seed: 5, units: 120, users: 400, kleClasses: KLE });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    // UUIDs depend on the organisation too: two municipalities never share one.
    const uuids = new Set(a.objects.map((o) => o.uuid));
    expect(uuids.size).toBe(a.objects.length);
    expect(d.objects.some((o) => uuids.has(o.uuid))).toBe(false);
  });

  it('builds a 5-7 level tree with history, one tilhoerer per unit and user, users reached only through functions', () => {
    const m = generateMunicipality({ organisation: AARHUS, units: 300, users: 1500, kleClasses: KLE });
    const byType = countByType(m);
    expect(byType).toMatchObject({ organisationenhed: 300, bruger: 1500, person: 1500 });
    expect(m.stats).toMatchObject({ units: 300, users: 1500, persons: 1500, functions: byType.organisationfunktion });
    expect(m.stats.functions).toBeGreaterThanOrEqual(1500);
    expect(m.stats.depth).toBeGreaterThanOrEqual(5);
    expect(m.stats.depth).toBeLessThanOrEqual(7);
    for (const t of [Date.parse(`${m.stats.from}T12:00:00Z`), Date.parse('2024-01-01T12:00:00Z'), Date.now()]) {
      const depth = depthAt(m, t);
      expect(depth).toBeGreaterThanOrEqual(5);
      expect(depth).toBeLessThanOrEqual(7);
    }
    expect(m.stats.renamed.length).toBeGreaterThan(0);
    expect(m.stats.moved.length).toBeGreaterThan(0);
    expect(m.stats.closed.length).toBeGreaterThan(0);

    for (const o of m.objects) {
      if (o.type === 'organisationenhed' || o.type === 'bruger') {
        expect(o.content.relationer.tilhoerer).toHaveLength(1);
        expect(o.content.relationer.tilhoerer![0]).toMatchObject({ uuid: AARHUS.uuid, virkning: { to: Infinity } });
      }
      if (o.type === 'bruger') expect(o.content.relationer.tilknyttedeenheder ?? []).toHaveLength(0);
      if (o.type === 'organisationenhed') expect(o.content.relationer.tilknyttedebrugere ?? []).toHaveLength(0);
      if (o.type === 'organisationfunktion') {
        expect(o.content.relationer.tilknyttedebrugere).toHaveLength(1);
        expect(o.content.relationer.tilknyttedeenheder).toHaveLength(1);
        expect(o.content.attributter.organisationfunktionegenskaber![0]!.fields.funktionsnavn).toBe('Ansat');
      }
    }
    // A closed unit: Inaktiv from its closure, every other value ended there.
    const closed = unitsOf(m).find((u) => u.uuid === m.stats.closed[0]!.uuid)!.content;
    const end = closed.tilstande.organisationenhedgyldighed!.find((s) => s.value === 'Inaktiv')!.virkning.from;
    expect(closed.attributter.organisationenhedegenskaber!.every((v) => v.virkning.to <= end)).toBe(true);
    expect(closed.relationer.overordnet!.every((v) => v.virkning.to <= end)).toBe(true);
    // Addresses carry their kind as the role; some units have KLE tasks.
    const roles = new Set(unitsOf(m).flatMap((u) => (u.content.relationer.adresser ?? []).map((a) => a.rolle)));
    expect([...roles].sort()).toEqual([
      'urn:oio:adresserolle:ean',
      'urn:oio:adresserolle:email',
      'urn:oio:adresserolle:pnummer',
      'urn:oio:adresserolle:postadresse',
      'urn:oio:adresserolle:telefon',
    ]);
    expect(unitsOf(m).filter((u) => u.content.relationer.opgaver?.length).length).toBeGreaterThan(10);
    expect(m.stats.tasks).toBeGreaterThan(0);
  });

  it('uses only synthetic CPR numbers (day of month 61-91), all different', () => {
    const m = generateMunicipality({ organisation: AARHUS, units: 100, users: 3000 });
    const cprs = m.objects.filter((o) => o.type === 'person').map((p) => p.content.attributter.personegenskaber![0]!.fields.cpr_nummer!);
    expect(cprs).toHaveLength(3000);
    expect(new Set(cprs).size).toBe(3000);
    for (const cpr of cprs) {
      expect(isSyntheticCpr(cpr)).toBe(true);
      const day = Number(cpr.slice(0, 2));
      expect(day >= 61 && day <= 91).toBe(true);
    }
  });

  it('gives the demo seed a small municipality', () => {
    const m = demoMunicipality(AARHUS, KLE);
    expect(m.stats).toMatchObject({ units: 40, users: 150 });
    expect(m.stats.depth).toBeGreaterThanOrEqual(5);
  });

  it('generates 5,000 units, 50,000 users and ~60,000 functions in a few seconds', () => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const m = generateMunicipality({ organisation: AARHUS, units: 5000, users: 50_000, kleClasses: KLE });
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - started;
    console.log(
      `generated ${m.objects.length} objects (${m.stats.units} units, ${m.stats.users} users, ${m.stats.functions} functions, ` +
        `${m.stats.addresses} addresses) in ${Math.round(ms)} ms (${Math.round((used.user + used.system) / 1000)} ms CPU)`,
    );
    expect(m.stats).toMatchObject({ units: 5000, users: 50_000, persons: 50_000 });
    expect(m.stats.functions).toBeGreaterThan(55_000);
    expect(m.stats.functions).toBeLessThan(70_000);
    expect(m.stats.depth).toBeLessThanOrEqual(7);
    // Generous: about 2 s of CPU on a laptop; shared CI runners are slower.
    expect(ms).toBeLessThan(30_000);
  });
});

for (const backend of allBackends) {
  describeWith(backend)(`organisation import on ${backend.name}`, () => {
    let store: Store;
    let t: TestPlatform;
    let platform: Platform;
    const m = generateMunicipality({ organisation: AARHUS, units: 80, users: 200, kleClasses: KLE });
    const expected = countByType(m);

    beforeAll(async () => {
      t = await startPlatform(backend, ['org']);
      store = t.store;
      platform = t.platform;
      expect(platform.http.hasRoute({ method: 'POST', url: '/organisation/organisation/import' })).toBe(true);
    });
    afterAll(async () => {
      await platform?.close();
      await store?.close();
    });

    const post = (payload: unknown) =>
      platform.http.inject({ method: 'POST', url: '/organisation/organisation/import', payload: payload as object });
    const objectCounts = async () => {
      const { rows } = await store.query<{ objekttype: string; n: string }>(
        'SELECT objekttype, count(*) AS n FROM oio_objekt GROUP BY objekttype',
      );
      return Object.fromEntries(rows.map((r) => [r.objekttype, Number(r.n)]));
    };
    const registrations = async () => Number((await store.query<{ n: string }>('SELECT count(*) AS n FROM oio_registrering')).rows[0]!.n);

    it('imports a generated municipality over HTTP, every object once', async () => {
      const started = performance.now();
      const res = await post(importRequestBody(m));
      const ms = performance.now() - started;
      expect(res.statusCode, res.body).toBe(200);
      const total = m.objects.length + 1;
      expect(res.json()).toMatchObject({ created: total, updated: 0, unchanged: 0, objects: total });
      expect(res.json().byType.organisationenhed).toEqual({ created: 80, updated: 0, unchanged: 0 });
      console.log(`${backend.name}: imported ${total} objects (80 units, 200 users) over HTTP in ${Math.round(ms)} ms`);
      expect(await objectCounts()).toEqual(expected);
      expect(await registrations()).toBe(total);
    });

    it('stores exactly one tilhoerer, the organisation, on every unit and user', async () => {
      const { rows } = await store.query<{ objekttype: string; n: number; org: string }>(
        `SELECT objekttype, jsonb_array_length(indhold->'relationer'->'tilhoerer') AS n, indhold->'relationer'->'tilhoerer'->0->>'uuid' AS org
           FROM oio_registrering WHERE objekttype IN ('organisationenhed', 'bruger') AND til = 'infinity'`,
      );
      expect(rows).toHaveLength(80 + 200);
      for (const r of rows) expect([Number(r.n), r.org]).toEqual([1, AARHUS.uuid]);
    });

    it('reads a renamed unit with its old name before the rename and its new name after', async () => {
      const renamed = m.stats.renamed[0]!;
      const read = async (virkningstid: string) => {
        const res = await platform.http.inject({
          method: 'GET',
          url: `/organisation/organisationenhed/${renamed.uuid}?virkningstid=${encodeURIComponent(virkningstid)}`,
        });
        expect(res.statusCode, res.body).toBe(200);
        const reg = res.json()[renamed.uuid][0].registreringer[0];
        return reg.attributter.organisationenhedegenskaber.map((a: { enhedsnavn: string }) => a.enhedsnavn);
      };
      // Midway through each name's period (the new one may end when the unit closed).
      const [old, current] = unitsOf(m).find((u) => u.uuid === renamed.uuid)!.content.attributter.organisationenhedegenskaber!;
      const iso = (v: { from: number; to: number }) => new Date((v.from + Math.min(v.to, Date.now())) / 2).toISOString();
      expect(old!.virkning.to).toBe(current!.virkning.from);
      expect(await read(iso(old!.virkning))).toEqual([renamed.before]);
      expect(await read(iso(current!.virkning))).toEqual([renamed.after]);
      expect(renamed.before).not.toBe(renamed.after);
    });

    it('streams the imported municipality as of a past date: the same objects as paging, a cursor resumes the stream', async () => {
      const base = `/organisation/organisation/${AARHUS.uuid}/hierarki?virkningstid=2024-03-01T00:00:00Z`;
      const streamed = await platform.http.inject({ method: 'GET', url: base });
      expect(streamed.statusCode).toBe(200);
      const lines = streamed.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { objekttype: string; uuid: string });
      const keys = lines.map((l) => `${l.objekttype} ${l.uuid}`);
      expect(keys).toEqual([...keys].sort());
      expect(new Set(keys).size).toBe(keys.length);
      // Units existing then are all there (a unit is a member while it exists: its tilhoerer spans its life).
      const t = Date.parse('2024-03-01T00:00:00Z');
      const alive = unitsOf(m).filter((u) => u.content.relationer.tilhoerer!.some((v) => v.virkning.from <= t && t < v.virkning.to));
      expect(
        lines
          .filter((l) => l.objekttype === 'organisationenhed')
          .map((l) => l.uuid)
          .sort(),
      ).toEqual(alive.map((u) => u.uuid).sort());
      // Its IT systems and interest groups belong to it too.
      expect(lines.filter((l) => l.objekttype === 'itsystem')).toHaveLength(m.stats.itsystems);
      expect(lines.filter((l) => l.objekttype === 'interessefaellesskab')).toHaveLength(m.stats.groups);
      expect(m.stats.itsystems).toBeGreaterThan(0);
      expect(m.stats.groups).toBeGreaterThan(0);
      // Paged with an odd page size, from one pin: the same objects in the same order.
      const paged: typeof lines = [];
      let cursor: string | undefined;
      let third: string | undefined;
      do {
        const res = await platform.http.inject({
          method: 'GET',
          url: `${base}&format=json&maximalantalresultater=97${cursor ? `&efter=${cursor}` : ''}`,
        });
        expect(res.statusCode).toBe(200);
        paged.push(...res.json().objekter);
        cursor = res.json().naeste;
        if (paged.length === 97 * 3) third = cursor;
      } while (cursor);
      expect(paged.map((l) => `${l.objekttype} ${l.uuid}`)).toEqual(keys);
      expect(paged).toEqual(lines);
      // The stream resumed from the third page's cursor gives the rest.
      const rest = await platform.http.inject({ method: 'GET', url: `${base}&efter=${third}` });
      expect(
        rest.body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual(lines.slice(97 * 3));
    });

    it('pages "who works here" for the root and its subtree: the pages make up the whole, in UUID order', async () => {
      const root = unitsOf(m).find((u) => !(u.content.relationer.overordnet ?? []).some((v) => v.objekttype === 'organisationenhed'))!;
      const base = `/organisation/organisationenhed/${root.uuid}/brugere?undertraeer=true&virkningstid=2025-06-01T00:00:00Z`;
      const whole = await platform.http.inject({ method: 'GET', url: `${base}&maximalantalresultater=10000` });
      expect(whole.statusCode).toBe(200);
      type Row = { enhed: string; funktion: string; bruger: string };
      const all: Row[] = whole.json().tilknytninger;
      expect(whole.json().naeste).toBeUndefined();
      // Every user working then is there (the generator gives each user a function for each employment).
      expect(new Set(all.map((r) => r.bruger)).size).toBeGreaterThan(100);
      const key = (r: Row) => `${r.enhed} ${r.funktion} ${r.bruger}`;
      expect(all.map(key)).toEqual(all.map(key).sort());
      const paged: Row[] = [];
      let cursor: string | undefined;
      let first: string | undefined;
      do {
        const res = await platform.http.inject({
          method: 'GET',
          url: cursor ? `${base}&efter=${cursor}` : `${base}&maximalantalresultater=7`,
        });
        expect(res.statusCode, res.body).toBe(200);
        paged.push(...res.json().tilknytninger);
        cursor = res.json().naeste;
        first ??= cursor;
      } while (cursor);
      expect(paged).toEqual(all);
      // A cursor is for its own unit and its own undertraeer.
      const other = unitsOf(m).find((u) => u.uuid !== root.uuid)!;
      const wrongUnit = await platform.http.inject({
        method: 'GET',
        url: `/organisation/organisationenhed/${other.uuid}/brugere?undertraeer=true&efter=${first}`,
      });
      expect([wrongUnit.statusCode, wrongUnit.json().error.code]).toEqual([400, 'INVALID_CURSOR']);
      const garbled = await platform.http.inject({ method: 'GET', url: `${base}&efter=bm90LWpzb24` });
      expect([garbled.statusCode, garbled.json().error.code]).toEqual([400, 'INVALID_CURSOR']);
    });

    it('reports a re-import as unchanged and writes nothing; a changed object is updated alone', async () => {
      const before = await registrations();
      const again = await post(importRequestBody(m));
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: m.objects.length + 1 });
      expect(await registrations()).toBe(before);

      // The same import in process, with one unit given a new name from a date.
      const unit = unitsOf(m).find((u) => {
        const names = u.content.attributter.organisationenhedegenskaber!;
        return names.length === 1 && names[0]!.virkning.to === Infinity;
      })!;
      const [name] = unit.content.attributter.organisationenhedegenskaber!;
      const at = Date.parse('2025-06-01T00:00:00+02:00');
      const changed: Content = {
        ...unit.content,
        attributter: {
          organisationenhedegenskaber: [
            { fields: name!.fields, virkning: { from: name!.virkning.from, to: at } },
            { fields: { ...name!.fields, enhedsnavn: 'Nyt navn' }, virkning: { from: at, to: name!.virkning.to } },
          ],
        },
      };
      const data = forImport(m);
      const progress: number[] = [];
      const summary = await importOrganisation(
        platform.oio,
        { ...data, objects: data.objects.map((o) => (o.uuid === unit.uuid ? { ...o, content: changed } : o)) },
        (done) => progress.push(done),
      );
      expect(summary).toMatchObject({ created: 0, updated: 1, unchanged: m.objects.length });
      expect(summary.byType.organisationenhed).toEqual({ created: 0, updated: 1, unchanged: 79 });
      expect(progress).toHaveLength(m.objects.length + 1);
      expect(await registrations()).toBe(before + 1);
    });

    describe('refuses a bad import whole, storing nothing', () => {
      // A second organisation of the token's municipality: another municipality's is refused before any of these rules.
      const other = generateMunicipality({ organisation: { ...OTHER, cvr: AARHUS.cvr }, units: 40, users: 60 });
      const expectNothingStored = async (before: Record<string, number>) => {
        expect(await objectCounts()).toEqual(before);
        const { rows } = await store.query('SELECT 1 FROM oio_objekt WHERE uuid = $1::uuid', [OTHER.uuid]);
        expect(rows).toHaveLength(0);
      };

      it('a virkning that ends before it starts: 400 INVALID_VIRKNING_INTERVAL, naming the object', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const index = body.objekter.findIndex((o) => o.objekttype === 'organisationenhed');
        const unit = body.objekter[index] as unknown as { attributter: { organisationenhedegenskaber: { virkning: unknown }[] } };
        unit.attributter.organisationenhedegenskaber[0]!.virkning = { from: '2024-01-01', to: '2023-01-01' };
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('INVALID_VIRKNING_INTERVAL');
        expect(res.json().error.details.objekt).toEqual({ index, objekttype: 'organisationenhed', uuid: body.objekter[index]!.uuid });
        await expectNothingStored(before);
      });

      it('an object that breaks a register rule late in the import: its error, and the earlier writes rolled back', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        // The last unit written loses its organisation: TILHOERER_REQUIRED, after all the others are written.
        const units = body.objekter.filter((o) => o.objekttype === 'organisationenhed');
        const last = units[units.length - 1] as unknown as { relationer: Record<string, unknown> };
        delete last.relationer.tilhoerer;
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('TILHOERER_REQUIRED');
        await expectNothingStored(before);
      });

      it('a UUID that is stored as another type: 409 OBJECT_TYPE_MISMATCH, rolled back', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const person = m.objects.find((o) => o.type === 'person')!;
        body.objekter[body.objekter.length - 1]!.uuid = person.uuid;
        const res = await post(body);
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('OBJECT_TYPE_MISMATCH');
        await expectNothingStored(before);
      });

      type Rel = { uuid?: string; objekttype?: string; virkning: unknown }[];
      const unitsOf = (body: ReturnType<typeof importRequestBody>) =>
        body.objekter.flatMap((o, index) =>
          o.objekttype === 'organisationenhed'
            ? [{ index, uuid: o.uuid, relationer: (o as unknown as { relationer: Record<string, Rel> }).relationer }]
            : [],
        );

      it("two units of the import that would be each other's ancestors: 400 UNIT_CYCLE naming one of them, rolled back", async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        // A child and its parent: the parent is put under the child for the whole period.
        const units = unitsOf(body);
        const child = units.find((u) => u.relationer.overordnet?.some((v) => units.some((p) => p.uuid === v.uuid)))!;
        const parent = units.find((u) => u.uuid === child.relationer.overordnet![0]!.uuid)!;
        parent.relationer.overordnet = [{ uuid: child.uuid, virkning: { from: '2000-01-01T00:00:00Z', to: 'infinity' } }];
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('UNIT_CYCLE');
        expect([parent.uuid, child.uuid]).toContain(res.json().error.details.objekt.uuid);
        await expectNothingStored(before);
      });

      it('a unit of the import with a stored user among its ansatte: 400 USER_ATTACHED_DIRECTLY naming the unit', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const user = m.objects.find((o) => o.type === 'bruger')!;
        const unit = unitsOf(body)[3]!;
        unit.relationer.ansatte = [{ uuid: user.uuid, virkning: { from: '2020-01-01T00:00:00Z', to: 'infinity' } }];
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('USER_ATTACHED_DIRECTLY');
        expect(res.json().error.details.objekt).toEqual({ index: unit.index, objekttype: 'organisationenhed', uuid: unit.uuid });
        await expectNothingStored(before);
      });

      it('a unit of the import whose parent is a stored person: 400 RELATION_TARGET_TYPE_NOT_ALLOWED naming the unit', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const person = m.objects.find((o) => o.type === 'person')!;
        const unit = unitsOf(body)[5]!;
        unit.relationer.overordnet = [{ uuid: person.uuid, virkning: { from: '2020-01-01T00:00:00Z', to: 'infinity' } }];
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('RELATION_TARGET_TYPE_NOT_ALLOWED');
        expect(res.json().error.details.objekt).toEqual({ index: unit.index, objekttype: 'organisationenhed', uuid: unit.uuid });
        await expectNothingStored(before);
      });

      it('a user of the import that belongs to another organisation: 400 IMPORT_FOREIGN_OBJECT naming it', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const index = body.objekter.findIndex((o) => o.objekttype === 'bruger');
        const user = body.objekter[index] as unknown as { uuid: string; relationer: Record<string, { uuid: string }[]> };
        user.relationer.tilhoerer![0]!.uuid = AARHUS.uuid === other.uuid ? '00000000-0000-4000-8000-000000000001' : AARHUS.uuid;
        const res = await post(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('IMPORT_FOREIGN_OBJECT');
        expect(res.json().error.details.objekt).toEqual({ index, objekttype: 'bruger', uuid: user.uuid });
        await expectNothingStored(before);
      });

      it('envelope errors: an unknown type, a malformed UUID, an unknown field, a UUID twice', async () => {
        const before = await objectCounts();
        const body = importRequestBody(other);
        const bad = (change: (b: ReturnType<typeof importRequestBody>) => void) => {
          const copy = structuredClone(body);
          change(copy);
          return post(copy);
        };
        const unknownType = await bad((b) => (b.objekter[0]!.objekttype = 'klasse'));
        expect([unknownType.statusCode, unknownType.json().error.code]).toEqual([400, 'INVALID_REQUEST']);
        const badUuid = await bad((b) => (b.objekter[0]!.uuid = 'not-a-uuid'));
        expect([badUuid.statusCode, badUuid.json().error.code]).toEqual([400, 'INVALID_UUID']);
        const unknownField = await bad((b) => ((b.objekter[0]!.attributter as Record<string, unknown>).ukendt = []));
        expect([unknownField.statusCode, unknownField.json().error.code]).toEqual([400, 'UNKNOWN_FIELD']);
        expect(unknownField.json().error.details.objekt.index).toBe(0);
        const twice = await bad((b) => (b.objekter[1]!.uuid = b.objekter[0]!.uuid));
        expect([twice.statusCode, twice.json().error.code]).toEqual([400, 'INVALID_REQUEST']);
        await expectNothingStored(before);
      });
    });
  });
}
