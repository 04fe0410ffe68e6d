import { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { OioStore } from '../oio/store/oio-store.ts';
import type { Content } from '../oio/model.ts';
import {
  generateEmneplan,
  generateHandlingsfacetter,
  importKle,
  KLE_FACET_EMNER,
  KLE_KLASSIFIKATION,
  readKle,
} from '../services/kla/index.ts';
import { demoMunicipality, forImport, importOrganisation } from '../services/org/index.ts';

/**
 * The demo municipalities: real names, codes and CVR numbers (public facts), with fixed UUIDs so
 * the README's examples work. Everything inside them is invented.
 */
export const DEMO_ORGANISATIONS = [
  { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101', bvn: 'kommune-101', navn: 'Københavns Kommune', cvr: '64942212' },
  { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: '55133018' },
] as const;

const since = { from: Date.UTC(2015, 0, 1), to: Infinity };

function organisationContent(o: (typeof DEMO_ORGANISATIONS)[number]): Content {
  return {
    attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: o.bvn, organisationsnavn: o.navn }, virkning: since }] },
    tilstande: { organisationgyldighed: [{ value: 'Aktiv', virkning: since }] },
    relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${o.cvr}`, virkning: since }] },
  };
}

/** A quarter-size synthetic KLE (about 600 classes): enough to browse, quick on a first start. */
const DEMO_KLE_SCALE = 0.25;

async function seedKle(oio: OioStore, log: FastifyBaseLogger): Promise<void> {
  if ((await oio.list('klassifikation', [KLE_KLASSIFIKATION])).length) return;
  const docs = await Promise.all(
    [generateEmneplan({ scale: DEMO_KLE_SCALE }), generateHandlingsfacetter({ scale: DEMO_KLE_SCALE })].map((xml) =>
      readKle(Readable.from([xml])),
    ),
  );
  const summary = await importKle(oio, docs);
  log.info({ added: summary.added }, 'seeded a synthetic KLE (invented titles, published format)');
}

/** Seeds what is missing of the demo data; never touches data that is there. */
export async function seedDemo(oio: OioStore, log: FastifyBaseLogger): Promise<void> {
  if (!(await oio.list('klassifikation', [KLE_KLASSIFIKATION])).length)
    log.info('first start: seeding the demo data (takes a little while, once)');
  await seedKle(oio, log);
  const have = new Set(
    (
      await oio.list(
        'organisation',
        DEMO_ORGANISATIONS.map((o) => o.uuid),
      )
    ).map((o) => o.uuid),
  );
  const [kobenhavn, aarhus] = DEMO_ORGANISATIONS;
  if (!have.has(kobenhavn.uuid)) {
    await oio.importer('organisation', kobenhavn.uuid, organisationContent(kobenhavn), { note: 'demo seed' });
    log.info({ uuid: kobenhavn.uuid }, `seeded demo organisation ${kobenhavn.navn}`);
  }
  if (!have.has(aarhus.uuid)) {
    // Aarhus gets a whole (small, invented) organisation: units, users, functions, addresses, KLE tasks, history.
    const tasks = await oio.soeg('klasse', {
      criteria: [{ kind: 'relation', name: 'facet', uuid: KLE_FACET_EMNER }],
      virkning: { at: Date.now() },
      registreringstid: await oio.now(),
      limit: 40,
    });
    const summary = await importOrganisation(oio, forImport(demoMunicipality(aarhus, tasks)), undefined, { note: 'demo seed' });
    log.info({ uuid: aarhus.uuid, objects: summary.created }, `seeded demo organisation ${aarhus.navn} with a synthetic organisation`);
  }
}
