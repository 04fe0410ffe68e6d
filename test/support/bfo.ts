import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TransportFactory } from '../../src/services/bfo/index.ts';
import type { AuditLog } from '../../src/platform/audit.ts';
import type { Store } from '../../src/platform/store/store.ts';
import type { TokenService } from '../../src/services/adgsystem/index.ts';
import { clientKey, provisionTestClient } from './auth.ts';
import { requirement, type Requirement } from './requires.ts';

/**
 * The published envelope schema's test messages, read where the project's shared fixtures live
 * (beside the checkout), or from STOTTE_BFO_FIXTURES. They are not copied into the repository;
 * where they are absent (a checkout on its own), synthetic stand-ins of the same shape take their
 * place: 01 a message about an object of CVR 12345678 with KLE subject 32.01.01, 02 another, and
 * 03 a second message with 01's BeskedId, as the published ones are.
 */
export const BFO_FIXTURES = process.env.STOTTE_BFO_FIXTURES ?? new URL('../../../shared/fixtures/bfo/', import.meta.url).pathname;
export const PUBLISHED_FIXTURES = existsSync(`${BFO_FIXTURES}/testbesked01.xml`);
/** For the tests that read the published messages themselves: skipped, saying where to put them, without. */
export const PUBLISHED: Requirement = requirement(
  PUBLISHED_FIXTURES,
  `the published test messages are not in ${BFO_FIXTURES} (put them there or set STOTTE_BFO_FIXTURES)`,
);

export const TYPE1 = '7654895c-a3f3-4c77-8afd-4c77330f963c';
const BESKED_01 = '01157488-c45c-4fd2-b076-1de12effbf66';

/** The synthetic messages' CPR numbers (synthetic: day of month 61–91). */
export const CPR_RELATERET = 'urn:oio:cpr-nr:6512484916';
export const CPR_OBJEKT = 'urn:oio:cpr-nr:6204151234';

/**
 * A synthetic Haendelsesbesked shaped like the published test message 01 (the envelope under the
 * prefix ns2, the sagdok namespace as default), with synthetic CPR numbers.
 */
export function syntheticXml(beskedId: string, note = 'syntetisk'): string {
  const id = (tag: string, kind: 'UUID' | 'URN', v: string) => `<ns2:${tag}><${kind}Identifikator>${v}</${kind}Identifikator></ns2:${tag}>`;
  const time = (tag: string, v: string) => `<ns2:${tag}><TidsstempelDatoTid>${v}</TidsstempelDatoTid></ns2:${tag}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ns2:Haendelsesbesked xmlns="urn:oio:sagdok:3.0.0" xmlns:ns2="urn:oio:besked:kuvert:1.0">
  ${id('BeskedId', 'UUID', beskedId)}
  <ns2:BeskedVersion>1.0</ns2:BeskedVersion>
  <ns2:Beskedkuvert>
    <ns2:Filtreringsdata>
      ${id('Beskedtype', 'UUID', TYPE1)}
      ${id('BeskedAnsvarligAktoer', 'UUID', 'cf12c051-39ce-4066-ba11-704b46fa23c4')}
      ${id('TilladtModtager', 'URN', 'urn:oio:cvr-nr:12345678')}
      <ns2:RelateretObjekt>${id('ObjektId', 'URN', CPR_RELATERET)}${id('ObjektType', 'UUID', 'ce7fcf97-a8a2-447a-8690-d38aa0f6e23c')}</ns2:RelateretObjekt>
      <ns2:ObjektRegistrering>
        ${id('ObjektRegistreringId', 'UUID', 'aa1b94ce-d182-454f-baa6-b2febb457aa3')}
        ${id('RegistreringsAktoer', 'UUID', 'D92BB9C2-D826-4028-8FB5-D8B88B4377D4')}
        ${time('Registreringstidspunkt', '2016-03-13T08:00:00')}
        ${id('ObjektAnsvarligMyndighed', 'URN', 'urn:oio:cvr-nr:12345678')}
        ${id('ObjektId', 'URN', CPR_OBJEKT)}
        ${id('ObjektType', 'UUID', 'ce7fcf97-a8a2-447a-8690-d38aa0f6e23c')}
        ${id('ObjektHandling', 'UUID', '1e5bb089-5445-44f8-9b65-bc854053f423')}
        ${id('OpgaveEmne', 'URN', 'urn:oio:kle:32.01.01')}
      </ns2:ObjektRegistrering>
    </ns2:Filtreringsdata>
    <ns2:Leveranceinformation>
      ${time('Dannelsestidspunkt', '2016-03-15T08:00:00')}
      ${id('Sikkerhedsklassificering', 'UUID', '44f4108b-26d4-46de-a90f-35e35b55b8d8')}
    </ns2:Leveranceinformation>
    <ns2:GyldighedFra><TidsstempelDatoTid>2016-03-15T08:00:10</TidsstempelDatoTid></ns2:GyldighedFra>
  </ns2:Beskedkuvert>
  <ns2:Beskeddata>
    <test:Beskeddata xmlns:test="urn:stotte:test"><test:pnr>${CPR_OBJEKT.slice(-10)}</test:pnr><test:note>${note}</test:note></test:Beskeddata>
  </ns2:Beskeddata>
</ns2:Haendelsesbesked>
`;
}

export const fixtureXml = (n: 1 | 2 | 3): string =>
  PUBLISHED_FIXTURES
    ? readFileSync(`${BFO_FIXTURES}/testbesked0${n}.xml`, 'utf8')
    : syntheticXml(n === 2 ? 'b7a1c0de-0000-4000-8000-0000000b0002' : BESKED_01, `besked ${n}`);

/**
 * A message like test message 01, with a new BeskedId and, when given, another beskedtype,
 * municipality and KLE subject; `tilladtModtager` replaces its TilladtModtager (CVR numbers; [] for
 * none), and `ansvarlig: false` leaves out its ObjektAnsvarligMyndighed.
 */
export function testbesked(
  opts: { beskedId?: string; beskedtype?: string; cvr?: string; kle?: string; tilladtModtager?: string[]; ansvarlig?: false } = {},
): {
  xml: string;
  beskedId: string;
} {
  const beskedId = opts.beskedId ?? randomUUID();
  let xml = syntheticXml(beskedId);
  if (opts.beskedtype) xml = xml.replace(TYPE1, opts.beskedtype);
  if (opts.cvr) xml = xml.replace(/urn:oio:cvr-nr:12345678/g, `urn:oio:cvr-nr:${opts.cvr}`);
  if (opts.kle) xml = xml.replace('urn:oio:kle:32.01.01', `urn:oio:kle:${opts.kle}`);
  if (opts.tilladtModtager) {
    const receivers = opts.tilladtModtager.map(
      (c) => `<ns2:TilladtModtager><URNIdentifikator>urn:oio:cvr-nr:${c}</URNIdentifikator></ns2:TilladtModtager>`,
    );
    xml = xml.replace(/<ns2:TilladtModtager>[\s\S]*?<\/ns2:TilladtModtager>/, receivers.join(''));
  }
  if (opts.ansvarlig === false) xml = xml.replace(/<ns2:ObjektAnsvarligMyndighed>[\s\S]*?<\/ns2:ObjektAnsvarligMyndighed>/, '');
  return { xml, beskedId };
}

/** A transport the contract suite runs on (`unavailable` when its server is not named here). */
export interface TestTransport extends Requirement {
  readonly name: 'store' | 'amqp';
  readonly factory?: TransportFactory;
}

/** Small helpers over app.inject; `headers` go with every request. */
export function client(app: FastifyInstance, headers: Record<string, string> = {}) {
  return {
    async post(url: string, body: unknown, contentType = 'application/json') {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': contentType },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as any) : undefined };
    },
    async get(url: string) {
      const res = await app.inject({ method: 'GET', url, headers });
      return { status: res.statusCode, body: JSON.parse(res.body) as any };
    },
    async del(url: string) {
      const res = await app.inject({ method: 'DELETE', url, headers });
      return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as any) : undefined };
    },
    async sendXml(xml: string) {
      return this.post('/beskedfordeler/beskeder', xml, 'application/xml');
    },
  };
}

/** An IT system of its own with an agreement for FK Beskedfordeler, and the token it acts with. */
export interface BfoActor {
  readonly itSystem: string;
  readonly token: string;
  /** A request with this actor's token: the status, the parsed JSON body and the raw text. */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: any; text: string }>;
}

/**
 * Registers an IT system with an approved agreement for FK Beskedfordeler for one municipality and
 * the given privileges, and fetches its token through the platform's token service.
 */
export async function bfoActor(
  t: { store: Store; platform: { audit: AuditLog; tokens: TokenService; http: FastifyInstance } },
  privileges: string[],
  cvr: string,
): Promise<BfoActor> {
  const system = await provisionTestClient(t.store, t.platform.audit, [{ cvr, service: 'bfo', privileges }], clientKey());
  const token = await system.token(t.platform.tokens, 'bfo', cvr);
  return {
    itSystem: system.itSystem,
    token,
    async request(method, url, body, contentType = 'application/json') {
      const res = await t.platform.http.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, text: res.body };
    },
  };
}
