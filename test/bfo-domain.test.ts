import { describe, expect, it } from 'vitest';
import { envelopeFromJson, instantOf, type Haendelsesbesked } from '../src/services/bfo/domain/envelope.ts';
import { envelopeFromXml, envelopeToXml } from '../src/services/bfo/domain/xml.ts';
import { fromCloudEvent, toCloudEvent } from '../src/services/bfo/domain/cloudevent.ts';
import { compileFilter, evaluate, explain, filterData, type Memberships } from '../src/services/bfo/domain/filter.ts';
import { SubscriptionIndex, type Subscription } from '../src/services/bfo/domain/matcher.ts';
import { CPR_RELATERET, fixtureXml, PUBLISHED, syntheticXml } from './support/bfo.ts';
import { itWith } from './support/requires.ts';
import { codeOf } from './support/errors.ts';

/** The published test messages where the shared fixtures are, else stand-ins of their shape. */
const fixture = (n: 1 | 2 | 3) => fixtureXml(n);
/** Test message 01's shape with synthetic CPR numbers: what the filter tests match against. */
const synthetic = () => syntheticXml('01157488-c45c-4fd2-b076-1de12effbf66');

const noLists: Memberships = new Map();

describe('the Haendelsesbesked envelope', () => {
  // The published files are not part of the repository: read where the shared fixtures are, and
  // listed as skipped where they are not.
  itWith(PUBLISHED)('reads the three published test messages', () => {
    const one = envelopeFromXml(fixture(1));
    expect(one.beskedId).toBe('01157488-c45c-4fd2-b076-1de12effbf66');
    expect(one.beskedVersion).toBe('1.0');
    const f = one.beskedkuvert.filtreringsdata;
    expect(f.beskedtype).toBe('7654895c-a3f3-4c77-8afd-4c77330f963c');
    expect(f.beskedAnsvarligAktoer).toBe('cf12c051-39ce-4066-ba11-704b46fa23c4');
    expect(f.tilladtModtager).toEqual(['urn:oio:cvr-nr:12345678']);
    expect(f.relateretObjekt).toEqual([
      { objektId: expect.stringMatching(/^urn:oio:cpr-nr:\d{10}$/), objektType: 'ce7fcf97-a8a2-447a-8690-d38aa0f6e23c' },
    ]);
    expect(f.objektRegistrering[0]).toMatchObject({
      objektRegistreringId: 'aa1b94ce-d182-454f-baa6-b2febb457aa3',
      registreringsAktoer: 'D92BB9C2-D826-4028-8FB5-D8B88B4377D4',
      registreringstidspunkt: '2016-03-13T08:00:00',
      objektAnsvarligMyndighed: 'urn:oio:cvr-nr:12345678',
      objektHandling: '1e5bb089-5445-44f8-9b65-bc854053f423',
      opgaveEmne: 'urn:oio:kle:32.01.01',
    });
    expect(one.beskedkuvert.leveranceinformation.sikkerhedsklassificering).toBe('44f4108b-26d4-46de-a90f-35e35b55b8d8');
    expect(one.beskedkuvert.gyldighedFra).toBe('2016-03-15T08:00:10');
    expect(one.beskeddata).toHaveLength(1);
    const payload = (one.beskeddata[0] as { xml: string }).xml;
    expect(payload).toMatch(/<tns:pnr>\d{10}<\/tns:pnr>/);
    // The payload stands alone, declaring what it uses and nothing else the envelope declared.
    expect(payload).toMatch(/^<test:Beskeddata xmlns:test="urn:kombit:test" xmlns:xsi="[^"]+"/);
    expect(payload).not.toMatch(/urn:oio:sagdok:3\.0\.0|xmldsig|urn:oio:sts:1\.0\.0/);

    const two = envelopeFromXml(fixture(2));
    expect(two.beskedkuvert.filtreringsdata.objektRegistrering[0]!.opgaveEmne).toBeUndefined();
    const three = envelopeFromXml(fixture(3));
    expect(three.beskedkuvert.filtreringsdata.beskedAnsvarligAktoer).toBe('1');
    expect(three.beskeddata).toEqual([{ xml: '' }]);
  });

  it('is namespace-tolerant: other prefixes', () => {
    const other = fixture(1).replace(/ns2:/g, 'kuv:').replace('xmlns:ns2=', 'xmlns:kuv=');
    expect(envelopeFromXml(other)).toEqual(envelopeFromXml(fixture(1)));
  });

  itWith(PUBLISHED)('is namespace-tolerant: published message 03 with no prefix and no namespace declaration', () => {
    // Published message 03 has no payload namespaces of its own: stripped of every prefix it still reads.
    const plain = fixture(3)
      .replace(/ns2:/g, '')
      .replace(/xmlns(:\w+)?="[^"]*"/g, '');
    expect(envelopeFromXml(plain).beskedkuvert.filtreringsdata.beskedtype).toBe('b677c97e-aa5e-430e-9f60-9bbbbdb4ea1b');
  });

  it('round-trips XML → value → XML → value, and JSON and CloudEvent forms', () => {
    for (const n of [1, 2, 3] as const) {
      const b = envelopeFromXml(fixture(n));
      expect(envelopeFromXml(envelopeToXml(b))).toEqual(b);
      expect(envelopeFromJson(JSON.parse(JSON.stringify(b)))).toEqual(b);
      const ce = toCloudEvent(b);
      expect(ce).toMatchObject({ specversion: '1.0', id: b.beskedId, type: b.beskedkuvert.filtreringsdata.beskedtype });
      expect(fromCloudEvent(JSON.parse(JSON.stringify(ce)))).toEqual(b);
    }
  });

  it('reads a minimal CloudEvent without the kuvert extension', () => {
    const b = fromCloudEvent({
      specversion: '1.0',
      id: '6f1c7b1e-0000-4000-8000-000000000001',
      type: '7654895C-A3F3-4C77-8AFD-4C77330F963C',
      source: 'urn:stotte:system:demo',
      subject: 'a0000000-0000-4000-8000-000000000001',
      time: '2026-01-01T10:00:00Z',
      bfoopgaveemne: 'urn:oio:kle:32.01.01',
      data: { hello: 'world' },
    });
    expect(b.beskedkuvert.filtreringsdata.beskedtype).toBe('7654895c-a3f3-4c77-8afd-4c77330f963c');
    expect(b.beskedkuvert.filtreringsdata.objektRegistrering[0]!.opgaveEmne).toBe('urn:oio:kle:32.01.01');
    expect(b.beskeddata).toEqual([{ json: { hello: 'world' } }]);
    expect(codeOf(() => fromCloudEvent({ specversion: '1.0', id: 'x', source: 's' }))).toBe('BFO_INVALID_CLOUDEVENT');
  });

  it('refuses DOCTYPEs, entities, other roots, malformed XML and missing parts with their codes', () => {
    const doctype = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${fixture(1).replace(/^<\?xml[^>]*>/, '')}`;
    expect(codeOf(() => envelopeFromXml(doctype))).toBe('BFO_DOCTYPE_FORBIDDEN');
    expect(codeOf(() => envelopeFromXml(fixture(1).replace('<ns2:BeskedVersion>1.0', '<ns2:BeskedVersion>&ext;')))).toBe(
      'BFO_ENTITY_FORBIDDEN',
    );
    expect(codeOf(() => envelopeFromXml('<Besked/>'))).toBe('BFO_WRONG_ROOT');
    expect(codeOf(() => envelopeFromXml(fixture(1).slice(0, 500)))).toBe('BFO_MALFORMED_XML');
    expect(codeOf(() => envelopeFromXml(fixture(1).replace(/<ns2:BeskedId>[\s\S]*?<\/ns2:BeskedId>/, '')))).toBe('BFO_INVALID_ENVELOPE');
    expect(codeOf(() => envelopeFromXml(fixture(1).replace('01157488-c45c-4fd2-b076-1de12effbf66', 'not-a-uuid')))).toBe(
      'BFO_INVALID_ENVELOPE',
    );
    expect(codeOf(() => envelopeFromJson({ beskedId: 'x' }))).toBe('BFO_INVALID_ENVELOPE');
    expect(codeOf(() => envelopeFromJson({ ...JSON.parse(JSON.stringify(envelopeFromXml(fixture(1)))), extra: 1 }))).toBe(
      'BFO_INVALID_ENVELOPE',
    );
  });

  it('reads times without an offset as Danish local time', () => {
    expect(new Date(instantOf('2016-03-13T08:00:00')!).toISOString()).toBe('2016-03-13T07:00:00.000Z');
    expect(new Date(instantOf('2016-07-13T08:00:00')!).toISOString()).toBe('2016-07-13T06:00:00.000Z');
    expect(new Date(instantOf('2016-07-13T08:00:00+00:00')!).toISOString()).toBe('2016-07-13T08:00:00.000Z');
  });
});

describe('the subscription filter language', () => {
  const b = envelopeFromXml(synthetic());
  const data = filterData(b);
  const test = (filter: unknown, lists: Memberships = noLists) => evaluate(compileFilter(filter), data, lists);

  it('exact, prefix (KLE), anything-but, exists, numeric and time ranges, and/or', () => {
    expect(test({ field: 'objektRegistrering.objektAnsvarligMyndighed', equals: 'urn:oio:cvr-nr:12345678' })).toBe(true);
    expect(test({ field: 'objektRegistrering.objektAnsvarligMyndighed', equals: ['urn:oio:cvr-nr:1', 'urn:oio:cvr-nr:2'] })).toBe(false);
    // UUIDs compare case-insensitively.
    expect(test({ field: 'objektRegistrering.registreringsAktoer', equals: 'd92bb9c2-d826-4028-8fb5-d8b88b4377d4' })).toBe(true);
    expect(test({ field: 'objektRegistrering.opgaveEmne', prefix: '32.01' })).toBe(true);
    expect(test({ field: 'objektRegistrering.opgaveEmne', prefix: 'urn:oio:kle:32' })).toBe(true);
    expect(test({ field: 'objektRegistrering.opgaveEmne', prefix: '27' })).toBe(false);
    expect(test({ field: 'objektRegistrering.objektHandling', anythingBut: '298aa424-0a16-4a5a-956c-2bdab17fd11f' })).toBe(true);
    expect(test({ field: 'objektRegistrering.objektHandling', anythingBut: '1e5bb089-5445-44f8-9b65-bc854053f423' })).toBe(false);
    expect(test({ field: 'tvaergaaendeProces', anythingBut: 'x' })).toBe(false);
    expect(test({ field: 'objektRegistrering.opgaveEmne', exists: true })).toBe(true);
    expect(test({ field: 'gyldighedTil', exists: false })).toBe(true);
    expect(test({ field: 'beskedVersion', numeric: { gte: 1, lt: 2 } })).toBe(true);
    expect(test({ field: 'beskedVersion', numeric: { gt: 1 } })).toBe(false);
    expect(test({ field: 'dannelsestidspunkt', time: { from: '2016-03-15T00:00:00+01:00', to: '2016-03-16T00:00:00+01:00' } })).toBe(true);
    expect(test({ field: 'dannelsestidspunkt', time: { from: '2016-03-15T07:00:01Z' } })).toBe(false);
    expect(
      test({
        and: [
          { field: 'objektRegistrering.opgaveEmne', prefix: '32' },
          {
            or: [
              { field: 'tilladtModtager', equals: 'urn:oio:cvr-nr:99999999' },
              { field: 'kildesystem', exists: false },
            ],
          },
        ],
      }),
    ).toBe(true);
    expect(
      test({
        and: [
          { field: 'objektRegistrering.opgaveEmne', prefix: '32' },
          { field: 'kildesystem', exists: true },
        ],
      }),
    ).toBe(false);
    expect(test({})).toBe(true);
  });

  it('tests value lists through the memberships looked up for the message', () => {
    const list = 'aaaaaaaa-0000-4000-8000-000000000001';
    const f = { field: 'relateretObjekt.objektId', inList: list };
    expect(test(f)).toBe(false);
    expect(test(f, new Map([[list, new Set([CPR_RELATERET])]]))).toBe(true);
  });

  it('refuses malformed filters with BFO_INVALID_FILTER', () => {
    for (const bad of [
      { field: 'nope', equals: 'x' },
      { field: 'beskedtype', like: 'x' },
      { field: 'beskedtype', equals: 'x', prefix: 'y' },
      { field: 'beskedtype', equals: [] },
      { field: 'beskedtype', numeric: { gt: 'x' } },
      { field: 'dannelsestidspunkt', time: { from: 'yesterday' } },
      { field: 'beskedtype', inList: 'not-a-uuid' },
      { and: [] },
      { and: [{ field: 'beskedtype', exists: true }], or: [] },
      [1, 2],
    ]) {
      expect(
        codeOf(() => compileFilter(bad)),
        JSON.stringify(bad),
      ).toBe('BFO_INVALID_FILTER');
    }
  });

  it('explains why a message did or did not match', () => {
    const e = explain(
      compileFilter({
        and: [
          { field: 'objektRegistrering.opgaveEmne', prefix: '32.01' },
          { field: 'kildesystem', exists: true },
        ],
      }),
      data,
      noLists,
    );
    expect(e.matched).toBe(false);
    expect(e.parts?.map((p) => p.matched)).toEqual([true, false]);
    expect(e.parts?.[0]?.values).toEqual(['32.01.01']);
    expect(e.parts?.[1]?.condition).toBe('kildesystem exists');
  });
});

describe('the subscription index', () => {
  it('finds exactly what evaluating every subscription finds, looking at few of them', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const types = ['7654895c-a3f3-4c77-8afd-4c77330f963c', '832d0676-d0a0-4522-8f57-ac126dc8270e'];
    const cvrs = Array.from({ length: 98 }, (_, i) => `urn:oio:cvr-nr:${String(10000000 + i)}`);
    const kle = ['32', '32.01', '32.01.01', '27.24', '00.01.00'];
    const list = 'aaaaaaaa-0000-4000-8000-000000000001';
    const subs: Subscription[] = Array.from({ length: 3000 }, (_, i) => {
      const pick = rnd(6);
      const filter =
        pick === 0
          ? { field: 'objektRegistrering.objektAnsvarligMyndighed', equals: cvrs[rnd(cvrs.length)] }
          : pick === 1
            ? { field: 'objektRegistrering.opgaveEmne', prefix: kle[rnd(kle.length)] }
            : pick === 2
              ? {
                  and: [
                    { field: 'objektRegistrering.objektAnsvarligMyndighed', equals: [cvrs[rnd(cvrs.length)], cvrs[rnd(cvrs.length)]] },
                    { field: 'objektRegistrering.opgaveEmne', prefix: kle[rnd(kle.length)] },
                  ],
                }
              : pick === 3
                ? { field: 'relateretObjekt.objektId', inList: list }
                : pick === 4
                  ? {
                      or: [
                        { field: 'tilladtModtager', equals: cvrs[rnd(cvrs.length)] },
                        { field: 'objektRegistrering.opgaveEmne', prefix: kle[rnd(kle.length)] },
                      ],
                    }
                  : rnd(20) === 0
                    ? { field: 'objektRegistrering.objektHandling', anythingBut: 'x' }
                    : { field: 'objektRegistrering.objektAnsvarligMyndighed', equals: cvrs[rnd(cvrs.length)] };
      return { uuid: `s${i}`, dueslag: `d${i % 500}`, beskedtype: types[rnd(2)]!, filter: compileFilter(filter) };
    });
    const index = new SubscriptionIndex(subs);
    const base = envelopeFromXml(synthetic());
    let candidates = 0;
    for (let m = 0; m < 200; m++) {
      const b: Haendelsesbesked = structuredClone(base);
      b.beskedkuvert.filtreringsdata.beskedtype = types[rnd(2)]!;
      const reg = b.beskedkuvert.filtreringsdata.objektRegistrering[0]!;
      reg.objektAnsvarligMyndighed = cvrs[rnd(cvrs.length)];
      reg.opgaveEmne = `urn:oio:kle:${['32.01.01', '32.02.05', '27.24.10', '00.01.00'][rnd(4)]}`;
      b.beskedkuvert.filtreringsdata.tilladtModtager = [cvrs[rnd(cvrs.length)]!];
      const data = filterData(b);
      const lists: Memberships = rnd(2) ? new Map([[list, new Set([CPR_RELATERET])]]) : new Map();
      const brute = subs.filter((s) => s.beskedtype === b.beskedkuvert.filtreringsdata.beskedtype && evaluate(s.filter, data, lists));
      const found = index.match(b.beskedkuvert.filtreringsdata.beskedtype, data, lists);
      expect(new Set(found.map((s) => s.uuid))).toEqual(new Set(brute.map((s) => s.uuid)));
      candidates += index.candidates(b.beskedkuvert.filtreringsdata.beskedtype, data, lists).length - found.length;
    }
    // Of the 1,500 subscriptions of a beskedtype, few are looked at in vain.
    expect(candidates / 200).toBeLessThan(150);
  });
});

describe('the push schedule', () => {
  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', async () => {
    const { PUSH_RETRY_DELAYS_MS } = await import('../src/services/bfo/domain/route.ts');
    const s = 1000;
    expect(PUSH_RETRY_DELAYS_MS).toEqual([5 * s, 300 * s, 1800 * s, 7200 * s, 18000 * s, 36000 * s, 36000 * s]);
  });
});
