/**
 * Streaming reader for KLE as KL publishes it: the subject plan (root `KLE-Emneplan`) and the
 * action facets (root `KLE-Handlingsfacetter`).
 *
 * The XML is fed to saxes chunk by chunk; no DOM and no copy of the document is kept, only the
 * small records it describes. Elements are matched on their local names, so a default namespace or
 * a prefix does not matter. The reader is tolerant of everything the published files carry that
 * the import does not need (filters, legal references, retention codes, unknown elements) and
 * strict about what it does need: numbers, titles, dates, UUIDs and the tree they form.
 *
 * Security: a DOCTYPE is rejected outright and entity references other than the five XML ones and
 * character references are rejected, so no entity is ever expanded.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export const KLE_ERROR_CODES = [
  'KLE_MALFORMED_XML',
  'KLE_WRONG_ROOT',
  'KLE_DOCTYPE_FORBIDDEN',
  'KLE_ENTITY_FORBIDDEN',
  'KLE_DUPLICATE_NUMBER',
  'KLE_DUPLICATE_UUID',
  'KLE_MISSING_PARENT',
  'KLE_BAD_DATE',
  'KLE_BAD_NUMBER',
  'KLE_MISSING_FIELD',
] as const;
export type KleErrorCode = (typeof KLE_ERROR_CODES)[number];

export class KleFormatError extends Error {
  readonly code: KleErrorCode;
  readonly line: number;
  readonly column?: number;
  constructor(code: KleErrorCode, line: number, detail: string, column?: number) {
    super(`KLE line ${line}${column !== undefined ? `, column ${column}` : ''}: ${detail}`);
    this.name = 'KleFormatError';
    this.code = code;
    this.line = line;
    if (column !== undefined) this.column = column;
  }
}

export type KleKind = 'hovedgruppe' | 'gruppe' | 'emne' | 'kategori' | 'handlingsfacet';

export interface KleStikord {
  titel: string;
  beskrivelse?: string;
  /** Set for keywords that pair the subject with an action facet (`EmneOgHandlingsfacetStikord`). */
  handlingsfacet?: string;
}

export interface KleEntry {
  kind: KleKind;
  nummer: string;
  titel: string;
  /** Lower-case. Absent in older editions of the files. */
  uuid?: string;
  /** The parent's nummer: gruppe → hovedgruppe, emne → gruppe, handlingsfacet → kategori. */
  parent?: string;
  oprettet?: string;
  udgaaet?: string;
  rettet?: string[];
  /** `Historisk/Flyttet`: the date of the move and the number that replaced this one (`AfloestAf`). */
  flyttet?: { dato?: string; afloestAf?: string };
  /** The guidance text, paragraphs and list items separated by new lines. */
  vejledning?: string;
  stikord: KleStikord[];
  /** Line of the element's start tag. */
  line: number;
}

export interface KleDocument {
  kind: 'emneplan' | 'handlingsfacetter';
  udgivelsesdato?: string;
  entries: KleEntry[];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary of the two formats

type DocKind = KleDocument['kind'];

const ROOTS: Record<string, DocKind> = { 'KLE-Emneplan': 'emneplan', 'KLE-Handlingsfacetter': 'handlingsfacetter' };

/** The deepest nesting of elements a KLE file may have (the platform's XML limit). */
const MAX_DEPTH = 64;

/** Entry elements, by document kind: element local name → kind. */
const ENTRY_ELEMENTS: Record<DocKind, Record<string, KleKind>> = {
  emneplan: { Hovedgruppe: 'hovedgruppe', Gruppe: 'gruppe', Emne: 'emne' },
  handlingsfacetter: { HandlingsfacetKategori: 'kategori', Handlingsfacet: 'handlingsfacet' },
};

const NUMBER_FIELDS: Record<KleKind, string[]> = {
  hovedgruppe: ['HovedgruppeNr'],
  gruppe: ['GruppeNr'],
  emne: ['EmneNr'],
  kategori: ['HandlingsfacetKategoriNr', 'KategoriNr'],
  handlingsfacet: ['HandlingsfacetNr'],
};
const TITLE_FIELDS: Record<KleKind, string[]> = {
  hovedgruppe: ['HovedgruppeTitel'],
  gruppe: ['GruppeTitel'],
  emne: ['EmneTitel'],
  kategori: ['HandlingsfacetKategoriTitel', 'KategoriTitel'],
  handlingsfacet: ['HandlingsfacetTitel'],
};
const PARENT_KIND: Record<KleKind, KleKind | undefined> = {
  hovedgruppe: undefined,
  gruppe: 'hovedgruppe',
  emne: 'gruppe',
  kategori: undefined,
  handlingsfacet: 'kategori',
};
const ELEMENT_NAME: Record<KleKind, string> = {
  hovedgruppe: 'Hovedgruppe',
  gruppe: 'Gruppe',
  emne: 'Emne',
  kategori: 'HandlingsfacetKategori',
  handlingsfacet: 'Handlingsfacet',
};
const NUMBER_PATTERN: Record<KleKind, RegExp> = {
  hovedgruppe: /^\d{2}$/,
  gruppe: /^\d{2}\.\d{2}$/,
  emne: /^\d{2}\.\d{2}\.\d{2}$/,
  kategori: /^[A-ZÆØÅ]{1,2}\d{0,2}$/,
  handlingsfacet: /^[A-ZÆØÅ]{1,2}\d{1,3}$/,
};
const NUMBER_SHAPE: Record<KleKind, string> = {
  hovedgruppe: 'NN',
  gruppe: 'NN.NN',
  emne: 'NN.NN.NN',
  kategori: 'a capital letter (e.g. G)',
  handlingsfacet: 'a capital letter and digits (e.g. G01)',
};

/** Keyword elements: `Stikord`, `EmneStikord`, `GruppeStikord`, `EmneOgHandlingsfacetStikord` … */
const isStikordElement = (local: string) => local.endsWith('Stikord');
const STIKORD_TITLE = new Set(['Tekst', 'StikordTekst', 'StikordTitel', 'StikordNavn', 'Titel', 'Navn', 'Ord']);
const STIKORD_DESCRIPTION = new Set(['Beskrivelse', 'StikordBeskrivelse', 'Forklaring', 'Note']);
/** Elements inside guidance text that start a new line. */
const BLOCK_ELEMENTS = new Set(['p', 'li', 'br', 'div', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'tr', 'VejledningTekst']);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;

function checkDate(raw: string, line: number, what: string): string {
  const m = DATE_PATTERN.exec(raw);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= (days[mo - 1] ?? 0)) return `${m[1]}-${m[2]}-${m[3]}`;
  }
  throw new KleFormatError('KLE_BAD_DATE', line, `${what} ${JSON.stringify(raw)} is not a date of the form YYYY-MM-DD`);
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim().normalize('NFC');

// ---------------------------------------------------------------------------------------------
// Parser state

interface EntryState {
  e: KleEntry;
  parentState?: EntryState;
  nrLine?: number;
  uuidLine?: number;
  finalized: boolean;
}

interface Capture {
  buf: string;
}

interface StikordState {
  wrapper: boolean;
  direct: Capture;
  titel?: string;
  beskrivelse?: string;
  handlingsfacet?: string;
}

type FieldTarget =
  | 'udgivelsesdato'
  | 'nummer'
  | 'titel'
  | 'uuid'
  | 'oprettet'
  | 'rettet'
  | 'udgaaet'
  | 'flyttetDato'
  | 'afloestAf'
  | 'skTitel'
  | 'skBeskrivelse'
  | 'skFacet';

type Frame =
  | { role: 'root' }
  | { role: 'entry'; st: EntryState }
  | { role: 'admin' | 'historisk' | 'flyttet' | 'afloest' | 'other'; st: EntryState }
  | { role: 'field'; target: FieldTarget; cap: Capture; line: number; st?: EntryState; sk?: StikordState }
  | { role: 'inner'; cap?: Capture }
  | { role: 'vejledning'; st: EntryState; cap: Capture }
  | { role: 'stikord'; st: EntryState; sk: StikordState }
  | { role: 'skip' };

function captureOf(f: Frame): Capture | undefined {
  switch (f.role) {
    case 'field':
    case 'vejledning':
    case 'inner':
      return f.cap;
    case 'stikord':
      return f.sk.direct;
    default:
      return undefined;
  }
}

/**
 * Decodes byte chunks. UTF-8 unless the XML declaration names an 8-bit Western encoding; invalid
 * UTF-8 is an error rather than silently replaced.
 */
class ChunkDecoder {
  private decoder?: TextDecoder;
  private pending: Buffer = Buffer.alloc(0);
  private first = true;

  push(chunk: string | Buffer | Uint8Array): string {
    if (typeof chunk === 'string') {
      const out = this.flushPending() + (this.first ? chunk.replace(/^\uFEFF/, '') : chunk);
      if (chunk.length > 0) this.first = false;
      return out;
    }
    if (this.decoder) return this.decode(chunk, true);
    this.pending = Buffer.concat([this.pending, chunk]);
    const head = this.pending.toString('latin1');
    const body = head.replace(/^\xEF\xBB\xBF/, '');
    const decided =
      this.pending.length > 1024 ||
      head.includes('?>') ||
      (body.length >= 5 && !body.startsWith('<?xml')) ||
      (body.length > 0 && !'<?xml'.startsWith(body.slice(0, 5)));
    if (!decided) return '';
    return this.flushPending();
  }

  end(): string {
    const rest = this.flushPending();
    return rest + (this.decoder ? this.decode(undefined, false) : '');
  }

  private flushPending(): string {
    if (this.pending.length === 0 && this.decoder) return '';
    if (!this.decoder) {
      const head = this.pending.toString('latin1');
      const decl = /^(?:\xEF\xBB\xBF)?<\?xml[^?]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head);
      const label = (decl?.[1] ?? 'utf-8').toLowerCase();
      const known = ['utf-8', 'utf8', 'iso-8859-1', 'latin1', 'iso-8859-15', 'windows-1252', 'cp1252', 'us-ascii', 'ascii'];
      if (!known.includes(label)) {
        throw new KleFormatError('KLE_MALFORMED_XML', 1, `unsupported encoding ${JSON.stringify(decl?.[1])}`);
      }
      this.decoder = new TextDecoder(label, { fatal: label === 'utf-8' || label === 'utf8' });
    }
    if (this.pending.length === 0) return '';
    const p = this.pending;
    this.pending = Buffer.alloc(0);
    this.first = false;
    return this.decode(p, true);
  }

  private decode(bytes: Uint8Array | undefined, stream: boolean): string {
    try {
      return this.decoder!.decode(bytes, { stream });
    } catch {
      throw new KleFormatError('KLE_MALFORMED_XML', 0, 'the file is not valid UTF-8');
    }
  }
}

/**
 * Reads one KLE file. Entries are reported in document order (a parent before its children) to
 * `onEntry` and collected in the result.
 */
export async function parseKle(input: AsyncIterable<string | Buffer | Uint8Array>, onEntry?: (e: KleEntry) => void): Promise<KleDocument> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const entries: KleEntry[] = [];
  const numbers = new Map<string, { line: number; current: boolean }>();
  const uuids = new Map<string, number>();
  const stack: Frame[] = [];
  let docKind: DocKind | undefined;
  let udgivelsesdato: string | undefined;
  let done = false;

  const fail = (code: KleErrorCode, line: number, detail: string): never => {
    throw new KleFormatError(code, line, detail);
  };

  const describe = (st: EntryState) =>
    st.e.nummer ? `${ELEMENT_NAME[st.e.kind]} ${st.e.nummer}` : `${ELEMENT_NAME[st.e.kind]} (line ${st.e.line})`;

  const registerUuid = (st: EntryState) => {
    const { uuid } = st.e;
    if (!uuid) return;
    const line = st.uuidLine ?? st.e.line;
    const seen = uuids.get(uuid);
    if (seen !== undefined) fail('KLE_DUPLICATE_UUID', line, `UUID ${uuid} of ${describe(st)} was already used on line ${seen}`);
    uuids.set(uuid, line);
  };

  const finalize = (st: EntryState) => {
    if (st.finalized) return;
    st.finalized = true;
    const { e } = st;
    const el = ELEMENT_NAME[e.kind];
    if (!e.nummer) fail('KLE_MISSING_FIELD', e.line, `${el} has no ${NUMBER_FIELDS[e.kind][0]}`);
    const nrLine = st.nrLine ?? e.line;
    if (!NUMBER_PATTERN[e.kind].test(e.nummer)) {
      fail('KLE_BAD_NUMBER', nrLine, `${el} number ${JSON.stringify(e.nummer)} is not of the form ${NUMBER_SHAPE[e.kind]}`);
    }
    if (!e.titel) fail('KLE_MISSING_FIELD', e.line, `${el} ${e.nummer} has no ${TITLE_FIELDS[e.kind][0]}`);

    const expected = PARENT_KIND[e.kind];
    const parent = st.parentState;
    if (!expected) {
      if (parent) fail('KLE_MISSING_PARENT', nrLine, `${el} ${e.nummer} may not be nested inside ${describe(parent)}`);
    } else {
      const own = e.kind === 'handlingsfacet' ? (/^[A-ZÆØÅ]+/.exec(e.nummer)?.[0] ?? '') : e.nummer.slice(0, e.nummer.lastIndexOf('.'));
      if (!parent || parent.e.kind !== expected) {
        fail(
          'KLE_MISSING_PARENT',
          nrLine,
          `${el} ${e.nummer} is not inside a ${ELEMENT_NAME[expected]} (expected ${ELEMENT_NAME[expected]} ${own})`,
        );
      } else {
        const ok =
          e.kind === 'handlingsfacet'
            ? e.nummer.startsWith(parent.e.nummer) && e.nummer.length > parent.e.nummer.length
            : own === parent.e.nummer;
        if (!ok) {
          fail(
            'KLE_MISSING_PARENT',
            nrLine,
            `${el} ${e.nummer} is inside ${describe(parent)}, but its number belongs under ${ELEMENT_NAME[expected]} ${own}`,
          );
        }
        e.parent = parent.e.nummer;
      }
    }

    // A number may recur only for historic entries (retired or moved): KL keeps those in the file.
    const current = !e.udgaaet && !e.flyttet;
    const prev = numbers.get(e.nummer);
    if (prev && prev.current && current) {
      fail('KLE_DUPLICATE_NUMBER', nrLine, `${el} number ${e.nummer} was already used on line ${prev.line}`);
    }
    if (!prev || current) numbers.set(e.nummer, { line: nrLine, current });
    registerUuid(st);

    entries.push(e);
    onEntry?.(e);
  };

  const applyField = (f: Extract<Frame, { role: 'field' }>) => {
    const raw = f.target === 'skBeskrivelse' ? f.cap.buf.trim() : collapse(f.cap.buf);
    const st = f.st;
    switch (f.target) {
      case 'udgivelsesdato':
        if (raw) udgivelsesdato = checkDate(raw, f.line, 'UdgivelsesDato');
        return;
      case 'skTitel':
        if (f.sk && raw) f.sk.titel = raw;
        return;
      case 'skBeskrivelse':
        if (f.sk && raw) f.sk.beskrivelse = raw.replace(/[ \t]+/g, ' ').normalize('NFC');
        return;
      case 'skFacet':
        if (f.sk && raw) f.sk.handlingsfacet = raw;
        return;
    }
    if (!st) return;
    const e = st.e;
    switch (f.target) {
      case 'nummer':
        if (!st.finalized && !e.nummer) {
          e.nummer = raw;
          st.nrLine = f.line;
        }
        return;
      case 'titel':
        if (!st.finalized && !e.titel) e.titel = raw;
        return;
      case 'uuid': {
        if (!raw) return;
        if (!UUID_PATTERN.test(raw)) fail('KLE_MISSING_FIELD', f.line, `${describe(st)} has a malformed UUID ${JSON.stringify(raw)}`);
        if (e.uuid) return;
        e.uuid = raw.toLowerCase();
        st.uuidLine = f.line;
        if (st.finalized) registerUuid(st);
        return;
      }
      case 'oprettet':
        if (raw) e.oprettet = checkDate(raw, f.line, `OprettetDato of ${describe(st)}`);
        return;
      case 'rettet':
        if (raw) (e.rettet ??= []).push(checkDate(raw, f.line, `RettetDato of ${describe(st)}`));
        return;
      case 'udgaaet':
        if (raw) e.udgaaet = checkDate(raw, f.line, `UdgaaetDato of ${describe(st)}`);
        return;
      case 'flyttetDato':
        if (raw) (e.flyttet ??= {}).dato = checkDate(raw, f.line, `FlyttetDato of ${describe(st)}`);
        return;
      case 'afloestAf':
        if (raw) (e.flyttet ??= {}).afloestAf = raw;
        return;
    }
  };

  const field = (target: FieldTarget, line: number, st?: EntryState, sk?: StikordState): Frame => ({
    role: 'field',
    target,
    cap: { buf: '' },
    line,
    ...(st ? { st } : {}),
    ...(sk ? { sk } : {}),
  });

  parser.on('error', (err: Error) => {
    const detail = err.message.replace(/^\d+:\d+: /, '');
    const code: KleErrorCode = /undefined entity/.test(detail) ? 'KLE_ENTITY_FORBIDDEN' : 'KLE_MALFORMED_XML';
    const what = code === 'KLE_ENTITY_FORBIDDEN' ? 'entity references other than the XML built-ins are not allowed' : 'malformed XML';
    throw new KleFormatError(code, parser.line, `${what}: ${detail}`, parser.column);
  });

  parser.on('doctype', () => {
    fail('KLE_DOCTYPE_FORBIDDEN', parser.line, 'a DOCTYPE declaration is not allowed in a KLE file (entities are never expanded)');
  });

  parser.on('opentag', (tag: SaxesTagNS) => {
    const local = tag.local;
    const line = parser.line;
    // KL's files nest five levels; a stack without bound would grow with any crafted upload.
    if (stack.length >= MAX_DEPTH) fail('KLE_MALFORMED_XML', line, `elements nested deeper than ${MAX_DEPTH}`);
    if (stack.length === 0) {
      const kind = ROOTS[local];
      if (!kind) fail('KLE_WRONG_ROOT', line, `the root element is <${tag.name}>, expected <KLE-Emneplan> or <KLE-Handlingsfacetter>`);
      docKind = kind;
      stack.push({ role: 'root' });
      return;
    }
    const top = stack[stack.length - 1]!;
    const dk = docKind!;
    switch (top.role) {
      case 'root':
      case 'entry': {
        const kind = ENTRY_ELEMENTS[dk][local];
        if (kind) {
          let parentState: EntryState | undefined;
          if (top.role === 'entry') {
            finalize(top.st);
            parentState = top.st;
          }
          const st: EntryState = {
            e: { kind, nummer: '', titel: '', stikord: [], line },
            ...(parentState ? { parentState } : {}),
            finalized: false,
          };
          stack.push({ role: 'entry', st });
          return;
        }
        if (top.role === 'root') {
          stack.push(local === 'UdgivelsesDato' ? field('udgivelsesdato', line) : { role: 'skip' });
          return;
        }
        const st = top.st;
        const k = st.e.kind;
        if (NUMBER_FIELDS[k].includes(local)) stack.push(field('nummer', line, st));
        else if (TITLE_FIELDS[k].includes(local)) stack.push(field('titel', line, st));
        else if (local.toUpperCase() === 'UUID') stack.push(field('uuid', line, st));
        else if (local.endsWith('AdministrativInfo')) stack.push({ role: 'admin', st });
        else if (local.endsWith('Vejledning')) stack.push({ role: 'vejledning', st, cap: { buf: '' } });
        else if (isStikordElement(local)) stack.push({ role: 'stikord', st, sk: { wrapper: false, direct: { buf: '' } } });
        else stack.push({ role: 'other', st });
        return;
      }
      case 'admin':
        if (local === 'OprettetDato') stack.push(field('oprettet', line, top.st));
        else if (local === 'RettetDato') stack.push(field('rettet', line, top.st));
        else if (local === 'Historisk') stack.push({ role: 'historisk', st: top.st });
        else stack.push({ role: 'skip' });
        return;
      case 'historisk':
        if (local === 'UdgaaetDato') stack.push(field('udgaaet', line, top.st));
        else if (local === 'Flyttet') stack.push({ role: 'flyttet', st: top.st });
        else stack.push({ role: 'skip' });
        return;
      case 'flyttet':
        if (local === 'FlyttetDato') stack.push(field('flyttetDato', line, top.st));
        else if (local === 'AfloestAf' || local === 'FlyttetTil') stack.push({ role: 'afloest', st: top.st });
        else stack.push({ role: 'skip' });
        return;
      case 'afloest':
        // AfloestAf names the replacing number (GruppeNr and/or EmneNr); the last one, the most specific, wins.
        if (/Nr$/.test(local)) stack.push(field('afloestAf', line, top.st));
        else stack.push({ role: 'skip' });
        return;
      case 'vejledning':
      case 'inner': {
        const cap = captureOf(top);
        if (cap && BLOCK_ELEMENTS.has(local)) cap.buf += '\n';
        stack.push(cap ? { role: 'inner', cap } : { role: 'inner' });
        return;
      }
      case 'field':
        stack.push({ role: 'inner', cap: top.cap });
        return;
      case 'stikord': {
        if (isStikordElement(local)) {
          top.sk.wrapper = true;
          stack.push({ role: 'stikord', st: top.st, sk: { wrapper: false, direct: { buf: '' } } });
        } else if (STIKORD_TITLE.has(local)) stack.push(field('skTitel', line, undefined, top.sk));
        else if (STIKORD_DESCRIPTION.has(local)) stack.push(field('skBeskrivelse', line, undefined, top.sk));
        else if (local === 'HandlingsfacetNr') stack.push(field('skFacet', line, undefined, top.sk));
        else stack.push({ role: 'skip' });
        return;
      }
      case 'other':
        if (isStikordElement(local)) stack.push({ role: 'stikord', st: top.st, sk: { wrapper: false, direct: { buf: '' } } });
        else stack.push({ role: 'other', st: top.st });
        return;
      case 'skip':
        stack.push({ role: 'skip' });
        return;
    }
  });

  const onText = (text: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    const cap = captureOf(top);
    if (cap) cap.buf += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    const f = stack.pop();
    if (!f) return;
    switch (f.role) {
      case 'root':
        done = true;
        return;
      case 'entry':
        finalize(f.st);
        return;
      case 'field':
        applyField(f);
        return;
      case 'vejledning': {
        const text = f.cap.buf
          .split('\n')
          .map((l) => collapse(l))
          .filter((l) => l.length > 0)
          .join('\n');
        if (text) f.st.e.vejledning = f.st.e.vejledning ? `${f.st.e.vejledning}\n${text}` : text;
        return;
      }
      case 'stikord': {
        const sk = f.sk;
        if (sk.wrapper) return;
        const titel = sk.titel ?? collapse(sk.direct.buf);
        if (!titel) return;
        f.st.e.stikord.push({
          titel,
          ...(sk.beskrivelse ? { beskrivelse: sk.beskrivelse } : {}),
          ...(sk.handlingsfacet ? { handlingsfacet: sk.handlingsfacet } : {}),
        });
        return;
      }
      default:
        return;
    }
  });

  const decoder = new ChunkDecoder();
  for await (const chunk of input) {
    const text = decoder.push(chunk);
    if (text) parser.write(text);
  }
  const rest = decoder.end();
  if (rest) parser.write(rest);
  parser.close();
  if (!docKind || !done) fail('KLE_MALFORMED_XML', parser.line, 'the document ended before its root element was closed');

  return { kind: docKind!, ...(udgivelsesdato ? { udgivelsesdato } : {}), entries };
}

/** Convenience: parse a complete string (tests, small files). */
export function parseKleString(xml: string, onEntry?: (e: KleEntry) => void): Promise<KleDocument> {
  return parseKle(
    (async function* () {
      yield xml;
    })(),
    onEntry,
  );
}
