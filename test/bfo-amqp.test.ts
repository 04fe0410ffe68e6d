/**
 * RabbitMQ-only behaviour of the Beskedfordeler: existing AMQP clients consume a dueslag's quorum
 * queue directly, and a lost broker connection loses nothing. Runs when STOTTE_TEST_AMQP_URL is
 * set (the global set-up fails the run when it is set and the broker does not answer), and is
 * listed as skipped when it is not. The broker's own restart is tested apart, in
 * bfo-amqp-restart.test.ts. amqplib is used here as an outside client would use it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import amqp from 'amqplib';
import { signJwt } from '../src/platform/keys/jws.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { amqpTransport, envelopeFromXml } from '../src/services/bfo/index.ts';
import { backends } from './support/backends.ts';
import { allowAll } from '../src/services/bfo/index.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';
import { AMQP, describeWith } from './support/requires.ts';

const AMQP_URL = AMQP.value;
const SEND_EXCHANGE = `AFSEND_BESKED_EXCHANGE.test-${process.pid}-${Date.now()}`;

/** A TCP proxy to the broker that the test can cut and restore: a broker restart, as the client sees it. */
function brokerProxy(target: URL) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  return {
    async up() {
      server = createServer((inbound) => {
        const outbound = connect(Number(target.port || 5672), target.hostname);
        sockets.add(inbound).add(outbound);
        inbound.pipe(outbound).pipe(inbound);
        const drop = () => {
          inbound.destroy();
          outbound.destroy();
        };
        inbound.on('error', drop).on('close', drop);
        outbound.on('error', drop).on('close', drop);
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
      return port;
    },
    async down() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise((r) => server?.close(r));
    },
  };
}

describeWith(AMQP)('FK Beskedfordeler on RabbitMQ', () => {
  const backend = backends[0]!;
  let t: TestPlatform;
  let c: ReturnType<typeof client>;
  const proxy = brokerProxy(new URL(AMQP_URL ?? 'amqp://127.0.0.1'));

  beforeAll(async () => {
    const port = await proxy.up();
    const url = new URL(AMQP_URL!);
    url.port = String(port);
    // A send exchange and queue of this test's own, so no other test's platform takes its sends.
    t = await startPlatform(backend, ['bfo'], {
      entitlements: allowAll,
      transport: amqpTransport({
        url: url.toString(),
        pollMs: 50,
        republishAfterMs: 1000,
        senders: { exchange: SEND_EXCHANGE, queue: `${SEND_EXCHANGE}.q` },
      }),
    });
    c = client(t.platform.http);
  });
  afterAll(async () => {
    if (t) {
      const { resultater } = (await c.get('/beskedfordeler/dueslag')).body;
      for (const d of resultater) await t.platform.services.bfo!.transport.remove(d.uuid).catch(() => undefined);
      await t.close();
      const conn = await amqp.connect(AMQP_URL!);
      const ch = await conn.createChannel();
      await ch.deleteQueue(`${SEND_EXCHANGE}.q`);
      await ch.deleteExchange(SEND_EXCHANGE);
      await conn.close();
    }
    await proxy.down();
  });

  async function setup() {
    const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'amqp', ejer: 'urn:test', sensitivitet: 'fortrolig' })).body.uuid;
    const d = (await c.post('/beskedfordeler/dueslag', { navn: 'amqp', ejer: 'urn:test:amqp', levering: { type: 'amqp' } })).body.uuid;
    await c.post('/beskedfordeler/abonnementer', { dueslag: d, beskedtype: type });
    return { type: type as string, dueslag: d as string };
  }

  it('a dueslag is a quorum queue named by its UUID that an AMQP client consumes directly', async () => {
    const s = await setup();
    const m = testbesked({ beskedtype: s.type });
    await c.sendXml(m.xml);
    const conn = await amqp.connect(AMQP_URL!);
    try {
      const ch = await conn.createChannel();
      const got = await new Promise<amqp.ConsumeMessage>((resolve) => {
        void ch.consume(s.dueslag, (msg) => msg && resolve(msg), { noAck: false });
      });
      expect(got.properties.messageId).toBe(m.beskedId);
      expect(got.properties.contentType).toBe('application/xml');
      const b = envelopeFromXml(got.content.toString('utf8'));
      expect(b.beskedId).toBe(m.beskedId);
      expect(b.beskedkuvert.leveranceinformation.leveranceruter).toHaveLength(1);
      ch.ack(got);
      await ch.close();
      // Declaring it as a classic queue is refused: it is a quorum queue.
      const probe = await conn.createChannel();
      probe.on('error', () => {});
      await expect(probe.assertQueue(s.dueslag, { durable: true, arguments: { 'x-queue-type': 'classic' } })).rejects.toThrow(
        /PRECONDITION_FAILED/,
      );
    } finally {
      await conn.close().catch(() => undefined);
    }
  });

  it('publishes a message the taking process left unpublished once its time is up, from the store', async () => {
    const s = await setup();
    const transport = t.platform.services.bfo!.transport;
    // The process "dies" between the commit and its own publishing: nothing reaches the broker then.
    const own = transport.committed.bind(transport);
    transport.committed = async () => {};
    const m = testbesked({ beskedtype: s.type });
    const sentAt = Date.now();
    try {
      expect((await c.sendXml(m.xml)).status).toBe(201);
    } finally {
      transport.committed = own;
    }
    const waiting = await t.store.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bfo_udgivelse u JOIN bfo_besked b ON b.seq = u.seq WHERE b.besked_id = $1',
      [m.beskedId],
    );
    expect(waiting.rows).toEqual([{ n: 1 }]);
    let got: any[] = [];
    for (let i = 0; i < 20 && got.length === 0; i++)
      got = (await c.get(`/beskedfordeler/dueslag/${s.dueslag}/beskeder?vent=1`)).body.beskeder;
    expect(got.map((g) => g.beskedId)).toEqual([m.beskedId]);
    // Not before the taking process's time was up (republishAfterMs is 1 s here).
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1000);
    await c.post(`/beskedfordeler/dueslag/${s.dueslag}/kvitteringer`, { kvitteringer: got.map((g) => g.kvittering) });
    const left = await t.store.query('SELECT 1 FROM bfo_udgivelse u JOIN bfo_besked b ON b.seq = u.seq WHERE b.besked_id = $1', [
      m.beskedId,
    ]);
    expect(left.rows).toHaveLength(0);
  });

  it('moves a message it cannot read, published to a dueslag by hand, to the dead letters', async () => {
    const s = await setup();
    const conn = await amqp.connect(AMQP_URL!);
    try {
      const ch = await conn.createConfirmChannel();
      ch.sendToQueue(s.dueslag, Buffer.from('not an envelope'), { persistent: true, messageId: 'by-hand' });
      await ch.waitForConfirms();
    } finally {
      await conn.close();
    }
    expect((await c.get(`/beskedfordeler/dueslag/${s.dueslag}/beskeder?maks=10&vent=1`)).body.beskeder).toEqual([]);
    const dead = (await c.get(`/beskedfordeler/dueslag/${s.dueslag}/doede`)).body.resultater;
    expect(dead.map((d: any) => d.beskedId)).toEqual(['by-hand']);
  });

  it("takes sends the way today's AMQP clients make them, answering StandardRetur to reply-to", async () => {
    const s = await setup();
    const conn = await amqp.connect(AMQP_URL!);
    try {
      const ch = await conn.createChannel();
      const replies = new Map<string, string>();
      await ch.consume('amq.rabbitmq.reply-to', (m) => m && replies.set(String(m.properties.correlationId), m.content.toString('utf8')), {
        noAck: true,
      });
      const token = t.tokens.get('bfo')!;
      const ask = async (body: string, correlationId: string, headers: Record<string, string> = { token }) => {
        ch.publish(SEND_EXCHANGE, '', Buffer.from(body), {
          mandatory: true,
          messageId: correlationId,
          correlationId,
          replyTo: 'amq.rabbitmq.reply-to',
          headers,
        });
        for (let i = 0; i < 100 && !replies.has(correlationId); i++) await new Promise((r) => setTimeout(r, 50));
        return replies.get(correlationId) ?? '';
      };
      const m = testbesked({ beskedtype: s.type });
      expect(await ask(m.xml, 'try-1')).toMatch(/<StatusKode>20<\/StatusKode>/);
      // A retry of the same message is acknowledged again, not distributed twice.
      expect(await ask(m.xml, 'try-2')).toMatch(/<StatusKode>20<\/StatusKode>/);
      const before = (await t.store.query('SELECT count(*)::int AS n FROM bfo_besked')).rows[0];
      const bad = await ask('<Haendelsesbesked><BeskedId>', 'try-3');
      expect(bad).toMatch(/<StatusKode>40<\/StatusKode>/);
      expect(bad).toContain('BFO_MALFORMED_XML');
      // The token header is verified as a request's bearer token would be: none, a forged one, an
      // expired one (today's StatusKode 41) and one without the privilege to send are refused.
      const other = testbesked({ beskedtype: s.type });
      const refused = async (headers: Record<string, string>, id: string, status: number, code: string) => {
        const answer = await ask(other.xml, id, headers);
        expect(answer).toMatch(new RegExp(`<StatusKode>${status}</StatusKode>`));
        expect(answer).toContain(code);
      };
      await refused({}, 'try-4', 40, 'TOKEN_MISSING');
      await refused({ token: `${token.slice(0, -4)}AAAA` }, 'try-5', 40, 'TOKEN_SIGNATURE_INVALID');
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      const now = Math.floor(Date.now() / 1000);
      const mint = (changes: Record<string, unknown>) =>
        signJwt(t.platform.keys.signingKey(), { typ: 'at+jwt' }, { ...claims, ...changes });
      await refused({ token: await mint({ iat: now - 7200, exp: now - 600 }) }, 'try-6', 41, 'TOKEN_EXPIRED');
      await refused({ token: `Bearer ${await mint({ privileges: ['modtag'] })}` }, 'try-7', 40, 'PRIVILEGE_MISSING');
      expect((await t.store.query('SELECT count(*)::int AS n FROM bfo_besked')).rows[0]).toEqual(before);
      const got = (await c.get(`/beskedfordeler/dueslag/${s.dueslag}/beskeder?maks=10&vent=5`)).body.beskeder;
      expect(got.map((g: any) => g.beskedId)).toEqual([m.beskedId]);
      await c.post(`/beskedfordeler/dueslag/${s.dueslag}/kvitteringer`, { kvitteringer: got.map((g: any) => g.kvittering) });
    } finally {
      await conn.close().catch(() => undefined);
    }
  });

  it('loses nothing when the broker goes away mid-stream: sends are durable, publishing resumes after reconnecting', async () => {
    const s = await setup();
    const sent: string[] = [];
    const send = async () => {
      const m = testbesked({ beskedtype: s.type });
      const r = await c.sendXml(m.xml);
      expect(r.status).toBe(201);
      sent.push(m.beskedId);
    };
    for (let i = 0; i < 20; i++) await send();
    await proxy.down();
    for (let i = 0; i < 20; i++) await send();
    const during = await c.get(`/beskedfordeler/dueslag/${s.dueslag}/beskeder?maks=10`);
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('BFO_TRANSPORT_UNAVAILABLE');
    await proxy.up();
    const received = new Set<string>();
    for (let i = 0; i < 100 && received.size < sent.length; i++) {
      const r = await c.get(`/beskedfordeler/dueslag/${s.dueslag}/beskeder?maks=100&vent=1`);
      if (r.status !== 200) {
        await new Promise((res) => setTimeout(res, 200));
        continue;
      }
      for (const m of r.body.beskeder) received.add(m.beskedId);
      await c
        .post(`/beskedfordeler/dueslag/${s.dueslag}/kvitteringer`, { kvitteringer: r.body.beskeder.map((m: any) => m.kvittering) })
        .catch(() => undefined);
    }
    expect([...received].sort()).toEqual([...sent].sort());
    // Nothing is left recorded as not yet confirmed by the broker.
    const pending = await t.store.query(
      `SELECT 1 FROM bfo_levering WHERE dueslag = $1 AND tilstand = 'publiceres'
       UNION ALL SELECT 1 FROM bfo_udgivelse u JOIN bfo_besked b ON b.seq = u.seq WHERE b.besked_id = ANY($2::uuid[])`,
      [s.dueslag, sent],
    );
    expect(pending.rows).toHaveLength(0);
  }, 60_000);
});
