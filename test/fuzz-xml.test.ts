import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { bfoActor, testbesked, type BfoActor } from './support/bfo.ts';

/**
 * A short fuzz run of XML sends to FK Beskedfordeler (issue 12): payloads and envelopes with
 * namespaces, prefixes, entities, CDATA, comments, deep nesting and broken markup, as XML and as
 * the JSON envelope's `xml` payload. Whatever arrives, the answer is a 2xx or a 4xx with a code,
 * never a 5xx, and none takes longer than the bound docs/security.md states.
 */

const BOUND_MS = 2_000;
const A = '55133018';

const prefix = fc.constantFrom('', 'a', 'b', 'xsi', 'ns2', 'x');
const local = fc.constantFrom('e', 'Beskeddata', 'Beskedkuvert', 'pnr', 'data', 'Haendelsesbesked');
const text = fc.oneof(
  fc.constantFrom(
    '',
    'tekst',
    '&amp;',
    '&lt;',
    '&foo;',
    '&#x41;',
    '&#0;',
    '<![CDATA[<b:Beskedkuvert>]]>',
    '<!-- c -->',
    '<?pi x?>',
    ']]>',
    '&',
    '<',
  ),
  fc.string({ maxLength: 6 }),
);
const nsDecls = fc.array(
  fc.tuple(fc.constantFrom('a', 'b', 'x', 'xsi', 'ns2', ''), fc.constantFrom('urn:a', 'urn:b', 'urn:oio:besked:kuvert:1.0', '')),
  {
    maxLength: 5,
  },
);

/** One payload element, possibly nested, with attributes and namespace declarations. */
const element: fc.Memo<string> = fc.memo((n) =>
  fc
    .tuple(
      prefix,
      local,
      nsDecls,
      fc.option(fc.tuple(prefix, fc.constantFrom('type', 'id')), { nil: undefined }),
      text,
      n > 1 ? fc.array(element(n - 1), { maxLength: 3 }) : fc.constant([]),
    )
    .map(([p, l, ns, attr, t, kids]) => {
      const name = p ? `${p}:${l}` : l;
      const decls = ns.map(([q, uri]) => (q ? ` xmlns:${q}="${uri}"` : ` xmlns="${uri}"`)).join('');
      const a = attr ? ` ${attr[0] ? `${attr[0]}:` : ''}${attr[1]}="${attr[0] === 'xsi' ? 'b:T' : 'v'}"` : '';
      return `<${name}${decls}${a}>${t}${kids.join('')}</${name}>`;
    }),
);

/** Deep nesting: past the depth limit as often as under it. */
const deep = fc.integer({ min: 1, max: 140 }).map((d) => `${'<d>'.repeat(d)}x${'</d>'.repeat(d)}`);
// (Wide bodies stay small most of the time, so most messages fit and are taken.)
/** Many namespaces on the root and many siblings: the shape of the review's blow-up. */
const wide = fc
  .tuple(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 })), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 })))
  .map(([ns, n]) => ({ ns: Array.from({ length: ns }, (_, i) => ` xmlns:n${i}="urn:n:${i}"`).join(''), body: '<n0:e/>'.repeat(n) }));

for (const backend of allBackends) {
  describeWith(backend)(`fuzzing the Beskedfordeler's XML sends on ${backend.name}`, () => {
    let t: TestPlatform;
    let sender: BfoActor;
    let slowest = 0;
    const statuses = new Map<number, number>();
    const beskedtype = randomUUID();
    beforeAll(async () => {
      t = await startPlatform(backend, ['bfo', 'adgsystem']);
      sender = await bfoActor(t, ['send', 'modtag'], A);
      const res = await sender.request('POST', '/beskedfordeler/beskedtyper', {
        uuid: beskedtype,
        navn: 'fuzz',
        ejer: sender.itSystem,
        sensitivitet: 'fortrolig',
      });
      expect(res.status, res.text).toBe(201);
    });
    // Most payloads declare the prefixes they may use, so the accepting path is walked as well.
    const declared = (payload: string, declare: boolean) =>
      declare
        ? `<w xmlns:a="urn:a" xmlns:b="urn:b" xmlns:x="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${payload}</w>`
        : payload;
    afterAll(async () => {
      console.log(`fuzz-xml on ${backend.name}: slowest answer ${slowest} ms; answers ${JSON.stringify(Object.fromEntries(statuses))}`);
      await t?.close();
    });

    const send = async (body: string, contentType: string) => {
      const started = performance.now();
      const res = await sender.request('POST', '/beskedfordeler/beskeder', body, contentType);
      const ms = performance.now() - started;
      slowest = Math.max(slowest, Math.round(ms));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `${res.status} ${res.text.slice(0, 200)} ← ${body.slice(0, 300)}`;
      expect(res.status, where).toBeLessThan(500);
      if (res.status >= 400) expect((res.body as { error: { code: string } }).error.code, where).toMatch(/^[A-Z_]+$/);
      expect(ms, where).toBeLessThan(BOUND_MS);
    };

    it('refuses a message that is not valid UTF-8 (never replaces its bytes), and stores nothing', async () => {
      const xml = testbesked({ cvr: A, beskedtype }).xml.replace('<test:note>syntetisk</test:note>', '<test:note>\u0000</test:note>');
      const bytes = Buffer.from(xml.replace('\u0000', 'XX'));
      const at = bytes.indexOf('XX');
      bytes[at] = 0xc3; // a lead byte followed by an ASCII byte: not UTF-8
      const before = (await t.store.query('SELECT count(*)::int AS n FROM bfo_besked')).rows[0]!.n;
      const res = await t.platform.http.inject({
        method: 'POST',
        url: '/beskedfordeler/beskeder',
        headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/xml' },
        payload: bytes,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe('INVALID_ENCODING');
      expect((await t.store.query('SELECT count(*)::int AS n FROM bfo_besked')).rows[0]!.n).toBe(before);
    });

    it(`answers XML messages with any payload with a 2xx or a coded 4xx, within ${BOUND_MS} ms`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(element(4), deep), wide, fc.integer({ min: 0, max: 9 }), async (payload, w, dice) => {
          const base = testbesked({ cvr: A, beskedtype }).xml.replace(/<ns2:Haendelsesbesked /, `<ns2:Haendelsesbesked${w.ns} `);
          let xml = base.replace(
            /<ns2:Beskeddata>[\s\S]*<\/ns2:Beskeddata>/,
            `<ns2:Beskeddata>${declared(payload, dice > 1)}${w.body}</ns2:Beskeddata>`,
          );
          if (dice === 0) xml = xml.slice(0, Math.floor(xml.length * 0.9));
          await send(xml, 'application/xml');
        }),
        { numRuns: 80, seed: 5 },
      );
    });

    it(`answers JSON envelopes whose XML payload is anything with a 2xx or a coded 4xx, within ${BOUND_MS} ms`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(element(4), deep, text, fc.constant('</b:Beskeddata><b:Beskedkuvert>')),
          fc.boolean(),
          async (payload, declare) => {
            const xml = declared(payload, declare);
            const besked = {
              beskedId: randomUUID(),
              beskedkuvert: {
                filtreringsdata: {
                  beskedtype,
                  objektRegistrering: [{ objektAnsvarligMyndighed: `urn:oio:cvr-nr:${A}` }],
                },
              },
              beskeddata: [{ xml }],
            };
            await send(JSON.stringify(besked), 'application/json');
          },
        ),
        { numRuns: 80, seed: 6 },
      );
    });
  });
}
