import { createHash } from 'node:crypto';
import { mergeContent } from '../../../oio/domain/merge.ts';
import { parseInstant } from '../../../oio/domain/time.ts';
import { contentToWire } from '../../../oio/domain/wire.ts';
import { type AttributeValue, type Content, type RelationValue, type Virkning } from '../../../oio/model.ts';
import type { KleEntry } from '../kle/parse.ts';
import { klasse } from '../types/klassifikation.ts';

/** KLE's own objects in the register: fixed UUIDs, so every installation names them alike. */
export const KLE_KLASSIFIKATION = 'a1d1e000-4b1e-4c1a-8e00-000000000001';
export const KLE_FACET_EMNER = 'a1d1e000-4b1e-4c1a-8e00-000000000002';
export const KLE_FACET_HANDLINGER = 'a1d1e000-4b1e-4c1a-8e00-000000000003';

/** A class UUID for an entry that has none of its own (action facets often lack one): stable per number. */
export function derivedUuid(kind: string, nummer: string): string {
  const h = createHash('sha256').update(`stotte:kle:${kind}:${nummer}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function entryUuid(e: KleEntry): string {
  return e.uuid ?? derivedUuid(e.kind, e.nummer);
}

export function facetOf(e: KleEntry): string {
  return e.kind === 'kategori' || e.kind === 'handlingsfacet' ? KLE_FACET_HANDLINGER : KLE_FACET_EMNER;
}

const date = (d: string | undefined, fallback: number) => (d ? parseInstant(d) : fallback);

/** The effective period of an entry: from its creation to its retirement or move (open where unknown). */
export function lifetime(e: KleEntry): { from: number; to: number } {
  const from = date(e.oprettet, -Infinity);
  const to = date(e.udgaaet ?? e.flyttet?.dato, Infinity);
  return { from, to: to > from ? to : from + 1 };
}

/** When a change in this edition takes effect: the entry's latest correction date, else the edition's date. */
function changeDate(e: KleEntry, edition: number, since: number): number {
  const corrected = (e.rettet ?? []).map((d) => parseInstant(d)).filter((d) => d > since);
  const at = corrected.length ? Math.max(...corrected) : edition;
  return Math.max(at, since);
}

const NOTE = 'KLE-import';

/**
 * The class as the register should hold it after importing this entry: for a new class, the
 * entry over its lifetime; for a known one, the current content with what the edition changed
 * (title, number, description, parent) taking effect from the change date, keywords replaced,
 * and everything cut at the retirement date. Earlier periods keep what they said, so "what was
 * 27.35.04 called in 2019" stays answerable.
 */
export function desiredKlasse(
  e: KleEntry,
  parentUuid: string | undefined,
  current: Content | undefined,
  editionDate: number,
  replaces: readonly string[] = [],
): Content {
  const life = lifetime(e);
  const v = (from: number, to: number): Virkning => ({ from, to, notetekst: NOTE });
  const fields: Record<string, string> = { brugervendtnoegle: e.nummer, titel: e.titel };
  if (e.vejledning) fields.beskrivelse = e.vejledning;
  const relations = (from: number, to: number): Record<string, RelationValue[]> => ({
    facet: [{ uuid: facetOf(e), virkning: v(from, to) }],
    overordnetklasse: parentUuid ? [{ uuid: parentUuid, virkning: v(from, to) }] : [],
  });
  // A number that took over from moved ones (Historisk/Flyttet/AfloestAf) records what it replaces.
  const erstatter: RelationValue[] = replaces.map((uuid) => ({ uuid, virkning: v(life.from, life.to) }));
  const soegeord: AttributeValue[] = e.stikord.map((s) => ({
    fields: { soegeordidentifikator: s.titel, ...(s.beskrivelse ? { beskrivelse: s.beskrivelse } : {}) },
    virkning: v(life.from, life.to),
  }));
  const publiceret = [
    { value: 'Publiceret', virkning: v(life.from, life.to) },
    ...(life.to < Infinity ? [{ value: 'IkkePubliceret', virkning: v(life.to, Infinity) }] : []),
  ];

  if (!current) {
    return {
      attributter: { klasseegenskaber: [{ fields, virkning: v(life.from, life.to) }], klassesoegeord: soegeord },
      tilstande: { klassepubliceret: publiceret },
      relationer: { ...relations(life.from, life.to), erstatter },
    };
  }

  // A known class: change what differs from the latest value, from the change date on.
  const latest = (current.attributter.klasseegenskaber ?? []).reduce<AttributeValue | undefined>(
    (a, b) => (!a || b.virkning.from > a.virkning.from ? b : a),
    undefined,
  );
  const since = latest?.virkning.from ?? life.from;
  const at = changeDate(e, editionDate, since);
  const changedFields: Record<string, string> = {};
  for (const [k, val] of Object.entries(fields)) if (latest?.fields[k] !== val) changedFields[k] = val;
  const currentParent = latestRelation(current.relationer.overordnetklasse);
  const parentChanged = (currentParent?.uuid ?? undefined) !== parentUuid;

  let next = current;
  const end = Math.max(life.to, at + 1);
  // The register ended the class before the edition does (it retired it; the edition keeps it, or
  // retires it later): the class goes on with whole values from where the stored ones end, since
  // a merge of the changed fields alone would leave values without a number or a title there.
  const storedTo = latest?.virkning.to ?? life.from;
  if (storedTo < life.to) {
    next = mergeContent(klasse, next, {
      attributter: { klasseegenskaber: [{ fields, virkning: v(storedTo, life.to) }] },
      tilstande: {},
      relationer: {
        facet: [{ uuid: facetOf(e), virkning: v(storedTo, life.to) }],
        ...(parentUuid ? { overordnetklasse: [{ uuid: parentUuid, virkning: v(storedTo, life.to) }] } : {}),
      },
    });
  }
  if (Object.keys(changedFields).length) {
    next = mergeContent(klasse, next, {
      attributter: { klasseegenskaber: [{ fields: changedFields, virkning: v(at, end) }] },
      tilstande: {},
      relationer: {},
    });
  }
  if (parentChanged) {
    next = mergeContent(klasse, next, {
      attributter: {},
      tilstande: {},
      relationer: { overordnetklasse: parentUuid ? [{ uuid: parentUuid, virkning: v(at, end) }] : [] },
    });
  }
  const cut = <T extends { virkning: Virkning }>(values: readonly T[] | undefined): T[] =>
    (values ?? []).flatMap((x) => {
      const to = Math.min(x.virkning.to, life.to);
      return x.virkning.from < to ? [{ ...x, virkning: { ...x.virkning, to } }] : [];
    });
  return {
    attributter: { klasseegenskaber: cut(next.attributter.klasseegenskaber), klassesoegeord: soegeord },
    tilstande: { klassepubliceret: publiceret },
    relationer: {
      ...next.relationer,
      facet: cut(next.relationer.facet),
      overordnetklasse: cut(next.relationer.overordnetklasse),
      erstatter,
    },
  };
}

function latestRelation(values: readonly RelationValue[] | undefined): RelationValue | undefined {
  return (values ?? []).reduce<RelationValue | undefined>((a, b) => (!a || b.virkning.from > a.virkning.from ? b : a), undefined);
}

/** Whether two contents say the same (compared in their stored form). */
export function sameContent(a: Content, b: Content): boolean {
  return JSON.stringify(contentToWire(klasse, a)) === JSON.stringify(contentToWire(klasse, b));
}

/** The kind of change an entry brings, for the summary. */
export function changeKind(e: KleEntry, current: Content | undefined, desired: Content): 'added' | 'retired' | 'changed' | 'unchanged' {
  if (!current) return 'added';
  if (sameContent(current, desired)) return 'unchanged';
  const wasPublished = (current.tilstande.klassepubliceret ?? []).every((s) => s.value === 'Publiceret');
  return e.udgaaet && wasPublished ? 'retired' : 'changed';
}
