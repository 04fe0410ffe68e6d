import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEmneplan,
  buildHandlingsfacetter,
  generateEmneplan,
  generateHandlingsfacetter,
  planStats,
  planToXml,
  synthEntries,
  SYNTHETIC_KLE_NOTE,
  type SynthEntry,
} from '../src/services/kla/generate/index.ts';
import { KLE_ERROR_CODES, KleFormatError, parseKle, parseKleString, type KleEntry } from '../src/services/kla/kle/parse.ts';

// ---------------------------------------------------------------------------------------------
// helpers

async function* stringChunks(s: string, size: number) {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}
async function* byteChunks(b: Buffer, size: number) {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;
/** 1-based line of the n-th occurrence of `needle`. */
function lineOf(text: string, needle: string, occurrence = 1): number {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`not found: ${needle}`);
  }
  return lineAt(text, at);
}
/** Replaces the n-th occurrence of `find`; returns the new text and the line it was on. */
function mutate(text: string, find: string, replacement: string, occurrence = 1) {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(find, at + 1);
    if (at < 0) throw new Error(`not found: ${find}`);
  }
  return { xml: text.slice(0, at) + replacement + text.slice(at + find.length), line: lineAt(text, at) };
}
async function rejection(xml: string | AsyncIterable<string | Buffer>): Promise<KleFormatError> {
  try {
    await (typeof xml === 'string' ? parseKleString(xml) : parseKle(xml));
  } catch (err) {
    expect(err).toBeInstanceOf(KleFormatError);
    return err as KleFormatError;
  }
  throw new Error('expected the KLE file to be rejected');
}
async function expectRejected(xml: string, code: string, line: number) {
  const err = await rejection(xml);
  expect({ code: err.code, line: err.line }).toEqual({ code, line });
  expect(err.message).toContain(`line ${line}`);
  return err;
}
const strip = ({ line: _line, ...rest }: KleEntry) => rest;

/** A tiny hand-written plan whose lines the tests know. Titles are invented. */
const MINI = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<KLE-Emneplan>',
  '  <UdgivelsesDato>2020-01-01</UdgivelsesDato>',
  '  <Hovedgruppe>',
  '    <HovedgruppeNr>27</HovedgruppeNr>',
  '    <HovedgruppeTitel>Tårnfalke og ællinger</HovedgruppeTitel>',
  '    <HovedgruppeAdministrativInfo><OprettetDato>1988-01-01</OprettetDato></HovedgruppeAdministrativInfo>',
  '    <UUID>11111111-1111-4111-8111-111111111111</UUID>',
  '    <Gruppe>',
  '      <GruppeNr>27.35</GruppeNr>',
  '      <GruppeTitel>Øresundsbroer</GruppeTitel>',
  '      <GruppeAdministrativInfo><OprettetDato>1990-05-01</OprettetDato></GruppeAdministrativInfo>',
  '      <UUID>22222222-2222-4222-8222-222222222222</UUID>',
  '      <Emne>',
  '        <EmneNr>27.35.00</EmneNr>',
  '        <EmneTitel>Øresundsbroer i almindelighed</EmneTitel>',
  '        <EmneAdministrativInfo><OprettetDato>1990-05-01</OprettetDato></EmneAdministrativInfo>',
  '        <UUID>33333333-3333-4333-8333-333333333333</UUID>',
  '      </Emne>',
  '      <Emne>',
  '        <EmneNr>27.35.04</EmneNr>',
  '        <EmneTitel>Åbningstider</EmneTitel>',
  '        <EmneAdministrativInfo><OprettetDato>1995-01-01</OprettetDato></EmneAdministrativInfo>',
  '        <UUID>44444444-4444-4444-8444-444444444444</UUID>',
  '      </Emne>',
  '    </Gruppe>',
  '  </Hovedgruppe>',
  '</KLE-Emneplan>',
  '',
].join('\n');

const MINI_FACETS = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<KLE-Handlingsfacetter>',
  '  <UdgivelsesDato>2020-01-01</UdgivelsesDato>',
  '  <HandlingsfacetKategori>',
  '    <HandlingsfacetKategoriNr>G</HandlingsfacetKategoriNr>',
  '    <HandlingsfacetKategoriTitel>Gøremål</HandlingsfacetKategoriTitel>',
  '    <Handlingsfacet>',
  '      <HandlingsfacetNr>G01</HandlingsfacetNr>',
  '      <HandlingsfacetTitel>Første gøremål</HandlingsfacetTitel>',
  '    </Handlingsfacet>',
  '  </HandlingsfacetKategori>',
  '</KLE-Handlingsfacetter>',
  '',
].join('\n');

function expectMatchesModel(entries: KleEntry[], roots: SynthEntry[]) {
  const model = new Map(synthEntries(roots).map((e) => [e.uuid, e]));
  expect(entries).toHaveLength(model.size);
  const parentOf = new Map<string, string>();
  for (const e of synthEntries(roots)) for (const c of e.children) parentOf.set(c.uuid, e.nummer);
  for (const e of entries) {
    const m = model.get(e.uuid!);
    expect(m, `entry ${e.nummer}`).toBeDefined();
    expect(e.kind).toBe(m!.kind);
    expect(e.nummer).toBe(m!.nummer);
    expect(e.titel).toBe(m!.titel);
    expect(e.parent).toBe(parentOf.get(e.uuid!));
    expect(e.oprettet).toBe(m!.noAdmin ? undefined : m!.oprettet);
    expect(e.rettet ?? []).toEqual(m!.rettet);
    expect(e.udgaaet).toBe(m!.udgaaet);
    expect(e.stikord).toEqual(
      m!.stikord.map((s) => ({ titel: s.tekst, ...(s.handlingsfacet ? { handlingsfacet: s.handlingsfacet } : {}) })),
    );
    if (m!.vejledning) {
      const expected = m!.vejledning.flatMap((v) => [v.p, ...(v.li ?? [])]).join('\n');
      expect(e.vejledning).toBe(expected);
    } else expect(e.vejledning).toBeUndefined();
  }
}

// ---------------------------------------------------------------------------------------------

describe('KLE synthetic plan round trip', () => {
  it('parses the full-size generated subject plan back into exactly the generated model', async () => {
    const plan = buildEmneplan({ seed: 1 });
    const xml = planToXml(plan);
    expect(xml).toContain(`<!-- ${SYNTHETIC_KLE_NOTE}`);
    const stats = planStats(plan);
    expect(stats).toMatchObject({ hovedgruppe: 30, gruppe: 400, emne: 2000 });
    expect(stats.udgaaet).toBeGreaterThan(20);
    expect(stats.medStikord).toBeGreaterThan(800);

    const seen: KleEntry[] = [];
    const doc = await parseKleString(xml, (e) => seen.push(e));
    expect(doc.kind).toBe('emneplan');
    expect(doc.udgivelsesdato).toBe('2019-10-01');
    expect(seen).toEqual(doc.entries);
    const count = (k: string) => doc.entries.filter((e) => e.kind === k).length;
    expect([count('hovedgruppe'), count('gruppe'), count('emne')]).toEqual([30, 400, 2000]);
    expectMatchesModel(doc.entries, plan.roots);

    // Parents resolve, and every parent is reported before its children.
    const before = new Set<string>();
    for (const e of doc.entries) {
      if (e.kind === 'hovedgruppe') expect(e.parent).toBeUndefined();
      else expect(before.has(e.parent!), `${e.nummer} → ${e.parent}`).toBe(true);
      before.add(e.nummer);
    }
    // Retired subjects, keywords, guidance and Danish letters survive.
    const retired = doc.entries.filter((e) => e.kind === 'emne' && e.udgaaet);
    expect(retired.length).toBeGreaterThan(20);
    for (const e of retired) expect(e.udgaaet! > e.oprettet!).toBe(true);
    expect(doc.entries.filter((e) => e.stikord.length > 0).length).toBe(stats.medStikord);
    expect(doc.entries.some((e) => e.stikord.some((s) => s.handlingsfacet))).toBe(true);
    expect(doc.entries.filter((e) => /[æøåÆØÅ]/.test(e.titel)).length).toBeGreaterThan(100);
    expect(doc.entries.every((e) => /^[0-9a-f-]{36}$/.test(e.uuid!))).toBe(true);
    expect(new Set(doc.entries.map((e) => e.uuid)).size).toBe(doc.entries.length);
    expect(doc.entries.every((e) => !e.oprettet || (e.oprettet >= '1988-01-01' && e.oprettet <= '2018-12-01'))).toBe(true);
    // Line numbers point at the element's start tag.
    const e0 = doc.entries.find((e) => e.kind === 'emne')!;
    expect(xml.split('\n')[e0.line - 1]!.trim()).toBe('<Emne>');
    expect(xml.split('\n')[e0.line]!).toContain(`<EmneNr>${e0.nummer}</EmneNr>`);
  });

  it('round-trips the generated action facets', async () => {
    const plan = buildHandlingsfacetter({ seed: 1 });
    const doc = await parseKleString(planToXml(plan));
    expect(doc.kind).toBe('handlingsfacetter');
    expect(doc.entries.filter((e) => e.kind === 'kategori')).toHaveLength(8);
    expect(doc.entries.filter((e) => e.kind === 'handlingsfacet')).toHaveLength(50);
    expectMatchesModel(doc.entries, plan.roots);
    for (const f of doc.entries.filter((e) => e.kind === 'handlingsfacet')) expect(f.nummer.startsWith(f.parent!)).toBe(true);
  });

  it('escapes and restores markup characters in titles', async () => {
    // Some seeds draw the category "Klager & ankesager"; find one and check it survives.
    let seed = 1;
    while (!generateHandlingsfacetter({ seed }).includes('&amp;')) seed++;
    const plan = buildHandlingsfacetter({ seed });
    const doc = await parseKleString(planToXml(plan));
    expect(doc.entries.some((e) => e.titel === 'Klager & ankesager')).toBe(true);
  });

  it('is deterministic per seed and scales down', async () => {
    expect(generateEmneplan({ seed: 7, scale: 0.05 })).toBe(generateEmneplan({ seed: 7, scale: 0.05 }));
    expect(generateEmneplan({ seed: 7, scale: 0.05 })).not.toBe(generateEmneplan({ seed: 8, scale: 0.05 }));
    const small = planStats(buildEmneplan({ seed: 7, scale: 0.05 }));
    expect(small).toMatchObject({ hovedgruppe: 2, gruppe: 20, emne: 100 });
    const doc = await parseKleString(generateEmneplan({ seed: 7, scale: 0.05 }));
    expect(doc.entries).toHaveLength(122);
  });
});

describe('KLE edition 2', () => {
  it('shows renames, retirements, new subjects and moves against edition 1', async () => {
    const p2 = buildEmneplan({ seed: 3, edition: 2 });
    const [d1, d2] = await Promise.all([parseKleString(generateEmneplan({ seed: 3, edition: 1 })), parseKleString(planToXml(p2))]);
    expect(d1.udgivelsesdato! < d2.udgivelsesdato!).toBe(true);
    const byUuid = (d: typeof d1) => new Map(d.entries.map((e) => [e.uuid!, e]));
    const a = byUuid(d1);
    const b = byUuid(d2);
    // What changed, worked out here from the two files as parsed, not taken from the generator's
    // own change list: that list is checked against this at the end.
    const inBoth = d2.entries.filter((y) => a.has(y.uuid!));
    const added = d2.entries.filter((y) => !a.has(y.uuid!));
    const retired = inBoth.filter((y) => y.udgaaet && !a.get(y.uuid!)!.udgaaet);
    const moved = inBoth.filter((y) => !retired.includes(y) && y.nummer !== a.get(y.uuid!)!.nummer);
    const renamed = inBoth.filter((y) => !retired.includes(y) && !moved.includes(y) && y.titel !== a.get(y.uuid!)!.titel);
    expect([renamed.length, retired.length, added.length, moved.length]).toEqual([20, 10, 15, 5]);

    for (const y of renamed) {
      const x = a.get(y.uuid!)!;
      expect(y.nummer).toBe(x.nummer);
      expect(y.titel).not.toBe(x.titel);
      expect(y.rettet!.length).toBe((x.rettet ?? []).length + 1);
      expect(y.rettet!.at(-1)! > d1.udgivelsesdato!).toBe(true);
    }
    for (const y of retired) {
      expect(y.udgaaet! > d1.udgivelsesdato! && y.udgaaet! < d2.udgivelsesdato!).toBe(true);
    }
    for (const n of added) {
      expect(d1.entries.some((e) => e.nummer === n.nummer)).toBe(false);
    }
    for (const y of moved) {
      const x = a.get(y.uuid!)!;
      expect(y.parent).not.toBe(x.parent);
      expect(y.titel).toBe(x.titel);
      expect(d2.entries.some((e) => e.nummer === x.nummer)).toBe(false);
    }
    // Nothing else changed.
    const touched = new Set([...renamed, ...retired, ...added, ...moved].map((c) => c.uuid));
    let same = 0;
    for (const [uuid, x] of a) {
      if (touched.has(uuid)) continue;
      expect(strip(b.get(uuid)!)).toEqual(strip(x));
      same++;
    }
    expect(same).toBe(d1.entries.length - 35);
    expect(d2.entries.length).toBe(d1.entries.length + 15);

    // The generator's own account of its changes is what the files show.
    const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
    const { changes } = p2;
    expect(sorted(changes.renamed)).toEqual(
      sorted(renamed.map((y) => ({ uuid: y.uuid, nummer: y.nummer, from: a.get(y.uuid!)!.titel, to: y.titel }))),
    );
    expect(sorted(changes.retired)).toEqual(sorted(retired.map((y) => ({ uuid: y.uuid, nummer: y.nummer, dato: y.udgaaet }))));
    expect(sorted(changes.added)).toEqual(sorted(added.map((y) => ({ uuid: y.uuid, nummer: y.nummer }))));
    expect(sorted(changes.moved)).toEqual(sorted(moved.map((y) => ({ uuid: y.uuid, from: a.get(y.uuid!)!.nummer, to: y.nummer }))));
  });

  it('changes the action facets too', async () => {
    const p2 = buildHandlingsfacetter({ seed: 3, edition: 2 });
    const [d1, d2] = [await parseKleString(generateHandlingsfacetter({ seed: 3 })), await parseKleString(planToXml(p2))];
    expect(d2.udgivelsesdato).toBe('2021-04-01');
    // What changed, from the two files as parsed: one facet added, one retired, one renamed.
    const a = new Map(d1.entries.map((e) => [e.uuid!, e]));
    const added = d2.entries.filter((e) => !a.has(e.uuid!));
    expect(added.map((e) => [e.kind, e.titel])).toEqual([['handlingsfacet', 'Digitale selvbetjeningsløsninger']]);
    const retired = d2.entries.filter((e) => a.has(e.uuid!) && e.udgaaet && !a.get(e.uuid!)!.udgaaet);
    expect(retired.map((e) => e.udgaaet)).toEqual(['2020-09-01']);
    const renamed = d2.entries.filter((e) => a.has(e.uuid!) && e.titel !== a.get(e.uuid!)!.titel);
    expect(renamed.map((e) => e.titel)).toEqual([`${a.get(renamed[0]!.uuid!)!.titel} og opfølgning`]);
    // The generator's own account agrees.
    expect(p2.changes.added.map((c) => c.uuid)).toEqual(added.map((e) => e.uuid));
    expect(p2.changes.retired.map((c) => c.uuid)).toEqual(retired.map((e) => e.uuid));
    expect(p2.changes.renamed.map((c) => c.uuid)).toEqual(renamed.map((e) => e.uuid));
  });
});

describe('KLE streaming input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kle-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('gives the same result for tiny string chunks and for byte chunks that split UTF-8 characters', async () => {
    const xml = generateEmneplan({ seed: 5, scale: 0.05 });
    const whole = await parseKleString(xml);
    const strings = await parseKle(stringChunks(xml, 1));
    const bytes = await parseKle(byteChunks(Buffer.from(xml, 'utf8'), 7));
    expect(strings).toEqual(whole);
    expect(bytes).toEqual(whole);
    expect(whole.entries.some((e) => /[æøå]/.test(e.titel))).toBe(true);
  });

  it('reads the full-size plan from a file stream', async () => {
    const path = join(dir, 'emneplan.xml');
    const xml = generateEmneplan({ seed: 11 });
    await writeFile(path, xml);
    const t0 = performance.now();
    const doc = await parseKle(createReadStream(path, { highWaterMark: 16 * 1024 }));
    const ms = performance.now() - t0;
    console.log(
      `KLE full-size plan: ${(Buffer.byteLength(xml) / 1e6).toFixed(2)} MB, ${doc.entries.length} entries, parsed in ${ms.toFixed(0)} ms`,
    );
    expect(doc.entries).toHaveLength(2430);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('KLE rejections', () => {
  it('exports its error codes', () => {
    expect([...KLE_ERROR_CODES].sort()).toEqual(
      [
        'KLE_BAD_DATE',
        'KLE_BAD_NUMBER',
        'KLE_DOCTYPE_FORBIDDEN',
        'KLE_DUPLICATE_NUMBER',
        'KLE_DUPLICATE_UUID',
        'KLE_ENTITY_FORBIDDEN',
        'KLE_MALFORMED_XML',
        'KLE_MISSING_FIELD',
        'KLE_MISSING_PARENT',
        'KLE_WRONG_ROOT',
      ].sort(),
    );
  });

  it('accepts the mini fixture', async () => {
    const doc = await parseKleString(MINI);
    expect(doc.entries.map((e) => `${e.nummer}<${e.parent ?? ''}`)).toEqual(['27<', '27.35<27', '27.35.00<27.35', '27.35.04<27.35']);
    expect((await parseKleString(MINI_FACETS)).entries.map((e) => e.nummer)).toEqual(['G', 'G01']);
  });

  it('rejects a truncated file at its last line', async () => {
    const xml = generateEmneplan({ seed: 2, scale: 0.05 });
    const cut = xml.slice(0, Math.floor(xml.length / 2));
    const err = await expectRejected(cut, 'KLE_MALFORMED_XML', cut.split('\n').length);
    expect(err.message).toMatch(/unclosed|unexpected end/);
    // Cut exactly after a complete element too.
    const cut2 = xml.slice(0, xml.indexOf('</Gruppe>') + '</Gruppe>'.length);
    await expectRejected(cut2, 'KLE_MALFORMED_XML', cut2.split('\n').length);
    // And an empty file.
    expect((await rejection('')).code).toBe('KLE_MALFORMED_XML');
  });

  it('rejects a malformed tag', async () => {
    const m = mutate(MINI, '<EmneTitel>Åbningstider</EmneTitel>', '<EmneTitel>Åbningstider</EmneTitle>');
    await expectRejected(m.xml, 'KLE_MALFORMED_XML', m.line);
    const m2 = mutate(MINI, '<GruppeTitel>', '<GruppeTitel <');
    await expectRejected(m2.xml, 'KLE_MALFORMED_XML', m2.line);
  });

  it('rejects elements nested deeper than 64, whatever they are', async () => {
    const xml = MINI.replace('<KLE-Emneplan>', `<KLE-Emneplan>${'<x>'.repeat(100_000)}`);
    await expectRejected(xml, 'KLE_MALFORMED_XML', MINI.split('\n').findIndex((l) => l.includes('<KLE-Emneplan>')) + 1);
  });

  it('rejects a wrong root', async () => {
    await expectRejected(MINI.replaceAll('KLE-Emneplan', 'KLE-Stikord'), 'KLE_WRONG_ROOT', 2);
    await expectRejected('<?xml version="1.0"?>\n\n<html><body/></html>', 'KLE_WRONG_ROOT', 3);
  });

  it('rejects a DOCTYPE with an entity declaration without expanding it', async () => {
    const xml = MINI.replace(
      '<KLE-Emneplan>',
      '<!DOCTYPE KLE-Emneplan [\n  <!ENTITY boom "SPRÆNGT">\n  <!ENTITY lol "&boom;&boom;&boom;&boom;">\n]>\n<KLE-Emneplan>',
    ).replace('Åbningstider', '&lol;');
    const seen: KleEntry[] = [];
    let err: unknown;
    try {
      await parseKleString(xml, (e) => seen.push(e));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KleFormatError);
    expect((err as KleFormatError).code).toBe('KLE_DOCTYPE_FORBIDDEN');
    expect((err as KleFormatError).line).toBe(5);
    expect((err as Error).message).not.toContain('SPRÆNGT');
    expect(seen).toHaveLength(0);
    // A bare DOCTYPE is rejected too.
    await expectRejected(
      MINI.replace('<KLE-Emneplan>', '<!DOCTYPE KLE-Emneplan SYSTEM "file:///etc/passwd">\n<KLE-Emneplan>'),
      'KLE_DOCTYPE_FORBIDDEN',
      2,
    );
  });

  it('rejects a custom entity reference', async () => {
    const m = mutate(MINI, 'Åbningstider', 'Åbnings&tider;');
    await expectRejected(m.xml, 'KLE_ENTITY_FORBIDDEN', m.line);
    // The XML built-ins and character references are fine.
    const ok = await parseKleString(MINI.replace('Åbningstider', 'Åbning &amp; lukning &#229;&#x00E6;'));
    expect(ok.entries.at(-1)!.titel).toBe('Åbning & lukning åæ');
  });

  it('rejects a duplicate number, unless one of the two is historic', async () => {
    const m = mutate(MINI, '<EmneNr>27.35.04</EmneNr>', '<EmneNr>27.35.00</EmneNr>');
    const err = await expectRejected(m.xml, 'KLE_DUPLICATE_NUMBER', m.line);
    expect(err.message).toContain('27.35.00');
    expect(err.message).toContain(`line ${lineOf(MINI, '<EmneNr>27.35.00')}`);
    const historic = m.xml.replace(
      '<OprettetDato>1995-01-01</OprettetDato>',
      '<OprettetDato>1995-01-01</OprettetDato><Historisk><UdgaaetDato>2001-01-01</UdgaaetDato></Historisk>',
    );
    expect((await parseKleString(historic)).entries).toHaveLength(4);
    const facets = mutate(
      MINI_FACETS.replace(
        '    </Handlingsfacet>\n',
        '    </Handlingsfacet>\n    <Handlingsfacet><HandlingsfacetNr>G02</HandlingsfacetNr><HandlingsfacetTitel>x</HandlingsfacetTitel></Handlingsfacet>\n',
      ),
      'G02',
      'G01',
    );
    await expectRejected(facets.xml, 'KLE_DUPLICATE_NUMBER', facets.line);
  });

  it('rejects a duplicate UUID', async () => {
    const m = mutate(MINI, '44444444-4444-4444-8444-444444444444', '22222222-2222-4222-8222-222222222222');
    await expectRejected(m.xml, 'KLE_DUPLICATE_UUID', m.line);
    // Case does not make two UUIDs different.
    const lowerFirst = MINI.replace('33333333-3333-4333-8333-333333333333', 'aaaaaaaa-4444-4444-8444-444444444444');
    const m2 = mutate(lowerFirst, '44444444-4444-4444-8444-444444444444', 'AAAAAAAA-4444-4444-8444-444444444444');
    await expectRejected(m2.xml, 'KLE_DUPLICATE_UUID', m2.line);
    const m3 = mutate(MINI, '44444444-4444-4444-8444-444444444444', 'AAAAAAAA-4444-4444-8444-444444444444');
    expect((await parseKleString(m3.xml)).entries.at(-1)!.uuid).toBe('aaaaaaaa-4444-4444-8444-444444444444');
  });

  it('rejects a subject whose group does not exist', async () => {
    const m = mutate(MINI, '<EmneNr>27.35.04</EmneNr>', '<EmneNr>27.36.04</EmneNr>');
    const err = await expectRejected(m.xml, 'KLE_MISSING_PARENT', m.line);
    expect(err.message).toContain('27.36');
    const g = mutate(MINI, '<GruppeNr>27.35</GruppeNr>', '<GruppeNr>28.35</GruppeNr>');
    await expectRejected(g.xml, 'KLE_MISSING_PARENT', g.line);
    // A subject directly under a main group, outside any group.
    const loose = MINI.replace(
      '    <Gruppe>\n',
      '    <Emne><EmneNr>27.99.01</EmneNr><EmneTitel>Løst emne</EmneTitel></Emne>\n    <Gruppe>\n',
    );
    await expectRejected(loose, 'KLE_MISSING_PARENT', lineOf(loose, '27.99.01'));
    // An action facet in the wrong category.
    const f = mutate(MINI_FACETS, '<HandlingsfacetNr>G01', '<HandlingsfacetNr>H01');
    await expectRejected(f.xml, 'KLE_MISSING_PARENT', f.line);
  });

  it('rejects bad dates', async () => {
    for (const bad of ['2019-13-45', '01-02-2019', '2019-02-29', '2019-1-1', '2019-01-01T00:00:00']) {
      const m = mutate(MINI, '1995-01-01', bad);
      const err = await expectRejected(m.xml, 'KLE_BAD_DATE', m.line);
      expect(err.message).toContain(bad);
    }
    const u = mutate(MINI, '2020-01-01', '2020-1-01');
    await expectRejected(u.xml, 'KLE_BAD_DATE', u.line);
    const ok = await parseKleString(MINI.replace('1995-01-01', '2020-02-29'));
    expect(ok.entries.at(-1)!.oprettet).toBe('2020-02-29');
  });

  it('rejects bad numbers', async () => {
    for (const [find, bad] of [
      ['<EmneNr>27.35.04', '<EmneNr>27.35.4'],
      ['<EmneNr>27.35.04', '<EmneNr>2735.04'],
      ['<GruppeNr>27.35', '<GruppeNr>27-35'],
      ['<HovedgruppeNr>27', '<HovedgruppeNr>A7'],
    ] as const) {
      const m = mutate(MINI, find, bad);
      await expectRejected(m.xml, 'KLE_BAD_NUMBER', m.line);
    }
    const f = mutate(MINI_FACETS, '<HandlingsfacetNr>G01', '<HandlingsfacetNr>G-1');
    await expectRejected(f.xml, 'KLE_BAD_NUMBER', f.line);
  });

  it('rejects missing numbers, titles and malformed UUIDs', async () => {
    const noTitle = MINI.replace('        <EmneTitel>Åbningstider</EmneTitel>\n', '');
    await expectRejected(noTitle, 'KLE_MISSING_FIELD', lineOf(noTitle, '<Emne>', 2));
    const noNr = MINI.replace('      <GruppeNr>27.35</GruppeNr>\n', '');
    await expectRejected(noNr, 'KLE_MISSING_FIELD', lineOf(noNr, '<Gruppe>'));
    const m = mutate(MINI, '44444444-4444-4444-8444-444444444444', 'ikke-en-uuid');
    await expectRejected(m.xml, 'KLE_MISSING_FIELD', m.line);
  });

  it('rejects bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(MINI.slice(0, 200), 'utf8'), Buffer.from([0xff, 0xfe]), Buffer.from(MINI.slice(200), 'utf8')]);
    expect((await rejection(byteChunks(bytes, 64))).code).toBe('KLE_MALFORMED_XML');
  });
});

describe('KLE tolerance of the real files', () => {
  const FIXTURE = [
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- invented fixture -->',
    '<kle:KLE-Emneplan xmlns:kle="urn:example:kle" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="x.xsd">',
    '  <kle:UdgivelsesDato>2019-11-01+01:00</kle:UdgivelsesDato>',
    '  <kle:Hovedgruppe>',
    '    <kle:HovedgruppeNr> 00 </kle:HovedgruppeNr>',
    '    <kle:HovedgruppeTitel>Fælles   forhold</kle:HovedgruppeTitel>',
    '    <kle:HovedgruppeVejledning><kle:VejledningTekst><h:p>Første afsnit.</h:p><h:p>Andet <h:b>vigtige</h:b> afsnit:<h:ul><h:li>punkt ét</h:li><h:li>punkt to</h:li></h:ul></h:p></kle:VejledningTekst></kle:HovedgruppeVejledning>',
    '    <kle:HovedgruppeAdministrativInfo><kle:RettetDato>2011-05-01</kle:RettetDato><kle:RettetDato>2015-05-01</kle:RettetDato></kle:HovedgruppeAdministrativInfo>',
    '    <kle:HovedgruppeFilter><kle:FilterTitel>Alle</kle:FilterTitel></kle:HovedgruppeFilter>',
    '    <kle:NytElementFraFremtiden><kle:UUID>99999999-9999-4999-8999-999999999999</kle:UUID></kle:NytElementFraFremtiden>',
    '    <kle:UUID>4EBA8818-DA19-4E37-B3E1-B9B6BE2F2F13</kle:UUID>',
    '    <kle:Gruppe>',
    '      <kle:GruppeNr>00.01</kle:GruppeNr>',
    '      <kle:GruppeTitel><![CDATA[Råd & nævn]]></kle:GruppeTitel>',
    '      <kle:GruppeRetskildeReference><kle:RetskildeTitel>Lov om noget</kle:RetskildeTitel><kle:ParagrafEllerKapitel>§ 1</kle:ParagrafEllerKapitel></kle:GruppeRetskildeReference>',
    '      <kle:GruppeStikord>Udvalg</kle:GruppeStikord>',
    '      <kle:Emne>',
    '        <kle:EmneNr>00.01.00</kle:EmneNr>',
    '        <kle:EmneTitel>Råd &amp; nævn i almindelighed</kle:EmneTitel>',
    '        <kle:EmneAdministrativInfo><kle:OprettetDato>2004-02-01</kle:OprettetDato></kle:EmneAdministrativInfo>',
    '        <kle:BevaringJaevnfoerArkivloven>B</kle:BevaringJaevnfoerArkivloven>',
    '        <kle:SletningJaevnfoerPersondataloven>P5Y</kle:SletningJaevnfoerPersondataloven>',
    '        <kle:EmneFilter><kle:FilterTitel>Alle</kle:FilterTitel></kle:EmneFilter>',
    '        <kle:EmneStikord><kle:Tekst>Ældreråd</kle:Tekst></kle:EmneStikord>',
    '        <kle:Stikord><kle:StikordTitel>Hegn</kle:StikordTitel><kle:StikordBeskrivelse>Om hegn og skel</kle:StikordBeskrivelse></kle:Stikord>',
    '        <kle:Stikordliste><kle:Stikord><kle:StikordNavn>Natbus</kle:StikordNavn></kle:Stikord><kle:Stikord>Snerydning</kle:Stikord></kle:Stikordliste>',
    '        <kle:EmneOgHandlingsfacetStikord><kle:Tekst>Klage over råd</kle:Tekst><kle:HandlingsfacetNr>G01</kle:HandlingsfacetNr></kle:EmneOgHandlingsfacetStikord>',
    '        <kle:EmneStikord></kle:EmneStikord>',
    '        <?behandling ignoreres?>',
    '      </kle:Emne>',
    '      <kle:Emne>',
    '        <kle:EmneNr>00.01.05</kle:EmneNr>',
    '        <kle:EmneTitel>Flyttet emne</kle:EmneTitel>',
    '        <kle:EmneAdministrativInfo>',
    '          <kle:OprettetDato>1988-01-01</kle:OprettetDato>',
    '          <kle:Historisk><kle:Flyttet><kle:FlyttetDato>2010-01-01</kle:FlyttetDato><kle:AfloestAf><kle:GruppeNr>00.01</kle:GruppeNr><kle:EmneNr>00.01.06</kle:EmneNr></kle:AfloestAf></kle:Flyttet></kle:Historisk>',
    '        </kle:EmneAdministrativInfo>',
    '        <kle:UUID/>',
    '      </kle:Emne>',
    '    </kle:Gruppe>',
    '  </kle:Hovedgruppe>',
    '</kle:KLE-Emneplan>',
  ].join('\r\n');

  it('matches on local names and skips what it does not need', async () => {
    const doc = await parseKleString(FIXTURE);
    expect(doc.udgivelsesdato).toBe('2019-11-01');
    const [h, g, e, moved] = doc.entries as [KleEntry, KleEntry, KleEntry, KleEntry];
    expect(doc.entries).toHaveLength(4);
    expect(h).toMatchObject({
      kind: 'hovedgruppe',
      nummer: '00',
      titel: 'Fælles forhold',
      uuid: '4eba8818-da19-4e37-b3e1-b9b6be2f2f13',
      rettet: ['2011-05-01', '2015-05-01'],
      line: 5,
    });
    expect(h.oprettet).toBeUndefined();
    expect(h.vejledning).toBe('Første afsnit.\nAndet vigtige afsnit:\npunkt ét\npunkt to');
    expect(g).toMatchObject({ kind: 'gruppe', nummer: '00.01', titel: 'Råd & nævn', parent: '00', stikord: [{ titel: 'Udvalg' }] });
    expect(g.uuid).toBeUndefined();
    expect(g.oprettet).toBeUndefined();
    expect(e).toMatchObject({ nummer: '00.01.00', titel: 'Råd & nævn i almindelighed', parent: '00.01', oprettet: '2004-02-01' });
    expect(e.stikord).toEqual([
      { titel: 'Ældreråd' },
      { titel: 'Hegn', beskrivelse: 'Om hegn og skel' },
      { titel: 'Natbus' },
      { titel: 'Snerydning' },
      { titel: 'Klage over råd', handlingsfacet: 'G01' },
    ]);
    expect(moved).toMatchObject({ nummer: '00.01.05', flyttet: { dato: '2010-01-01', afloestAf: '00.01.06' } });
    expect(moved.uuid).toBeUndefined();
  });

  it('reads a default namespace, an ISO-8859-1 file and the alternative category element names', async () => {
    const ns = MINI.replace('<KLE-Emneplan>', '<KLE-Emneplan xmlns="urn:example:kle">');
    expect((await parseKleString(ns)).entries.map((e) => e.titel)).toEqual((await parseKleString(MINI)).entries.map((e) => e.titel));

    const latin1 = Buffer.from(MINI.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'latin1');
    const doc = await parseKle(byteChunks(latin1, 3));
    expect(doc.entries[0]!.titel).toBe('Tårnfalke og ællinger');

    const alt = MINI_FACETS.replaceAll('HandlingsfacetKategoriNr', 'KategoriNr').replaceAll('HandlingsfacetKategoriTitel', 'KategoriTitel');
    expect((await parseKleString(alt)).entries.map((e) => [e.kind, e.nummer, e.titel])).toEqual([
      ['kategori', 'G', 'Gøremål'],
      ['handlingsfacet', 'G01', 'Første gøremål'],
    ]);
  });
});
