/**
 * A seeded generator of a SYNTHETIC KLE in the published XML format.
 *
 * KL's terms do not let the project ship the real plan, so tests, demos and benchmarks use this
 * one: the same elements, nesting and field shapes as the files a municipality downloads, but every
 * title, number assignment, keyword, guidance text and UUID is invented here from word lists and a
 * seed. The same seed always gives the same bytes.
 *
 * Two editions share a seed: edition 2 is edition 1 plus a later publication date, some renamed
 * subjects (same number and UUID, new title, a RettetDato), some newly retired subjects, some new
 * subjects, and some subjects moved to another group (same UUID, a new number under the new group;
 * the old number is gone).
 */
import { createHash } from 'node:crypto';
import type { KleKind } from './parse.ts';

export const SYNTHETIC_KLE_NOTE =
  "SYNTETISK KLE genereret af stotte: titler, numre, stikord, vejledninger og UUID'er er opfundne. " +
  "Dette er ikke KL's emneplan og må ikke bruges som den.";

export interface GenerateOptions {
  seed?: number;
  edition?: 1 | 2;
  /** Multiplies the sizes (default 1: ~30 main groups, ~400 groups, ~2,000 subjects, ~50 action facets). */
  scale?: number;
}

export interface SynthVejledning {
  p: string;
  li?: string[];
}

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

export interface SynthChanges {
  renamed: { uuid: string; nummer: string; from: string; to: string }[];
  retired: { uuid: string; nummer: string; dato: string }[];
  added: { uuid: string; nummer: string }[];
  moved: { uuid: string; from: string; to: string }[];
}

export interface SynthPlan {
  kind: 'emneplan' | 'handlingsfacetter';
  seed: number;
  edition: 1 | 2;
  udgivelsesdato: string;
  roots: SynthEntry[];
  /** What edition 2 changed relative to edition 1 (empty for edition 1). */
  changes: SynthChanges;
}

const EDITION_DATE = { 1: '2019-10-01', 2: '2021-04-01' } as const;

// ---------------------------------------------------------------------------------------------
// Word lists (invented for this project)

const AREAS = [
  'Kommunal ledelse og styring',
  'Byudvikling og landskab',
  'Byggesagsbehandling',
  'Boligforhold',
  'Grønne områder og friluftsliv',
  'Veje, stier og fremkommelighed',
  'Vandløb og søer',
  'Energi og varme',
  'Busser og baner',
  'Jordbrug og dyrehold',
  'Forurening og miljøtilsyn',
  'Affald og genbrug',
  'Erhvervsfremme',
  'Skole og undervisning',
  'Dagtilbud til børn',
  'Kultur og fritid',
  'Idræt og foreningsliv',
  'Sundhed og forebyggelse',
  'Ældreomsorg',
  'Handicap og socialpsykiatri',
  'Børn, unge og familier',
  'Beskæftigelse og ledighed',
  'Integration og sprog',
  'Borgerservice og ydelser',
  'Økonomi og budget',
  'Skatter og afgifter',
  'Personale og løn',
  'Digital forvaltning',
  'Beredskab og sikkerhed',
  'Kirkegårde og begravelse',
  'Klima og bæredygtighed',
  'Landdistrikter og småøer',
  'Turisme og oplevelser',
  'Kyster og havne',
  'Kommunale ejendomme',
  'Indkøb og udbud',
  'Valg og nærdemokrati',
  'Arkiv og dokumentation',
  'Dyreværn og skadedyr',
  'Frivillighed og civilsamfund',
];

const TOPICS = [
  'Børnepasning',
  'Vejvedligeholdelse',
  'Ældrepleje',
  'Snerydning',
  'Legepladser',
  'Skolekørsel',
  'Madservice',
  'Hjælpemidler',
  'Boligindretning',
  'Gadebelysning',
  'Cykelstier',
  'Parkeringsforhold',
  'Fortovsrenholdelse',
  'Badestrande',
  'Grundvandsbeskyttelse',
  'Regnvandshåndtering',
  'Kystsikring',
  'Skovrejsning',
  'Naturpleje',
  'Vildtforvaltning',
  'Hundeskove',
  'Kolonihaver',
  'Byfornyelse',
  'Torvehandel',
  'Udeservering',
  'Skiltning',
  'Støjgener',
  'Luftkvalitet',
  'Jordforurening',
  'Genbrugspladser',
  'Storskrald',
  'Haveaffald',
  'Erhvervsaffald',
  'Iværksætteri',
  'Erhvervsarealer',
  'Lektiehjælp',
  'Skolebiblioteker',
  'Specialundervisning',
  'Ungdomsklubber',
  'Musikskoler',
  'Billedkunst',
  'Teaterstøtte',
  'Folkebiblioteker',
  'Svømmehaller',
  'Idrætshaller',
  'Motionstilbud',
  'Tandpleje',
  'Sundhedspleje',
  'Rygestop',
  'Genoptræning',
  'Hjemmehjælp',
  'Plejeboliger',
  'Aflastning',
  'Ledsagelse',
  'Bostøtte',
  'Familiebehandling',
  'Plejefamilier',
  'Efterværn',
  'Jobformidling',
  'Virksomhedspraktik',
  'Fleksjob',
  'Danskundervisning',
  'Boligplacering',
  'Pas og kørekort',
  'Folkeregistrering',
  'Kontanthjælp',
  'Boligstøtte',
  'Ejendomsvurdering',
  'Lønforhandling',
  'Arbejdsmiljø',
  'Kompetenceudvikling',
  'Brandsyn',
  'Nødvarsling',
  'Stormflod',
  'Gravsteder',
  'Solcelleanlæg',
  'Fjernvarme',
  'Elbilopladning',
  'Færgeforbindelser',
  'Lystbådehavne',
  'Sommerhusområder',
  'Vandrestier',
  'Kunstindkøb',
  'Lokalhistorie',
  'Borgermøder',
  'Rottebekæmpelse',
  'Vintertjeneste',
  'Trafiksikkerhed',
  'Fællesspisning',
  'Besøgsvenner',
];

const GROUP_TEMPLATES: ((t: string, t2: string) => string)[] = [
  (t) => t,
  (t, t2) => `${t} og ${lower(t2)}`,
  (t) => `Tilskud til ${lower(t)}`,
  (t) => `Tilsyn med ${lower(t)}`,
  (t) => `${t} i lokalområderne`,
  (t) => `Planlægning af ${lower(t)}`,
  (t) => `Samarbejde om ${lower(t)}`,
  (t) => `Kommunale opgaver vedrørende ${lower(t)}`,
];

const ASPECTS = [
  'Ansøgninger',
  'Godkendelser',
  'Dispensationer',
  'Påbud og forbud',
  'Gebyrer',
  'Registrering',
  'Kontrol',
  'Erstatninger',
  'Forsøgsordninger',
  'Egenbetaling',
  'Befordring',
  'Rådgivning',
  'Handleplaner',
  'Visitation',
  'Udbud',
  'Takster',
  'Statistik',
  'Aftaler',
  'Udviklingsprojekter',
  'Tilladelser',
  'Klager',
  'Partshøring',
  'Tilbagebetaling',
  'Opfølgning',
  'Indberetninger',
  'Kvalitetsstandarder',
  'Lånordninger',
  'Midlertidige ordninger',
  'Anmeldelser',
  'Oplysningskampagner',
];

const TARGETS = [
  'private grundejere',
  'foreninger',
  'erhvervsdrivende',
  'pårørende',
  'lejere',
  'institutioner',
  'frivillige',
  'landmænd',
  'børnefamilier',
  'pensionister',
  'selvejende haller',
  'andelsboligforeninger',
  'nyankomne borgere',
  'unge under 18 år',
  'skolebørn',
  'grundejerforeninger',
  'turister',
  'småøernes beboere',
  'værtsfamilier',
  'dagplejere',
  'menighedsråd',
  'vognmænd',
  'fiskere',
  'kunstnere',
  'sommerhusejere',
];

const SUBJECT_TEMPLATES: ((a: string, topic: string, target: string) => string)[] = [
  (a, topic) => `${a} vedrørende ${lower(topic)}`,
  (a, _topic, target) => `${a} for ${target}`,
  (a, topic) => `${topic}: ${lower(a)}`,
  (a, topic, target) => `${a} om ${lower(topic)} for ${target}`,
  (a, _topic, target) => `${a} – ${target}`,
];

const KEYWORDS = [
  'Hegnssyn',
  'Bålplads',
  'Natbus',
  'Vinterklargøring',
  'Cykelparkering',
  'Pasningsgaranti',
  'Skolepatrulje',
  'Vandrehjem',
  'Badevandskvalitet',
  'Kælkebakke',
  'Lektiecafé',
  'Seniorbolig',
  'Spejderhytte',
  'Byggetilladelse',
  'Fliselægning',
  'Kloakrotter',
  'Gadekær',
  'Forsamlingshus',
  'Julebelysning',
  'Høstmarked',
  'Ridesti',
  'Shelter',
  'Strandrensning',
  'Fodgængerfelt',
  'Overkørsel',
  'Læhegn',
  'Mødested',
  'Dagcenter',
  'Nøglebrik',
  'Madpakkeordning',
  'Udflugt',
  'Skolemælk',
  'Frikort',
  'Sommerferieaktivitet',
  'Kørselsgodtgørelse',
  'Ledsagerkort',
  'Trappelift',
  'Badebro',
  'Bådplads',
  'Fiskekort',
  'Hundepose',
  'Ukrudtsbekæmpelse',
  'Skolegård',
  'Æbletræer',
  'Ølbevilling',
  'Årskort',
  'Øvelokale',
  'Gårdlaug',
  'Søbred',
  'Brønd',
  'Vejbump',
  'Vandpost',
  'Skraldespand',
  'Glascontainer',
  'Boldbane',
  'Løbesti',
  'Motionsredskaber',
  'Ferieophold',
  'Fødselsdag',
  'Hjemmebesøg',
  'Nabohjælp',
  'Tryghedsvandring',
  'Velkomstpakke',
  'Kommunekort',
  'Borgerbudget',
  'Høringssvar',
  'Lokalråd',
  'Kulturnat',
  'Plantekasse',
  'Gavlmaleri',
  'Bytræ',
  'Regnbed',
];

const LAW_STEMS = ['Lov om', 'Bekendtgørelse om', 'Cirkulære om', 'Vejledning om'];

const CATEGORY_TITLES = [
  'Sagsbehandlingens former',
  'Tilsyn og kontrol',
  'Økonomiske dispositioner',
  'Planlægning og udvikling',
  'Klager & ankesager',
  'Samarbejde og koordinering',
  'Registrering og dokumentation',
  'Information og formidling',
  'Personlige forhold',
  'Anlæg og drift',
  'Retlige skridt',
  'Indsats og opfølgning',
  'Tildeling og visitation',
  'Høring og inddragelse',
  'Overordnede beslutninger',
  'Særlige ordninger',
  'Kvalitet og evaluering',
  'Aftaler og kontrakter',
  'Beredskab og hændelser',
  'Interne forhold',
];

const FACET_TITLES = [
  'Almindelige henvendelser',
  'Ansøgninger om tilladelse',
  'Afgørelser efter høring',
  'Påbud og indskærpelser',
  'Tilsynsbesøg',
  'Stikprøvekontrol',
  'Bevillinger',
  'Regnskaber',
  'Tilbagebetalingskrav',
  'Budgetønsker',
  'Udviklingsplaner',
  'Strategier',
  'Forsøgsprojekter',
  'Klager over afgørelser',
  'Genoptagelse af sager',
  'Tværgående samarbejde',
  'Netværk og partnerskaber',
  'Indberetninger',
  'Registreringer',
  'Statistik og nøgletal',
  'Pressehenvendelser',
  'Kampagner',
  'Borgerrettet information',
  'Aktindsigt',
  'Personsager',
  'Partsrepræsentation',
  'Anlægsprojekter',
  'Driftsaftaler',
  'Vedligeholdelsesplaner',
  'Politianmeldelser',
  'Retssager',
  'Forlig',
  'Handleplaner',
  'Opfølgningsmøder',
  'Afslutning af forløb',
  'Visitation til tilbud',
  'Revisitation',
  'Høringssvar',
  'Borgerinddragelse',
  'Politiske beslutninger',
  'Delegation af kompetence',
  'Forsøgsordninger',
  'Dispensationsordninger',
  'Kvalitetsmålinger',
  'Evalueringer',
  'Kontrakter',
  'Rammeaftaler',
  'Uheld og skader',
  'Krisestyring',
  'Interne notater',
  'Mødereferater',
  'Sagsoverdragelse',
  'Tilsagn om tilskud',
  'Tilskudsregnskaber',
  'Gebyropkrævning',
  'Rykkerskrivelser',
  'Inddrivelse',
  'Ansøgninger om dispensation',
  'Tilbagekaldelse af tilladelse',
  'Samtykkeerklæringer',
];

// ---------------------------------------------------------------------------------------------
// Helpers

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
const pad2 = (n: number) => String(n).padStart(2, '0');

class Rand {
  private a: number;
  constructor(seed: number) {
    this.a = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** mulberry32 */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)]!;
  }
  shuffle<T>(arr: readonly T[]): T[] {
    const out = [...arr];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** k distinct integers from 0..n-1, ascending; `must` (if given) is always included. */
  sampleSorted(n: number, k: number, must?: number): number[] {
    const pool = this.shuffle(Array.from({ length: n }, (_, i) => i).filter((i) => i !== must));
    const chosen = pool.slice(0, must === undefined ? k : k - 1);
    if (must !== undefined) chosen.push(must);
    return chosen.sort((x, y) => x - y);
  }
}

/** A v4-shaped UUID derived from the seed, the kind and the number. */
export function syntheticUuid(seed: number, kind: KleKind, nummer: string): string {
  const h = createHash('sha256').update(`stotte-kle-syntetisk:${seed}:${kind}:${nummer}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const scaled = (n: number, scale: number, min: number) => Math.max(min, Math.round(n * scale));

function date(y: number, m: number): string {
  return `${y}-${pad2(m)}-01`;
}
const yearOf = (d: string) => Number(d.slice(0, 4));

/** A date strictly after `after` (by at least a year where possible) and not after `limit`. */
function laterDate(r: Rand, after: string, limit: string): string {
  const lo = Math.min(yearOf(after) + 1, yearOf(limit));
  const y = r.int(lo, yearOf(limit));
  let m = r.int(1, 12);
  let d = date(y, m);
  while (d > limit && m > 1) d = date(y, --m);
  return d <= after ? limit : d;
}

function unique(r: Rand, taken: Set<string>, make: () => string): string {
  for (let i = 0; i < 30; i++) {
    const t = make();
    if (!taken.has(t)) {
      taken.add(t);
      return t;
    }
  }
  const base = make();
  let n = 2;
  while (taken.has(`${base} (${n})`)) n++;
  taken.add(`${base} (${n})`);
  return `${base} (${n})`;
}

/** Spreads `total` items over `bins` bins, each bin at least 1 and at most `cap`. */
function spread(r: Rand, total: number, bins: number, cap: number): number[] {
  const out = Array.from({ length: bins }, () => 1);
  let left = Math.min(total, bins * cap) - bins;
  // Uneven weights: some areas are much bigger than others, as in the real plan.
  const weights = out.map(() => 0.25 + r.next() * r.next() * 3);
  const sum = weights.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let x = r.next() * sum;
    let i = 0;
    while (i < bins - 1 && x > weights[i]!) x -= weights[i++]!;
    if (out[i]! < cap) {
      out[i]!++;
      left--;
    } else if (out.every((v) => v >= cap)) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The subject plan

export function buildEmneplan(opts: GenerateOptions = {}): SynthPlan {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const edition = opts.edition ?? 1;
  const r = new Rand(seed);
  const facetNumbers = allNumbers(buildHandlingsfacetter({ seed, scale, edition: 1 }).roots).filter((n) => /\d$/.test(n));

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
    const hnr = pad2(mainNumbers[mi]!);
    const titel =
      mi < areaOrder.length
        ? areaOrder[mi]!
        : `${areaOrder[mi % areaOrder.length]!} og ${lower(areaOrder[(mi * 7 + 3) % areaOrder.length]!)}`;
    const hOprettet = r.chance(0.85) ? '1988-01-01' : date(r.int(1988, 2000), r.int(1, 12));
    const main: SynthEntry = entry('hovedgruppe', hnr, titel, seed, hOprettet);
    main.rettet = maybeRettet(r, hOprettet);
    main.vejledning = [{ p: `Hovedgruppen omfatter kommunens opgaver inden for ${lower(titel)}.` }];
    roots.push(main);

    const nGroups = groupsPer[mi]!;
    const groupNumbers = r.sampleSorted(Math.min(80, nGroups + Math.floor(nGroups * 0.4) + 1), nGroups, 0);
    const groupTitles = new Set<string>();
    for (const gn of groupNumbers) {
      const gnr = `${hnr}.${pad2(gn)}`;
      const gTitel = gn === 0 ? titel : unique(r, groupTitles, () => r.pick(GROUP_TEMPLATES)(r.pick(TOPICS), r.pick(TOPICS)));
      const gOprettet = hOprettet === '1988-01-01' && r.chance(0.6) ? hOprettet : date(r.int(yearOf(hOprettet) + 1, 2012), r.int(1, 12));
      const group = entry('gruppe', gnr, gTitel, seed, gOprettet);
      group.rettet = maybeRettet(r, gOprettet);
      if (r.chance(0.02)) {
        group.noAdmin = true;
        group.rettet = [];
      }
      if (r.chance(0.5)) group.vejledning = [{ p: `Gruppen dækker sager om ${lower(gTitel)}.` }];
      if (r.chance(0.15)) group.stikord = keywords(r, 1, 2);
      const groupRetired = !group.noAdmin && gn !== 0 && r.chance(0.01);
      if (groupRetired) group.udgaaet = laterDate(r, gOprettet, '2019-06-01');
      main.children.push(group);

      const nSubjects = subjectsPer[groupIndex++]!;
      const subjectNumbers = r.sampleSorted(Math.min(80, nSubjects + Math.floor(nSubjects * 0.5) + 1), nSubjects, 0);
      const subjectTitles = new Set<string>();
      const topic = gn === 0 ? r.pick(TOPICS) : (TOPICS.find((t) => gTitel.includes(lower(t)) || gTitel.startsWith(t)) ?? r.pick(TOPICS));
      for (const sn of subjectNumbers) {
        const enr = `${gnr}.${pad2(sn)}`;
        const eTitel =
          sn === 0
            ? `${gTitel} i almindelighed`
            : unique(r, subjectTitles, () =>
                r.pick(SUBJECT_TEMPLATES)(r.pick(ASPECTS), r.chance(0.7) ? topic : r.pick(TOPICS), r.pick(TARGETS)),
              );
        const eOprettet = r.chance(0.5) ? gOprettet : date(r.int(yearOf(gOprettet), 2018), r.int(1, 12));
        let sOprettet = eOprettet < gOprettet ? gOprettet : eOprettet;
        if (group.udgaaet && sOprettet >= group.udgaaet) sOprettet = gOprettet;
        const subject = entry('emne', enr, eTitel, seed, sOprettet);
        subject.rettet = maybeRettet(r, subject.oprettet);
        if (groupRetired) subject.udgaaet = group.udgaaet;
        else if (sn !== 0 && r.chance(0.04)) subject.udgaaet = laterDate(r, subject.oprettet, '2019-09-01');
        if (r.chance(0.6)) {
          subject.stikord = keywords(r, 1, 4);
          if (r.chance(0.15) && facetNumbers.length > 0) {
            subject.stikord.push({ tekst: `${r.pick(KEYWORDS)}, ${lower(r.pick(ASPECTS))}`, handlingsfacet: r.pick(facetNumbers) });
          }
        }
        if (r.chance(0.25)) subject.vejledning = subjectGuidance(r, subject, group, main);
        if (r.chance(0.2)) {
          subject.retskilde = {
            titel: `${r.pick(LAW_STEMS)} ${lower(topic)}`,
            paragraf: `§ ${r.int(1, 120)}`,
            accessionsNr: `A${r.int(1995, 2018)}${String(r.int(0, 999999)).padStart(6, '0')}`,
          };
        }
        if (r.chance(0.7)) subject.bevaring = r.chance(0.3) ? 'B' : 'K';
        if (r.chance(0.5)) subject.sletning = `P${r.pick([1, 2, 3, 5, 10, 20])}Y`;
        group.children.push(subject);
      }
    }
  }

  const plan: SynthPlan = {
    kind: 'emneplan',
    seed,
    edition,
    udgivelsesdato: EDITION_DATE[edition],
    roots,
    changes: { renamed: [], retired: [], added: [], moved: [] },
  };
  if (edition === 2) applyEdition2(plan, scale);
  return plan;
}

function entry(kind: KleKind, nummer: string, titel: string, seed: number, oprettet: string): SynthEntry {
  return { kind, nummer, titel, uuid: syntheticUuid(seed, kind, nummer), oprettet, rettet: [], stikord: [], children: [] };
}

function maybeRettet(r: Rand, oprettet: string): string[] {
  if (yearOf(oprettet) >= 2018 || !r.chance(0.3)) return [];
  const first = laterDate(r, oprettet, '2019-06-01');
  if (yearOf(first) < 2018 && r.chance(0.25)) {
    const second = laterDate(r, first, '2019-06-01');
    if (second > first) return [first, second];
  }
  return [first];
}

function keywords(r: Rand, min: number, max: number): { tekst: string }[] {
  const n = r.int(min, max);
  const chosen = new Set<string>();
  while (chosen.size < n) chosen.add(r.chance(0.8) ? r.pick(KEYWORDS) : `${r.pick(KEYWORDS)} til ${r.pick(TARGETS)}`);
  return [...chosen].map((tekst) => ({ tekst }));
}

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

function allEntries(roots: SynthEntry[]): SynthEntry[] {
  const out: SynthEntry[] = [];
  const walk = (e: SynthEntry) => {
    out.push(e);
    e.children.forEach(walk);
  };
  roots.forEach(walk);
  return out;
}

function allNumbers(roots: SynthEntry[]): string[] {
  return allEntries(roots).map((e) => e.nummer);
}

/** The next free number in a group, appended after the highest one ever used there. */
function nextNumber(parent: SynthEntry): string | undefined {
  const last = Math.max(-1, ...parent.children.map((c) => Number(c.nummer.slice(-2))));
  return last >= 99 ? undefined : `${parent.nummer}.${pad2(last + 1)}`;
}

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

// ---------------------------------------------------------------------------------------------
// The action facets

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
  const plan: SynthPlan = {
    kind: 'handlingsfacetter',
    seed,
    edition,
    udgivelsesdato: EDITION_DATE[edition],
    roots,
    changes: { renamed: [], retired: [], added: [], moved: [] },
  };
  if (edition === 2) {
    const r2 = new Rand(seed * 31 + 9);
    const active = r2.shuffle(allEntries(roots).filter((e) => e.kind === 'handlingsfacet' && !e.udgaaet));
    const renamed = active.shift();
    if (renamed) {
      const from = renamed.titel;
      renamed.titel = `${from} og opfølgning`;
      renamed.rettet = [...renamed.rettet, '2020-09-01'];
      plan.changes.renamed.push({ uuid: renamed.uuid, nummer: renamed.nummer, from, to: renamed.titel });
    }
    const retired = active.shift();
    if (retired) {
      retired.udgaaet = '2020-09-01';
      plan.changes.retired.push({ uuid: retired.uuid, nummer: retired.nummer, dato: '2020-09-01' });
    }
    const cat = r2.pick(roots);
    const last = Math.max(...cat.children.map((c) => Number(c.nummer.slice(cat.nummer.length))));
    const f = entry('handlingsfacet', `${cat.nummer}${pad2(last + 1)}`, 'Digitale selvbetjeningsløsninger', seed, '2020-09-01');
    cat.children.push(f);
    plan.changes.added.push({ uuid: f.uuid, nummer: f.nummer });
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Serialisation in the published format

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const PREFIX: Record<KleKind, string> = {
  hovedgruppe: 'Hovedgruppe',
  gruppe: 'Gruppe',
  emne: 'Emne',
  kategori: 'HandlingsfacetKategori',
  handlingsfacet: 'Handlingsfacet',
};

function writeEntry(out: string[], e: SynthEntry, depth: number): void {
  const i = '  '.repeat(depth);
  const P = PREFIX[e.kind];
  out.push(`${i}<${P}>`);
  out.push(`${i}  <${P}Nr>${esc(e.nummer)}</${P}Nr>`);
  out.push(`${i}  <${P}Titel>${esc(e.titel)}</${P}Titel>`);
  if (e.kind === 'handlingsfacet' && e.bevaring) out.push(`${i}  <BevaringJaevnfoerArkivloven>${e.bevaring}</BevaringJaevnfoerArkivloven>`);
  if (e.vejledning) {
    out.push(`${i}  <${P}Vejledning>`, `${i}    <VejledningTekst>`);
    for (const v of e.vejledning) {
      const list = v.li ? `<ul>${v.li.map((li) => `<li>${esc(li)}</li>`).join('')}</ul>` : '';
      out.push(`${i}      <p>${esc(v.p)}${list}</p>`);
    }
    out.push(`${i}    </VejledningTekst>`, `${i}  </${P}Vejledning>`);
  }
  if (e.retskilde) {
    out.push(
      `${i}  <${P}RetskildeReference>`,
      `${i}    <RetskildeTitel>${esc(e.retskilde.titel)}</RetskildeTitel>`,
      `${i}    <ParagrafEllerKapitel>${esc(e.retskilde.paragraf)}</ParagrafEllerKapitel>`,
      `${i}    <RetsinfoAccessionsNr>${e.retskilde.accessionsNr}</RetsinfoAccessionsNr>`,
      `${i}  </${P}RetskildeReference>`,
    );
  }
  if (!e.noAdmin) {
    out.push(`${i}  <${P}AdministrativInfo>`);
    out.push(`${i}    <OprettetDato>${e.oprettet}</OprettetDato>`);
    for (const d of e.rettet) out.push(`${i}    <RettetDato>${d}</RettetDato>`);
    if (e.udgaaet) out.push(`${i}    <Historisk>`, `${i}      <UdgaaetDato>${e.udgaaet}</UdgaaetDato>`, `${i}    </Historisk>`);
    out.push(`${i}  </${P}AdministrativInfo>`);
  }
  if (e.kind === 'emne') {
    if (e.bevaring) out.push(`${i}  <BevaringJaevnfoerArkivloven>${e.bevaring}</BevaringJaevnfoerArkivloven>`);
    if (e.sletning) out.push(`${i}  <SletningJaevnfoerPersondataloven>${e.sletning}</SletningJaevnfoerPersondataloven>`);
  }
  out.push(`${i}  <UUID>${e.uuid}</UUID>`);
  for (const s of e.stikord) {
    if (s.handlingsfacet) {
      out.push(
        `${i}  <${P}OgHandlingsfacetStikord>`,
        `${i}    <Tekst>${esc(s.tekst)}</Tekst>`,
        `${i}    <HandlingsfacetNr>${esc(s.handlingsfacet)}</HandlingsfacetNr>`,
        `${i}  </${P}OgHandlingsfacetStikord>`,
      );
    } else {
      out.push(`${i}  <${P}Stikord>`, `${i}    <Tekst>${esc(s.tekst)}</Tekst>`, `${i}  </${P}Stikord>`);
    }
  }
  for (const c of e.children) writeEntry(out, c, depth + 1);
  out.push(`${i}</${P}>`);
}

export function planToXml(plan: SynthPlan): string {
  const root = plan.kind === 'emneplan' ? 'KLE-Emneplan' : 'KLE-Handlingsfacetter';
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<!-- ${SYNTHETIC_KLE_NOTE} (seed ${plan.seed}, udgave ${plan.edition}) -->`);
  out.push(
    plan.kind === 'emneplan'
      ? `<${root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://skemaer.kle-online.dk/rest/KLE-REST-Emneplan-fuld-version-1-2.xsd">`
      : `<${root}>`,
  );
  out.push(`  <UdgivelsesDato>${plan.udgivelsesdato}</UdgivelsesDato>`);
  for (const e of plan.roots) writeEntry(out, e, 1);
  out.push(`</${root}>`, '');
  return out.join('\n');
}

/** The synthetic subject plan as XML. */
export function generateEmneplan(opts: GenerateOptions = {}): string {
  return planToXml(buildEmneplan(opts));
}

/** The synthetic action facets as XML. */
export function generateHandlingsfacetter(opts: GenerateOptions = {}): string {
  return planToXml(buildHandlingsfacetter(opts));
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

export { allEntries as synthEntries };
