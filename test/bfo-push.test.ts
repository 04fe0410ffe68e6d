import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeFromXml, signPush } from '../src/services/bfo/index.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { allowAll } from '../src/services/bfo/index.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';

describe('the push signature', () => {
  it('is the documented t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>, on a known answer', () => {
    // Computed apart from the code:
    //   printf '%s' '1700000000.<besked/>' | openssl dgst -sha256 -hmac hemmelighed
    expect(signPush('hemmelighed', '<besked/>', 1_700_000_000)).toBe(
      't=1700000000,v1=b17dbeb20a915a029f81ed25e7054606366ac90a52103f659b9641d1c2d46d7e',
    );
  });
});

interface Received {
  body: string;
  signature: string;
}

for (const backend of allBackends) {
  describeWith(backend)(`push delivery on ${backend.name}`, () => {
    let t: TestPlatform;
    let server: Server;
    let url: string;
    const received: Received[] = [];
    // How the endpoint answers: per BeskedId, the number of failures before it accepts (Infinity: never).
    const failures = new Map<string, number>();

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          received.push({ body, signature: String(req.headers['x-bfo-signatur']) });
          const id = String(req.headers['x-bfo-besked-id']);
          const left = failures.get(id) ?? 0;
          if (left > 0) {
            failures.set(id, left - 1);
            res.writeHead(503).end();
            return;
          }
          res.writeHead(200, { 'content-type': 'application/xml' });
          res.end(
            '<ModtagBeskedOutput xmlns="urn:oio:sts:1.0.0"><StandardRetur><StatusKode>20</StatusKode></StandardRetur></ModtagBeskedOutput>',
          );
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/modtag`;
      t = await startPlatform(backend, ['bfo'], { entitlements: allowAll, push: { delaysMs: [30, 30] } });
    });
    afterAll(async () => {
      await t?.close();
      await new Promise((r) => server?.close(r));
    });

    it('POSTs signed ModtagBeskedInput, retries with backoff, and gives up into the dead letters', async () => {
      const startedAt = Math.floor(Date.now() / 1000);
      const c = client(t.platform.http);
      const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'push', ejer: 'urn:test', sensitivitet: 'fortrolig' })).body.uuid;
      const d = await c.post('/beskedfordeler/dueslag', { navn: 'push', ejer: 'urn:test:push', levering: { type: 'push', url } });
      expect(d.status).toBe(201);
      const secret: string = d.body.hemmelighed;
      expect(secret.length).toBeGreaterThan(20);
      // The secret is shown once, never read back.
      expect((await c.get(`/beskedfordeler/dueslag/${d.body.uuid}`)).body.hemmelighed).toBeUndefined();
      await c.post('/beskedfordeler/abonnementer', { dueslag: d.body.uuid, beskedtype: type });
      const pulled = await c.get(`/beskedfordeler/dueslag/${d.body.uuid}/beskeder`);
      expect(pulled.body.error.code).toBe('BFO_WRONG_DELIVERY_MODE');

      const eventually = testbesked({ beskedtype: type });
      const never = testbesked({ beskedtype: type });
      failures.set(eventually.beskedId, 2);
      failures.set(never.beskedId, Infinity);
      await c.sendXml(eventually.xml);
      await c.sendXml(never.xml);
      for (let i = 0; i < 20; i++) {
        await t.platform.services.bfo!.tick();
        await new Promise((r) => setTimeout(r, 40));
      }
      const of = (id: string) => received.filter((r) => r.body.includes(id));
      expect(of(eventually.beskedId)).toHaveLength(3);
      expect(of(never.beskedId)).toHaveLength(3);
      const last = of(eventually.beskedId)[2]!;
      // The documented header (docs/systems/bfo.md), checked as a receiver would check it: its own
      // HMAC-SHA256 of "t.body" under the secret, not the platform's signing function.
      const header = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(last.signature);
      expect(header, last.signature).not.toBeNull();
      const ts = Number(header![1]);
      expect(ts).toBeGreaterThanOrEqual(startedAt - 1);
      expect(ts).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(header![2]).toBe(createHmac('sha256', secret).update(`${ts}.${last.body}`).digest('hex'));
      expect(last.body).toMatch(/^<\?xml[^>]*>\s*<sts:ModtagBeskedInput xmlns:sts="urn:oio:sts:1.0.0">/);
      const inner = last.body.replace(/^[\s\S]*?(<b:Haendelsesbesked)/, '$1').replace(/<\/sts:ModtagBeskedInput>\s*$/, '');
      expect(envelopeFromXml(inner).beskedkuvert.leveranceinformation.leveranceruter[0]!.antalLeveranceforsoeg).toBe(3);
      const dead = (await c.get(`/beskedfordeler/dueslag/${d.body.uuid}/doede`)).body.resultater;
      expect(dead).toEqual([expect.objectContaining({ beskedId: never.beskedId, forsoeg: 3, sidsteFejl: 'HTTP 503' })]);
      const audited = await t.store.query(
        `SELECT 1 FROM audit_log WHERE action = 'bfo.lever' AND object_uuid = $1 AND details->>'via' = 'push'`,
        [eventually.beskedId],
      );
      expect(audited.rows).toHaveLength(1);
    });
  });
}
