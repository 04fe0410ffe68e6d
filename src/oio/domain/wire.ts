import { AppError, PlatformErrors, platformError } from '../../platform/errors.ts';
import { oioError } from '../errors.ts';
import type { AttributeValue, Content, ObjectTypeDecl, RelationValue, StateValue, Virkning } from '../model.ts';
import { formatInstant, parseInstant } from './time.ts';
import { contains, overlaps } from './virkning.ts';

/** The JSON shape LoRa documents: `attributter`, `tilstande`, `relationer`, each value with `virkning`. */
export type WireObject = Record<string, unknown>;

export interface WireVirkning {
  from: string;
  to: string;
  from_included?: boolean;
  to_included?: boolean;
  aktoerref?: string;
  aktoertypekode?: string;
  notetekst?: string;
}

function invalid(message: string): AppError {
  return new AppError(PlatformErrors.INVALID_REQUEST, message);
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${where} must be a list`);
  return value;
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${where}.${key} must be a string`);
  return v;
}

function parseVirkning(raw: unknown, where: string): Virkning {
  const v = record(raw, `${where}.virkning`);
  for (const key of Object.keys(v)) {
    if (!['from', 'to', 'from_included', 'to_included', 'aktoerref', 'aktoertypekode', 'notetekst'].includes(key)) {
      throw platformError('UNKNOWN_FIELD', `${where}.virkning has no field "${key}"`, { field: `${where}.virkning.${key}` });
    }
  }
  if (typeof v.from !== 'string' || typeof v.to !== 'string') throw invalid(`${where}.virkning needs from and to`);
  if ((v.from_included !== undefined && v.from_included !== true) || (v.to_included !== undefined && v.to_included !== false)) {
    throw oioError('UNSUPPORTED_VIRKNING_BOUNDS', `${where}.virkning: intervals are [from, to): from_included true, to_included false`);
  }
  return {
    from: parseInstant(v.from, `${where}.virkning.from`),
    to: parseInstant(v.to, `${where}.virkning.to`),
    aktoerref: optionalString(v, 'aktoerref', `${where}.virkning`),
    aktoertypekode: optionalString(v, 'aktoertypekode', `${where}.virkning`),
    notetekst: optionalString(v, 'notetekst', `${where}.virkning`),
  };
}

function unknownKeys(obj: Record<string, unknown>, known: Iterable<string>, where: string): void {
  const allowed = new Set(known);
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) throw platformError('UNKNOWN_FIELD', `${where} has no field "${key}"`, { field: `${where}.${key}` });
  }
}

/**
 * Reads LoRa JSON into content. Only the parts present are returned (an update names what it
 * changes). Structure is checked here; the rules across values are in validateContent.
 */
export function contentFromWire(decl: ObjectTypeDecl, body: WireObject): Content {
  const attributter: Record<string, AttributeValue[]> = {};
  const tilstande: Record<string, StateValue[]> = {};
  const relationer: Record<string, RelationValue[]> = {};

  if (body.attributter !== undefined) {
    const groups = record(body.attributter, 'attributter');
    unknownKeys(
      groups,
      decl.attributes.map((g) => g.name),
      'attributter',
    );
    for (const group of decl.attributes) {
      if (groups[group.name] === undefined) continue;
      attributter[group.name] = list(groups[group.name], `attributter.${group.name}`).map((raw, i) => {
        const where = `attributter.${group.name}[${i}]`;
        const obj = record(raw, where);
        unknownKeys(obj, [...group.fields, 'virkning'], where);
        const fields: Record<string, string> = {};
        for (const f of group.fields) {
          const value = optionalString(obj, f, where);
          if (value !== undefined) fields[f] = value;
        }
        return { fields, virkning: parseVirkning(obj.virkning, where) };
      });
    }
  }
  if (body.tilstande !== undefined) {
    const states = record(body.tilstande, 'tilstande');
    unknownKeys(
      states,
      decl.states.map((s) => s.name),
      'tilstande',
    );
    for (const state of decl.states) {
      if (states[state.name] === undefined) continue;
      tilstande[state.name] = list(states[state.name], `tilstande.${state.name}`).map((raw, i) => {
        const where = `tilstande.${state.name}[${i}]`;
        const obj = record(raw, where);
        unknownKeys(obj, [state.field, 'virkning'], where);
        const value = optionalString(obj, state.field, where);
        if (value === undefined) throw invalid(`${where} needs ${state.field}`);
        return { value, virkning: parseVirkning(obj.virkning, where) };
      });
    }
  }
  if (body.relationer !== undefined) {
    const rels = record(body.relationer, 'relationer');
    unknownKeys(
      rels,
      decl.relations.map((r) => r.name),
      'relationer',
    );
    for (const rel of decl.relations) {
      if (rels[rel.name] === undefined) continue;
      relationer[rel.name] = list(rels[rel.name], `relationer.${rel.name}`).map((raw, i) => {
        const where = `relationer.${rel.name}[${i}]`;
        const obj = record(raw, where);
        unknownKeys(
          obj,
          rel.qualified ? ['uuid', 'urn', 'objekttype', 'rolle', 'type', 'indeks', 'virkning'] : ['uuid', 'urn', 'objekttype', 'virkning'],
          where,
        );
        const indeks = obj.indeks;
        if (indeks !== undefined && (typeof indeks !== 'number' || !Number.isInteger(indeks)))
          throw invalid(`${where}.indeks must be a whole number`);
        const uuid = optionalString(obj, 'uuid', where);
        return {
          uuid: uuid === '' ? undefined : uuid?.toLowerCase(),
          urn: optionalString(obj, 'urn', where) || undefined,
          objekttype: optionalString(obj, 'objekttype', where),
          rolle: optionalString(obj, 'rolle', where),
          type: optionalString(obj, 'type', where),
          indeks: indeks as number | undefined,
          virkning: parseVirkning(obj.virkning, where),
        };
      });
    }
  }
  return { attributter, tilstande, relationer };
}

function virkningToWire(v: Virkning): WireVirkning {
  const out: WireVirkning = { from: formatInstant(v.from), to: formatInstant(v.to), from_included: true, to_included: false };
  if (v.aktoerref !== undefined) out.aktoerref = v.aktoerref;
  if (v.aktoertypekode !== undefined) out.aktoertypekode = v.aktoertypekode;
  if (v.notetekst !== undefined) out.notetekst = v.notetekst;
  return out;
}

/** A time selection for reading: one instant, or every value overlapping a window. */
export type VirkningSelection = { at: number } | { from: number; to: number } | 'all';

function selected(v: Virkning, sel: VirkningSelection): boolean {
  if (sel === 'all') return true;
  if ('at' in sel) return contains(v, sel.at);
  return overlaps(v, sel);
}

/**
 * Writes content as LoRa JSON, keeping the values the selection asks for. Groups with no value
 * left are omitted, as LoRa does.
 */
export function contentToWire(decl: ObjectTypeDecl, content: Content, sel: VirkningSelection = 'all'): WireObject {
  const attributter: Record<string, unknown[]> = {};
  for (const group of decl.attributes) {
    const values = (content.attributter[group.name] ?? []).filter((v) => selected(v.virkning, sel));
    if (values.length) attributter[group.name] = values.map((v) => ({ ...v.fields, virkning: virkningToWire(v.virkning) }));
  }
  const tilstande: Record<string, unknown[]> = {};
  for (const state of decl.states) {
    const values = (content.tilstande[state.name] ?? []).filter((v) => selected(v.virkning, sel));
    if (values.length) tilstande[state.name] = values.map((v) => ({ [state.field]: v.value, virkning: virkningToWire(v.virkning) }));
  }
  const relationer: Record<string, unknown[]> = {};
  for (const rel of decl.relations) {
    const values = (content.relationer[rel.name] ?? []).filter((v) => selected(v.virkning, sel));
    if (values.length) {
      relationer[rel.name] = values.map((v) => {
        const out: Record<string, unknown> = {};
        if (v.uuid !== undefined) out.uuid = v.uuid;
        if (v.urn !== undefined) out.urn = v.urn;
        if (v.objekttype !== undefined) out.objekttype = v.objekttype;
        if (v.rolle !== undefined) out.rolle = v.rolle;
        if (v.type !== undefined) out.type = v.type;
        if (v.indeks !== undefined) out.indeks = v.indeks;
        out.virkning = virkningToWire(v.virkning);
        return out;
      });
    }
  }
  const out: WireObject = {};
  if (Object.keys(attributter).length) out.attributter = attributter;
  if (Object.keys(tilstande).length) out.tilstande = tilstande;
  if (Object.keys(relationer).length) out.relationer = relationer;
  return out;
}

const storedInstant = (s: string): number => (s === 'infinity' ? Infinity : s === '-infinity' ? -Infinity : Date.parse(s));

function storedVirkning(raw: Record<string, unknown>): Virkning {
  const v = raw as Record<string, string | undefined>;
  return {
    from: storedInstant(v.from!),
    to: storedInstant(v.to!),
    aktoerref: v.aktoerref,
    aktoertypekode: v.aktoertypekode,
    notetekst: v.notetekst,
  };
}

/**
 * Reads a registration as the store wrote it (with {@link contentToWire}): trusted, so without the
 * checks {@link contentFromWire} makes on a client's body. This is the hot path of every read.
 */
export function contentFromStored(decl: ObjectTypeDecl, stored: WireObject): Content {
  const attrs = (stored.attributter ?? {}) as Record<string, Record<string, unknown>[]>;
  const states = (stored.tilstande ?? {}) as Record<string, Record<string, unknown>[]>;
  const rels = (stored.relationer ?? {}) as Record<string, Record<string, unknown>[]>;
  const attributter: Record<string, AttributeValue[]> = {};
  for (const group of decl.attributes) {
    const values = attrs[group.name];
    if (!values) continue;
    // Fields in declaration order, as contentFromWire gives them: contents compare as JSON.
    attributter[group.name] = values.map((v) => {
      const fields: Record<string, string> = {};
      for (const f of group.fields) if (v[f] !== undefined) fields[f] = v[f] as string;
      return { fields, virkning: storedVirkning(v.virkning as Record<string, unknown>) };
    });
  }
  const tilstande: Record<string, StateValue[]> = {};
  for (const state of decl.states) {
    const values = states[state.name];
    if (!values) continue;
    tilstande[state.name] = values.map((v) => ({
      value: v[state.field] as string,
      virkning: storedVirkning(v.virkning as Record<string, unknown>),
    }));
  }
  const relationer: Record<string, RelationValue[]> = {};
  for (const rel of decl.relations) {
    const values = rels[rel.name];
    if (!values) continue;
    relationer[rel.name] = values.map(({ virkning, ...target }) => ({
      ...(target as Omit<RelationValue, 'virkning'>),
      virkning: storedVirkning(virkning as Record<string, unknown>),
    }));
  }
  return { attributter, tilstande, relationer };
}

/**
 * The stored form of a registration with only the values the selection keeps, without decoding
 * it: what a read returns, at the cost of two date parses per value.
 */
export function filterStored(decl: ObjectTypeDecl, stored: WireObject, sel: VirkningSelection): WireObject {
  if (sel === 'all') return stored;
  const keep = (v: Record<string, unknown>) => {
    const w = v.virkning as { from: string; to: string };
    const from = storedInstant(w.from);
    const to = storedInstant(w.to);
    return 'at' in sel ? from <= sel.at && sel.at < to : from < sel.to && sel.from < to;
  };
  const out: WireObject = {};
  for (const [part, names] of [
    ['attributter', decl.attributes.map((g) => g.name)],
    ['tilstande', decl.states.map((s) => s.name)],
    ['relationer', decl.relations.map((r) => r.name)],
  ] as const) {
    const source = stored[part] as Record<string, Record<string, unknown>[]> | undefined;
    if (!source) continue;
    const kept: Record<string, Record<string, unknown>[]> = {};
    for (const name of names) {
      const values = source[name]?.filter(keep);
      if (values?.length) kept[name] = values;
    }
    if (Object.keys(kept).length) out[part] = kept;
  }
  return out;
}
