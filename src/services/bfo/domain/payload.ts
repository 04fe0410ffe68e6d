/**
 * The XML payload of a Beskeddata, whichever form brought it. It is read with the platform's safe
 * XML and written again so that it stands alone: well-formed, and declaring on its top elements
 * the namespaces it uses (and only those). Text is never pasted into an envelope unread, so a
 * payload cannot close its Beskeddata and open an envelope of its own.
 */
import { AppError, PlatformErrors } from '../../../platform/errors.ts';
import { parseXmlFragment, textOf, writeXmlNodes, XML_LIMITS, type XmlElement, type XmlWriteBudget } from '../../../platform/xml.ts';
import { bfoError } from '../errors.ts';
import type { Beskeddata } from './envelope.ts';

/**
 * A payload sent as text sits two levels down in the XML form (Haendelsesbesked, Beskeddata): it
 * may nest two levels less, so the message it becomes stays within the reader's depth.
 */
const PAYLOAD_DEPTH = XML_LIMITS.maxDepth - 2;
/** The message around a payload was held to the message limit already. */
const NO_SIZE_LIMIT = Number.MAX_SAFE_INTEGER;

// The envelope kept its codes for what it always refused; the limits answer with the platform's.
const AS_BFO = {
  XML_MALFORMED: 'BFO_MALFORMED_XML',
  XML_DOCTYPE_FORBIDDEN: 'BFO_DOCTYPE_FORBIDDEN',
  XML_ENTITY_FORBIDDEN: 'BFO_ENTITY_FORBIDDEN',
} as const;

/** Runs a read of the safe-XML module, answering its refusals as the Beskedfordeler does, naming the field when given. */
export function readingXml<T>(read: () => T, field?: string): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof AppError) || !err.code.startsWith('XML_')) throw err;
    const details = { ...(err.details as Record<string, unknown> | undefined), ...(field ? { field } : {}) };
    const message = field ? `${field}: ${err.message}` : err.message;
    const bfo = AS_BFO[err.code as keyof typeof AS_BFO];
    if (bfo) throw bfoError(bfo, message, details);
    throw new AppError(PlatformErrors[err.code as keyof typeof PlatformErrors], message, details);
  }
}

/**
 * Payload texts known to stand alone: those this process read, wrote or checked lately. A message
 * is written as XML once per receiver on RabbitMQ and at every pull as XML; its payload is then
 * parsed once, not every time. Held up to a number of characters, the oldest let go first.
 */
const standing = new Map<string, number>();
let standingChars = 0;
const STANDING_MAX_CHARS = 16 * 1024 * 1024;

function remember(text: string): string {
  if (text.length > STANDING_MAX_CHARS / 16 || standing.has(text)) return text;
  standing.set(text, text.length);
  standingChars += text.length;
  for (const [oldest, length] of standing) {
    if (standingChars <= STANDING_MAX_CHARS) break;
    standing.delete(oldest);
    standingChars -= length;
  }
  return text;
}

/**
 * A Beskeddata element of the XML form as the value holds it: its elements written to stand alone
 * (`scope`: the namespaces in scope at the Beskeddata), base64 text, or empty.
 */
export function beskeddataOf(el: XmlElement, scope: ReadonlyMap<string, string>, budget: XmlWriteBudget): Beskeddata {
  if (el.children.some((c) => typeof c !== 'string')) return { xml: remember(writeXmlNodes(el.children, scope, budget).trim()) };
  const text = textOf(el);
  return text.trim() ? { base64: text.replace(/\s+/g, '') } : { xml: '' };
}

/**
 * An XML payload sent as text (the JSON form's `beskeddata[].xml`, a CloudEvent's XML `data`): read
 * as a fragment that must declare every prefix it uses, and written again. Blank stays blank; text
 * without an element is refused (it would come back as base64 from the XML form).
 */
export function payloadFromText(text: string, field: string): string {
  const nodes = readingXml(() => parseXmlFragment(text, { maxBytes: NO_SIZE_LIMIT, maxDepth: PAYLOAD_DEPTH }), field);
  if (!nodes.some((n) => typeof n !== 'string')) {
    if (text.trim() === '') return '';
    throw bfoError('BFO_INVALID_ENVELOPE', `${field} holds no XML element: send text as base64`, { field });
  }
  return remember(writeXmlNodes(nodes).trim());
}

/**
 * Whether payload text may go into an envelope as XML: a well-formed fragment that stands alone.
 * What this Beskedfordeler stores always is; a row stored before payloads were checked may not be.
 */
export function standsAlone(text: string): boolean {
  if (standing.has(text)) return true;
  try {
    parseXmlFragment(text, { maxBytes: NO_SIZE_LIMIT });
    remember(text);
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}
