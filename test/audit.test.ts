import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, GroupedAudit } from '../src/platform/audit.ts';
import type { Queryable, Row, Store } from '../src/platform/store/store.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { documentedPersonRef } from './support/person-ref.ts';

// A synthetic CPR number: day 71 is never issued by the civil registry.
const SYNTHETIC_CPR = '7101901234';

for (const backend of allBackends) {
  describeWith(backend)(`audit log on ${backend.name}`, () => {
    let store: Store;
    let audit: AuditLog;
    beforeAll(async () => {
      store = await backend.open();
      audit = await AuditLog.open(store);
    });
    afterAll(async () => store?.close());

    it('groups records that arrive together into few writes, each resolved only once stored', async () => {
      let statements = 0;
      const counting: Queryable = {
        query<R extends Row = Row>(sql: string, params?: readonly unknown[]) {
          statements++;
          return store.query<R>(sql, params);
        },
      };
      const grouped = new GroupedAudit(audit, counting);
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => grouped.record({ actor: 'itsystem:group', action: 'token.udsted', requestId: `g-${i}` })),
      );
      const { rows } = await store.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE actor = 'itsystem:group'`);
      expect(Number(rows[0]!.n)).toBe(50);
      expect(statements).toBeLessThanOrEqual(2);
      const failing = new GroupedAudit(audit, { query: async () => Promise.reject(new Error('store down')) });
      await expect(failing.record({ actor: 'x', action: 'y' })).rejects.toThrow('store down');
    });

    it('keeps at most its number of writes under way, and stores every record', async () => {
      for (const lanes of [1, 2]) {
        let running = 0;
        let most = 0;
        const slow: Queryable = {
          async query<R extends Row = Row>(sql: string, params?: readonly unknown[]) {
            most = Math.max(most, ++running);
            await new Promise((r) => setTimeout(r, 5));
            try {
              return await store.query<R>(sql, params);
            } finally {
              running--;
            }
          },
        };
        const grouped = new GroupedAudit(audit, slow, lanes);
        const records: Promise<void>[] = [];
        for (let i = 0; i < 6; i++) {
          records.push(grouped.record({ actor: `itsystem:lanes-${lanes}`, action: 'token.udsted', requestId: `l-${i}` }));
          await new Promise((r) => setTimeout(r, 2)); // arrive while writes are under way
        }
        await Promise.all(records);
        const { rows } = await store.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE actor = $1`, [
          `itsystem:lanes-${lanes}`,
        ]);
        expect(Number(rows[0]!.n)).toBe(6);
        expect(most).toBe(lanes);
      }
    });

    it('records who read what about whom and why, without the CPR number in clear text', async () => {
      await store.transaction((tx) =>
        audit.record(tx, [
          {
            actor: 'itsystem:demo',
            actorCvr: '55133018',
            action: 'laes',
            objectType: 'person',
            personCpr: SYNTHETIC_CPR,
            purpose: 'sagsbehandling',
            requestId: 'req-1',
          },
        ]),
      );
      const { rows } = await store.query<Record<string, unknown>>('SELECT * FROM audit_log WHERE request_id = $1', ['req-1']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'itsystem:demo', actor_cvr: '55133018', action: 'laes', purpose: 'sagsbehandling' });
      // The reference as documented, computed here from the stored key, not by AuditLog.
      const documented = await documentedPersonRef(store, SYNTHETIC_CPR);
      expect(rows[0]!.person_ref).toBe(documented);
      expect(JSON.stringify(rows[0])).not.toContain(SYNTHETIC_CPR);
      // The same person is found under the same reference, whatever the formatting.
      expect(audit.personRef('710190-1234')).toBe(documented);
      expect(audit.personRef(SYNTHETIC_CPR)).toBe(documented);
    });

    it('records a bulk read as one record per object, with what they share', async () => {
      const objects = [
        { uuid: '00000000-0000-4000-8000-0000000000a1', cpr: SYNTHETIC_CPR },
        { uuid: '00000000-0000-4000-8000-0000000000a2', cpr: undefined },
      ];
      const base = {
        actor: 'itsystem:demo',
        actorCvr: '55133018',
        action: 'laes',
        objectType: 'person',
        purpose: 'hierarki',
        requestId: 'req-bulk',
      };
      await audit.recordReads(store, base, objects);
      const { rows } = await store.query<Record<string, unknown>>(
        `SELECT actor, actor_cvr, action, object_type, object_uuid::text, person_ref, purpose, details FROM audit_log
         WHERE request_id = 'req-bulk' ORDER BY object_uuid`,
      );
      const shared = {
        actor: 'itsystem:demo',
        actor_cvr: '55133018',
        action: 'laes',
        object_type: 'person',
        purpose: 'hierarki',
        details: null,
      };
      expect(rows).toEqual([
        { ...shared, object_uuid: objects[0]!.uuid, person_ref: await documentedPersonRef(store, SYNTHETIC_CPR) },
        { ...shared, object_uuid: objects[1]!.uuid, person_ref: null },
      ]);
      await audit.recordReads(store, base, []);
      expect((await store.query(`SELECT 1 FROM audit_log WHERE request_id = 'req-bulk'`)).rows).toHaveLength(2);
    });

    it('keeps the hashing key across openings', async () => {
      // Taken before the second opening, so a key replaced by it would show.
      const before = await documentedPersonRef(store, SYNTHETIC_CPR);
      const again = await AuditLog.open(store);
      expect(again.personRef(SYNTHETIC_CPR)).toBe(before);
      expect(audit.personRef(SYNTHETIC_CPR)).toBe(before);
      expect(await documentedPersonRef(store, SYNTHETIC_CPR)).toBe(before);
    });

    it('refuses to change or remove a record', async () => {
      await store.transaction((tx) => audit.record(tx, [{ actor: 'x', action: 'opret', requestId: 'req-2' }]));
      await expect(store.query("UPDATE audit_log SET actor = 'y' WHERE request_id = 'req-2'")).rejects.toThrow(/append-only/);
      await expect(store.query("DELETE FROM audit_log WHERE request_id = 'req-2'")).rejects.toThrow(/append-only/);
      const { rows } = await store.query<{ actor: string }>("SELECT actor FROM audit_log WHERE request_id = 'req-2'");
      expect(rows).toEqual([{ actor: 'x' }]);
    });
  });
}
