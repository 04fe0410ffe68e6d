import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Content, ObjectTypeDecl } from '../src/oio/model.ts';
import { OioStore } from '../src/oio/store/oio-store.ts';
import { recordEvents, type OutboxMessage } from '../src/platform/outbox.ts';
import { isOutboxTopic, isRegisterMessage, OUTBOX_TOPICS, type RegisterMessage } from '../src/platform/outbox-events.ts';
import type { Store } from '../src/platform/store/store.ts';
import { OIO_TYPES, SERVICES } from '../src/services.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';

describe('the outbox event map', () => {
  it('lists exactly the topics the registers declare, one per object type', () => {
    const declared = SERVICES.flatMap((s) => s.events?.topics ?? []);
    const ofTypes = OIO_TYPES.map((t) => `${t.service}.${t.name}`);
    expect([...declared].sort()).toEqual([...OUTBOX_TOPICS].sort());
    expect([...ofTypes].sort()).toEqual([...OUTBOX_TOPICS].sort());
    expect([isOutboxTopic('organisation.bruger'), isOutboxTopic('organisation.ukendt'), isOutboxTopic('toString')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('takes a message of the map only with an action and a payload of the map', () => {
    const message = (over: Partial<OutboxMessage>): OutboxMessage => ({
      id: '1',
      recordedAt: '2026-01-01T00:00:00Z',
      attempts: 0,
      topic: 'organisation.bruger',
      action: 'ret',
      payload: { livscykluskode: 'Rettet' },
      ...over,
    });
    expect(isRegisterMessage(message({}))).toBe(true);
    expect(isRegisterMessage(message({ topic: 'test.other' }))).toBe(false);
    expect(isRegisterMessage(message({ action: 'glem' }))).toBe(false);
    expect(isRegisterMessage(message({ payload: { livscykluskode: 'Glemt' } }))).toBe(false);
    expect(isRegisterMessage(message({ payload: {} }))).toBe(false);
  });

  it('checks a publisher against the map when it names a topic of the map', () => {
    const tx = { query: async () => ({ rows: [], rowCount: 0 }) };
    void recordEvents(tx, [{ topic: 'organisation.bruger', action: 'opret', payload: { livscykluskode: 'Opstaaet' } }]);
    // @ts-expect-error: a topic of the map carries the map's payload
    void recordEvents(tx, [{ topic: 'organisation.bruger', action: 'opret', payload: { livscykluskode: 'Glemt' } }]);
    // @ts-expect-error: ... and carries one
    void recordEvents(tx, [{ topic: 'klassifikation.klasse', action: 'opret' }]);
    void recordEvents(tx, [{ topic: 'test.other', action: 'anything', payload: { any: 'thing' } }]);
    const consume = (m: RegisterMessage<'organisation.bruger'>) => m.payload.livscykluskode;
    expect(typeof consume).toBe('function');
  });
});

/** A content of `decl` with its first attribute group's required fields, and nothing else. */
function minimal(decl: ObjectTypeDecl): Content {
  const group = decl.attributes[0]!;
  const fields = Object.fromEntries(['brugervendtnoegle', ...(group.required ?? [])].map((f) => [f, `${decl.name}-${f}`]));
  return {
    attributter: { [group.name]: [{ fields, virkning: { from: Date.UTC(2020, 0, 1), to: Infinity } }] },
    tilstande: {},
    relationer: {},
  };
}

for (const backend of allBackends) {
  describeWith(backend)(`the object store's events on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
    });
    afterAll(async () => store?.close());

    it('are events of the map, for every type and every kind of write', async () => {
      const oio = new OioStore(store, OIO_TYPES);
      const written = new Set<string>();
      for (const decl of OIO_TYPES) {
        const uuid = await oio.opret(decl.name, minimal(decl));
        await oio.ret(decl.name, uuid, { attributter: {}, tilstande: {}, relationer: {} }, { note: 'ret' });
        await oio.passiver(decl.name, uuid);
        await oio.slet(decl.name, uuid);
        const imported = randomUUID();
        await oio.importer(decl.name, imported, minimal(decl));
        const bulk = [randomUUID(), randomUUID()];
        await oio.inTransaction((w) =>
          w.importMany(
            decl.name,
            bulk.map((u) => ({ uuid: u, content: minimal(decl) })),
          ),
        );
        for (const u of [uuid, imported, ...bulk]) written.add(u);
      }
      const { rows } = await store.query<{
        id: string;
        topic: string;
        action: string;
        object_uuid: string;
        payload: Record<string, unknown>;
      }>('SELECT id::text, topic, action, object_uuid::text, payload FROM outbox WHERE object_uuid = ANY($1::uuid[]) ORDER BY id', [
        [...written],
      ]);
      const messages: OutboxMessage[] = rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        action: r.action,
        objectUuid: r.object_uuid,
        payload: r.payload,
        recordedAt: '',
        attempts: 0,
      }));
      expect(messages.filter((m) => !isRegisterMessage(m))).toEqual([]);
      expect([...new Set(messages.map((m) => m.topic))].sort()).toEqual([...OUTBOX_TOPICS].sort());
      expect([...new Set(messages.map((m) => m.action))].sort()).toEqual(['importer', 'opret', 'passiver', 'ret', 'slet']);
    });
  });
}
