/**
 * FK Klassifikation: the full-size synthetic KLE (2,000 subjects, 50 action facets) imported,
 * re-imported as the next edition, and searched by number prefix and by words. Baselines from
 * the same run: parsing the files alone (for the import), and one hand-written SQL lookup on the
 * search index (for the searches).
 */
import { Readable } from 'node:stream';
import type { Store } from '../src/platform/store/store.ts';
import { OioStore } from '../src/oio/store/oio-store.ts';
import { foldText } from '../src/oio/domain/fold.ts';
import { klaTypes, importKle, readKle } from '../src/services/kla/index.ts';
import { generateEmneplan, generateHandlingsfacetter } from '../src/services/kla/generate/index.ts';
import { searchKlasser } from '../src/services/kla/store/klasse-search.ts';
import type { KleDocument } from '../src/services/kla/kle/parse.ts';
import { ms, pick, prng, ratio, runLoad, seconds, summarize, errorNote, type LoadResult } from './stats.ts';

export interface KlaBenchOptions {
  readonly backend: 'postgres' | 'pglite';
  readonly store: Store;
  readonly seed: number;
  readonly seconds: number;
  readonly goals: boolean;
  readonly print: (line: string) => void;
}

async function parse(xmls: string[]): Promise<KleDocument[]> {
  return Promise.all(xmls.map((xml) => readKle(Readable.from([xml]))));
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

export async function benchKla(o: KlaBenchOptions): Promise<void> {
  const oio = new OioStore(o.store, klaTypes);
  const edition1 = [generateEmneplan({ seed: o.seed, edition: 1 }), generateHandlingsfacetter({ seed: o.seed, edition: 1 })];
  const edition2 = [generateEmneplan({ seed: o.seed, edition: 2 }), generateHandlingsfacetter({ seed: o.seed, edition: 2 })];

  let t0 = performance.now();
  const docs1 = await parse(edition1);
  const parseSeconds = (performance.now() - t0) / 1000;
  const entries = docs1.reduce((n, d) => n + d.entries.length, 0);

  t0 = performance.now();
  const first = await importKle(oio, await parse(edition1));
  const importSeconds = (performance.now() - t0) / 1000;
  o.print(
    `kla.import ${o.backend} entries=${entries} added=${first.added} time=${seconds(importSeconds)} ` +
      `baseline_parse_only=${seconds(parseSeconds)} ratio=${ratio(importSeconds, parseSeconds)}` +
      (o.goals ? ` goal(<10s)=${verdict(importSeconds < 10)}` : ''),
  );

  t0 = performance.now();
  const second = await importKle(oio, await parse(edition2));
  o.print(
    `kla.reimport ${o.backend} added=${second.added} changed=${second.changed} retired=${second.retired} unchanged=${second.unchanged} ` +
      `time=${seconds((performance.now() - t0) / 1000)}`,
  );

  const rand = prng(o.seed);
  const subjects = docs1[0]!.entries.filter((e) => e.kind === 'emne' && !e.udgaaet);
  const groups = docs1[0]!.entries.filter((e) => e.kind === 'gruppe');
  const words = subjects.flatMap((e) =>
    foldText(e.titel)
      .split(/[^\p{L}]+/u)
      .filter((w) => w.length >= 5),
  );
  const now = Date.now();
  const registreringstid = await oio.now();
  const maxOps = 2000;

  const measure = async (op: (n: number) => Promise<unknown>) => {
    await runLoad({ concurrency: 1, maxOps: 100, maxSeconds: 2 }, op); // warm-up, as for ours and the baseline alike
    const run: LoadResult = await runLoad({ concurrency: 1, maxOps, maxSeconds: o.seconds }, op);
    return { ...summarize(run), note: errorNote(run) };
  };
  const line = (name: string, ours: Awaited<ReturnType<typeof measure>>, base: Awaited<ReturnType<typeof measure>>) =>
    o.print(
      `${name} ${o.backend} p50=${ms(ours.p50)} p99=${ms(ours.p99)} baseline_p50=${ms(base.p50)} baseline_p99=${ms(base.p99)} ` +
        `ratio_p99=${ratio(ours.p99, base.p99)}${o.goals ? ` goal(p99<20ms)=${verdict(ours.p99 < 20)}` : ''}${ours.note}${base.note}`,
    );

  const prefixes = Array.from({ length: maxOps }, () => groups[pick(rand, groups.length)]!.nummer);
  const prefix = await measure((n) => searchKlasser(o.store, { nummer: prefixes[n], virkningstid: now, registreringstid, limit: 100 }));
  const prefixBase = await measure((n) =>
    o.store.query(
      `SELECT r.objekt_uuid FROM oio_soegeindeks s JOIN oio_registrering r ON r.id = s.registrering_id
       WHERE s.felt = 'brugervendtnoegle' AND lower(s.tekst) LIKE $1 AND s.tekst IS NOT NULL AND r.til = 'infinity'
         AND r.objekttype = 'klasse' AND s.virkning @> now() ORDER BY s.tekst LIMIT 100`,
      [`${prefixes[n]}%`],
    ),
  );
  line('kla.soeg.prefix', prefix, prefixBase);

  const queries = Array.from({ length: maxOps }, () => words[pick(rand, words.length)]!);
  const text = await measure((n) => searchKlasser(o.store, { tekst: queries[n], virkningstid: now, registreringstid, limit: 20 }));
  const textBase = await measure((n) =>
    o.store.query(
      `SELECT DISTINCT r.objekt_uuid FROM oio_soegeindeks s JOIN oio_registrering r ON r.id = s.registrering_id
       WHERE s.kind = 'a' AND s.tekst_foldet LIKE $1 AND r.til = 'infinity' AND r.objekttype = 'klasse' LIMIT 20`,
      [`%${queries[n]}%`],
    ),
  );
  line('kla.soeg.tekst', text, textBase);
}
