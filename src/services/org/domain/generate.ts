/**
 * A seeded generator of a SYNTHETIC municipality as OIO Organisation content.
 *
 * Tests, the demo seed and benchmarks need an organisation that looks like a real one: a unit tree
 * 5–7 levels deep (administration → departments (forvaltninger) → areas (områder) → institutions
 * such as schools, care homes, day-care centres and libraries → departments of the institution →
 * teams → groups), users with their persons, one function per employment, addresses, KLE tasks,
 * and several years of history (units renamed, moved and closed; people hired, moving on and
 * leaving) so that time travel has something to show.
 *
 * Everything inside is invented here from word lists and the seed: unit names, people's names,
 * user names, phone numbers, postal addresses, EAN and P-numbers. CPR numbers are synthetic: their
 * day of month is 61–91, which the civil registry never uses. The same seed and options always
 * give the same output, UUIDs included; UUIDs also depend on the organisation's UUID, so two
 * municipalities generated with one seed never share one.
 *
 * History is expressed in virkning inside ONE content per object (one registration each when
 * imported): a rename is two name values split at the rename date, a move two `overordnet` values,
 * a closure ends every value at the closure date and adds `gyldighed` Inaktiv from it. `tilhoerer`
 * (the organisation) is one value over the object's whole life, closure included; users are tied
 * to units only through functions.
 */
import { contentToWire, type WireObject } from '../../../oio/domain/wire.ts';
import { parseInstant } from '../../../oio/domain/time.ts';
import type { AttributeValue, Content, ObjectTypeDecl, RelationValue, StateValue, Virkning } from '../../../oio/model.ts';
import { organisation as organisationDecl } from '../types/organisation.ts';
import { systemsAndGroups } from './generate-systems.ts';
import { adresse, bruger, interessefaellesskab, itsystem, organisationenhed, organisationfunktion, person } from '../types/units.ts';
import {
  PLACE_HEADS,
  PLACE_TAILS,
  DIRECTIONS,
  STREET_TAILS,
  FEMALE,
  MALE,
  MIDDLE,
  SURNAMES,
  type SubSpec,
  type InstitutionKind,
  shifts,
  INSTITUTION_KINDS,
  type DepartmentSpec,
  DEPARTMENTS,
  ROOT_STAFF,
  DEPARTMENT_STAFF,
  STAFF_TEAMS,
} from './generate-vocabulary.ts';

export const SYNTHETIC_ORG_NOTE =
  'SYNTETISK organisation genereret af stotte: enheder, navne, brugere, CPR-numre (dag 61-91), adresser og historik er opfundne.';

/** The role URNs on a unit's or user's `adresser` relation: the kind of address. */
export const ADDRESS_ROLES = {
  email: 'urn:oio:adresserolle:email',
  telefon: 'urn:oio:adresserolle:telefon',
  postadresse: 'urn:oio:adresserolle:postadresse',
  ean: 'urn:oio:adresserolle:ean',
  pnummer: 'urn:oio:adresserolle:pnummer',
} as const;

/** The role URNs on a unit's `opgaver` relation (KLE tasks). */
export const TASK_ROLES = {
  ansvarlig: 'urn:oio:opgaverolle:ansvarlig',
  udfoerende: 'urn:oio:opgaverolle:udfoerende',
} as const;

/** The funktionstype of every employment. */
export const EMPLOYMENT_FUNCTION_TYPE = 'urn:oio:funktionstype:ansat';
export const EMPLOYMENT_FUNCTION_NAME = 'Ansat';

export interface MunicipalityRef {
  readonly uuid: string;
  readonly bvn: string;
  readonly navn: string;
  readonly cvr: string;
}

export interface GenerateMunicipalityOptions {
  /** Default 1. */
  readonly seed?: number | undefined;
  /** Exactly this many units (default 800; at least 20). */
  readonly units?: number | undefined;
  /** Exactly this many users, each with a person (default 5 per unit). */
  readonly users?: number | undefined;
  readonly organisation: MunicipalityRef;
  /** Class UUIDs (e.g. KLE subjects) to put on units as tasks; none when absent or empty. */
  readonly kleClasses?: readonly string[] | undefined;
  /** Years of history before `until` (default 4). */
  readonly years?: number | undefined;
  /** The day history ends (YYYY-MM-DD, default 2026-01-01): every change lies before it. */
  readonly until?: string | undefined;
}

export interface GeneratedObject {
  readonly type: string;
  readonly uuid: string;
  readonly content: Content;
}

export interface MunicipalityStats {
  readonly units: number;
  readonly users: number;
  readonly persons: number;
  readonly functions: number;
  readonly addresses: number;
  readonly itsystems: number;
  /** Interest groups (networks of users across units). */
  readonly groups: number;
  /** Relation values on units' `opgaver`. */
  readonly tasks: number;
  /** Deepest level of the unit tree (the root unit is level 1). */
  readonly depth: number;
  /** Units per level, index 0 = level 1. */
  readonly unitsPerLevel: readonly number[];
  /** Users who left during the history window (gyldighed Inaktiv from then). */
  readonly usersLeft: number;
  /** The history window, as dates. */
  readonly from: string;
  readonly until: string;
  readonly renamed: readonly { uuid: string; at: string; before: string; after: string }[];
  readonly moved: readonly { uuid: string; at: string; from: string; to: string }[];
  readonly closed: readonly { uuid: string; at: string }[];
  /** Units created during the history window. */
  readonly opened: readonly { uuid: string; at: string }[];
}

export interface GeneratedMunicipality {
  readonly uuid: string;
  readonly organisation: Content;
  /** Parents before children: addresses, persons, users, units level by level, functions. */
  readonly objects: readonly GeneratedObject[];
  readonly stats: MunicipalityStats;
}

// ---------------------------------------------------------------------------------------------
// Randomness and identities

/** A small seeded generator (xorshift-multiply on 32 bits, splitmix-style seeding). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = mix32((seed ^ 0x2545f491) >>> 0) || 1;
  }
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    return mix32(this.s) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** One of `items` by weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return items[items.length - 1]![0];
  }
}

/** murmur3's finaliser: a bijection on 32-bit integers that mixes well. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string, salt: number): number {
  let h = salt >>> 0;
  for (let i = 0; i < s.length; i++) h = mix32((h ^ s.charCodeAt(i)) + Math.imul(i + 1, 0x27d4eb2d));
  return h;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex8 = (n: number) => HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;

/** Kinds of object, each with its own UUID space. */
const KIND = { unit: 1, user: 2, person: 3, function: 4, address: 5, itsystem: 6, interessefaellesskab: 7 } as const;

/**
 * Deterministic v4-shaped UUIDs from (organisation, seed, kind, index). The first 32 bits are a
 * bijection of (kind, index) under the key, so UUIDs within one municipality never collide.
 */
class UuidSpace {
  private readonly keys: [number, number, number, number];
  constructor(orgUuid: string, seed: number) {
    const base = `${orgUuid.toLowerCase()}:${seed}`;
    this.keys = [hashString(base, 0x51ed270b), hashString(base, 0x0b4a3f11), hashString(base, 0x7f4a7c15), hashString(base, 0x2c1b3c6d)];
  }
  make(kind: number, index: number): string {
    const c = (kind * 0x8000000 + index) >>> 0;
    const [k0, k1, k2, k3] = this.keys;
    const a = mix32((k0 ^ mix32(c ^ 0x3c6ef372)) >>> 0);
    const b = (mix32((k1 ^ mix32(c ^ 0xa54ff53a)) >>> 0) & 0xffff0fff) | 0x4000;
    const d = ((mix32((k2 ^ mix32(c ^ 0x510e527f)) >>> 0) & 0x3fffffff) | 0x80000000) >>> 0;
    const e = mix32((k3 ^ mix32(c ^ 0x9b05688c)) >>> 0);
    const hb = hex8(b >>> 0);
    const hd = hex8(d);
    return `${hex8(a)}-${hb.slice(0, 4)}-${hb.slice(4)}-${hd.slice(0, 4)}-${hd.slice(4)}${hex8(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Days and instants

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** The municipal reform: today's municipalities and their top units date from it. */
const FOUNDED = dayOf('2007-01-01');
const NEVER = Number.POSITIVE_INFINITY;

/** The last Sunday of a month (0-based), as a day number. */
function lastSunday(year: number, month: number): number {
  const last = Date.UTC(year, month + 1, 0) / DAY_MS;
  return last - new Date(last * DAY_MS).getUTCDay();
}

/**
 * Danish midnight of a day, cached. Since 1996 summer time runs from the last Sunday of March to
 * the last Sunday of October, switching at 01:00 UTC, so midnight is never inside a switch;
 * earlier years ask parseInstant, which consults the time zone (slowly).
 */
class Instants {
  private readonly cache = new Map<number, number>();
  at(day: number): number {
    if (day === NEVER) return Infinity;
    let ms = this.cache.get(day);
    if (ms === undefined) {
      const year = new Date(day * DAY_MS).getUTCFullYear();
      if (year < 1996) ms = parseInstant(isoOf(day));
      else {
        const summer = day > lastSunday(year, 2) && day <= lastSunday(year, 9);
        ms = day * DAY_MS - (summer ? 2 : 1) * 3_600_000;
      }
      this.cache.set(day, ms);
    }
    return ms;
  }
}

// ---------------------------------------------------------------------------------------------
// Word lists (invented for this project)

type UnitRole = 'root' | 'staff' | 'department' | 'area' | 'institution' | 'sub';

interface Unit {
  readonly index: number;
  readonly uuid: string;
  readonly bvn: string;
  readonly level: number;
  readonly role: UnitRole;
  readonly enhedstype: string;
  readonly dept: number;
  /** The institution a sub-unit belongs to (itself for an institution). */
  institution: Unit | undefined;
  navn: string;
  parent: Unit | undefined;
  readonly children: Unit[];
  /** Employees it tends to have, relative. */
  readonly weight: number;
  start: number;
  closed: number;
  rename?: { at: number; navn: string };
  move?: { at: number; parent: Unit };
  addresses: { role: string; uuid: string; start: number }[];
  tasks: { uuid: string; role: string; from: number }[];
}

interface Employment {
  unit: Unit;
  from: number;
  to: number;
}

/** Turns Danish letters into what user names and e-mail addresses use. */
function ascii(s: string): string {
  return s
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/é/g, 'e')
    .replace(/[^a-z0-9]/g, '');
}

/** "Københavns Kommune" → "København", "Aarhus Kommune" → "Aarhus": the town, without the genitive s. */
function municipalityCity(navn: string): string {
  const name = navn.replace(/ Kommune$/, '');
  return name !== navn && /[^u]s$/.test(name) ? name.slice(0, -1) : name;
}

/** Builds a synthetic municipality; see the module comment. */
export function generateMunicipality(opts: GenerateMunicipalityOptions): GeneratedMunicipality {
  const seed = opts.seed ?? 1;
  const unitTarget = Math.round(opts.units ?? 800);
  const userTarget = Math.round(opts.users ?? unitTarget * 5);
  if (unitTarget < 20) throw new RangeError('a municipality needs at least 20 units');
  if (userTarget < 1) throw new RangeError('a municipality needs at least one user');
  const years = opts.years ?? 4;
  const org = opts.organisation;
  const orgUuid = org.uuid.toLowerCase();
  if (!(years >= 1)) throw new RangeError('years of history must be at least 1');
  const untilIso = opts.until ?? '2026-01-01';
  const until = /^\d{4}-\d{2}-\d{2}$/.test(untilIso) ? dayOf(untilIso) : NaN;
  if (!(until >= FOUNDED + 3 * 365)) throw new RangeError('until must be a date (YYYY-MM-DD) from 2010 on');
  // The window starts a year after the reform at the earliest, so units and people can predate it.
  const windowStart = Math.max(FOUNDED + 365, until - Math.round(years * 365.25));
  const r = new Rng(hashString(`${orgUuid}:${seed}`, seed >>> 0));
  const ids = new UuidSpace(orgUuid, seed);
  const instants = new Instants();
  const city = municipalityCity(org.navn);
  const domain = `${ascii(city) || 'kommune'}.kommune.example`;
  const postBase = /københavn/i.test(city) ? 2000 : /aarhus/i.test(city) ? 8000 : 3000 + (hashString(org.cvr, 7) % 60) * 100;
  const bvnPrefix = org.bvn.replace(/[^A-Za-z0-9]+/g, '').toUpperCase() || 'ORG';

  // ---- The unit tree, in creation order (depth first) ----
  const units: Unit[] = [];
  const usedNames = new Map<string, Set<string>>();
  const uniqueName = (space: string, make: () => string): string => {
    let taken = usedNames.get(space);
    if (!taken) usedNames.set(space, (taken = new Set()));
    for (let i = 0; i < 25; i++) {
      const n = make();
      if (!taken.has(n)) {
        taken.add(n);
        return n;
      }
    }
    const base = make();
    let k = 2;
    while (taken.has(`${base} ${k}`)) k++;
    taken.add(`${base} ${k}`);
    return `${base} ${k}`;
  };
  const place = () => `${r.pick(PLACE_HEADS)}${r.pick(PLACE_TAILS)}`;

  const addUnit = (
    parent: Unit | undefined,
    role: UnitRole,
    navn: string,
    enhedstype: string,
    weight: number,
    dept: number,
    start: number,
  ): Unit | undefined => {
    if (units.length >= unitTarget) return undefined;
    const index = units.length;
    const u: Unit = {
      index,
      uuid: ids.make(KIND.unit, index),
      bvn: `${bvnPrefix}-${String(index + 1).padStart(5, '0')}`,
      level: parent ? parent.level + 1 : 1,
      role,
      enhedstype: `urn:oio:enhedstype:${enhedstype}`,
      dept,
      institution: role === 'sub' ? parent?.institution : undefined,
      navn,
      parent,
      children: [],
      weight,
      start,
      closed: NEVER,
      addresses: [],
      tasks: [],
    };
    if (role === 'institution') u.institution = u;
    parent?.children.push(u);
    units.push(u);
    return u;
  };

  const root = addUnit(undefined, 'root', org.navn, 'kommune', 3, -1, FOUNDED)!;
  const deptCount = Math.min(DEPARTMENTS.length, Math.max(3, Math.round(unitTarget / 40)));
  const areasPerDept = Math.min(8, Math.max(2, Math.round(Math.sqrt(unitTarget) / 12)));
  const staffPerDept = unitTarget < 100 ? 1 : unitTarget < 1000 ? 2 : 4;
  const rootStaff = unitTarget < 100 ? 1 : unitTarget < 1000 ? 2 : 3;
  const staffTeams = unitTarget >= 1000;

  for (let s = 0; s < rootStaff; s++) addUnit(root, 'staff', ROOT_STAFF[s]!, 'stab', 6, -1, FOUNDED);
  const departments: Unit[] = [];
  const areas: Unit[][] = [];
  for (let d = 0; d < deptCount; d++) {
    const spec = DEPARTMENTS[d]!;
    const dep = addUnit(root, 'department', spec.navn, 'forvaltning', 3, d, FOUNDED)!;
    departments.push(dep);
    for (let s = 0; s < staffPerDept; s++) {
      const staff = addUnit(dep, 'staff', `${DEPARTMENT_STAFF[s]!}, ${spec.kort}`, 'stab', staffTeams ? 3 : 8, d, FOUNDED)!;
      if (staffTeams) {
        for (let t = 0; t < 2; t++)
          addUnit(staff, 'sub', `${STAFF_TEAMS[(s * 2 + t) % STAFF_TEAMS.length]!}, ${spec.kort}`, 'team', 7, d, FOUNDED);
      }
    }
    const dirs = DIRECTIONS.slice(0, areasPerDept);
    areas.push(dirs.map((dir) => addUnit(dep, 'area', `${spec.omraade} ${dir}`, 'omraade', 3, d, FOUNDED)!));
  }

  // Institutions, until the budget is spent: departments by share, areas evenly, kinds by weight.
  const deptWeights = departments.map((_, d) => [d, DEPARTMENTS[d]!.share] as const);
  const addSubs = (parent: Unit, specs: readonly SubSpec[], dept: number): void => {
    for (const spec of specs) {
      if (spec.p !== undefined && !r.chance(spec.p)) continue;
      const names = typeof spec.navn === 'string' ? [spec.navn] : spec.navn.slice(0, r.int(spec.count?.[0] ?? 1, spec.count?.[1] ?? 1));
      for (const navn of names) {
        // A sub-unit opened during the window now and then (a new team); otherwise as old as its institution.
        const start = r.chance(0.04) ? Math.max(parent.start, r.int(windowStart, until - 200)) : parent.start;
        const sub = addUnit(parent, 'sub', navn, spec.children ? 'afdeling' : 'team', spec.weight, dept, start);
        if (!sub) return;
        if (spec.children) addSubs(sub, spec.children, dept);
      }
    }
  };
  while (units.length < unitTarget) {
    const d = r.weighted(deptWeights);
    const area = r.pick(areas[d]!);
    const kind = INSTITUTION_KINDS[r.weighted(DEPARTMENTS[d]!.kinds)]!;
    // Most institutions came with the reform; some opened later, a few during the window.
    const start = r.chance(0.06) ? r.int(windowStart, until - 365) : r.chance(0.7) ? FOUNDED : r.int(FOUNDED, windowStart - 30);
    const navn = uniqueName(kind.key, () => kind.name(place(), r));
    const inst = addUnit(area, 'institution', navn, kind.key, kind.weight, d, start);
    if (!inst) break;
    addSubs(inst, kind.subs, d);
  }

  // ---- History: closures, moves, renames ----
  const windowDay = (lo: number, hi: number) => (hi > lo ? r.int(lo, hi - 1) : lo);
  const endOf = (u: Unit) => u.closed;
  const earliest = (u: Unit) => Math.max(u.start + 30, windowStart);
  // Own closures: institutions and their sub-units only.
  for (const u of units) {
    if ((u.role === 'institution' && r.chance(0.04)) || (u.role === 'sub' && r.chance(0.03))) {
      const lo = earliest(u);
      if (lo < until - 30) u.closed = windowDay(lo, until - 30);
    }
  }
  // Moves: institutions to another area of their department; sub-units to a peer of their parent
  // in the same institution. Peers sit at the parent's level, so no move makes a cycle.
  const byLevel: Unit[][] = [];
  for (const u of units) (byLevel[u.level - 1] ??= []).push(u);
  for (const u of units) {
    if (u.role !== 'institution' && u.role !== 'sub') continue;
    if (!r.chance(u.role === 'institution' ? 0.05 : 0.02)) continue;
    const parent = u.parent!;
    const lo = earliest(u);
    const hi = Math.min(u.closed, parent.closed, until - 30);
    if (lo >= hi) continue;
    const at = windowDay(lo, hi);
    const peers =
      u.role === 'institution'
        ? areas[u.dept]!.filter((a) => a !== parent)
        : (parent.institution === parent ? [] : (parent.parent?.children ?? [])).filter(
            (p) => p !== parent && p.closed === NEVER && p.start <= at && p.role === 'sub' && p.children.length > 0,
          );
    const candidates = peers.filter((p) => p.closed === NEVER && p.start <= at);
    if (!candidates.length) continue;
    u.move = { at, parent: r.pick(candidates) };
  }
  // A unit ends no later than its parent does (the parent it has at the end).
  for (const level of byLevel) {
    for (const u of level ?? []) {
      const last = u.move?.parent ?? u.parent;
      if (last && last.closed < u.closed) u.closed = last.closed;
      // Moved away from a parent that closed before the move: it closed with that parent instead.
      if (u.move && u.parent!.closed < u.move.at) {
        delete u.move;
        u.closed = Math.min(u.closed, u.parent!.closed);
      }
      if (u.move && u.move.at >= u.closed) delete u.move;
    }
  }
  // Renames: a department or two, some areas and institutions, a few sub-units.
  for (const u of units) {
    const p = u.role === 'department' ? 0.3 : u.role === 'area' ? 0.1 : u.role === 'institution' ? 0.06 : u.role === 'sub' ? 0.01 : 0;
    if (!r.chance(p)) continue;
    const lo = earliest(u);
    const hi = Math.min(endOf(u), until - 30);
    if (lo >= hi) continue;
    const at = windowDay(lo, hi);
    let navn: string;
    if (u.role === 'department') navn = DEPARTMENTS[u.dept]!.nytNavn;
    else if (u.role === 'area') navn = `${DEPARTMENTS[u.dept]!.omraade} ${r.pick(DIRECTIONS)} og ${r.pick(DIRECTIONS)}`;
    else if (u.role === 'institution') {
      const kind = INSTITUTION_KINDS[u.enhedstype.slice('urn:oio:enhedstype:'.length)]!;
      navn = uniqueName(kind.key, () => kind.name(place(), r));
    } else navn = `${u.navn} (${r.pick(['nyt team', 'samlet', 'udvidet'])})`;
    if (navn !== u.navn) u.rename = { at, navn };
  }
  // Small municipalities still show each kind of history at least once.
  const institutions = units.filter((u) => u.role === 'institution');
  const ensure = (has: (u: Unit) => boolean, apply: (u: Unit) => void) => {
    if (units.some(has)) return;
    const u = institutions.find((i) => i.closed === NEVER && !i.rename && !i.move && i.start < windowStart);
    if (u) apply(u);
  };
  ensure(
    (u) => !!u.rename,
    (u) => {
      const kind = INSTITUTION_KINDS[u.enhedstype.slice('urn:oio:enhedstype:'.length)]!;
      u.rename = { at: windowDay(windowStart + 100, until - 100), navn: uniqueName(kind.key, () => kind.name(place(), r)) };
    },
  );
  ensure(
    (u) => !!u.move,
    (u) => {
      const other = areas[u.dept]!.find((a) => a !== u.parent);
      if (other) u.move = { at: windowDay(windowStart + 100, until - 100), parent: other };
    },
  );
  ensure(
    (u) => u.role === 'institution' && u.closed !== NEVER,
    (u) => {
      const at = windowDay(windowStart + 100, until - 30);
      const close = (x: Unit) => {
        x.closed = Math.min(x.closed, at);
        x.children.forEach(close);
      };
      close(u);
    },
  );

  // A closure may now come before a change planned for a unit or its sub-units: that change never
  // happened. A sub-unit planned to open after its parent closed existed from its parent's start instead.
  for (const level of byLevel) {
    for (const u of level ?? []) {
      if (u.closed <= u.start) u.start = Math.min(u.parent?.start ?? u.start, u.closed - 1);
      if (u.rename && (u.rename.at >= u.closed || u.rename.at <= u.start)) delete u.rename;
      if (u.move && (u.move.at >= u.closed || u.move.at <= u.start)) delete u.move;
    }
  }

  // ---- Addresses and tasks on units ----
  const addressList: { uuid: string; role: string; tekst: string; start: number }[] = [];
  const newAddress = (role: string, tekst: string, start: number): string => {
    const uuid = ids.make(KIND.address, addressList.length);
    addressList.push({ uuid, role, tekst, start });
    return uuid;
  };
  const phone = () => `${r.pick(['3', '4', '7', '8'])}${r.int(1000000, 9999999)}`;
  const street = () => `${r.pick(PLACE_HEADS)}${r.pick(STREET_TAILS)} ${r.int(1, 180)}`;
  const postal = () => {
    const nr = postBase + r.int(0, 49) * 10;
    return `${street()}, ${nr} ${city}`;
  };
  const ean = () => `579899${String(r.int(0, 9999999)).padStart(7, '0')}`;
  const pnr = () => `9${String(r.int(0, 999999999)).padStart(9, '0')}`;
  for (const u of units) {
    const mail = `${ascii(u.navn).slice(0, 24) || 'enhed'}.${u.index + 1}@${domain}`;
    const big = u.role !== 'sub';
    if (big || r.chance(0.5))
      u.addresses.push({ role: ADDRESS_ROLES.email, uuid: newAddress(ADDRESS_ROLES.email, mail, u.start), start: u.start });
    if (big || r.chance(0.4))
      u.addresses.push({ role: ADDRESS_ROLES.telefon, uuid: newAddress(ADDRESS_ROLES.telefon, phone(), u.start), start: u.start });
    if (big)
      u.addresses.push({ role: ADDRESS_ROLES.postadresse, uuid: newAddress(ADDRESS_ROLES.postadresse, postal(), u.start), start: u.start });
    if (u.role === 'department' || u.role === 'area' || (u.role === 'institution' && r.chance(0.7))) {
      u.addresses.push({ role: ADDRESS_ROLES.ean, uuid: newAddress(ADDRESS_ROLES.ean, ean(), u.start), start: u.start });
    }
    if (u.role === 'root' || (u.role === 'institution' && r.chance(0.9))) {
      u.addresses.push({ role: ADDRESS_ROLES.pnummer, uuid: newAddress(ADDRESS_ROLES.pnummer, pnr(), u.start), start: u.start });
    }
  }
  // Some institutions moved house during the window: a new postal address from a date.
  const relocated = new Map<Unit, { at: number; uuid: string }>();
  for (const u of institutions) {
    if (!r.chance(0.05)) continue;
    const lo = earliest(u);
    const hi = Math.min(u.closed, until - 30);
    if (lo >= hi) continue;
    const at = windowDay(lo, hi);
    relocated.set(u, { at, uuid: newAddress(ADDRESS_ROLES.postadresse, postal(), at) });
  }

  let taskCount = 0;
  const kle = (opts.kleClasses ?? []).map((k) => k.toLowerCase());
  if (kle.length) {
    const pools = departments.map((_, d) => {
      const size = Math.min(kle.length, Math.max(5, Math.round(kle.length * 0.08)));
      const offset = Math.floor((kle.length / departments.length) * d);
      return Array.from({ length: size }, (_, i) => kle[(offset + i * 7) % kle.length]!);
    });
    const everything = kle;
    for (const u of units) {
      const [lo, hi] =
        u.role === 'department'
          ? [6, 14]
          : u.role === 'area'
            ? [3, 8]
            : u.role === 'institution'
              ? [1, 5]
              : u.role === 'staff'
                ? [1, 3]
                : [0, 0];
      if (hi === 0) continue;
      const pool = u.dept >= 0 ? pools[u.dept]! : everything;
      const chosen = new Set<string>();
      const n = r.int(lo, hi);
      for (let i = 0; i < n * 3 && chosen.size < n; i++) chosen.add(r.pick(pool));
      for (const uuid of chosen) u.tasks.push({ uuid, role: r.chance(0.8) ? TASK_ROLES.ansvarlig : TASK_ROLES.udfoerende, from: u.start });
      // Now and then a task added during the window.
      if (r.chance(0.1)) {
        const extra = r.pick(pool);
        const lo2 = earliest(u);
        const hi2 = Math.min(u.closed, until - 30);
        if (!chosen.has(extra) && lo2 < hi2) u.tasks.push({ uuid: extra, role: TASK_ROLES.udfoerende, from: windowDay(lo2, hi2) });
      }
      taskCount += u.tasks.length;
    }
  }

  // ---- Users, persons, employments ----
  // Employees are placed by weight; a cumulative table makes each draw a binary search.
  const cumulative: number[] = [];
  let totalWeight = 0;
  for (const u of units) {
    totalWeight += u.children.length && u.role === 'sub' ? u.weight / 2 : u.weight;
    cumulative.push(totalWeight);
  }
  const drawUnit = (): Unit => {
    const x = r.next() * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return units[lo]!;
  };
  /** A unit alive on `day` and until at least `day + 1`; falls back to the root. */
  const unitAliveAt = (day: number, avoid?: Unit): Unit => {
    for (let i = 0; i < 30; i++) {
      const u = drawUnit();
      if (u !== avoid && u.start <= day && day < u.closed) return u;
    }
    return root;
  };

  const userObjects: { uuid: string; content: Content }[] = [];
  const personObjects: { uuid: string; content: Content }[] = [];
  const functionObjects: GeneratedObject[] = [];
  const cprs = new Set<string>();
  const userNames = new Map<string, number>();
  let usersLeft = 0;
  let functionCount = 0;
  // Values are immutable: identical ones are shared between objects, which keeps a large
  // municipality's memory (and the garbage collector's work) down.
  const forevers = new Map<number, Virkning>();
  const forever = (from: number): Virkning => {
    let v = forevers.get(from);
    if (!v) forevers.set(from, (v = { from, to: Infinity }));
    return v;
  };
  const orgRels = new Map<number, RelationValue>();
  const orgRel = (from: number): RelationValue => {
    let v = orgRels.get(from);
    if (!v) orgRels.set(from, (v = { uuid: orgUuid, objekttype: 'organisation', virkning: forever(from) }));
    return v;
  };
  const aktiv = new Map<Virkning, StateValue>();
  const inaktiv = new Map<Virkning, StateValue>();
  const stateValue = (cache: Map<Virkning, StateValue>, value: string, v: Virkning): StateValue => {
    let s = cache.get(v);
    if (!s) cache.set(v, (s = { value, virkning: v }));
    return s;
  };
  /** Aktiv over the life, then Inaktiv from its end when it ends. */
  const gyldighed = (life: Virkning): StateValue[] =>
    life.to === Infinity
      ? [stateValue(aktiv, 'Aktiv', life)]
      : [{ value: 'Aktiv', virkning: life }, stateValue(inaktiv, 'Inaktiv', forever(life.to))];

  for (let i = 0; i < userTarget; i++) {
    const female = r.chance(0.55);
    const fornavn = r.pick(female ? FEMALE : MALE);
    const mellemnavn = r.chance(0.25) ? `${r.pick(MIDDLE)} ` : '';
    const efternavn = r.pick(SURNAMES);
    const navn = `${fornavn} ${mellemnavn}${efternavn}`;
    // Hired since the reform: before the window mostly, during it now and then.
    const hired = r.chance(0.8) ? r.int(FOUNDED, windowStart - 1) : r.int(windowStart, until - 60);
    const hiredYear = new Date(hired * DAY_MS).getUTCFullYear();
    // Synthetic CPR: the day of month plus 60 (61-91), never a real person's number.
    let cpr: string;
    do {
      const year = r.int(Math.min(1955, hiredYear - 18), Math.min(2004, hiredYear - 18));
      const month = r.int(1, 12);
      const day = r.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
      const seventh = year >= 2000 ? 4 : r.int(0, 3);
      const last = r.int(0, 4) * 2 + (female ? 0 : 1);
      cpr = `${day + 60}${String(month).padStart(2, '0')}${String(year % 100).padStart(2, '0')}${seventh}${r.int(10, 99)}${last}`;
    } while (cprs.has(cpr));
    cprs.add(cpr);

    const stem = ascii(fornavn).slice(0, 2) + ascii(efternavn).slice(0, 2);
    const n = (userNames.get(stem) ?? 0) + 1;
    userNames.set(stem, n);
    const username = n === 1 ? stem : `${stem}${n}`;

    // Employment history: hired before or during the window; some move on, some leave.
    const leaveFrom = Math.max(hired, windowStart) + 60;
    let leaves = leaveFrom < until - 1 && r.chance(0.1) ? r.int(leaveFrom, until - 2) : NEVER;
    const jobs: Employment[] = [];
    let cursor = hired;
    for (let k = 0; k < 4 && cursor < leaves; k++) {
      const u = unitAliveAt(cursor, jobs[jobs.length - 1]?.unit);
      let to = Math.min(leaves, u.closed);
      // A job change within the window.
      if (r.chance(0.07)) {
        const lo = Math.max(cursor, windowStart) + 60;
        const hi = Math.min(to, until - 30);
        if (lo < hi) to = windowDay(lo, hi);
      }
      jobs.push({ unit: u, from: cursor, to });
      if (to >= leaves) break;
      if (to === u.closed && r.chance(0.15)) {
        leaves = to;
        break;
      }
      cursor = to;
    }
    // A second, concurrent employment now and then (part time elsewhere).
    if (r.chance(0.06)) {
      const from = windowDay(Math.max(hired, windowStart), Math.min(leaves, until - 30));
      const u = unitAliveAt(from, jobs[0]?.unit);
      if (from < leaves && u !== root) {
        const end = Math.min(leaves, u.closed);
        const cap = Math.min(end, until);
        const to = r.chance(0.5) || from + 90 >= cap ? end : r.int(from + 90, cap - 1);
        if (from < to) jobs.push({ unit: u, from, to });
      }
    }
    if (leaves !== NEVER) usersLeft++;

    const personUuid = ids.make(KIND.person, i);
    const userUuid = ids.make(KIND.user, i);
    const fromMs = instants.at(hired);
    const leftMs = instants.at(leaves);
    const active: Virkning = { from: fromMs, to: leftMs };
    personObjects.push({
      uuid: personUuid,
      content: {
        attributter: {
          personegenskaber: [{ fields: { brugervendtnoegle: personUuid, cpr_nummer: cpr, navn }, virkning: forever(fromMs) }],
        },
        tilstande: { persongyldighed: gyldighed(forever(fromMs)) },
        relationer: { tilhoerer: [orgRel(fromMs)] },
      },
    });
    const userAddresses: RelationValue[] = [
      {
        uuid: newAddress(ADDRESS_ROLES.email, `${username}@${domain}`, hired),
        objekttype: 'adresse',
        rolle: ADDRESS_ROLES.email,
        indeks: 1,
        virkning: active,
      },
    ];
    if (r.chance(0.4)) {
      userAddresses.push({
        uuid: newAddress(ADDRESS_ROLES.telefon, phone(), hired),
        objekttype: 'adresse',
        rolle: ADDRESS_ROLES.telefon,
        indeks: 2,
        virkning: active,
      });
    }
    userObjects.push({
      uuid: userUuid,
      content: {
        attributter: {
          brugeregenskaber: [{ fields: { brugervendtnoegle: username, brugernavn: navn, brugertype: 'Medarbejder' }, virkning: active }],
        },
        tilstande: { brugergyldighed: gyldighed(active) },
        relationer: {
          tilhoerer: [orgRel(fromMs)],
          tilknyttedepersoner: [{ uuid: personUuid, objekttype: 'person', virkning: active }],
          adresser: userAddresses,
        },
      },
    });
    jobs.forEach((job, k) => {
      const uuid = ids.make(KIND.function, functionCount++);
      const v: Virkning = { from: instants.at(job.from), to: instants.at(job.to) };
      functionObjects.push({
        type: 'organisationfunktion',
        uuid,
        content: {
          attributter: {
            organisationfunktionegenskaber: [
              {
                fields: { brugervendtnoegle: `${username}-${job.unit.bvn}-${k + 1}`, funktionsnavn: EMPLOYMENT_FUNCTION_NAME },
                virkning: v,
              },
            ],
          },
          tilstande: { organisationfunktiongyldighed: gyldighed(v) },
          relationer: {
            funktionstype: [{ urn: EMPLOYMENT_FUNCTION_TYPE, virkning: v }],
            tilknyttedebrugere: [{ uuid: userUuid, objekttype: 'bruger', virkning: v }],
            tilknyttedeenheder: [{ uuid: job.unit.uuid, objekttype: 'organisationenhed', virkning: v }],
            tilknyttedeorganisationer: [orgRel(v.from)],
          },
        },
      });
    });
  }

  // ---- Contents ----
  const objects: GeneratedObject[] = [];
  addressList.forEach((a, k) => {
    const from = instants.at(a.start);
    const v = forever(from);
    objects.push({
      type: 'adresse',
      uuid: a.uuid,
      content: {
        attributter: {
          adresseegenskaber: [
            {
              fields: { brugervendtnoegle: `${a.role.slice('urn:oio:adresserolle:'.length)}-${k + 1}`, adressetekst: a.tekst },
              virkning: v,
            },
          ],
        },
        tilstande: { adressegyldighed: gyldighed(v) },
        relationer: { tilhoerer: [orgRel(from)] },
      },
    });
  });
  for (const p of personObjects) objects.push({ type: 'person', ...p });
  for (const u of userObjects) objects.push({ type: 'bruger', ...u });

  const stats = {
    renamed: [] as { uuid: string; at: string; before: string; after: string }[],
    moved: [] as { uuid: string; at: string; from: string; to: string }[],
    closed: [] as { uuid: string; at: string }[],
    opened: [] as { uuid: string; at: string }[],
  };
  for (const level of byLevel) {
    for (const u of level ?? []) {
      const from = instants.at(u.start);
      const to = instants.at(u.closed);
      const life: Virkning = { from, to };
      const names: AttributeValue[] = u.rename
        ? [
            { fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.navn }, virkning: { from, to: instants.at(u.rename.at) } },
            { fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.rename.navn }, virkning: { from: instants.at(u.rename.at), to } },
          ]
        : [{ fields: { brugervendtnoegle: u.bvn, enhedsnavn: u.navn }, virkning: life }];
      const parentRel = (p: Unit | undefined, v: Virkning): RelationValue =>
        p ? { uuid: p.uuid, objekttype: 'organisationenhed', virkning: v } : { uuid: orgUuid, objekttype: 'organisation', virkning: v };
      const overordnet: RelationValue[] = u.move
        ? [parentRel(u.parent, { from, to: instants.at(u.move.at) }), parentRel(u.move.parent, { from: instants.at(u.move.at), to })]
        : [parentRel(u.parent, life)];
      const move = relocated.get(u);
      const adresser: RelationValue[] = [];
      u.addresses.forEach((a, k) => {
        if (move && a.role === ADDRESS_ROLES.postadresse) {
          adresser.push({
            uuid: a.uuid,
            objekttype: 'adresse',
            rolle: a.role,
            indeks: k + 1,
            virkning: { from, to: instants.at(move.at) },
          });
          adresser.push({
            uuid: move.uuid,
            objekttype: 'adresse',
            rolle: a.role,
            indeks: k + 1,
            virkning: { from: instants.at(move.at), to },
          });
        } else adresser.push({ uuid: a.uuid, objekttype: 'adresse', rolle: a.role, indeks: k + 1, virkning: life });
      });
      const relationer: Record<string, RelationValue[]> = {
        enhedstype: [{ urn: u.enhedstype, virkning: life }],
        overordnet,
        tilhoerer: [orgRel(from)],
        adresser,
      };
      if (u.tasks.length) {
        relationer.opgaver = u.tasks.map((t, k) => ({
          uuid: t.uuid,
          objekttype: 'klasse',
          rolle: t.role,
          indeks: k + 1,
          virkning: t.from === u.start ? life : { from: instants.at(t.from), to },
        }));
      }
      objects.push({
        type: 'organisationenhed',
        uuid: u.uuid,
        content: {
          attributter: { organisationenhedegenskaber: names },
          tilstande: { organisationenhedgyldighed: gyldighed(life) },
          relationer,
        },
      });
      if (u.rename) stats.renamed.push({ uuid: u.uuid, at: isoOf(u.rename.at), before: u.navn, after: u.rename.navn });
      if (u.move) stats.moved.push({ uuid: u.uuid, at: isoOf(u.move.at), from: u.parent!.uuid, to: u.move.parent.uuid });
      if (u.closed !== NEVER) stats.closed.push({ uuid: u.uuid, at: isoOf(u.closed) });
      if (u.start >= windowStart) stats.opened.push({ uuid: u.uuid, at: isoOf(u.start) });
    }
  }
  for (const f of functionObjects) objects.push(f);

  const since: Virkning = { from: instants.at(FOUNDED), to: Infinity, notetekst: SYNTHETIC_ORG_NOTE };
  const extras = systemsAndGroups({
    rng: r,
    organisation: orgUuid,
    uuid: (kind, index) => ids.make(KIND[kind], index),
    since,
    units: units.filter((u) => u.closed === NEVER).map((u) => u.uuid),
    users: userObjects.map((u) => u.uuid),
  });
  objects.push(...extras);
  const code = /(\d{3})$/.exec(org.bvn)?.[1];
  const organisation: Content = {
    attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: org.bvn, organisationsnavn: org.navn }, virkning: since }] },
    tilstande: { organisationgyldighed: [{ value: 'Aktiv', virkning: since }] },
    relationer: {
      virksomhed: [{ urn: `urn:oio:cvr-nr:${org.cvr}`, virkning: since }],
      myndighedstype: [{ urn: 'urn:oio:myndighedstype:kommune', virkning: since }],
      ...(code ? { myndighed: [{ urn: `urn:oio:kommunekode:${code}`, virkning: since }] } : {}),
    },
  };

  const unitsPerLevel = byLevel.map((l) => l?.length ?? 0);
  return {
    uuid: orgUuid,
    organisation,
    objects,
    stats: {
      units: units.length,
      users: userObjects.length,
      persons: personObjects.length,
      functions: functionObjects.length,
      addresses: addressList.length,
      itsystems: extras.filter((o) => o.type === 'itsystem').length,
      groups: extras.filter((o) => o.type === 'interessefaellesskab').length,
      tasks: taskCount,
      depth: unitsPerLevel.length,
      unitsPerLevel,
      usersLeft,
      from: isoOf(windowStart),
      until: isoOf(until),
      ...stats,
    },
  };
}

/**
 * A small municipality for the demo seed: 40 units, 150 users, four years of history, tasks from
 * the given classes. Deterministic per organisation.
 */
export function demoMunicipality(org: MunicipalityRef, kleClasses: readonly string[] = []): GeneratedMunicipality {
  return generateMunicipality({ organisation: org, kleClasses, units: 40, users: 150, seed: 1 });
}

/** The shape importOrganisation takes. */
export function forImport(m: GeneratedMunicipality): {
  organisation: { uuid: string; content: Content };
  objects: readonly GeneratedObject[];
} {
  return { organisation: { uuid: m.uuid, content: m.organisation }, objects: m.objects };
}

const DECLS: Readonly<Record<string, ObjectTypeDecl>> = Object.fromEntries(
  [organisationDecl, organisationenhed, organisationfunktion, bruger, person, adresse, itsystem, interessefaellesskab].map((d) => [
    d.name,
    d,
  ]),
);

/** The body of `POST /organisation/organisation/import` for a generated municipality. */
export function importRequestBody(
  m: GeneratedMunicipality,
  note?: string,
): {
  organisation: WireObject & { uuid: string };
  objekter: (WireObject & { objekttype: string; uuid: string })[];
  note?: string;
} {
  return {
    organisation: { uuid: m.uuid, ...contentToWire(organisationDecl, m.organisation) },
    objekter: m.objects.map((o) => ({ objekttype: o.type, uuid: o.uuid, ...contentToWire(DECLS[o.type]!, o.content) })),
    ...(note ? { note } : {}),
  };
}
