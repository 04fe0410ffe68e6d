/**
 * The published XML form of the Haendelsesbesked: read and written.
 *
 * Reading is namespace-tolerant: elements are matched on their local names, so any prefix (or a
 * default namespace, or none) works, as senders' toolkits differ. The envelope outside
 * `Beskeddata` is read into a small tree; the content of each `Beskeddata` is re-serialised as it
 * streams by, with the namespaces it inherited declared on its top elements, so the payload stays
 * self-contained after the envelope around it is rewritten.
 *
 * Security: a DOCTYPE is refused and so is every entity reference other than the five XML ones,
 * so no entity is ever expanded; depth and element count are bounded; the size is checked before
 * parsing.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { bfoError } from '../errors.ts';
import {
  checkEnvelope,
  compact,
  ENVELOPE_NS,
  type Beskeddata,
  type Haendelsesbesked,
  type Leverancerute,
  type ObjektRegistrering,
} from './envelope.ts';

const MAX_DEPTH = 64;
const MAX_ELEMENTS = 100_000;

interface Node {
  local: string;
  line: number;
  children: Node[];
  text: string;
}

function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
function escAttr(s: string): string {
  return escText(s).replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** Parses an XML Haendelsesbesked. Throws the catalogue's errors, naming the line. */
export function envelopeFromXml(xml: string): Haendelsesbesked {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let elements = 0;
  // Inside a Beskeddata element: the serialised payload and the namespaces in scope above it.
  let data: { depth: number; out: string; hasElements: boolean; text: string; inherited: Record<string, string> } | undefined;
  const datas: Beskeddata[] = [];
  const nsScopes: Record<string, string>[] = [{}];

  parser.on('doctype', () => {
    throw bfoError('BFO_DOCTYPE_FORBIDDEN', `line ${parser.line}: a DOCTYPE declaration is not allowed (entities are never expanded)`, {
      line: parser.line,
    });
  });
  parser.on('error', (err: Error) => {
    const undefinedEntity = /undefined entity/i.test(err.message);
    throw bfoError(
      undefinedEntity ? 'BFO_ENTITY_FORBIDDEN' : 'BFO_MALFORMED_XML',
      `line ${parser.line}: ${undefinedEntity ? 'entity references other than the XML built-ins are not allowed: ' : ''}${err.message}`,
      { line: parser.line },
    );
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (++elements > MAX_ELEMENTS) throw bfoError('BFO_MALFORMED_XML', `more than ${MAX_ELEMENTS} elements`);
    const scope = { ...nsScopes[nsScopes.length - 1]!, ...tag.ns };
    nsScopes.push(scope);
    if (nsScopes.length > MAX_DEPTH + 1)
      throw bfoError('BFO_MALFORMED_XML', `line ${parser.line}: elements nested deeper than ${MAX_DEPTH}`);
    if (data) {
      data.hasElements = true;
      let attrs = '';
      const declared = new Set<string>();
      for (const a of Object.values(tag.attributes)) {
        attrs += ` ${a.name}="${escAttr(a.value)}"`;
        if (a.prefix === 'xmlns') declared.add(a.local);
        else if (a.name === 'xmlns') declared.add('');
      }
      if (stack.length === data.depth) {
        // A top element of the payload: declare what it inherits, so it stands alone.
        for (const [prefix, uri] of Object.entries(data.inherited)) {
          // The envelope's own namespace is left out: the envelope around the payload declares it
          // again wherever it is written, and a payload has no use for it.
          if (declared.has(prefix) || prefix === 'xml' || uri === ENVELOPE_NS) continue;
          attrs += prefix ? ` xmlns:${prefix}="${escAttr(uri)}"` : ` xmlns="${escAttr(uri)}"`;
        }
      }
      data.out += `<${tag.name}${attrs}${tag.isSelfClosing ? '/>' : '>'}`;
      stack.push({ local: tag.local, line: parser.line, children: [], text: '' });
      return;
    }
    const node: Node = { local: tag.local, line: parser.line, children: [], text: '' };
    if (!root) {
      if (tag.local !== 'Haendelsesbesked')
        throw bfoError('BFO_WRONG_ROOT', `the root element is ${tag.name}, not Haendelsesbesked (${ENVELOPE_NS})`);
      root = node;
    } else stack[stack.length - 1]!.children.push(node);
    stack.push(node);
    if (tag.local === 'Beskeddata' && stack.length === 2) {
      data = { depth: stack.length, out: '', hasElements: false, text: '', inherited: nsScopes[nsScopes.length - 1]! };
    }
  });
  parser.on('text', (t: string) => {
    if (data) {
      if (stack.length === data.depth) data.text += t;
      data.out += escText(t);
    } else if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t: string) => {
    if (data) {
      if (stack.length === data.depth) data.text += t;
      data.out += escText(t);
    } else if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', (tag: SaxesTagNS) => {
    nsScopes.pop();
    if (data && stack.length > data.depth) {
      if (!tag.isSelfClosing) data.out += `</${tag.name}>`;
      stack.pop();
      return;
    }
    if (data && stack.length === data.depth) {
      if (data.hasElements) datas.push({ xml: data.out.trim() });
      else if (data.text.trim()) datas.push({ base64: data.text.replace(/\s+/g, '') });
      else datas.push({ xml: '' });
      data = undefined;
    }
    stack.pop();
  });

  parser.write(xml).close();
  if (!root) throw bfoError('BFO_MALFORMED_XML', 'the document has no root element');
  return checkEnvelope(toEnvelope(root, datas));
}

function child(n: Node | undefined, local: string): Node | undefined {
  return n?.children.find((c) => c.local === local);
}
function childrenOf(n: Node | undefined, local: string): Node[] {
  return n?.children.filter((c) => c.local === local) ?? [];
}

function missing(what: string, line: number): never {
  throw bfoError('BFO_INVALID_ENVELOPE', `line ${line}: ${what} is required`, { field: what, line });
}

/** UnikIdType / AktoerType: the text of its UUIDIdentifikator or URNIdentifikator. */
function id(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const v = child(n, 'UUIDIdentifikator') ?? child(n, 'URNIdentifikator') ?? child(n, 'IdentifikatorTekst');
  const text = (v ?? n).text.trim();
  return text === '' ? undefined : text;
}

/** TidspunktType: a TidsstempelDatoTid, or a GraenseIndikator (an open bound). */
function tidspunkt(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const ts = child(n, 'TidsstempelDatoTid');
  if (ts) return ts.text.trim() || undefined;
  const g = child(n, 'GraenseIndikator');
  if (g) return g.text.trim() === 'true' ? 'infinity' : '-infinity';
  return n.text.trim() || undefined;
}

function toEnvelope(root: Node, beskeddata: Beskeddata[]): Haendelsesbesked {
  const kuvert = child(root, 'Beskedkuvert') ?? missing('Beskedkuvert', root.line);
  const f = child(kuvert, 'Filtreringsdata') ?? missing('Beskedkuvert/Filtreringsdata', kuvert.line);
  const l = child(kuvert, 'Leveranceinformation') ?? missing('Beskedkuvert/Leveranceinformation', kuvert.line);
  const beskedId = id(child(root, 'BeskedId')) ?? missing('BeskedId', root.line);
  const beskedtype = id(child(f, 'Beskedtype')) ?? missing('Filtreringsdata/Beskedtype', f.line);
  const mh = child(kuvert, 'Modtagerhandling');
  return {
    beskedId,
    beskedVersion: child(root, 'BeskedVersion')?.text.trim() || missing('BeskedVersion', root.line),
    beskedkuvert: compact({
      filtreringsdata: compact({
        beskedtype,
        beskedAnsvarligAktoer: id(child(f, 'BeskedAnsvarligAktoer')),
        tilladtModtager: childrenOf(f, 'TilladtModtager').flatMap((n) => id(n) ?? []),
        relateretObjekt: childrenOf(f, 'RelateretObjekt').map((r) =>
          compact({
            objektId: id(child(r, 'ObjektId')) ?? missing('RelateretObjekt/ObjektId', r.line),
            objektType: id(child(r, 'ObjektType')) ?? missing('RelateretObjekt/ObjektType', r.line),
            objektRolle: id(child(r, 'ObjektRolle')),
          }),
        ),
        objektRegistrering: childrenOf(f, 'ObjektRegistrering').map((r): ObjektRegistrering =>
          compact({
            objektRegistreringId: id(child(r, 'ObjektRegistreringId')),
            registreringsAktoer: id(child(r, 'RegistreringsAktoer')),
            registreringstidspunkt: tidspunkt(child(r, 'Registreringstidspunkt')),
            objektAnsvarligMyndighed: id(child(r, 'ObjektAnsvarligMyndighed')),
            objektId: id(child(r, 'ObjektId')),
            objektType: id(child(r, 'ObjektType')),
            objektHandling: id(child(r, 'ObjektHandling')),
            opgaveEmne: id(child(r, 'OpgaveEmne')),
          }),
        ),
        tvaergaaendeProces: childrenOf(f, 'TvaergaaendeProces').flatMap((n) => id(n) ?? []),
      }),
      leveranceinformation: compact({
        dannelsestidspunkt: tidspunkt(child(l, 'Dannelsestidspunkt')),
        transaktionsId: id(child(l, 'TransaktionsId')),
        kildesystem: id(child(l, 'Kildesystem')),
        kildesystemIPAdresse: child(l, 'KildesystemIPAdresse')?.text.trim() || undefined,
        kildesystemAkkreditiver: child(l, 'KildesystemAkkreditiver')?.text.trim() || undefined,
        sikkerhedsklassificering: id(child(l, 'Sikkerhedsklassificering')),
        leveranceruter: childrenOf(child(l, 'Leveranceruter'), 'Leverancerute').map((r): Leverancerute => {
          const antal = child(child(r, 'LeveranceruteLokalUdvidelse'), 'AntalLeveranceforsoeg')?.text.trim();
          return compact({
            fordelingssystem: id(child(r, 'Fordelingssystem')),
            modtagelsesTidspunkt: tidspunkt(child(r, 'ModtagelsesTidspunkt')),
            leveranceTidspunkt: tidspunkt(child(r, 'LeveranceTidspunkt')),
            modtagetFraSystem: id(child(r, 'ModtagetFraSystem')),
            erLeveretIHenholdTil: id(child(r, 'ErLeveretIHenholdTil')),
            antalLeveranceforsoeg: antal && /^\d+$/.test(antal) ? Number(antal) : undefined,
          });
        }),
      }),
      modtagerhandling: mh
        ? compact({ handling: id(child(mh, 'Handling')), responsmodtager: id(child(mh, 'Responsmodtager')) })
        : undefined,
      gyldighedFra: tidspunkt(child(kuvert, 'GyldighedFra')),
      gyldighedTil: tidspunkt(child(kuvert, 'GyldighedTil')),
    }),
    beskeddata,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing: envelope elements in the kuvert namespace (prefix `b`), identifiers and times in the
// sagdok namespace (default), in the schema's order.

const ind = (depth: number) => '  '.repeat(depth);

function idXml(name: string, v: string | undefined, depth: number): string {
  if (v === undefined) return '';
  const kind = /^urn:/i.test(v) ? 'URNIdentifikator' : 'UUIDIdentifikator';
  return `${ind(depth)}<b:${name}><${kind}>${escText(v)}</${kind}></b:${name}>\n`;
}

function timeXml(name: string, v: string | undefined, depth: number): string {
  if (v === undefined) return '';
  if (v === 'infinity' || v === '-infinity')
    return `${ind(depth)}<b:${name}><GraenseIndikator>${v === 'infinity'}</GraenseIndikator></b:${name}>\n`;
  return `${ind(depth)}<b:${name}><TidsstempelDatoTid>${escText(v)}</TidsstempelDatoTid></b:${name}>\n`;
}

function textXml(name: string, v: string | undefined, depth: number): string {
  return v === undefined ? '' : `${ind(depth)}<b:${name}>${escText(v)}</b:${name}>\n`;
}

/** Writes the envelope in the published XML form. */
export function envelopeToXml(b: Haendelsesbesked): string {
  const k = b.beskedkuvert;
  const f = k.filtreringsdata;
  const l = k.leveranceinformation;
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<b:Haendelsesbesked xmlns:b="${ENVELOPE_NS}" xmlns="urn:oio:sagdok:3.0.0">\n`;
  x += idXml('BeskedId', b.beskedId, 1);
  x += textXml('BeskedVersion', b.beskedVersion, 1);
  x += `${ind(1)}<b:Beskedkuvert>\n${ind(2)}<b:Filtreringsdata>\n`;
  x += idXml('Beskedtype', f.beskedtype, 3);
  x += idXml('BeskedAnsvarligAktoer', f.beskedAnsvarligAktoer, 3);
  for (const t of f.tilladtModtager) x += idXml('TilladtModtager', t, 3);
  for (const r of f.relateretObjekt) {
    x += `${ind(3)}<b:RelateretObjekt>\n${idXml('ObjektId', r.objektId, 4)}${idXml('ObjektType', r.objektType, 4)}${idXml('ObjektRolle', r.objektRolle, 4)}${ind(3)}</b:RelateretObjekt>\n`;
  }
  for (const r of f.objektRegistrering) {
    x += `${ind(3)}<b:ObjektRegistrering>\n`;
    x += idXml('ObjektRegistreringId', r.objektRegistreringId, 4);
    x += idXml('RegistreringsAktoer', r.registreringsAktoer, 4);
    x += timeXml('Registreringstidspunkt', r.registreringstidspunkt, 4);
    x += idXml('ObjektAnsvarligMyndighed', r.objektAnsvarligMyndighed, 4);
    x += idXml('ObjektId', r.objektId, 4);
    x += idXml('ObjektType', r.objektType, 4);
    x += idXml('ObjektHandling', r.objektHandling, 4);
    x += idXml('OpgaveEmne', r.opgaveEmne, 4);
    x += `${ind(3)}</b:ObjektRegistrering>\n`;
  }
  for (const t of f.tvaergaaendeProces) x += idXml('TvaergaaendeProces', t, 3);
  x += `${ind(2)}</b:Filtreringsdata>\n${ind(2)}<b:Leveranceinformation>\n`;
  x += timeXml('Dannelsestidspunkt', l.dannelsestidspunkt, 3);
  x += idXml('TransaktionsId', l.transaktionsId, 3);
  x += idXml('Kildesystem', l.kildesystem, 3);
  x += textXml('KildesystemIPAdresse', l.kildesystemIPAdresse, 3);
  x += textXml('KildesystemAkkreditiver', l.kildesystemAkkreditiver, 3);
  x += idXml('Sikkerhedsklassificering', l.sikkerhedsklassificering, 3);
  if (l.leveranceruter.length) {
    x += `${ind(3)}<b:Leveranceruter>\n`;
    for (const r of l.leveranceruter) {
      x += `${ind(4)}<b:Leverancerute>\n`;
      x += idXml('Fordelingssystem', r.fordelingssystem, 5);
      x += timeXml('ModtagelsesTidspunkt', r.modtagelsesTidspunkt, 5);
      x += timeXml('LeveranceTidspunkt', r.leveranceTidspunkt, 5);
      x += idXml('ModtagetFraSystem', r.modtagetFraSystem, 5);
      x += idXml('ErLeveretIHenholdTil', r.erLeveretIHenholdTil, 5);
      if (r.antalLeveranceforsoeg !== undefined)
        x += `${ind(5)}<b:LeveranceruteLokalUdvidelse><b:AntalLeveranceforsoeg>${r.antalLeveranceforsoeg}</b:AntalLeveranceforsoeg></b:LeveranceruteLokalUdvidelse>\n`;
      x += `${ind(4)}</b:Leverancerute>\n`;
    }
    x += `${ind(3)}</b:Leveranceruter>\n`;
  }
  x += `${ind(2)}</b:Leveranceinformation>\n`;
  if (k.modtagerhandling) {
    x += `${ind(2)}<b:Modtagerhandling>\n${idXml('Handling', k.modtagerhandling.handling, 3)}${idXml('Responsmodtager', k.modtagerhandling.responsmodtager, 3)}${ind(2)}</b:Modtagerhandling>\n`;
  }
  x += timeXml('GyldighedFra', k.gyldighedFra, 2);
  x += timeXml('GyldighedTil', k.gyldighedTil, 2);
  x += `${ind(1)}</b:Beskedkuvert>\n`;
  for (const d of b.beskeddata) {
    if ('xml' in d) x += `${ind(1)}<b:Beskeddata>${d.xml}</b:Beskeddata>\n`;
    else if ('base64' in d) x += `${ind(1)}<b:Beskeddata>${escText(d.base64)}</b:Beskeddata>\n`;
    else x += `${ind(1)}<b:Beskeddata>${escText(Buffer.from(JSON.stringify(d.json)).toString('base64'))}</b:Beskeddata>\n`;
  }
  return `${x}</b:Haendelsesbesked>\n`;
}
