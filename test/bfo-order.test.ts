/** Ordering per object on the store transport: one message per object at a time, in order. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.ts';
import { allowAll } from '../src/services/bfo/index.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { client, testbesked } from './support/bfo.ts';
import { CPR_OBJEKT } from './support/bfo.ts';

for (const backend of backends) {
  describe(`ordering per object on ${backend.name}`, () => {
    let t: TestPlatform;
    let c: ReturnType<typeof client>;
    beforeAll(async () => {
      t = await startPlatform(backend, ['bfo'], { entitlements: allowAll });
      c = client(t.platform.http);
    });
    afterAll(async () => t?.close());

    it('hands out the next message about an object only when the one before is acknowledged', async () => {
      const type = (await c.post('/beskedfordeler/beskedtyper', { navn: 'o', ejer: 'urn:test', sensitivitet: 'fortrolig' })).body.uuid;
      const d = await c.post('/beskedfordeler/dueslag', {
        navn: 'o',
        ejer: 'urn:test:m',
        levering: { type: 'pull' },
        ordnetPrObjekt: true,
      });
      expect(d.body.ordnet).toBe(true);
      const plain = (await c.post('/beskedfordeler/dueslag', { navn: 'p', ejer: 'urn:test:m', levering: { type: 'pull' } })).body.uuid;
      for (const dueslag of [d.body.uuid, plain]) await c.post('/beskedfordeler/abonnementer', { dueslag, beskedtype: type });
      const about = (cpr: string) => {
        const m = testbesked({ beskedtype: type });
        return { id: m.beskedId, xml: m.xml.replace(CPR_OBJEKT, `urn:oio:cpr-nr:${cpr}`) };
      };
      const a = [about('6101010001'), about('6101010001'), about('6101010001')];
      const b = about('6101010002');
      for (const m of [a[0]!, a[1]!, b, a[2]!]) expect((await c.sendXml(m.xml)).status).toBe(201);
      const pull = async (dueslag: string) => (await c.get(`/beskedfordeler/dueslag/${dueslag}/beskeder?maks=10`)).body.beskeder as any[];
      const ack = (dueslag: string, kvitteringer: string[]) => c.post(`/beskedfordeler/dueslag/${dueslag}/kvitteringer`, { kvitteringer });

      const first = await pull(d.body.uuid);
      expect(first.map((m) => m.beskedId)).toEqual([a[0]!.id, b.id]);
      expect(await pull(d.body.uuid)).toEqual([]);
      await ack(
        d.body.uuid,
        first.map((m) => m.kvittering),
      );
      const second = await pull(d.body.uuid);
      expect(second.map((m) => m.beskedId)).toEqual([a[1]!.id]);
      await ack(
        d.body.uuid,
        second.map((m) => m.kvittering),
      );
      expect((await pull(d.body.uuid)).map((m) => m.beskedId)).toEqual([a[2]!.id]);
      // Without ordering, everything at once.
      expect((await pull(plain)).map((m) => m.beskedId)).toEqual([a[0]!.id, a[1]!.id, b.id, a[2]!.id]);
    });
  });
}
