/**
 * The published XML form of the Haendelsesbesked: read and written.
 *
 * Reading is namespace-tolerant: elements are matched on their local names, so any prefix (or a
 * default namespace, or none) works, as senders' toolkits differ. The document is read with the
 * platform's safe XML (src/platform/xml.ts: no DTD, no entities but the XML five, limits on size,
 * depth, elements, attributes and namespace declarations). The content of each `Beskeddata` is
 * written again so that it stands alone: its top elements declare the namespaces their subtrees
 * use, and only those (never every namespace the envelope declared), so the work and the result
 * stay linear in the message.
 */
import { escapeXmlText, parseXml, scopeOf, textOf, XML_LIMITS, type XmlElement } from '../../../platform/xml.ts';
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
import { beskeddataOf, readingXml, standsAlone } from './payload.ts';

const escText = escapeXmlText;

const isElement = (n: unknown): n is XmlElement => typeof n !== 'string';

/**
 * Parses an XML Haendelsesbesked. Throws the catalogue's errors, naming the line. `maxBytes`: the
 * largest message taken (the platform's XML default, 1 MiB, unless given).
 */
export function envelopeFromXml(xml: string, options: { maxBytes?: number } = {}): Haendelsesbesked {
  const root = readingXml(() => parseXml(xml, { maxBytes: options.maxBytes ?? XML_LIMITS.maxBytes }));
  if (root.local !== 'Haendelsesbesked')
    throw bfoError('BFO_WRONG_ROOT', `the root element is ${root.name}, not Haendelsesbesked (${ENVELOPE_NS})`);
  // What the payloads' declarations add is held to the size of the message, whatever their number.
  const budget = { declarations: xml.length };
  const datas = root.children
    .filter((c): c is XmlElement => isElement(c) && c.local === 'Beskeddata')
    .map((d) => readingXml(() => beskeddataOf(d, scopeOf([root, d]), budget)));
  return checkEnvelope(toEnvelope(root, datas));
}

type Node = XmlElement;

function child(n: Node | undefined, local: string): Node | undefined {
  return n?.children.find((c): c is Node => isElement(c) && c.local === local);
}
function childrenOf(n: Node | undefined, local: string): Node[] {
  return n?.children.filter((c): c is Node => isElement(c) && c.local === local) ?? [];
}

/** The text of an element, trimmed; undefined when there is no element. */
function trimmed(n: Node | undefined): string | undefined {
  return n ? textOf(n).trim() : undefined;
}

function missing(what: string, line: number): never {
  throw bfoError('BFO_INVALID_ENVELOPE', `line ${line}: ${what} is required`, { field: what, line });
}

/** UnikIdType / AktoerType: the text of its UUIDIdentifikator or URNIdentifikator. */
function id(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const v = child(n, 'UUIDIdentifikator') ?? child(n, 'URNIdentifikator') ?? child(n, 'IdentifikatorTekst');
  const text = textOf(v ?? n).trim();
  return text === '' ? undefined : text;
}

/** TidspunktType: a TidsstempelDatoTid, or a GraenseIndikator (an open bound). */
function tidspunkt(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const ts = child(n, 'TidsstempelDatoTid');
  if (ts) return textOf(ts).trim() || undefined;
  const g = child(n, 'GraenseIndikator');
  if (g) return textOf(g).trim() === 'true' ? 'infinity' : '-infinity';
  return textOf(n).trim() || undefined;
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
    beskedVersion: trimmed(child(root, 'BeskedVersion')) || missing('BeskedVersion', root.line),
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
        kildesystemIPAdresse: trimmed(child(l, 'KildesystemIPAdresse')) || undefined,
        kildesystemAkkreditiver: trimmed(child(l, 'KildesystemAkkreditiver')) || undefined,
        sikkerhedsklassificering: id(child(l, 'Sikkerhedsklassificering')),
        leveranceruter: childrenOf(child(l, 'Leveranceruter'), 'Leverancerute').map((r): Leverancerute => {
          const antal = trimmed(child(child(r, 'LeveranceruteLokalUdvidelse'), 'AntalLeveranceforsoeg'));
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

/**
 * One Beskeddata. XML that stands alone goes in as it is, under `xmlns=""` so an unprefixed
 * payload element stays in no namespace inside the envelope's default one; any other text (a row
 * stored before payloads were checked) goes in as base64, never pasted.
 */
function beskeddataXml(d: Beskeddata): string {
  if ('xml' in d) {
    if (d.xml === '') return '<b:Beskeddata></b:Beskeddata>';
    if (standsAlone(d.xml)) return `<b:Beskeddata xmlns="">${d.xml}</b:Beskeddata>`;
    return `<b:Beskeddata>${Buffer.from(d.xml).toString('base64')}</b:Beskeddata>`;
  }
  if ('base64' in d) return `<b:Beskeddata>${escText(d.base64)}</b:Beskeddata>`;
  return `<b:Beskeddata>${Buffer.from(JSON.stringify(d.json)).toString('base64')}</b:Beskeddata>`;
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
    x += `${ind(1)}${beskeddataXml(d)}\n`;
  }
  return `${x}</b:Haendelsesbesked>\n`;
}
