/**
 * The synthetic action facets (handlingsfacetter): categories named by a letter, each with its
 * facets numbered `<letter><nn>`. Edition 2 renames one facet, retires one and adds one.
 */
import {
  allEntries,
  date,
  EDITION_DATE,
  entry,
  noChanges,
  pad2,
  scaled,
  type GenerateOptions,
  type SynthEntry,
  type SynthPlan,
} from './plan.ts';
import { laterDate, maybeRettet, Rand, spread, unique } from './random.ts';
import { CATEGORY_TITLES, FACET_TITLES, lower } from './vocabulary.ts';

/** The date of edition 2's changes to the action facets. */
const EDITION_2_CHANGE = '2020-09-01';

/** Builds the action facets of an edition; see the module comment. */
export function buildHandlingsfacetter(opts: GenerateOptions = {}): SynthPlan {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const edition = opts.edition ?? 1;
  const r = new Rand(seed * 7 + 5);
  const nCat = Math.min(CATEGORY_TITLES.length, scaled(8, scale, 2));
  const nFacets = Math.min(nCat * 40, scaled(50, scale, nCat));
  const perCat = spread(r, nFacets, nCat, 40);
  const letters = r
    .shuffle([...'ABCDEFGHIKLMNPRST'])
    .slice(0, nCat)
    .sort();
  const catTitles = r.shuffle(CATEGORY_TITLES);
  const facetTitles = r.shuffle(FACET_TITLES);
  const usedTitles = new Set<string>();
  let ft = 0;
  const roots: SynthEntry[] = [];
  letters.forEach((letter, ci) => {
    const cat = entry('kategori', letter, catTitles[ci]!, seed, '2003-01-01');
    if (r.chance(0.3)) cat.rettet = [date(r.int(2006, 2016), r.int(1, 12))];
    if (r.chance(0.5)) cat.vejledning = [{ p: `Kategorien samler handlinger af typen ${lower(cat.titel)}.` }];
    roots.push(cat);
    // Some categories number from 00, most from 01; now and then a number is skipped.
    let n = r.chance(0.3) ? 0 : 1;
    for (let i = 0; i < perCat[ci]!; i++) {
      const nummer = `${letter}${pad2(n)}`;
      const titel = unique(r, usedTitles, () => facetTitles[ft++ % facetTitles.length]! + (ft > facetTitles.length ? ` ${letter}` : ''));
      const oprettet = r.chance(0.6) ? '2003-01-01' : date(r.int(2004, 2016), r.int(1, 12));
      const f = entry('handlingsfacet', nummer, titel, seed, oprettet);
      f.rettet = maybeRettet(r, oprettet);
      if (r.chance(0.06)) f.udgaaet = laterDate(r, oprettet, '2019-06-01');
      if (r.chance(0.5)) f.bevaring = r.chance(0.5) ? 'B' : 'K';
      if (r.chance(0.3)) f.vejledning = [{ p: `Bruges ved ${lower(titel)}.` }];
      cat.children.push(f);
      n += r.chance(0.15) ? 2 : 1;
    }
  });
  const plan: SynthPlan = { kind: 'handlingsfacetter', seed, edition, udgivelsesdato: EDITION_DATE[edition], roots, changes: noChanges() };
  if (edition === 2) applyEdition2(plan);
  return plan;
}

function applyEdition2(plan: SynthPlan): void {
  const { roots, seed } = plan;
  const r = new Rand(seed * 31 + 9);
  const active = r.shuffle(allEntries(roots).filter((e) => e.kind === 'handlingsfacet' && !e.udgaaet));
  const renamed = active.shift();
  if (renamed) {
    const from = renamed.titel;
    renamed.titel = `${from} og opfølgning`;
    renamed.rettet = [...renamed.rettet, EDITION_2_CHANGE];
    plan.changes.renamed.push({ uuid: renamed.uuid, nummer: renamed.nummer, from, to: renamed.titel });
  }
  const retired = active.shift();
  if (retired) {
    retired.udgaaet = EDITION_2_CHANGE;
    plan.changes.retired.push({ uuid: retired.uuid, nummer: retired.nummer, dato: EDITION_2_CHANGE });
  }
  const cat = r.pick(roots);
  const last = Math.max(...cat.children.map((c) => Number(c.nummer.slice(cat.nummer.length))));
  const f = entry('handlingsfacet', `${cat.nummer}${pad2(last + 1)}`, 'Digitale selvbetjeningsløsninger', seed, EDITION_2_CHANGE);
  cat.children.push(f);
  plan.changes.added.push({ uuid: f.uuid, nummer: f.nummer });
}
