/**
 * Safe XML: a reader that never reads a DTD and never expands an entity other than the five XML
 * ones, with limits on size, depth, elements, attributes per element and namespace declarations
 * per element (each refused with its own code), and a writer that makes a part of a document
 * stand alone by declaring only the namespaces it uses.
 *
 * Work is linear in the input: nothing is copied per element but the element itself (no scope of
 * inherited namespaces travels down the tree), and the writer resolves each namespace a part uses
 * once, from a map built once.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { platformError } from './errors.ts';

export interface XmlLimits {
  /** The largest input, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** The deepest nesting of elements. */
  readonly maxDepth: number;
  readonly maxElements: number;
  /** Attributes on one element, namespace declarations included. */
  readonly maxAttributes: number;
  /** Namespace declarations on one element. */
  readonly maxNamespaces: number;
}

/** The limits unless a caller gives its own. */
export const XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxElements: 100_000,
  maxAttributes: 256,
  maxNamespaces: 64,
});

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

export interface XmlAttribute {
  /** As written: `prefix:local` or `local`. */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** The namespace the prefix is bound to; '' for an unprefixed attribute. */
  readonly uri: string;
  readonly value: string;
}

export interface XmlElement {
  /** As written: `prefix:local` or `local`. */
  readonly name: string;
  readonly prefix: string;
  readonly local: string;
  /** The element's namespace; '' for none. */
  readonly uri: string;
  /** The namespace declarations on this element, in document order: [prefix ('' the default), uri]. */
  readonly namespaces: readonly (readonly [string, string])[];
  /** Its attributes, namespace declarations left out. */
  readonly attributes: readonly XmlAttribute[];
  /** Elements and text (character data, CDATA included); comments and processing instructions are dropped. */
  readonly children: readonly XmlNode[];
  /** The line its start tag ends on. */
  readonly line: number;
}

export type XmlNode = XmlElement | string;

interface Building extends XmlElement {
  children: XmlNode[];
}

const limitsOf = (given: Partial<XmlLimits> | undefined): XmlLimits => (given ? { ...XML_LIMITS, ...given } : XML_LIMITS);

function checkSize(text: string, limits: XmlLimits): void {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most inputs are decided without counting.
  if (text.length * 3 <= limits.maxBytes) return;
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes)
    throw platformError('XML_TOO_LARGE', `The XML is ${bytes} bytes; the limit is ${limits.maxBytes}`, { limit: limits.maxBytes });
}

function read(text: string, limits: XmlLimits, fragment: boolean): XmlNode[] {
  checkSize(text, limits);
  const parser = new SaxesParser({ xmlns: true, position: true, fragment });
  const top: XmlNode[] = [];
  const open: Building[] = [];
  let elements = 0;
  let attributes = 0;
  let namespaces = 0;
  const refuse = (code: Parameters<typeof platformError>[0], what: string, details: Record<string, unknown> = {}): never => {
    throw platformError(code, `line ${parser.line}: ${what}`, { line: parser.line, ...details });
  };
  const addText = (t: string) => {
    const into = open.length ? open[open.length - 1]!.children : top;
    const last = into.length - 1;
    if (last >= 0 && typeof into[last] === 'string') into[last] += t;
    else into.push(t);
  };

  parser.on('doctype', () => refuse('XML_DOCTYPE_FORBIDDEN', 'a DOCTYPE is not allowed (no DTD is read, no entity expanded)'));
  parser.on('error', (err: Error) => {
    if (/undefined entity|disallowed character in entity name/i.test(err.message))
      refuse('XML_ENTITY_FORBIDDEN', `entity references other than the XML built-ins are not allowed: ${err.message}`);
    // A fragment is past its "root" from the start: saxes reports its DOCTYPE as misplaced.
    if (/doctype/i.test(err.message)) refuse('XML_DOCTYPE_FORBIDDEN', 'a DOCTYPE is not allowed (no DTD is read, no entity expanded)');
    refuse('XML_MALFORMED', err.message);
  });
  // Counted as the start tag is read, before saxes gathers the attributes or resolves names.
  parser.on('opentagstart', () => {
    if (++elements > limits.maxElements)
      refuse('XML_TOO_MANY_ELEMENTS', `more than ${limits.maxElements} elements`, { limit: limits.maxElements });
    if (open.length + 1 > limits.maxDepth)
      refuse('XML_TOO_DEEP', `elements nested deeper than ${limits.maxDepth}`, { limit: limits.maxDepth });
    attributes = 0;
    namespaces = 0;
  });
  parser.on('attribute', (a) => {
    if (++attributes > limits.maxAttributes)
      refuse('XML_TOO_MANY_ATTRIBUTES', `an element with more than ${limits.maxAttributes} attributes`, { limit: limits.maxAttributes });
    const declares = (a as { prefix?: string }).prefix === 'xmlns' || a.name === 'xmlns';
    if (declares && ++namespaces > limits.maxNamespaces)
      refuse('XML_TOO_MANY_NAMESPACES', `an element declaring more than ${limits.maxNamespaces} namespaces`, {
        limit: limits.maxNamespaces,
      });
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const decls: [string, string][] = [];
    const attrs: XmlAttribute[] = [];
    for (const a of Object.values(tag.attributes) as SaxesAttributeNS[]) {
      if (a.prefix === 'xmlns') decls.push([a.local, a.value.trim()]);
      else if (a.name === 'xmlns') decls.push(['', a.value.trim()]);
      else attrs.push({ name: a.name, prefix: a.prefix, local: a.local, uri: a.uri, value: a.value });
    }
    const el: Building = {
      name: tag.name,
      prefix: tag.prefix,
      local: tag.local,
      uri: tag.uri,
      namespaces: decls,
      attributes: attrs,
      children: [],
      line: parser.line,
    };
    (open.length ? open[open.length - 1]!.children : top).push(el);
    open.push(el);
  });
  parser.on('closetag', () => {
    open.pop();
  });
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(text).close();
  return top;
}

/**
 * Reads an XML document: its root element. XML_MALFORMED, XML_DOCTYPE_FORBIDDEN,
 * XML_ENTITY_FORBIDDEN, or the limit's code (XML_TOO_LARGE, XML_TOO_DEEP, XML_TOO_MANY_ELEMENTS,
 * XML_TOO_MANY_ATTRIBUTES, XML_TOO_MANY_NAMESPACES) when it cannot be taken.
 */
export function parseXml(text: string, limits?: Partial<XmlLimits>): XmlElement {
  const root = read(text, limitsOf(limits), false).find((n): n is XmlElement => typeof n !== 'string');
  if (!root) throw platformError('XML_MALFORMED', 'The document has no root element');
  return root;
}

/**
 * Reads a fragment: any number of elements with text between them, as the content of an element
 * is. It must stand alone: every prefix it uses is declared inside it (else XML_MALFORMED).
 */
export function parseXmlFragment(text: string, limits?: Partial<XmlLimits>): XmlNode[] {
  return read(text, limitsOf(limits), true);
}

/** The text directly inside an element (not that of its child elements). */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

/** The namespaces in scope inside the innermost of `ancestors` (outermost first): prefix ('' the default) → URI. */
export function scopeOf(ancestors: readonly XmlElement[]): ReadonlyMap<string, string> {
  const scope = new Map<string, string>();
  for (const a of ancestors) for (const [p, uri] of a.namespaces) scope.set(p, uri);
  return scope;
}

// A QName in an attribute value (xsi:type="tns:Person"): the prefix it uses must be declared too.
const QNAME_VALUE = /^\s*([A-Za-z_][A-Za-z0-9_.-]*):[A-Za-z_][A-Za-z0-9_.-]*\s*$/;

/**
 * The declarations a top element of a part needs to stand alone: each prefix used in its subtree
 * (by an element, an attribute, or a QName attribute value) and not declared inside the subtree,
 * bound as it was where the element stood. One walk over the subtree.
 */
function inheritedDeclarations(top: XmlElement, scope: ReadonlyMap<string, string>): [string, string][] {
  const declaredInside = new Map<string, number>();
  const needed = new Map<string, string>();
  const use = (prefix: string, uri: string | undefined) => {
    if (prefix === 'xml' || needed.has(prefix) || (declaredInside.get(prefix) ?? 0) > 0) return;
    // Unprefixed and in no namespace: standing alone already says so.
    if (uri === undefined || (prefix === '' && uri === '')) return;
    needed.set(prefix, uri);
  };
  const walk = (el: XmlElement) => {
    for (const [p] of el.namespaces) declaredInside.set(p, (declaredInside.get(p) ?? 0) + 1);
    use(el.prefix, el.uri);
    for (const a of el.attributes) {
      if (a.prefix) use(a.prefix, a.uri);
      const q = a.value.length <= 1024 ? QNAME_VALUE.exec(a.value) : null;
      if (q) use(q[1]!, scope.get(q[1]!));
    }
    for (const c of el.children) if (typeof c !== 'string') walk(c);
    for (const [p] of el.namespaces) declaredInside.set(p, declaredInside.get(p)! - 1);
  };
  walk(top);
  return [...needed];
}

/** Text as XML character data: `&`, `<`, `>` and carriage returns escaped. */
export function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Text as a double-quoted attribute value: also `"`, and line breaks and tabs, which would otherwise be normalised away. */
export function escapeXmlAttribute(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const declaration = ([p, uri]: readonly [string, string]) =>
  p ? ` xmlns:${p}="${escapeXmlAttribute(uri)}"` : ` xmlns="${escapeXmlAttribute(uri)}"`;

/**
 * What writing parts to stand alone may add, shared by every part of one input: the characters of
 * namespace declarations repeated on top elements. Set it to the input's length, and what the
 * declarations add can never outgrow the input (many top elements inheriting one long URI).
 */
export interface XmlWriteBudget {
  declarations: number;
}

/**
 * Writes nodes read from a document so that they stand alone: each top element declares the
 * namespaces its subtree uses from outside it (`scope`: what was in scope where the nodes stood),
 * and only those. XML_TOO_LARGE when the declarations added exceed the budget.
 */
export function writeXmlNodes(
  nodes: readonly XmlNode[],
  scope: ReadonlyMap<string, string> = new Map(),
  budget: XmlWriteBudget = { declarations: Infinity },
): string {
  let out = '';
  const element = (el: XmlElement, extra: readonly (readonly [string, string])[]) => {
    out += `<${el.name}`;
    for (const d of el.namespaces) out += declaration(d);
    for (const d of extra) {
      const text = declaration(d);
      budget.declarations -= text.length;
      if (budget.declarations < 0)
        throw platformError('XML_TOO_LARGE', 'Standing alone, the namespace declarations its parts need would outgrow the XML');
      out += text;
    }
    for (const a of el.attributes) out += ` ${a.name}="${escapeXmlAttribute(a.value)}"`;
    if (el.children.length === 0) {
      out += '/>';
      return;
    }
    out += '>';
    for (const c of el.children) {
      if (typeof c === 'string') out += escapeXmlText(c);
      else element(c, []);
    }
    out += `</${el.name}>`;
  };
  for (const n of nodes) {
    if (typeof n === 'string') out += escapeXmlText(n);
    else element(n, inheritedDeclarations(n, scope));
  }
  return out;
}
