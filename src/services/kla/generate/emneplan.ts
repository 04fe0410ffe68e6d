/**
 * The synthetic subject plan (emneplan): main groups (hovedgrupper) numbered 00–99, groups under
 * them, subjects (emner) under the groups, each with the dates, keywords, guidance, legal
 * references and archive rules the published plan has. Edition 2 is edition 1 changed the way
 * KL's editions change: renamed, retired, moved and new subjects.
 */
import { buildHandlingsfacetter } from './handlingsfacetter.ts';
import {
  allEntries,
  allNumbers,
  date,
  EDITION_DATE,
  entry,
  nextNumber,
  noChanges,
  pad2,
  scaled,
  yearOf,
  type GenerateOptions,
  type SynthEntry,
  type SynthPlan,
  type SynthVejledning,
} from './plan.ts';
import { laterDate, maybeRettet, Rand, spread, unique } from './random.ts';
import { AREAS, ASPECTS, GROUP_TEMPLATES, KEYWORDS, LAW_STEMS, lower, SUBJECT_TEMPLATES, TARGETS, TOPICS } from './vocabulary.ts';

/** What every step of one plan shares. */
interface PlanContext {
  readonly r: Rand;
  readonly seed: number;
  /** The numbers of the action facets a subject's keyword may name. */
  readonly facetNumbers: readonly string[];
}

/** Builds the subject plan of an edition; see the module comment. */
export function buildEmneplan(opts: GenerateOptions = {}): SynthPlan {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const edition = opts.edition ?? 1;
  const r = new Rand(seed);
  const facetNumbers = allNumbers(buildHandlingsfacetter({ seed, scale, edition: 1 }).roots).filter((n) => /\d$/.test(n));
  const ctx: PlanContext = { r, seed, facetNumbers };

  const mains = Math.min(99, scaled(30, scale, 2));
  const groupsTotal = Math.min(mains * 80, scaled(400, scale, mains));
  const subjectsTotal = Math.min(groupsTotal * 70, scaled(2000, scale, groupsTotal));
  const groupsPer = spread(r, groupsTotal, mains, 80);
  const subjectsPer = spread(r, subjectsTotal, groupsTotal, 70);

  const mainNumbers = r.sampleSorted(Math.max(86, mains), mains, 0);
  const areaOrder = r.shuffle(AREAS);
  const roots: SynthEntry[] = [];
  let groupIndex = 0;
  for (let mi = 0; mi < mains; mi++) {
    const titel =
      mi < areaOrder.length
        ? areaOrder[mi]!
        : `${areaOrder[mi % areaOrder.length]!} og ${lower(areaOrder[(mi * 7 + 3) % areaOrder.length]!)}`;
    const main = mainGroup(ctx, pad2(mainNumbers[mi]!), titel);
    roots.push(main);
    const nGroups = groupsPer[mi]!;
    const groupNumbers = r.sampleSorted(Math.min(80, nGroups + Math.floor(nGroups * 0.4) + 1), nGroups, 0);
    const groupTitles = new Set<string>();
    for (const gn of groupNumbers) groupWithSubjects(ctx, main, gn, groupTitles, subjectsPer[groupIndex++]!);
  }

  const plan: SynthPlan = { kind: 'emneplan', seed, edition, udgivelsesdato: EDITION_DATE[edition], roots, changes: noChanges() };
  if (edition === 2) applyEdition2(plan, scale);
  return plan;
}

/** A main group: most date from the plan's start in 1988. */
function mainGroup({ r, seed }: PlanContext, hnr: string, titel: string): SynthEntry {
  const hOprettet = r.chance(0.85) ? '1988-01-01' : date(r.int(1988, 2000), r.int(1, 12));
  const main: SynthEntry = entry('hovedgruppe', hnr, titel, seed, hOprettet);
  main.rettet = maybeRettet(r, hOprettet);
  main.vejledning = [{ p: `Hovedgruppen omfatter kommunens opgaver inden for ${lower(titel)}.` }];
  return main;
}

/**
 * A group of `main` (number `gn`; 00 is the main group's general group, named after it) and its
 * subjects. A retired group's subjects retire with it.
 */
function groupWithSubjects(ctx: PlanContext, main: SynthEntry, gn: number, groupTitles: Set<string>, nSubjects: number): void {
  const { r, seed } = ctx;
  const gnr = `${main.nummer}.${pad2(gn)}`;
  const gTitel = gn === 0 ? main.titel : unique(r, groupTitles, () => r.pick(GROUP_TEMPLATES)(r.pick(TOPICS), r.pick(TOPICS)));
  const gOprettet =
    main.oprettet === '1988-01-01' && r.chance(0.6) ? main.oprettet : date(r.int(yearOf(main.oprettet) + 1, 2012), r.int(1, 12));
  const group = entry('gruppe', gnr, gTitel, seed, gOprettet);
  group.rettet = maybeRettet(r, gOprettet);
  if (r.chance(0.02)) {
    group.noAdmin = true;
    group.rettet = [];
  }
  if (r.chance(0.5)) group.vejledning = [{ p: `Gruppen dækker sager om ${lower(gTitel)}.` }];
  if (r.chance(0.15)) group.stikord = keywords(r, 1, 2);
  const retired = !group.noAdmin && gn !== 0 && r.chance(0.01);
  if (retired) group.udgaaet = laterDate(r, gOprettet, '2019-06-01');
  main.children.push(group);

  const subjectNumbers = r.sampleSorted(Math.min(80, nSubjects + Math.floor(nSubjects * 0.5) + 1), nSubjects, 0);
  const subjectTitles = new Set<string>();
  // The topic most of the group's subjects are about: the one its title names, where it names one.
  const topic = gn === 0 ? r.pick(TOPICS) : (TOPICS.find((t) => gTitel.includes(lower(t)) || gTitel.startsWith(t)) ?? r.pick(TOPICS));
  for (const sn of subjectNumbers) group.children.push(subject(ctx, main, group, sn, topic, subjectTitles, retired));
}

/** A subject of `group` (number `sn`; 00 is the group's general subject). */
function subject(
  { r, seed, facetNumbers }: PlanContext,
  main: SynthEntry,
  group: SynthEntry,
  sn: number,
  topic: string,
  titles: Set<string>,
  groupRetired: boolean,
): SynthEntry {
  const enr = `${group.nummer}.${pad2(sn)}`;
  const eTitel =
    sn === 0
      ? `${group.titel} i almindelighed`
      : unique(r, titles, () => r.pick(SUBJECT_TEMPLATES)(r.pick(ASPECTS), r.chance(0.7) ? topic : r.pick(TOPICS), r.pick(TARGETS)));
  const gOprettet = group.oprettet;
  const eOprettet = r.chance(0.5) ? gOprettet : date(r.int(yearOf(gOprettet), 2018), r.int(1, 12));
  let sOprettet = eOprettet < gOprettet ? gOprettet : eOprettet;
  if (group.udgaaet && sOprettet >= group.udgaaet) sOprettet = gOprettet;
  const s = entry('emne', enr, eTitel, seed, sOprettet);
  s.rettet = maybeRettet(r, s.oprettet);
  if (groupRetired) s.udgaaet = group.udgaaet;
  else if (sn !== 0 && r.chance(0.04)) s.udgaaet = laterDate(r, s.oprettet, '2019-09-01');
  if (r.chance(0.6)) {
    s.stikord = keywords(r, 1, 4);
    if (r.chance(0.15) && facetNumbers.length > 0) {
      s.stikord.push({ tekst: `${r.pick(KEYWORDS)}, ${lower(r.pick(ASPECTS))}`, handlingsfacet: r.pick(facetNumbers) });
    }
  }
  if (r.chance(0.25)) s.vejledning = subjectGuidance(r, s, group, main);
  if (r.chance(0.2)) {
    s.retskilde = {
      titel: `${r.pick(LAW_STEMS)} ${lower(topic)}`,
      paragraf: `§ ${r.int(1, 120)}`,
      accessionsNr: `A${r.int(1995, 2018)}${String(r.int(0, 999999)).padStart(6, '0')}`,
    };
  }
  if (r.chance(0.7)) s.bevaring = r.chance(0.3) ? 'B' : 'K';
  if (r.chance(0.5)) s.sletning = `P${r.pick([1, 2, 3, 5, 10, 20])}Y`;
  return s;
}

function keywords(r: Rand, min: number, max: number): { tekst: string }[] {
  const n = r.int(min, max);
  const chosen = new Set<string>();
  while (chosen.size < n) chosen.add(r.chance(0.8) ? r.pick(KEYWORDS) : `${r.pick(KEYWORDS)} til ${r.pick(TARGETS)}`);
  return [...chosen].map((tekst) => ({ tekst }));
}

/** Guidance for a subject: what it covers, and now and then where a neighbouring matter goes instead. */
function subjectGuidance(r: Rand, subject: SynthEntry, group: SynthEntry, main: SynthEntry): SynthVejledning[] {
  const out: SynthVejledning[] = [{ p: `Her journaliseres sager om ${lower(subject.titel)}.` }];
  if (r.chance(0.5)) {
    out.push({ p: 'Emnet omfatter bl.a.:', li: [r.pick(KEYWORDS), r.pick(KEYWORDS), `sager for ${r.pick(TARGETS)}`] });
  }
  const others = main.children.filter((g) => g !== group && g.children.length > 0);
  if (others.length > 0 && r.chance(0.4)) {
    const other = r.pick(r.pick(others).children);
    out.push({ p: `Sager om ${lower(other.titel)} journaliseres under ${other.nummer}.` });
  }
  return out;
}

/** Edition 2: some subjects renamed, retired and moved, and new ones added, between the editions. */
function applyEdition2(plan: SynthPlan, scale: number): void {
  const r = new Rand(plan.seed * 31 + 2);
  // Between the two editions: 2020-01 … 2021-03 (edition 2 is published 2021-04-01).
  const changeDate = () => {
    const y = r.int(2020, 2021);
    return date(y, r.int(1, y === 2021 ? 3 : 12));
  };
  const groups = allEntries(plan.roots).filter((e) => e.kind === 'gruppe' && !e.udgaaet && !e.noAdmin);
  const active = r.shuffle(allEntries(plan.roots).filter((e) => e.kind === 'emne' && !e.udgaaet && !e.nummer.endsWith('.00')));
  const take = (n: number) => active.splice(0, Math.min(n, active.length));
  const parentOf = new Map<SynthEntry, SynthEntry>();
  for (const g of allEntries(plan.roots)) for (const c of g.children) parentOf.set(c, g);

  for (const s of take(scaled(20, scale, 1))) {
    const from = s.titel;
    let to = from;
    for (let i = 0; i < 30 && (to === from || to.length === 0); i++) {
      to = r.pick(SUBJECT_TEMPLATES)(r.pick(ASPECTS), r.pick(TOPICS), r.pick(TARGETS));
    }
    s.titel = to;
    s.rettet = [...s.rettet, changeDate()].sort();
    plan.changes.renamed.push({ uuid: s.uuid, nummer: s.nummer, from, to });
  }
  for (const s of take(scaled(10, scale, 1))) {
    s.udgaaet = changeDate();
    plan.changes.retired.push({ uuid: s.uuid, nummer: s.nummer, dato: s.udgaaet });
  }
  for (const s of take(scaled(5, scale, 1))) {
    const from = parentOf.get(s)!;
    const candidates = groups.filter((g) => g !== from && nextNumber(g));
    if (candidates.length === 0) continue;
    const to = r.pick(candidates);
    const nummer = nextNumber(to)!;
    from.children.splice(from.children.indexOf(s), 1);
    plan.changes.moved.push({ uuid: s.uuid, from: s.nummer, to: nummer });
    s.nummer = nummer;
    s.rettet = [...s.rettet, changeDate()].sort();
    to.children.push(s);
    parentOf.set(s, to);
  }
  for (let i = 0; i < scaled(15, scale, 1); i++) {
    const g = r.pick(groups);
    const nummer = nextNumber(g);
    if (!nummer) continue;
    const topic = r.pick(TOPICS);
    const s = entry('emne', nummer, r.pick(SUBJECT_TEMPLATES)(r.pick(ASPECTS), topic, r.pick(TARGETS)), plan.seed, changeDate());
    if (r.chance(0.6)) s.stikord = keywords(r, 1, 3);
    g.children.push(s);
    plan.changes.added.push({ uuid: s.uuid, nummer });
  }
}
