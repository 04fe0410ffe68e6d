/**
 * What every step of the generator shares: the options resolved and checked, the one seeded
 * random stream (the steps draw from it in a fixed order, which is what makes a seed reproduce a
 * municipality), the UUID space, the history window, and the working shape of a unit.
 */
import { dayOf, FOUNDED, Instants, NEVER } from './days.ts';
import type { GenerateMunicipalityOptions, MunicipalityRef } from './model.ts';
import { hashString, Rng, UuidSpace } from './random.ts';
import { PLACE_HEADS, PLACE_TAILS } from './vocabulary.ts';

/** What a unit is in the tree: it decides its names, addresses, tasks and history. */
export type UnitRole = 'root' | 'staff' | 'department' | 'area' | 'institution' | 'sub';

/** A unit as the steps plan it: history is added to it before it is written as content. */
export interface Unit {
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

/** Turns Danish letters into what user names and e-mail addresses use. */
export function ascii(s: string): string {
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

/** One run of the generator: its options, its random stream and what it has named so far. */
export class Generation {
  readonly org: MunicipalityRef;
  readonly orgUuid: string;
  readonly unitTarget: number;
  readonly userTarget: number;
  /** The first day of the history window. */
  readonly windowStart: number;
  /** The day history ends: every change lies before it. */
  readonly until: number;
  readonly r: Rng;
  readonly ids: UuidSpace;
  readonly instants = new Instants();
  readonly city: string;
  /** The e-mail domain. */
  readonly domain: string;
  /** The first postcode of the town. */
  readonly postBase: number;
  /** Units' brugervendtnoegle start with it. */
  readonly bvnPrefix: string;
  private readonly usedNames = new Map<string, Set<string>>();

  constructor(opts: GenerateMunicipalityOptions) {
    const seed = opts.seed ?? 1;
    this.unitTarget = Math.round(opts.units ?? 800);
    this.userTarget = Math.round(opts.users ?? this.unitTarget * 5);
    if (this.unitTarget < 20) throw new RangeError('a municipality needs at least 20 units');
    if (this.userTarget < 1) throw new RangeError('a municipality needs at least one user');
    const years = opts.years ?? 4;
    this.org = opts.organisation;
    this.orgUuid = this.org.uuid.toLowerCase();
    if (!(years >= 1)) throw new RangeError('years of history must be at least 1');
    const untilIso = opts.until ?? '2026-01-01';
    this.until = /^\d{4}-\d{2}-\d{2}$/.test(untilIso) ? dayOf(untilIso) : NaN;
    if (!(this.until >= FOUNDED + 3 * 365)) throw new RangeError('until must be a date (YYYY-MM-DD) from 2010 on');
    // The window starts a year after the reform at the earliest, so units and people can predate it.
    this.windowStart = Math.max(FOUNDED + 365, this.until - Math.round(years * 365.25));
    this.r = new Rng(hashString(`${this.orgUuid}:${seed}`, seed >>> 0));
    this.ids = new UuidSpace(this.orgUuid, seed);
    this.city = municipalityCity(this.org.navn);
    this.domain = `${ascii(this.city) || 'kommune'}.kommune.example`;
    this.postBase = /københavn/i.test(this.city)
      ? 2000
      : /aarhus/i.test(this.city)
        ? 8000
        : 3000 + (hashString(this.org.cvr, 7) % 60) * 100;
    this.bvnPrefix = this.org.bvn.replace(/[^A-Za-z0-9]+/g, '').toUpperCase() || 'ORG';
  }

  /** A name `make` gives that is not taken in `space` yet; after 25 tries, one with a number added. */
  uniqueName(space: string, make: () => string): string {
    let taken = this.usedNames.get(space);
    if (!taken) this.usedNames.set(space, (taken = new Set()));
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
  }

  /** An invented place name. */
  place(): string {
    return `${this.r.pick(PLACE_HEADS)}${this.r.pick(PLACE_TAILS)}`;
  }

  /** A day in [lo, hi), or lo when the range is empty. */
  windowDay(lo: number, hi: number): number {
    return hi > lo ? this.r.int(lo, hi - 1) : lo;
  }

  /** The first day a change to `u` may happen: a month after it opened, and inside the window. */
  earliest(u: Unit): number {
    return Math.max(u.start + 30, this.windowStart);
  }
}
