/**
 * Benchmark of FK Beskedfordeler (part of `npm run bench`).
 *
 * Data: one beskedtype, BENCH_BFO_DUESLAG dueslag (default 200), 10,000 subscriptions (98
 * municipalities × 34 KLE groups × 3 dueslag each, plus 4 on a value list), a value list of
 * 1,000,000 CPR URNs (synthetic: days 61–91, never a person's). Messages are the published test
 * message 01 with a 5 KB payload and a random municipality, KLE subject and CPR, so each matches
 * three subscriptions (a few also the value list): an average fan-out of about 3.
 *
 * Figures, one line each:
 *   bfo.match     the cost of matching one message against the 10,000 subscriptions through the
 *                 index, beside evaluating every subscription of the beskedtype (the baseline)
 *   bfo.ingest    sustained ingest: XML parsed, routed, stored durably with its deliveries, acknowledged,
 *                 at concurrency C; on RabbitMQ also how long until every copy was published with
 *                 confirms; beside raw amqplib publish-with-confirm of 5 KB persistent messages to a
 *                 quorum queue, and the same with the run's fan-out over as many queues as dueslag
 *                 (the broker's own ceiling for these deliveries on this machine); on the store
 *                 beside a raw INSERT of the 5 KB message per transaction
 *   bfo.latency   send-to-receive latency at half the ingest rate: the receiver consumes its queues as
 *                 an AMQP client does (RabbitMQ) or long-polls (store); on RabbitMQ beside raw
 *                 publish → consume of as many messages to as many queues at the same rate
 *                 (the baselines run after the measured phases, whose broker work they would disturb)
 * Goals (RabbitMQ): ≥ 2,000 messages/s ingested durably, p99 < 100 ms at half load, a match < 50 µs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import amqp from 'amqplib';
import { AuditLog } from '../src/platform/audit.ts';
import { OutboxRelay } from '../src/platform/outbox.ts';
import type { Store } from '../src/platform/store/store.ts';
import { amqpTransport, createBfo, envelopeFromXml, envelopeToXml, filterData, type Bfo } from '../src/services/bfo/index.ts';
import { evaluate } from '../src/services/bfo/domain/filter.ts';
import { writeValues } from '../src/services/bfo/store/admin.ts';
import { ms, perSecond, pick, prng, ratio, runLoad, seconds, summarize } from './stats.ts';

export interface BfoBenchOptions {
  readonly backend: 'postgres' | 'pglite';
  readonly store: Store;
  readonly transport: 'store' | 'amqp';
  readonly amqpUrl: string;
  readonly seed: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly dueslag: number;
  readonly messages: number;
  readonly listSize: number;
  readonly goals: boolean;
  readonly print: (line: string) => void;
}

const TYPE = '7654895c-a3f3-4c77-8afd-4c77330f963c';
const CVRS = Array.from({ length: 98 }, (_, i) => String(29000000 + i * 7919));
const GROUPS = Array.from({ length: 34 }, (_, i) => `${String(i).padStart(2, '0')}.${String((i * 7) % 100).padStart(2, '0')}`);

const uuidOf = (s: string) => {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const syntheticCpr = (i: number) =>
  `urn:oio:cpr-nr:${String(61 + (i % 31)).padStart(2, '0')}${String(Math.floor(i / 31)).padStart(8, '0')}`;

/**
 * A message template of the shape of the published test message 01, with a payload that makes it
 * 5 KB, and placeholders for what varies.
 */
function template(): string {
  const xml = (payload: string) =>
    envelopeToXml({
      beskedId: '@ID@',
      beskedVersion: '1.0',
      beskedkuvert: {
        filtreringsdata: {
          beskedtype: TYPE,
          beskedAnsvarligAktoer: 'cf12c051-39ce-4066-ba11-704b46fa23c4',
          tilladtModtager: ['urn:oio:cvr-nr:@CVR@'],
          relateretObjekt: [{ objektId: '@CPR@', objektType: 'ce7fcf97-a8a2-447a-8690-d38aa0f6e23c' }],
          objektRegistrering: [
            {
              objektRegistreringId: 'aa1b94ce-d182-454f-baa6-b2febb457aa3',
              registreringsAktoer: 'd92bb9c2-d826-4028-8fb5-d8b88b4377d4',
              registreringstidspunkt: '2026-03-13T08:00:00',
              objektAnsvarligMyndighed: 'urn:oio:cvr-nr:@CVR@',
              objektId: '@CPR@',
              objektType: 'ce7fcf97-a8a2-447a-8690-d38aa0f6e23c',
              objektHandling: '1e5bb089-5445-44f8-9b65-bc854053f423',
              opgaveEmne: 'urn:oio:kle:@KLE@',
            },
          ],
          tvaergaaendeProces: [],
        },
        leveranceinformation: {
          dannelsestidspunkt: '2026-03-15T08:00:00',
          sikkerhedsklassificering: '44f4108b-26d4-46de-a90f-35e35b55b8d8',
          leveranceruter: [],
        },
        gyldighedFra: '2026-03-15T08:00:10',
      },
      beskeddata: [{ xml: `<test:Beskeddata xmlns:test="urn:kombit:test"><test:fyld>${payload}</test:fyld></test:Beskeddata>` }],
    });
  const size = Buffer.byteLength(xml(''));
  return xml('x'.repeat(Math.max(0, 5 * 1024 - size)));
}

async function setup(o: BfoBenchOptions): Promise<{ bfo: Bfo; dueslag: string[]; list: string }> {
  const { store } = o;
  const audit = await AuditLog.open(store);
  const bfo = await createBfo({
    store,
    relay: new OutboxRelay(store),
    audit,
    ...(o.transport === 'amqp' ? { transport: amqpTransport({ url: o.amqpUrl }) } : {}),
  });
  await store.query(`INSERT INTO bfo_beskedtype (uuid, navn, ejer, sensitivitet) VALUES ($1, 'bench', 'urn:bench', 'fortrolig')`, [TYPE]);
  const dueslag = Array.from({ length: o.dueslag }, (_, i) => uuidOf(`bench-dueslag-${o.seed}-${i}-${randomUUID()}`));
  await store.query(
    `INSERT INTO bfo_dueslag (uuid, navn, ejer, levering, opbevaring_sekunder, max_leveringer, synlighed_sekunder)
     SELECT u, 'bench', 'urn:bench:modtager', $2, 3600, 10, 30 FROM unnest($1::uuid[]) AS u`,
    [dueslag, o.transport === 'amqp' ? 'amqp' : 'pull'],
  );
  const list = uuidOf(`bench-list-${o.seed}`);
  await store.query(`INSERT INTO bfo_vaerdiliste (uuid, navn, ejer) VALUES ($1, 'bench', 'urn:bench')`, [list]);
  const values = Array.from({ length: o.listSize }, (_, i) => syntheticCpr(i));
  await store.transaction((tx) => writeValues(tx, list, values, true));
  const subs: { uuid: string; dueslag: string; filter: unknown }[] = [];
  let k = 0;
  for (const cvr of CVRS)
    for (const group of GROUPS) {
      for (let j = 0; j < 3; j++)
        subs.push({
          uuid: uuidOf(`bench-sub-${k}-${j}`),
          dueslag: dueslag[(3 * k + j) % dueslag.length]!,
          filter: {
            and: [
              { field: 'objektRegistrering.objektAnsvarligMyndighed', equals: `urn:oio:cvr-nr:${cvr}` },
              { field: 'objektRegistrering.opgaveEmne', prefix: group },
            ],
          },
        });
      k++;
    }
  for (let j = 0; subs.length < 10_000; j++)
    subs.push({
      uuid: uuidOf(`bench-list-sub-${j}`),
      dueslag: dueslag[j % dueslag.length]!,
      filter: { field: 'relateretObjekt.objektId', inList: list },
    });
  await store.query(
    `INSERT INTO bfo_abonnement (uuid, dueslag, beskedtype, filter)
     SELECT s.uuid, s.dueslag, $2, s.filter FROM jsonb_to_recordset($1::jsonb) AS s(uuid uuid, dueslag uuid, filter jsonb)`,
    [JSON.stringify(subs), TYPE],
  );
  await store.query(
    `INSERT INTO bfo_abonnement_liste (abonnement, liste) SELECT uuid, $1::uuid FROM bfo_abonnement WHERE filter->>'inList' = $2`,
    [list, list],
  );
  await store.query('ANALYZE');
  for (const d of dueslag)
    await bfo.transport.declare({
      uuid: d,
      ejer: 'urn:bench:modtager',
      maxLeveringer: 10,
      synlighedSekunder: 30,
      opbevaringSekunder: 3600,
    });
  return { bfo, dueslag, list };
}

export async function benchBfo(o: BfoBenchOptions): Promise<void> {
  const t0 = performance.now();
  const { bfo, dueslag } = await setup(o);
  const tpl = template();
  const rand = prng(o.seed);
  o.print(
    `bfo.setup ${o.backend} transport=${o.transport} dueslag=${dueslag.length} subscriptions=10000 value_list=${o.listSize} ` +
      `message_bytes=${Buffer.byteLength(tpl)} time=${seconds((performance.now() - t0) / 1000)}`,
  );
  const message = (cvr: string, kle: string, cpr: string, id = randomUUID()) =>
    tpl.replace('@ID@', id).replace(/@CVR@/g, cvr).replace('@KLE@', kle).replace('@CPR@', cpr);
  const randomMessage = () => {
    const cvr = CVRS[pick(rand, CVRS.length)]!;
    const kle = `${GROUPS[pick(rand, GROUPS.length)]}.${String(pick(rand, 100)).padStart(2, '0')}`;
    // One in twenty names a person on the value list.
    const cpr = pick(rand, 20) === 0 ? syntheticCpr(pick(rand, o.listSize)) : 'urn:oio:cpr-nr:0101010101';
    return message(cvr, kle, cpr);
  };

  try {
    // --- match cost
    const cache = await bfo.service.index(o.store);
    const samples = Array.from({ length: 2000 }, () => filterData(envelopeFromXml(randomMessage())));
    const lists = new Map();
    const rounds = 100_000;
    let found = 0;
    let t = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) found += cache.index.match(TYPE, samples[i % samples.length]!, lists).length;
    const perMatchUs = Number(process.hrtime.bigint() - t) / 1e3 / rounds;
    const all = cache.index.candidates(TYPE, new Map(), new Map()).length; // unanchored only
    const subsOfType = (await o.store.query<{ filter: unknown }>('SELECT filter FROM bfo_abonnement WHERE beskedtype = $1', [TYPE])).rows;
    const { compileFilter } = await import('../src/services/bfo/domain/filter.ts');
    const compiled = subsOfType.map((s) => compileFilter(s.filter));
    const bruteRounds = 200;
    t = process.hrtime.bigint();
    for (let i = 0; i < bruteRounds; i++) {
      const data = samples[i % samples.length]!;
      for (const f of compiled) evaluate(f, data, lists);
    }
    const bruteUs = Number(process.hrtime.bigint() - t) / 1e3 / bruteRounds;
    o.print(
      `bfo.match subscriptions=${compiled.length} per_match=${perMatchUs.toFixed(2)}µs matches_per_message=${(found / rounds).toFixed(2)} unanchored=${all} ` +
        `baseline_evaluate_all=${bruteUs.toFixed(1)}µs ratio=${ratio(perMatchUs, bruteUs)}` +
        (o.goals ? ` goal(<50µs)=${perMatchUs < 50 ? 'ok' : 'MISSED'}` : '') +
        hostLoad(),
    );

    // --- ingest
    const ingest = await runLoad({ concurrency: o.concurrency, maxOps: o.messages, maxSeconds: o.seconds }, () =>
      bfo.service.send(envelopeFromXml(randomMessage()), undefined),
    );
    const s = summarize(ingest);
    // Deliveries are rows (the store) or recorded on the message (RabbitMQ).
    const deliveries = `((SELECT count(*) FROM bfo_levering) + (SELECT COALESCE(sum(jsonb_array_length(leveringer)), 0) FROM bfo_besked))`;
    const { rows: fan } = await o.store.query<{ f: number }>(
      `SELECT ${deliveries}::float8 / GREATEST(1, (SELECT count(*) FROM bfo_besked)) AS f`,
    );
    let published = '';
    if (o.transport === 'amqp') {
      const start = performance.now();
      for (;;) {
        const { rows } = await o.store.query<{ n: string }>(
          `SELECT ((SELECT count(*) FROM bfo_levering WHERE tilstand = 'publiceres') + (SELECT count(*) FROM bfo_udgivelse))::text AS n`,
        );
        if (rows[0]!.n === '0' || performance.now() - start > 120_000) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const total = (await o.store.query<{ n: string }>(`SELECT ${deliveries}::text AS n`)).rows[0]!.n;
      published = ` published_with_confirms=${total} published_by=${seconds((performance.now() - start) / 1000 + ingest.seconds)}`;
    }
    await drainAll(o, bfo, dueslag);

    // --- latency at half the ingest rate, on the three dueslag of one combination. The baselines
    // run after it: the broker's work of creating and removing their queues would fall into it.
    const rate = Math.max(10, s.rate / 2);
    const latency = await measureLatency(o, bfo, rate, () => message(CVRS[0]!, `${GROUPS[0]}.01`, 'urn:oio:cpr-nr:0101010101'));
    const baseline = o.transport === 'amqp' ? await rawPublishRate(o) : await rawInsertRate(o);
    const fanoutBaseline = o.transport === 'amqp' ? await rawPublishRate(o, fan[0]!.f, o.dueslag) : undefined;
    o.print(
      `bfo.ingest ${o.backend} transport=${o.transport} messages=${s.ops} rate=${perSecond(s.rate)} p50=${ms(s.p50)} p99=${ms(s.p99)} ` +
        `fanout=${fan[0]!.f.toFixed(2)}${published} baseline_${o.transport === 'amqp' ? 'raw_publish_confirm' : 'raw_insert'}=${perSecond(baseline)} ` +
        `ratio=${ratio(s.rate, baseline)}` +
        (fanoutBaseline === undefined
          ? ''
          : ` baseline_raw_fanout_publish_confirm=${perSecond(fanoutBaseline)} ratio_fanout=${ratio(s.rate, fanoutBaseline)}`) +
        `${ingest.errors ? ` errors=${ingest.errors}` : ''}` +
        (o.goals && o.transport === 'amqp' ? ` goal(>=2000/s)=${s.rate >= 2000 ? 'ok' : 'MISSED'}` : '') +
        hostLoad(),
    );

    const base = o.transport === 'amqp' ? await rawLatency(o, rate, latency.copies, latency.sent) : undefined;
    o.print(
      `bfo.latency ${o.backend} transport=${o.transport} rate=${perSecond(rate)} deliveries=${latency.count} p50=${ms(latency.p50)} p99=${ms(latency.p99)}` +
        (base
          ? ` baseline_raw_fanout_publish_consume_p50=${ms(base.p50)} baseline_p99=${ms(base.p99)} ratio_p99=${ratio(latency.p99, base.p99)}`
          : '') +
        (o.goals && o.transport === 'amqp' ? ` goal(p99<100ms)=${latency.p99 < 100 ? 'ok' : 'MISSED'}` : '') +
        hostLoad(),
    );
  } finally {
    if (o.transport === 'amqp') for (const d of dueslag) await bfo.transport.remove(d).catch(() => undefined);
    await bfo.close();
  }
}

/** The machine's load average after a phase: other work on the same cores makes figures noisy. */
const hostLoad = () => ` host_load1=${loadavg()[0]!.toFixed(1)}`;

const q = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : NaN);

/** Empties every dueslag after the ingest phase. */
async function drainAll(o: BfoBenchOptions, bfo: Bfo, dueslag: string[]): Promise<void> {
  if (o.transport === 'amqp') {
    const conn = await amqp.connect(o.amqpUrl);
    const ch = await conn.createChannel();
    for (const d of dueslag) await ch.purgeQueue(d);
    await conn.close();
  }
  await o.store.query(`UPDATE bfo_levering SET tilstand = 'kvitteret', kvitteret = clock_timestamp() WHERE tilstand <> 'kvitteret'`);
  void bfo;
}

/** Sends at a fixed rate and measures send → receive on the three dueslag the messages match. */
async function measureLatency(
  o: BfoBenchOptions,
  bfo: Bfo,
  rate: number,
  make: () => string,
): Promise<{ p50: number; p99: number; count: number; sent: number; copies: number }> {
  const cache = await bfo.service.index(o.store);
  const probe = envelopeFromXml(make());
  const targets = [...new Set(cache.index.match(TYPE, filterData(probe), new Map()).map((m) => m.dueslag))];
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  let stop = false;
  const receivers: Promise<void>[] = [];
  let conn: amqp.ChannelModel | undefined;
  if (o.transport === 'amqp') {
    conn = await amqp.connect(o.amqpUrl);
    const ch = await conn.createChannel();
    await ch.prefetch(500);
    for (const d of targets)
      await ch.consume(d, (m) => {
        if (!m) return;
        const at = sentAt.get(String(m.properties.messageId));
        if (at !== undefined) lat.push(performance.now() - at);
        ch.ack(m);
      });
  } else {
    for (const d of targets)
      receivers.push(
        (async () => {
          const ref = { uuid: d, ejer: 'urn:bench:modtager', maxLeveringer: 10, synlighedSekunder: 30, opbevaringSekunder: 3600 };
          while (!stop) {
            const got = await bfo.transport.receive(ref, { max: 100, waitMs: 500, visibilityMs: 30_000 });
            const now = performance.now();
            for (const g of got) {
              const at = sentAt.get(g.beskedId);
              if (at !== undefined) lat.push(now - at);
            }
            if (got.length)
              await bfo.transport.ack(
                ref,
                got.map((g) => g.kvittering),
              );
          }
        })(),
      );
  }
  const total = Math.max(50, Math.floor(rate * Math.min(o.seconds, 10)));
  const interval = 1000 / rate;
  const start = performance.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const xml = make();
    const b = envelopeFromXml(xml);
    sentAt.set(b.beskedId, performance.now());
    const p = bfo.service.send(b, undefined).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size > 256) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const expected = total * targets.length;
  const deadline = performance.now() + 15_000;
  while (lat.length < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(receivers);
  await conn?.close();
  const sorted = lat.sort((a, b) => a - b);
  return { p50: q(sorted, 0.5), p99: q(sorted, 0.99), count: lat.length, sent: total, copies: targets.length };
}

/**
 * Raw amqplib: each 5 KB message published (persistent, with confirms) to `fanout` quorum queues on
 * average, chosen at random among `queueCount`, with as many messages in flight as senders. No
 * database, no parsing or routing. With the ingest's fan-out over as many queues as the run has
 * dueslag, it is what the broker alone does with the same deliveries on the same machine; with
 * the defaults, plain publishing to one queue. Messages per second.
 */
async function rawPublishRate(o: BfoBenchOptions, fanout = 1, queueCount = 1): Promise<number> {
  const conn = await amqp.connect(o.amqpUrl);
  const ch = await conn.createConfirmChannel();
  const queues = Array.from({ length: queueCount }, () => `bench-baseline-${randomUUID()}`);
  for (const q of queues) await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const body = Buffer.alloc(5 * 1024, 'x');
  const rand = prng(o.seed + 1);
  const started = performance.now();
  let sent = 0;
  // Confirm windows the size of the concurrency: as many messages in flight as senders.
  while (sent < o.messages && performance.now() - started < o.seconds * 1000) {
    for (let i = 0; i < o.concurrency && sent < o.messages; i++, sent++) {
      const copies = Math.floor(fanout) + (rand() < fanout - Math.floor(fanout) ? 1 : 0);
      for (let c = 0; c < copies; c++)
        ch.publish('', queues[pick(rand, queues.length)]!, body, { persistent: true, messageId: String(sent) });
    }
    await ch.waitForConfirms();
  }
  const rate = sent / ((performance.now() - started) / 1000);
  for (const q of queues) await ch.deleteQueue(q);
  await conn.close();
  return rate;
}

/**
 * Raw amqplib publish → consume latency at a fixed rate, with the latency phase's fan-out: each
 * 5 KB message published (persistent, confirmed in the background) to `copies` quorum queues, as
 * many messages as that phase sent; every copy's latency counts.
 */
async function rawLatency(o: BfoBenchOptions, rate: number, copies: number, total: number): Promise<{ p50: number; p99: number }> {
  const conn = await amqp.connect(o.amqpUrl);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const queues = Array.from({ length: copies }, () => `bench-baseline-${randomUUID()}`);
  const lat: number[] = [];
  const sentAt = new Map<string, number>();
  await sub.prefetch(500);
  for (const queue of queues) {
    await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await sub.consume(queue, (m) => {
      if (!m) return;
      const at = sentAt.get(String(m.properties.messageId));
      if (at !== undefined) lat.push(performance.now() - at);
      sub.ack(m);
    });
  }
  const body = Buffer.alloc(5 * 1024, 'x');
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(String(i), performance.now());
    for (const queue of queues) pub.publish('', queue, body, { persistent: true, messageId: String(i) });
  }
  await pub.waitForConfirms();
  const deadline = performance.now() + 15_000;
  while (lat.length < total * copies && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const queue of queues) await pub.deleteQueue(queue);
  await conn.close();
  const sorted = lat.sort((a, b) => a - b);
  return { p50: q(sorted, 0.5), p99: q(sorted, 0.99) };
}

/** Raw SQL: one INSERT of a 5 KB message per transaction, at the same concurrency. */
async function rawInsertRate(o: BfoBenchOptions): Promise<number> {
  await o.store.query('CREATE TABLE IF NOT EXISTS bench_raw_besked (id bigserial PRIMARY KEY, body text NOT NULL)');
  const body = 'x'.repeat(5 * 1024);
  const r = await runLoad({ concurrency: o.concurrency, maxOps: o.messages, maxSeconds: o.seconds }, () =>
    o.store.transaction((tx) => tx.query('INSERT INTO bench_raw_besked (body) VALUES ($1)', [body])),
  );
  await o.store.query('DROP TABLE bench_raw_besked');
  return summarize(r).rate;
}
