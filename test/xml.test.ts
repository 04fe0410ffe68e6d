/**
 * The platform's safe XML (src/platform/xml.ts): what it refuses, with which code, and how it
 * writes a part of a document so that it stands alone, declaring only what the part uses.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/platform/errors.ts';
import { parseXml, parseXmlFragment, scopeOf, writeXmlNodes, XML_LIMITS, type XmlElement, type XmlNode } from '../src/platform/xml.ts';
import { codeOf } from './support/errors.ts';

const elements = (nodes: readonly XmlNode[]) => nodes.filter((n): n is XmlElement => typeof n !== 'string');

/** Every element of a tree with its namespace and local name, in document order. */
function names(nodes: readonly XmlNode[]): string[] {
  const out: string[] = [];
  const walk = (el: XmlElement) => {
    out.push(`{${el.uri}}${el.local}`);
    for (const a of el.attributes) out.push(`@{${a.uri}}${a.local}=${a.value}`);
    elements(el.children).forEach(walk);
  };
  elements(nodes).forEach(walk);
  return out;
}

describe('safe XML: what it refuses', () => {
  it('refuses a DOCTYPE, so no entity of a DTD is ever expanded (a billion laughs is refused at once)', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>`;
    expect(codeOf(() => parseXml(laughs))).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(codeOf(() => parseXml('<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'))).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(codeOf(() => parseXmlFragment('<!DOCTYPE x><x/>'))).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses entity references other than the five XML ones, and reads those and character references', () => {
    expect(codeOf(() => parseXml('<x>&ext;</x>'))).toBe('XML_ENTITY_FORBIDDEN');
    const x = parseXml('<x a="&quot;&#x41;">&lt;&gt;&amp;&apos;&#65;</x>');
    expect(x.children).toEqual(["<>&'A"]);
    expect(x.attributes[0]!.value).toBe('"A');
  });

  it('refuses what is not well-formed, and a fragment that uses a prefix it does not declare', () => {
    expect(codeOf(() => parseXml('<x><y></x>'))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseXml(''))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseXmlFragment('<x>a</x></b:Beskeddata><b:Beskedkuvert>'))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseXmlFragment('<p:x/>'))).toBe('XML_MALFORMED');
    expect(codeOf(() => parseXmlFragment('<x p:a="1"/>'))).toBe('XML_MALFORMED');
  });

  it('holds every limit, each with its own code', () => {
    const nested = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    expect(codeOf(() => parseXml(nested(XML_LIMITS.maxDepth)))).toBeUndefined();
    expect(codeOf(() => parseXml(nested(XML_LIMITS.maxDepth + 1)))).toBe('XML_TOO_DEEP');
    expect(codeOf(() => parseXml(`<r>${'<e/>'.repeat(99)}</r>`, { maxElements: 100 }))).toBeUndefined();
    expect(codeOf(() => parseXml(`<r>${'<e/>'.repeat(100)}</r>`, { maxElements: 100 }))).toBe('XML_TOO_MANY_ELEMENTS');
    const attrs = (n: number) => `<r${Array.from({ length: n }, (_, i) => ` a${i}="1"`).join('')}/>`;
    expect(codeOf(() => parseXml(attrs(XML_LIMITS.maxAttributes)))).toBeUndefined();
    expect(codeOf(() => parseXml(attrs(XML_LIMITS.maxAttributes + 1)))).toBe('XML_TOO_MANY_ATTRIBUTES');
    const decls = (n: number) => `<r${Array.from({ length: n }, (_, i) => ` xmlns:p${i}="urn:x:${i}"`).join('')}/>`;
    expect(codeOf(() => parseXml(decls(XML_LIMITS.maxNamespaces)))).toBeUndefined();
    expect(codeOf(() => parseXml(decls(XML_LIMITS.maxNamespaces + 1)))).toBe('XML_TOO_MANY_NAMESPACES');
    expect(codeOf(() => parseXml(`<r>${'æ'.repeat(600)}</r>`, { maxBytes: 1000 }))).toBe('XML_TOO_LARGE');
    expect(codeOf(() => parseXml(`<r>${'æ'.repeat(400)}</r>`, { maxBytes: 1000 }))).toBeUndefined();
  });

  it('names the line of a refusal', () => {
    try {
      parseXml('<r>\n<a>\n&nope;</a></r>');
      expect.unreachable();
    } catch (err) {
      expect((err as AppError).details).toMatchObject({ line: 3 });
    }
  });
});

describe('safe XML: writing a part to stand alone', () => {
  const doc = parseXml(
    `<env:E xmlns:env="urn:env" xmlns="urn:default" xmlns:t="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xmlns:unused1="urn:u1" xmlns:unused2="urn:u2" xmlns:q="urn:q">
       <env:Data>
         <t:Top xsi:type="q:Kind" xml:lang="da"><plain>1</plain><i:Inner xmlns:i="urn:i" i:a="2"/></t:Top>
         <t:Second><t:x>a &amp; b</t:x></t:Second>
       </env:Data>
     </env:E>`,
  );
  const data = elements(doc.children)[0]!;
  const written = writeXmlNodes(data.children, scopeOf([doc, data])).trim();

  it('declares on each top element only the namespaces its subtree uses, including QName values', () => {
    const [top, second] = elements(parseXmlFragment(written));
    expect(top!.namespaces).toEqual([
      ['t', 'urn:t'],
      ['xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
      ['q', 'urn:q'],
      ['', 'urn:default'],
    ]);
    expect(second!.namespaces).toEqual([['t', 'urn:t']]);
    expect(written).not.toMatch(/unused|urn:env/);
    // Declared inside the part stays where it was; xml: is never declared.
    expect(written).toContain('<i:Inner xmlns:i="urn:i" i:a="2"/>');
    expect(written).not.toContain('xmlns:xml');
  });

  it('reads back, on its own, to the same names and values it had in the document', () => {
    expect(names(parseXmlFragment(written))).toEqual(names(data.children));
    expect(textOfAll(parseXmlFragment(written))).toContain('a & b');
    // Written again, it is the same text.
    expect(writeXmlNodes(parseXmlFragment(written)).trim()).toBe(written);
  });

  it('keeps an unprefixed element in no namespace bare, and declares a default it inherits', () => {
    const none = parseXml('<e><d><x/></d></e>');
    const d = elements(none.children)[0]!;
    expect(writeXmlNodes(d.children, scopeOf([none, d]))).toBe('<x/>');
    const withDefault = parseXml('<e xmlns="urn:d"><d><x/></d></e>');
    const d2 = elements(withDefault.children)[0]!;
    expect(writeXmlNodes(d2.children, scopeOf([withDefault, d2]))).toBe('<x xmlns="urn:d"/>');
  });

  it('stays linear: sixty declared namespaces and twenty thousand elements give a part no larger than the input', () => {
    const decls = Array.from({ length: 60 }, (_, i) => ` xmlns:p${i}="urn:stotte:test:ns:${i}"`).join('');
    const input = `<r${decls}><d><p0:w>${'<p1:e/>'.repeat(20_000)}</p0:w></d></r>`;
    const r = parseXml(input);
    const d = elements(r.children)[0]!;
    const out = writeXmlNodes(d.children, scopeOf([r, d]), { declarations: input.length });
    expect(out.length).toBeLessThan(input.length);
    expect(out.match(/xmlns:/g)).toHaveLength(2);
  });

  it('refuses with XML_TOO_LARGE when declarations repeated on many top elements would outgrow the input', () => {
    const input = `<r xmlns:p="urn:${'x'.repeat(200)}"><d>${'<p:e/>'.repeat(1000)}</d></r>`;
    const r = parseXml(input);
    const d = elements(r.children)[0]!;
    expect(codeOf(() => writeXmlNodes(d.children, scopeOf([r, d]), { declarations: input.length }))).toBe('XML_TOO_LARGE');
  });
});

function textOfAll(nodes: readonly XmlNode[]): string {
  return nodes.map((n) => (typeof n === 'string' ? n : textOfAll(n.children))).join('');
}
