/**
 * What the synthetic municipality generator produces, and the options it takes: the shapes every
 * step of the generator and its callers (the demo seed, tests, benchmarks) share.
 */
import type { Content } from '../../../oio/model.ts';

/** The note on the organisation's virkning: everything in it is invented. */
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
/** The funktionsnavn of every employment. */
export const EMPLOYMENT_FUNCTION_NAME = 'Ansat';

/** The municipality to generate: its own identity is the caller's, everything inside is invented. */
export interface MunicipalityRef {
  readonly uuid: string;
  readonly bvn: string;
  readonly navn: string;
  readonly cvr: string;
}

/** What to generate; the same options always give the same municipality. */
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

/** One object to import: its type, UUID and its one content (history as virkning). */
export interface GeneratedObject {
  readonly type: string;
  readonly uuid: string;
  readonly content: Content;
}

/** A change in the unit tree's history, as the stats list it (dates as YYYY-MM-DD). */
export interface Renamed {
  readonly uuid: string;
  readonly at: string;
  readonly before: string;
  readonly after: string;
}
/** A unit moved: when, and its parents before and after. */
export interface Moved {
  readonly uuid: string;
  readonly at: string;
  readonly from: string;
  readonly to: string;
}
/** A unit and a day (opened, closed). */
export interface Dated {
  readonly uuid: string;
  readonly at: string;
}

/** What was generated: counts, the tree's shape and its history. */
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
  readonly renamed: readonly Renamed[];
  readonly moved: readonly Moved[];
  readonly closed: readonly Dated[];
  /** Units created during the history window. */
  readonly opened: readonly Dated[];
}

/** A generated municipality: the organisation's content, its objects and the stats. */
export interface GeneratedMunicipality {
  readonly uuid: string;
  readonly organisation: Content;
  /** Parents before children: addresses, persons, users, units level by level, functions. */
  readonly objects: readonly GeneratedObject[];
  readonly stats: MunicipalityStats;
}
