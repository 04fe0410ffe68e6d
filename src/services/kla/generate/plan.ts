/**
 * A synthetic KLE as a tree before it is written as XML: the shapes the generator builds, and
 * helpers to make and walk entries.
 */
import { createHash } from 'node:crypto';
import type { KleKind } from '../kle/parse.ts';

/** The comment at the top of every generated file: it is not KL's plan. */
export const SYNTHETIC_KLE_NOTE =
  "SYNTETISK KLE genereret af stotte: titler, numre, stikord, vejledninger og UUID'er er opfundne. " +
  "Dette er ikke KL's emneplan og må ikke bruges som den.";

/** Which plan to generate: the same options always give the same bytes. */
export interface GenerateOptions {
  seed?: number;
  edition?: 1 | 2;
  /** Multiplies the sizes (default 1: ~30 main groups, ~400 groups, ~2,000 subjects, ~50 action facets). */
  scale?: number;
}

/** A paragraph of guidance text, with a list after it or not. */
export interface SynthVejledning {
  p: string;
  li?: string[];
}

/** An entry of the plan (main group, group, subject, category, action facet) and its children. */
export interface SynthEntry {
  kind: KleKind;
  nummer: string;
  titel: string;
  uuid: string;
  oprettet: string;
  rettet: string[];
  udgaaet?: string;
  /** No AdministrativInfo element at all (the real files have a few of these). */
  noAdmin?: boolean;
  vejledning?: SynthVejledning[];
  stikord: { tekst: string; handlingsfacet?: string }[];
  retskilde?: { titel: string; paragraf: string; accessionsNr: string };
  bevaring?: string;
  sletning?: string;
  children: SynthEntry[];
}

/** What an edition changed, for tests to check an import against. */
export interface SynthChanges {
  renamed: { uuid: string; nummer: string; from: string; to: string }[];
  retired: { uuid: string; nummer: string; dato: string }[];
  added: { uuid: string; nummer: string }[];
  moved: { uuid: string; from: string; to: string }[];
}

/** A whole plan of one kind and edition. */
export interface SynthPlan {
  kind: 'emneplan' | 'handlingsfacetter';
  seed: number;
  edition: 1 | 2;
  udgivelsesdato: string;
  roots: SynthEntry[];
  /** What edition 2 changed relative to edition 1 (empty for edition 1). */
  changes: SynthChanges;
}

/** The publication date of each edition. */
export const EDITION_DATE = { 1: '2019-10-01', 2: '2021-04-01' } as const;

/** A number as two digits. */
export const pad2 = (n: number) => String(n).padStart(2, '0');
/** A size times the scale, and at least `min`. */
export const scaled = (n: number, scale: number, min: number) => Math.max(min, Math.round(n * scale));
/** The first of a month. */
export const date = (y: number, m: number): string => `${y}-${pad2(m)}-01`;
/** The year of a date (YYYY-MM-DD). */
export const yearOf = (d: string) => Number(d.slice(0, 4));

/** A v4-shaped UUID derived from the seed, the kind and the number. */
export function syntheticUuid(seed: number, kind: KleKind, nummer: string): string {
  const h = createHash('sha256').update(`stotte-kle-syntetisk:${seed}:${kind}:${nummer}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A new entry, with its UUID from the seed, the kind and the number. */
export function entry(kind: KleKind, nummer: string, titel: string, seed: number, oprettet: string): SynthEntry {
  return { kind, nummer, titel, uuid: syntheticUuid(seed, kind, nummer), oprettet, rettet: [], stikord: [], children: [] };
}

/** Every entry of the trees, parents before their children. */
export function allEntries(roots: SynthEntry[]): SynthEntry[] {
  const out: SynthEntry[] = [];
  const walk = (e: SynthEntry) => {
    out.push(e);
    e.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

/** The number of every entry, parents before their children. */
export function allNumbers(roots: SynthEntry[]): string[] {
  return allEntries(roots).map((e) => e.nummer);
}

/** The next free number in a group, appended after the highest one ever used there. */
export function nextNumber(parent: SynthEntry): string | undefined {
  const last = Math.max(-1, ...parent.children.map((c) => Number(c.nummer.slice(-2))));
  return last >= 99 ? undefined : `${parent.nummer}.${pad2(last + 1)}`;
}

/** An empty list of edition changes. */
export function noChanges(): SynthChanges {
  return { renamed: [], retired: [], added: [], moved: [] };
}

/** Counts by kind, and how many entries are retired / carry keywords (for tests and reports). */
export function planStats(plan: SynthPlan): Record<KleKind, number> & { udgaaet: number; medStikord: number } {
  const stats = { hovedgruppe: 0, gruppe: 0, emne: 0, kategori: 0, handlingsfacet: 0, udgaaet: 0, medStikord: 0 };
  for (const e of allEntries(plan.roots)) {
    stats[e.kind]++;
    if (e.udgaaet) stats.udgaaet++;
    if (e.stikord.length > 0) stats.medStikord++;
  }
  return stats;
}
