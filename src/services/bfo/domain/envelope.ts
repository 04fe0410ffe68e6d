/**
 * The Haendelsesbesked (namespace `urn:oio:besked:kuvert:1.0`) as one plain value, whatever form it
 * arrived in (XML, JSON, CloudEvent). Identifiers (the schema's UnikIdType and AktoerType) are
 * strings: a URN when it starts with `urn:`, otherwise the UUID (or whatever id) the sender gave.
 * Times are kept as the sender wrote them; {@link instantOf} reads them.
 */
import { bfoError } from '../errors.ts';
import { payloadFromText } from './payload.ts';

export interface RelateretObjekt {
  objektId: string;
  objektType: string;
  objektRolle?: string;
}

export interface ObjektRegistrering {
  objektRegistreringId?: string;
  registreringsAktoer?: string;
  registreringstidspunkt?: string;
  objektAnsvarligMyndighed?: string;
  objektId?: string;
  objektType?: string;
  objektHandling?: string;
  opgaveEmne?: string;
}

export interface Filtreringsdata {
  beskedtype: string;
  beskedAnsvarligAktoer?: string;
  tilladtModtager: string[];
  relateretObjekt: RelateretObjekt[];
  objektRegistrering: ObjektRegistrering[];
  tvaergaaendeProces: string[];
}

/** One hop: which distributor received it when, delivered it when, under which subscription. */
export interface Leverancerute {
  fordelingssystem?: string;
  modtagelsesTidspunkt?: string;
  leveranceTidspunkt?: string;
  modtagetFraSystem?: string;
  erLeveretIHenholdTil?: string;
  antalLeveranceforsoeg?: number;
}

export interface Leveranceinformation {
  dannelsestidspunkt?: string;
  transaktionsId?: string;
  kildesystem?: string;
  kildesystemIPAdresse?: string;
  kildesystemAkkreditiver?: string;
  sikkerhedsklassificering?: string;
  leveranceruter: Leverancerute[];
}

export interface Modtagerhandling {
  handling?: string;
  responsmodtager?: string;
}

export interface Beskedkuvert {
  filtreringsdata: Filtreringsdata;
  leveranceinformation: Leveranceinformation;
  modtagerhandling?: Modtagerhandling;
  gyldighedFra?: string;
  gyldighedTil?: string;
}

/**
 * The opaque payload: XML (read and written again by the safe-XML module: well-formed, every
 * namespace it uses declared on its top elements), base64, or JSON.
 */
export type Beskeddata = { xml: string } | { base64: string } | { json: unknown };

export interface Haendelsesbesked {
  beskedId: string;
  beskedVersion: string;
  beskedkuvert: Beskedkuvert;
  beskeddata: Beskeddata[];
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ENVELOPE_NS = 'urn:oio:besked:kuvert:1.0';

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The UTC offset of Danish local time at an instant, in minutes. */
function copenhagenOffsetMinutes(utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Copenhagen',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((local - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/**
 * Reads a time of the envelope as epoch ms. The published messages carry no offset
 * (`2016-03-13T08:00:00`); such a time is read as Danish local time. Undefined when unreadable.
 */
export function instantOf(raw: string): number | undefined {
  const m = TIME.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0${frac}`) * 1000));
  if (Number.isNaN(naive)) return undefined;
  if (zone === 'Z') return naive;
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    return naive - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  // Guess with the offset at the naive instant, then correct once (DST edges).
  const first = naive - copenhagenOffsetMinutes(naive) * 60_000;
  return naive - copenhagenOffsetMinutes(first) * 60_000;
}

/** Ids are compared case-insensitively when they are UUIDs; everything else as given. */
export function normaliseId(raw: string): string {
  const t = raw.trim();
  return UUID.test(t) ? t.toLowerCase() : t;
}

// ---------------------------------------------------------------------------------------------
// The JSON form: validated field by field, unknown fields refused, so JSON and XML senders meet
// the same rules.

type Json = Record<string, unknown>;

function fail(field: string, what: string): never {
  throw bfoError('BFO_INVALID_ENVELOPE', `${field} ${what}`, { field });
}

function obj(v: unknown, field: string, allowed: readonly string[]): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(`${field}.${k}`, 'is not a field of the envelope');
  return v as Json;
}

function str(o: Json, key: string, field: string, required: true): string;
function str(o: Json, key: string, field: string, required?: false): string | undefined;
function str(o: Json, key: string, field: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) fail(`${field}.${key}`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') fail(`${field}.${key}`, 'must be a non-empty string');
  if (v.length > 4096) fail(`${field}.${key}`, 'is too long');
  return v.trim();
}

function arr(o: Json, key: string, field: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`${field}.${key}`, 'must be an array');
  if (v.length > 10_000) fail(`${field}.${key}`, 'has too many entries');
  return v;
}

function time(o: Json, key: string, field: string): string | undefined {
  const v = str(o, key, field);
  if (v !== undefined && v !== 'infinity' && v !== '-infinity' && instantOf(v) === undefined)
    fail(`${field}.${key}`, 'is not a time (ISO 8601)');
  return v;
}

/** Drops undefined members, so the value compares and serialises the same whichever form it came from. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Checks the parts every form must have: a UUID BeskedId and Beskedtype. */
export function checkEnvelope(b: Haendelsesbesked): Haendelsesbesked {
  if (!UUID.test(b.beskedId)) fail('beskedId', `must be a UUID, got ${JSON.stringify(b.beskedId)}`);
  if (!UUID.test(b.beskedkuvert.filtreringsdata.beskedtype))
    fail('beskedkuvert.filtreringsdata.beskedtype', `must be a UUID, got ${JSON.stringify(b.beskedkuvert.filtreringsdata.beskedtype)}`);
  b.beskedId = b.beskedId.toLowerCase();
  b.beskedkuvert.filtreringsdata.beskedtype = b.beskedkuvert.filtreringsdata.beskedtype.toLowerCase();
  return b;
}

/** Reads the JSON form of the envelope (the shape of {@link Haendelsesbesked}). */
export function envelopeFromJson(body: unknown): Haendelsesbesked {
  const root = obj(body, 'besked', ['beskedId', 'beskedVersion', 'beskedkuvert', 'beskeddata']);
  const kuvert = obj(root.beskedkuvert, 'beskedkuvert', [
    'filtreringsdata',
    'leveranceinformation',
    'modtagerhandling',
    'gyldighedFra',
    'gyldighedTil',
  ]);
  const fp = 'beskedkuvert.filtreringsdata';
  const f = obj(kuvert.filtreringsdata, fp, [
    'beskedtype',
    'beskedAnsvarligAktoer',
    'tilladtModtager',
    'relateretObjekt',
    'objektRegistrering',
    'tvaergaaendeProces',
  ]);
  const ids = (key: string) =>
    arr(f, key, fp).map((v, i) => {
      if (typeof v !== 'string' || v.trim() === '') fail(`${fp}.${key}[${i}]`, 'must be a non-empty string');
      return v.trim();
    });
  const lp = 'beskedkuvert.leveranceinformation';
  const l = obj(kuvert.leveranceinformation ?? {}, lp, [
    'dannelsestidspunkt',
    'transaktionsId',
    'kildesystem',
    'kildesystemIPAdresse',
    'kildesystemAkkreditiver',
    'sikkerhedsklassificering',
    'leveranceruter',
  ]);
  const beskeddata = arr(root, 'beskeddata', 'besked').map((d, i): Beskeddata => {
    const o = obj(d, `beskeddata[${i}]`, ['xml', 'base64', 'json']);
    const keys = Object.keys(o);
    if (keys.length !== 1) fail(`beskeddata[${i}]`, 'must have exactly one of xml, base64, json');
    if ('json' in o) return { json: o.json };
    const v = o[keys[0]!];
    if (typeof v !== 'string') fail(`beskeddata[${i}].${keys[0]}`, 'must be a string');
    return keys[0] === 'xml' ? { xml: payloadFromText(v, `beskeddata[${i}].xml`) } : { base64: v };
  });
  const modtagerhandling =
    kuvert.modtagerhandling === undefined
      ? undefined
      : (() => {
          const m = obj(kuvert.modtagerhandling, 'beskedkuvert.modtagerhandling', ['handling', 'responsmodtager']);
          return compact({
            handling: str(m, 'handling', 'beskedkuvert.modtagerhandling'),
            responsmodtager: str(m, 'responsmodtager', 'beskedkuvert.modtagerhandling'),
          });
        })();
  const besked: Haendelsesbesked = {
    beskedId: str(root, 'beskedId', 'besked', true),
    beskedVersion: str(root, 'beskedVersion', 'besked') ?? '1.0',
    beskedkuvert: compact({
      filtreringsdata: compact({
        beskedtype: str(f, 'beskedtype', fp, true),
        beskedAnsvarligAktoer: str(f, 'beskedAnsvarligAktoer', fp),
        tilladtModtager: ids('tilladtModtager'),
        relateretObjekt: arr(f, 'relateretObjekt', fp).map((r, i) => {
          const p = `${fp}.relateretObjekt[${i}]`;
          const o = obj(r, p, ['objektId', 'objektType', 'objektRolle']);
          return compact({
            objektId: str(o, 'objektId', p, true),
            objektType: str(o, 'objektType', p, true),
            objektRolle: str(o, 'objektRolle', p),
          });
        }),
        objektRegistrering: arr(f, 'objektRegistrering', fp).map((r, i) => {
          const p = `${fp}.objektRegistrering[${i}]`;
          const o = obj(r, p, [
            'objektRegistreringId',
            'registreringsAktoer',
            'registreringstidspunkt',
            'objektAnsvarligMyndighed',
            'objektId',
            'objektType',
            'objektHandling',
            'opgaveEmne',
          ]);
          return compact({
            objektRegistreringId: str(o, 'objektRegistreringId', p),
            registreringsAktoer: str(o, 'registreringsAktoer', p),
            registreringstidspunkt: time(o, 'registreringstidspunkt', p),
            objektAnsvarligMyndighed: str(o, 'objektAnsvarligMyndighed', p),
            objektId: str(o, 'objektId', p),
            objektType: str(o, 'objektType', p),
            objektHandling: str(o, 'objektHandling', p),
            opgaveEmne: str(o, 'opgaveEmne', p),
          });
        }),
        tvaergaaendeProces: ids('tvaergaaendeProces'),
      }),
      leveranceinformation: compact({
        dannelsestidspunkt: time(l, 'dannelsestidspunkt', lp),
        transaktionsId: str(l, 'transaktionsId', lp),
        kildesystem: str(l, 'kildesystem', lp),
        kildesystemIPAdresse: str(l, 'kildesystemIPAdresse', lp),
        kildesystemAkkreditiver: str(l, 'kildesystemAkkreditiver', lp),
        sikkerhedsklassificering: str(l, 'sikkerhedsklassificering', lp),
        leveranceruter: arr(l, 'leveranceruter', lp).map((r, i) => {
          const p = `${lp}.leveranceruter[${i}]`;
          const o = obj(r, p, [
            'fordelingssystem',
            'modtagelsesTidspunkt',
            'leveranceTidspunkt',
            'modtagetFraSystem',
            'erLeveretIHenholdTil',
            'antalLeveranceforsoeg',
          ]);
          const n = o.antalLeveranceforsoeg;
          if (n !== undefined && (!Number.isInteger(n) || (n as number) < 0)) fail(`${p}.antalLeveranceforsoeg`, 'must be a whole number');
          return compact({
            fordelingssystem: str(o, 'fordelingssystem', p),
            modtagelsesTidspunkt: time(o, 'modtagelsesTidspunkt', p),
            leveranceTidspunkt: time(o, 'leveranceTidspunkt', p),
            modtagetFraSystem: str(o, 'modtagetFraSystem', p),
            erLeveretIHenholdTil: str(o, 'erLeveretIHenholdTil', p),
            antalLeveranceforsoeg: n as number | undefined,
          });
        }),
      }),
      modtagerhandling,
      gyldighedFra: time(kuvert, 'gyldighedFra', 'beskedkuvert'),
      gyldighedTil: time(kuvert, 'gyldighedTil', 'beskedkuvert'),
    }),
    beskeddata,
  };
  return checkEnvelope(besked);
}
