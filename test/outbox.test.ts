import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay, recordEvents, type OutboxMessage } from '../src/platform/outbox.ts';
import type { Store } from '../src/platform/store/store.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';

for (const backend of allBackends) {
  describeWith(backend)(`transactional outbox on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => store?.close());

    const events = async (topic: string) =>
      (await store.query<{ action: string }>('SELECT action FROM outbox WHERE topic = $1 ORDER BY id', [topic])).rows.map((r) => r.action);

    it('commits events with the write and drops them with a rollback', async () => {
      await store.transaction((tx) =>
        recordEvents(tx, [{ topic: 'test.commit', action: 'opret', objectUuid: '00000000-0000-4000-8000-000000000001' }]),
      );
      await expect(
        store.transaction(async (tx) => {
          await recordEvents(tx, [{ topic: 'test.commit', action: 'ret', objectUuid: '00000000-0000-4000-8000-000000000001' }]);
          throw new Error('the write failed');
        }),
      ).rejects.toThrow('the write failed');
      expect(await events('test.commit')).toEqual(['opret']);
    });

    it('delivers every event at least once, in order per object, retrying a failed batch', async () => {
      const relay = new OutboxRelay(store, { batchSize: 7, backoffMs: () => 0 });
      const received: OutboxMessage[] = [];
      let failOnce = true;
      await relay.register('test-ordered', async (batch) => {
        if (failOnce && batch.length > 0) {
          failOnce = false;
          throw new Error('receiver down');
        }
        received.push(...batch);
      });
      const objects = [
        '00000000-0000-4000-8000-00000000000a',
        '00000000-0000-4000-8000-00000000000b',
        '00000000-0000-4000-8000-00000000000c',
      ];
      for (let i = 0; i < 30; i++) {
        await store.transaction((tx) => recordEvents(tx, [{ topic: 'test.order', action: `step-${i}`, objectUuid: objects[i % 3] }]));
      }
      let rounds = 0;
      while ((await relay.drain()) > 0 || rounds === 0) rounds++;
      const mine = received.filter((m) => m.topic === 'test.order');
      expect(mine).toHaveLength(30);
      for (const uuid of objects) {
        const steps = mine.filter((m) => m.objectUuid === uuid).map((m) => Number(m.action.slice(5)));
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
      }
      const failed = await store.query('SELECT 1 FROM outbox_delivery WHERE consumer = $1', ['test-ordered']);
      expect(failed.rows).toHaveLength(0);
    });

    // Two relays only race where statements run side by side; on PGlite they take turns and the
    // test would pass whatever the locking. The PostgreSQL suite is declared on every run, so
    // without STOTTE_TEST_POSTGRES_URL this case is listed as skipped.
    if (backend.name === 'postgres')
      it('two relays on one database never deliver one row twice, nor one object out of order (PostgreSQL only: PGlite has one connection and runs one statement at a time, so nothing would overlap)', async () => {
        const seen: { relay: number; m: OutboxMessage }[] = [];
        const handler = (relay: number) => async (batch: readonly OutboxMessage[]) => {
          // Hold the batch a little so the other relay runs meanwhile.
          await new Promise((r) => setTimeout(r, 5));
          for (const m of batch) seen.push({ relay, m });
        };
        const one = new OutboxRelay(store, { batchSize: 5 });
        const two = new OutboxRelay(store, { batchSize: 5 });
        await one.register('test-pair', handler(1));
        await two.register('test-pair', handler(2));
        const objects = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`);
        for (let i = 0; i < 60; i++) {
          await store.transaction((tx) =>
            recordEvents(tx, [{ topic: 'test.pair', action: `step-${i}`, objectUuid: objects[i % objects.length] }]),
          );
        }
        for (let i = 0; i < 40; i++) {
          const [a, b] = await Promise.all([one.drain(), two.drain()]);
          if (a + b === 0) break;
        }
        const mine = seen.filter((s) => s.m.topic === 'test.pair');
        const ids = mine.map((s) => s.m.id);
        expect(new Set(ids).size).toBe(60);
        expect(ids).toHaveLength(60);
        for (const uuid of objects) {
          const steps = mine.filter((s) => s.m.objectUuid === uuid).map((s) => Number(s.m.action.slice(5)));
          expect(steps).toEqual([...steps].sort((a, b) => a - b));
        }
      });

    it('a started relay delivers on its own, and stops cleanly', async () => {
      const relay = new OutboxRelay(store);
      const got: OutboxMessage[] = [];
      await relay.register('test-running', async (batch) => void got.push(...batch.filter((m) => m.topic === 'test.running')));
      relay.start();
      await store.transaction((tx) => recordEvents(tx, [{ topic: 'test.running', action: 'opret' }]));
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await relay.stop();
      expect(got.map((m) => m.action)).toEqual(['opret']);
    });

    it('keeps events for a registered consumer while no relay runs', async () => {
      const relay = new OutboxRelay(store);
      await relay.register('test-late', async () => {});
      await store.transaction((tx) => recordEvents(tx, [{ topic: 'test.late', action: 'opret' }]));
      const pending = await store.query<{ n: string }>("SELECT count(*) AS n FROM outbox_delivery WHERE consumer = 'test-late'");
      expect(Number(pending.rows[0]!.n)).toBe(1);
      const later = new OutboxRelay(store);
      const got: OutboxMessage[] = [];
      await later.register('test-late', async (batch) => void got.push(...batch));
      await later.drain();
      expect(got.map((m) => m.topic)).toEqual(['test.late']);
    });
  });
}
