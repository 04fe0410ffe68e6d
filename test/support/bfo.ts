import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TransportFactory } from '../../src/services/bfo/index.ts';

/**
 * The published envelope schema's test messages, read where the project's shared fixtures live
 * (beside the checkout), or from STOTTE_BFO_FIXTURES. They are not copied into the repository.
 */
export const BFO_FIXTURES = process.env.STOTTE_BFO_FIXTURES ?? new URL('../../../shared/fixtures/bfo/', import.meta.url).pathname;
export const fixtureXml = (n: 1 | 2 | 3) => readFileSync(`${BFO_FIXTURES}/testbesked0${n}.xml`, 'utf8');

/** The published test message 01 with a new BeskedId and, when given, another beskedtype, municipality and KLE subject. */
export function testbesked(opts: { beskedId?: string; beskedtype?: string; cvr?: string; kle?: string } = {}): {
  xml: string;
  beskedId: string;
} {
  const beskedId = opts.beskedId ?? randomUUID();
  let xml = fixtureXml(1).replace('01157488-c45c-4fd2-b076-1de12effbf66', beskedId);
  if (opts.beskedtype) xml = xml.replace('7654895c-a3f3-4c77-8afd-4c77330f963c', opts.beskedtype);
  if (opts.cvr) xml = xml.replace(/urn:oio:cvr-nr:12345678/g, `urn:oio:cvr-nr:${opts.cvr}`);
  if (opts.kle) xml = xml.replace('urn:oio:kle:32.01.01', `urn:oio:kle:${opts.kle}`);
  return { xml, beskedId };
}

export const TYPE1 = '7654895c-a3f3-4c77-8afd-4c77330f963c';

/** A transport the contract suite runs on. */
export interface TestTransport {
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
