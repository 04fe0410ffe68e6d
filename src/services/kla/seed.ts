import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { OioStore } from '../../oio/store/oio-store.ts';
import { KLE_KLASSIFIKATION } from './domain/kle-mapping.ts';
import { generateEmneplan, generateHandlingsfacetter } from './generate/index.ts';
import { readKle } from './kle/read.ts';
import { importKle } from './store/kle-import.ts';

/** A quarter-size synthetic KLE (about 600 classes): enough to browse, quick on a first start. */
const DEMO_KLE_SCALE = 0.25;

/**
 * FK Klassifikation's demo data: a synthetic KLE in the published format (invented titles: KL's
 * plan itself needs KL's consent), when there is none.
 */
export async function seedKle(oio: OioStore, log: FastifyBaseLogger): Promise<void> {
  if ((await oio.list('klassifikation', [KLE_KLASSIFIKATION])).length) return;
  log.info('first start: seeding the demo data (takes a little while, once)');
  const docs = await Promise.all(
    [generateEmneplan({ scale: DEMO_KLE_SCALE }), generateHandlingsfacetter({ scale: DEMO_KLE_SCALE })].map((xml) =>
      readKle(Readable.from([xml])),
    ),
  );
  const summary = await importKle(oio, docs);
  log.info({ added: summary.added }, 'seeded a synthetic KLE (invented titles, published format)');
}
