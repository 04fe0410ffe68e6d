/**
 * The Beskedfordeler loses nothing when RabbitMQ itself restarts in the middle of a stream: every
 * send acknowledged while the broker is down is delivered once it is back.
 *
 * A restart disturbs every other user of the broker, this suite's other files included, so this
 * file is collected only when STOTTE_TEST_AMQP_RESTART is set, and then alone (vitest.config.ts):
 * `STOTTE_TEST_AMQP_RESTART="rabbitmqctl stop_app && rabbitmqctl start_app" npm test`, as .ci/run
 * does after the suite. It needs STOTTE_TEST_AMQP_URL too.
 */
import { exec } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allowAll, amqpTransport } from '../src/services/bfo/index.ts';
import { allBackends } from './support/backends.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';
import { AMQP, AMQP_RESTART, describeWith } from './support/requires.ts';

describeWith(AMQP, AMQP_RESTART)('FK Beskedfordeler on RabbitMQ, across a broker restart', () => {
  // The store is not what is tested: the embedded one, which is always there.
  const backend = allBackends.find((b) => b.name === 'pglite')!;
  let t: TestPlatform;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startPlatform(backend, ['bfo'], {
      entitlements: allowAll,
      // Straight to the broker (no proxy: the broker itself goes away), republishing after 1 s so
      // what was left unpublished during the restart goes out soon after.
      transport: amqpTransport({ url: AMQP.value!, pollMs: 50, republishAfterMs: 1000, senders: false }),
    });
    c = client(t.platform.http);
  });
  afterAll(async () => {
    if (!t) return;
    // Leave no queues behind on the broker.
    const { resultater } = (await c.get('/beskedfordeler/dueslag')).body;
    for (const d of resultater) await t.platform.services.bfo!.transport.remove(d.uuid).catch(() => undefined);
    await t.close();
  });

  it('loses nothing when the broker itself restarts mid-stream', async () => {
    const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'amqp', ejer: 'urn:test', sensitivitet: 'fortrolig' })).body
      .uuid as string;
    const dueslag = (await c.post('/beskedfordeler/dueslag', { navn: 'amqp', ejer: 'urn:test:amqp', levering: { type: 'amqp' } })).body
      .uuid as string;
    expect((await c.post('/beskedfordeler/abonnementer', { dueslag, beskedtype: type })).status).toBe(201);
    const sent: string[] = [];
    const send = async () => {
      const m = testbesked({ beskedtype: type });
      const r = await c.sendXml(m.xml);
      expect(r.status).toBe(201);
      sent.push(m.beskedId);
    };
    for (let i = 0; i < 20; i++) await send();
    const restarting = new Promise<void>((resolve, reject) =>
      exec(AMQP_RESTART.value!, { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())),
    );
    // Sends go on while the broker is down: they are acknowledged from the store.
    let restarted = false;
    void restarting.then(
      () => (restarted = true),
      () => undefined,
    );
    for (let during = 0; !restarted || during < 20; during++) {
      await send();
      await new Promise((r) => setTimeout(r, 50));
    }
    await restarting;
    const received = new Set<string>();
    for (let i = 0; i < 300 && received.size < sent.length; i++) {
      const r = await c.get(`/beskedfordeler/dueslag/${dueslag}/beskeder?maks=100&vent=1`);
      if (r.status !== 200) {
        await new Promise((res) => setTimeout(res, 200));
        continue;
      }
      for (const m of r.body.beskeder) received.add(m.beskedId);
      await c.post(`/beskedfordeler/dueslag/${dueslag}/kvitteringer`, { kvitteringer: r.body.beskeder.map((m: any) => m.kvittering) });
    }
    expect([...received].sort()).toEqual([...sent].sort());
  }, 120_000);
});
