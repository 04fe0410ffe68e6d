/**
 * Finding 9 of the security review (issue 12) over AMQP: a sender publishing to the send exchange
 * is held to the same rule as over HTTP (the entitlements' maySend). On the platform's own
 * entitlements (the service agreements). Runs when STOTTE_TEST_AMQP_URL is set.
 */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpTransport } from '../src/services/bfo/index.ts';
import { backends } from './support/backends.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { bfoActor, testbesked, type BfoActor } from './support/bfo.ts';
import { AMQP, describeWith } from './support/requires.ts';

const AMQP_URL = AMQP.value;
const SEND_EXCHANGE = `AFSEND_BESKED_EXCHANGE.security-${process.pid}-${Date.now()}`;
const A = '55133018';
const K = '64942212';

describeWith(AMQP)('FK Beskedfordeler over AMQP: a sender sends about its own municipality only', () => {
  let t: TestPlatform;
  let sender: BfoActor;
  let receiverK: BfoActor;
  const dueslag: string[] = [];

  beforeAll(async () => {
    // One backend is enough: the rule is the entitlements', the same on every store.
    t = await startPlatform(backends[0]!, ['bfo', 'adgsystem'], {
      transport: amqpTransport({ url: AMQP_URL!, pollMs: 50, senders: { exchange: SEND_EXCHANGE, queue: `${SEND_EXCHANGE}.q` } }),
    });
    sender = await bfoActor(t, ['send'], A);
    receiverK = await bfoActor(t, ['modtag'], K);
  });
  afterAll(async () => {
    if (!t) return;
    for (const d of dueslag) await t.platform.services.bfo!.transport.remove(d).catch(() => undefined);
    await t.close();
    const conn = await amqp.connect(AMQP_URL!);
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${SEND_EXCHANGE}.q`);
    await ch.deleteExchange(SEND_EXCHANGE);
    await conn.close();
  });

  it('answers a message from Aarhus addressed to København with BFO_SENDER_NOT_ENTITLED, storing and delivering nothing', async () => {
    const type = (
      await sender.request('POST', '/beskedfordeler/beskedtyper', { navn: 'amqp', ejer: sender.itSystem, sensitivitet: 'fortrolig' })
    ).body.uuid;
    const d = (
      await receiverK.request('POST', '/beskedfordeler/dueslag', { navn: 'k', ejer: receiverK.itSystem, levering: { type: 'amqp' } })
    ).body.uuid;
    dueslag.push(d);
    expect((await receiverK.request('POST', '/beskedfordeler/abonnementer', { dueslag: d, beskedtype: type })).status).toBe(201);

    const conn = await amqp.connect(AMQP_URL!);
    try {
      const ch = await conn.createChannel();
      const replies = new Map<string, string>();
      await ch.consume('amq.rabbitmq.reply-to', (m) => m && replies.set(String(m.properties.correlationId), m.content.toString('utf8')), {
        noAck: true,
      });
      const ask = async (xml: string, correlationId: string) => {
        ch.publish(SEND_EXCHANGE, '', Buffer.from(xml), {
          mandatory: true,
          messageId: correlationId,
          correlationId,
          replyTo: 'amq.rabbitmq.reply-to',
          headers: { token: sender.token },
        });
        for (let i = 0; i < 100 && !replies.has(correlationId); i++) await new Promise((r) => setTimeout(r, 50));
        return replies.get(correlationId) ?? '';
      };
      const foreign = testbesked({ beskedtype: type, cvr: A, tilladtModtager: [K], ansvarlig: false });
      const answer = await ask(foreign.xml, 'security-1');
      expect(answer).toMatch(/<StatusKode>40<\/StatusKode>/);
      expect(answer).toContain('BFO_SENDER_NOT_ENTITLED');
      expect(answer).not.toContain(K);
      expect((await t.store.query('SELECT 1 FROM bfo_besked WHERE besked_id = $1', [foreign.beskedId])).rows).toHaveLength(0);
      const pulled = await receiverK.request('GET', `/beskedfordeler/dueslag/${d}/beskeder?vent=1`);
      expect(pulled.body.beskeder).toEqual([]);
    } finally {
      await conn.close().catch(() => undefined);
    }
  });
});
