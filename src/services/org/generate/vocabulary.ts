/**
 * The vocabulary of the synthetic municipality: invented place, street and person names, and the
 * shapes of departments, institutions and their teams. Nothing here is real data.
 */
import type { Rng } from './random.ts';

/** First halves of invented place names. */
export const PLACE_HEADS =
  'Ege Birke Bøge Ahorn Aske Elle Hylde Kastanje Lærke Rosen Linde Kilde Sol Mose Eng Skov Mølle Strand Bakke Lunde Hvide Røde Grøn Sønder Nørre Vester Øster Fjord Sø Bro Kirke Tårn Valmue Kløver Hassel Hjorte Svane Ørne Ravne Storke Holme Tofte Agre Dige Hede Lyng Klinte Vinde Stjerne Rav Fyrre Pile Hvede'.split(
    ' ',
  );
/** Second halves of invented place names. */
export const PLACE_TAILS =
  'gård høj vang holm lund bakken dalen toften engen vænget parken haven marken skoven bjerg lyst minde løkken kæret ager huse torp bo strand sletten'.split(
    ' ',
  );
/** Parts of a town, naming the areas of a department. */
export const DIRECTIONS = ['Nord', 'Syd', 'Øst', 'Vest', 'Midt', 'Nordvest', 'Sydøst', 'Nordøst', 'Sydvest', 'Centrum', 'Havnen', 'Land'];
/** Endings of invented street names. */
export const STREET_TAILS = ['vej', 'gade', 'allé', 'stræde', 'vænget', 'parken', 'boulevard', 'toften', 'stien'];

/** First names, female. */
export const FEMALE =
  'Anne Mette Hanne Susanne Lene Marianne Camilla Louise Charlotte Maria Pia Tina Sofie Ida Emma Freja Laura Julie Signe Line Karen Birgitte Helle Rikke Trine Nanna Cecilie Malene Dorthe Gitte Sara Astrid Ellen Maja Katrine Stine Lotte'.split(
    ' ',
  );
/** First names, male. */
export const MALE =
  'Lars Jens Peter Michael Henrik Søren Thomas Martin Jesper Anders Niels Morten Rasmus Jakob Mads Christian Frederik Mikkel Kasper Emil Oliver William Noah Carl Torben Ole Bo Kim Brian Steen Claus Jonas Simon Magnus Villads Troels Esben'.split(
    ' ',
  );
/** Middle names. */
export const MIDDLE = ['Holm', 'Lund', 'Bach', 'Krogh', 'Dahl', 'Skov', 'Juul', 'Friis', 'Kjær', 'Vind', 'Bang', 'Brink', 'Munk'];
/** Surnames, roughly by how common they are. */
export const SURNAMES =
  'Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen Knudsen Jakobsen Mikkelsen Frederiksen Laursen Henriksen Lund Schmidt Eriksen Holm Kristiansen Clausen Simonsen Svendsen Andreasen Iversen Jeppesen Vestergaard Mogensen Nissen Lauridsen Kjær Dam Bach Østergaard Winther Friis Ahmed Hussein Nowak Yilmaz'.split(
    ' ',
  );

/** One sub-unit of an institution: its name(s), children, and how many employees it tends to have. */
export interface SubSpec {
  readonly navn: string | readonly string[];
  /** Probability of the sub-unit being there (default 1). */
  readonly p?: number;
  /** For a list name: how many of the names to use, [min, max]. */
  readonly count?: readonly [number, number];
  readonly weight: number;
  readonly children?: readonly SubSpec[];
}

/** A kind of institution: how it is named, its sub-units, its size. */
export interface InstitutionKind {
  readonly key: string;
  readonly name: (place: string, r: Rng) => string;
  readonly subs: readonly SubSpec[];
  /** Employees of the institution's own management unit. */
  readonly weight: number;
}

/** The shifts of a round-the-clock institution. */
export const shifts: SubSpec = { navn: ['Dagvagt', 'Aftenvagt', 'Nattevagt'], count: [2, 3], weight: 8 };

/** The kinds of institution, by their enhedstype key. */
export const INSTITUTION_KINDS: Record<string, InstitutionKind> = {
  skole: {
    key: 'skole',
    name: (p, r) => (r.chance(0.5) ? `${p} Skole` : `${p}skolen`),
    weight: 3,
    subs: [
      { navn: 'Indskolingen', weight: 2, children: [{ navn: ['Årgangsteam 0.-1.', 'Årgangsteam 2.-3.'], count: [1, 2], weight: 8 }] },
      { navn: 'Mellemtrinnet', weight: 2, children: [{ navn: ['Årgangsteam 4.', 'Årgangsteam 5.-6.'], count: [1, 2], weight: 8 }] },
      { navn: 'Udskolingen', weight: 2, children: [{ navn: ['Årgangsteam 7.-9.', 'Specialklasserne'], count: [1, 2], weight: 8 }] },
      {
        navn: 'SFO',
        p: 0.8,
        weight: 3,
        children: [
          {
            navn: ['SFO-hus Syd', 'SFO-hus Nord'],
            count: [1, 2],
            weight: 3,
            children: [{ navn: ['Gruppe Rød', 'Gruppe Blå'], count: [1, 2], weight: 5 }],
          },
        ],
      },
      { navn: 'Skolens administration', weight: 3 },
      { navn: 'Pædagogisk læringscenter', p: 0.5, weight: 3 },
    ],
  },
  daginstitution: {
    key: 'daginstitution',
    name: (p, r) => (r.chance(0.6) ? `Børnehuset ${p}` : `Daginstitution ${p}`),
    weight: 2,
    subs: [
      {
        navn: ['Hus Mariehønen', 'Hus Græshoppen', 'Hus Bien'],
        count: [1, 2],
        weight: 1,
        children: [
          { navn: 'Vuggestuen', weight: 2, children: [{ navn: ['Stue Rød', 'Stue Gul'], count: [1, 2], weight: 4 }] },
          { navn: 'Børnehaven', weight: 2, children: [{ navn: ['Stue Blå', 'Stue Grøn', 'Stue Lilla'], count: [1, 3], weight: 4 }] },
        ],
      },
      { navn: 'Køkkenet', p: 0.5, weight: 2 },
    ],
  },
  klub: {
    key: 'klub',
    name: (p) => `Klub ${p}`,
    weight: 2,
    subs: [
      { navn: 'Fritidsklubben', weight: 5 },
      { navn: 'Ungdomsklubben', p: 0.7, weight: 4 },
    ],
  },
  plejecenter: {
    key: 'plejecenter',
    name: (p, r) => (r.chance(0.5) ? `Plejecenter ${p}` : `Plejehjemmet ${p}`),
    weight: 3,
    subs: [
      { navn: ['Afsnit 1', 'Afsnit 2', 'Afsnit 3', 'Afsnit 4'], count: [2, 4], weight: 3, children: [{ ...shifts, weight: 12 }] },
      { navn: 'Køkken og café', weight: 5 },
      { navn: 'Træning og aktivitet', p: 0.7, weight: 4 },
    ],
  },
  hjemmepleje: {
    key: 'hjemmepleje',
    name: (p) => `Hjemmeplejen ${p}`,
    weight: 3,
    subs: [
      {
        navn: ['Gruppe 1', 'Gruppe 2', 'Gruppe 3', 'Gruppe 4'],
        count: [2, 4],
        weight: 2,
        children: [{ navn: ['Dagholdet', 'Aftenholdet'], count: [1, 2], weight: 12 }],
      },
      { navn: 'Sygeplejen', weight: 2, children: [{ ...shifts, weight: 8 }] },
      { navn: 'Visitationen', p: 0.6, weight: 5 },
    ],
  },
  sundhedshus: {
    key: 'sundhedshus',
    name: (p) => `Sundhedshuset ${p}`,
    weight: 2,
    subs: [
      { navn: 'Forebyggelse', weight: 5 },
      { navn: 'Genoptræning', weight: 6 },
      { navn: 'Tandplejen', p: 0.6, weight: 6 },
    ],
  },
  bibliotek: {
    key: 'bibliotek',
    name: (p) => `${p} Bibliotek`,
    weight: 2,
    subs: [
      { navn: 'Udlån og service', weight: 5 },
      { navn: 'Børn og unge', weight: 3 },
      { navn: 'Arrangementer', p: 0.5, weight: 2 },
    ],
  },
  idraetsanlaeg: {
    key: 'idraetsanlaeg',
    name: (p, r) => (r.chance(0.5) ? `${p} Idrætscenter` : `${p}hallen`),
    weight: 2,
    subs: [
      { navn: 'Drift', weight: 4 },
      { navn: 'Svømmehallen', p: 0.5, weight: 6 },
      { navn: 'Booking', p: 0.5, weight: 2 },
    ],
  },
  kulturhus: {
    key: 'kulturhus',
    name: (p) => `Kulturhuset ${p}`,
    weight: 2,
    subs: [
      { navn: 'Program og formidling', weight: 3 },
      { navn: 'Café og drift', weight: 3 },
    ],
  },
  botilbud: {
    key: 'botilbud',
    name: (p) => `Bostedet ${p}`,
    weight: 2,
    subs: [
      {
        navn: ['Bo-enhed 1', 'Bo-enhed 2', 'Bo-enhed 3'],
        count: [1, 3],
        weight: 2,
        children: [{ navn: ['Dag', 'Nat'], count: [2, 2], weight: 8 }],
      },
      { navn: 'Aktivitetscentret', p: 0.6, weight: 4 },
    ],
  },
  vaeresteder: {
    key: 'vaeresteder',
    name: (p) => `Værestedet ${p}`,
    weight: 2,
    subs: [
      { navn: 'Åbent hus', weight: 4 },
      { navn: 'Rådgivningen', p: 0.6, weight: 3 },
    ],
  },
  jobcenter: {
    key: 'jobcenter',
    name: (p) => `Jobcenter ${p}`,
    weight: 3,
    subs: [
      { navn: 'Jobservice', weight: 2, children: [{ navn: ['Team 1', 'Team 2', 'Team 3'], count: [2, 3], weight: 8 }] },
      { navn: 'Ungeindsatsen', weight: 7 },
      { navn: 'Sygedagpenge', weight: 2, children: [{ navn: ['Team A', 'Team B'], count: [1, 2], weight: 8 }] },
      { navn: 'Virksomhedsservice', p: 0.7, weight: 5 },
    ],
  },
  sprogcenter: {
    key: 'sprogcenter',
    name: (p) => `Sprogcenter ${p}`,
    weight: 2,
    subs: [{ navn: ['Danskuddannelse 1', 'Danskuddannelse 2', 'Danskuddannelse 3'], count: [2, 3], weight: 6 }],
  },
  driftsgaard: {
    key: 'driftsgaard',
    name: (p) => `Materielgården ${p}`,
    weight: 2,
    subs: [
      {
        navn: 'Vej og park',
        weight: 2,
        children: [{ navn: ['Vintertjeneste', 'Grønne områder', 'Vejvedligehold'], count: [2, 3], weight: 8 }],
      },
      { navn: 'Værkstedet', weight: 4 },
    ],
  },
  genbrugsstation: {
    key: 'genbrugsstation',
    name: (p) => `Genbrugsstation ${p}`,
    weight: 1,
    subs: [{ navn: 'Pladsdrift', weight: 5 }],
  },
  borgerservice: {
    key: 'borgerservice',
    name: (p) => `Borgerservice ${p}`,
    weight: 2,
    subs: [
      { navn: 'Pas og kørekort', weight: 5 },
      { navn: 'Ydelser', weight: 6 },
      { navn: 'Modtagelsen', p: 0.6, weight: 3 },
    ],
  },
};

/** A department: its names, its share of the institutions, and their kinds by weight. */
export interface DepartmentSpec {
  readonly navn: string;
  /** The name it is renamed to, if history renames it. */
  readonly nytNavn: string;
  readonly kort: string;
  readonly omraade: string;
  readonly share: number;
  readonly kinds: readonly (readonly [string, number])[];
}

/** Listed so that a small municipality (three departments) still has schools, care homes and libraries. */
export const DEPARTMENTS: readonly DepartmentSpec[] = [
  {
    navn: 'Børne- og Ungdomsforvaltningen',
    nytNavn: 'Børne- og Familieforvaltningen',
    kort: 'BUF',
    omraade: 'Distrikt',
    share: 5,
    kinds: [
      ['skole', 3],
      ['daginstitution', 6],
      ['klub', 1],
    ],
  },
  {
    navn: 'Sundheds- og Omsorgsforvaltningen',
    nytNavn: 'Ældre- og Sundhedsforvaltningen',
    kort: 'SUF',
    omraade: 'Lokalområde',
    share: 3,
    kinds: [
      ['plejecenter', 4],
      ['hjemmepleje', 3],
      ['sundhedshus', 1],
    ],
  },
  {
    navn: 'Kultur- og Fritidsforvaltningen',
    nytNavn: 'Kultur-, Idræts- og Fritidsforvaltningen',
    kort: 'KFF',
    omraade: 'Kulturområde',
    share: 1.5,
    kinds: [
      ['bibliotek', 3],
      ['idraetsanlaeg', 2],
      ['kulturhus', 1],
    ],
  },
  {
    navn: 'Socialforvaltningen',
    nytNavn: 'Social- og Handicapforvaltningen',
    kort: 'SOF',
    omraade: 'Socialcenter',
    share: 1.5,
    kinds: [
      ['botilbud', 3],
      ['vaeresteder', 1],
    ],
  },
  {
    navn: 'Beskæftigelses- og Integrationsforvaltningen',
    nytNavn: 'Arbejdsmarkedsforvaltningen',
    kort: 'BIF',
    omraade: 'Jobområde',
    share: 1,
    kinds: [
      ['jobcenter', 2],
      ['sprogcenter', 1],
    ],
  },
  {
    navn: 'Teknik- og Miljøforvaltningen',
    nytNavn: 'By- og Miljøforvaltningen',
    kort: 'TMF',
    omraade: 'Driftsområde',
    share: 0.8,
    kinds: [
      ['driftsgaard', 2],
      ['genbrugsstation', 1],
    ],
  },
  {
    navn: 'Økonomiforvaltningen',
    nytNavn: 'Koncernforvaltningen',
    kort: 'ØKF',
    omraade: 'Borgerserviceområde',
    share: 0.4,
    kinds: [['borgerservice', 1]],
  },
];

/** The staff units under the municipality itself. */
export const ROOT_STAFF = ['Borgmesterens Sekretariat', 'Direktionssekretariatet', 'Koncernservice'];
/** The staff units of a department. */
export const DEPARTMENT_STAFF = ['Sekretariatet', 'Økonomi og analyse', 'HR og organisation', 'Digitalisering', 'Jura og klager'];
/** Teams of a large municipality's staff units. */
export const STAFF_TEAMS = ['Team Løn', 'Team Rekruttering', 'Team Budget', 'Team Regnskab', 'Team Support', 'Team Udvikling'];

// ---------------------------------------------------------------------------------------------
// The tree
