import type { FastifyBaseLogger } from 'fastify';
import type { Content } from '../../oio/model.ts';
import type { OioStore } from '../../oio/store/oio-store.ts';
import { DEMO_ORGANISATIONS } from '../../seed/demo-municipalities.ts';
import { demoMunicipality, forImport } from './generate/index.ts';
import { importOrganisation } from './store/org-import.ts';

const since = { from: Date.UTC(2015, 0, 1), to: Infinity };

function organisationContent(o: (typeof DEMO_ORGANISATIONS)[number]): Content {
  return {
    attributter: { organisationegenskaber: [{ fields: { brugervendtnoegle: o.bvn, organisationsnavn: o.navn }, virkning: since }] },
    tilstande: { organisationgyldighed: [{ value: 'Aktiv', virkning: since }] },
    relationer: { virksomhed: [{ urn: `urn:oio:cvr-nr:${o.cvr}`, virkning: since }] },
  };
}

/**
 * FK Organisation's demo data: the two demo municipalities, Aarhus with a small invented
 * organisation (units, users, functions, addresses, KLE tasks, a few years of history). Seeds what
 * is missing; never touches data that is there. KLE subjects (numbers with two dots) become tasks
 * when FK Klassifikation's demo KLE is there.
 */
export async function seedOrganisations(oio: OioStore, log: FastifyBaseLogger): Promise<void> {
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
    const tasks = await oio.soeg('klasse', {
      criteria: [{ kind: 'attribute', field: 'brugervendtnoegle', pattern: '%.%.%' }],
      virkning: { at: Date.now() },
      registreringstid: await oio.now(),
      limit: 40,
    });
    const summary = await importOrganisation(oio, forImport(demoMunicipality(aarhus, tasks)), undefined, { note: 'demo seed' });
    log.info({ uuid: aarhus.uuid, objects: summary.created }, `seeded demo organisation ${aarhus.navn} with a synthetic organisation`);
  }
}
