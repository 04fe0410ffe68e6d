/**
 * FK Beskedfordeler's part of the tenant-isolation walk (test/tenant-isolation.test.ts): an Aarhus
 * IT system owns a beskedtype, dueslag, subscriptions (one filtering on a CPR number) and a value
 * list, and has a message delivered. Its calls must succeed; København's IT system (every privilege
 * a municipality may be granted) and a second Aarhus IT system must be refused, or see none of it.
 * Ownership here is the IT system's, so the second Aarhus system is a stranger too.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestPlatform } from './platform.ts';
import { bfoActor, CPR_OBJEKT, testbesked, type BfoActor } from './bfo.ts';
import type { Caller, Probe, Route } from './walk.ts';

const A = '55133018';
const K = '64942212';

export interface BfoWalk {
  readonly ownerToken: string;
  readonly probesOf: (route: Route) => Probe[] | undefined;
  /** The callers that may not see the owner's data, for the Beskedfordeler's routes. */
  readonly others: readonly Caller[];
}

/** Sets up the owner's data on a running platform with `bfo` and `adgsystem`, and the probes. */
export async function bfoWalk(t: TestPlatform): Promise<BfoWalk> {
  const ids = {
    type: randomUUID(),
    spareType: randomUUID(),
    dueslag: randomUUID(),
    spareDueslag: randomUUID(),
    abonnement: randomUUID(),
    spareAbonnement: randomUUID(),
    liste: randomUUID(),
    spareListe: randomUUID(),
  };
  const delivered = testbesked({ beskedtype: ids.type, cvr: A });
  const cpr = CPR_OBJEKT.slice(-10);

  const owner: BfoActor = await bfoActor(t, ['send', 'modtag'], A);
  const kobenhavn = await bfoActor(t, ['send', 'modtag'], K);
  const neighbour = await bfoActor(t, ['send', 'modtag'], A);
  const ok = async (r: Promise<{ status: number; text: string }>) => expect((await r).status, (await r).text).toBeLessThan(300);
  const mine = { ejer: owner.itSystem };
  for (const uuid of [ids.type, ids.spareType])
    await ok(owner.request('POST', '/beskedfordeler/beskedtyper', { uuid, navn: 'walk', ...mine, sensitivitet: 'fortrolig' }));
  for (const uuid of [ids.dueslag, ids.spareDueslag])
    await ok(owner.request('POST', '/beskedfordeler/dueslag', { uuid, navn: 'walk', ...mine, levering: { type: 'pull' } }));
  for (const uuid of [ids.liste, ids.spareListe])
    await ok(owner.request('POST', '/beskedfordeler/vaerdilister', { uuid, navn: 'walk', ...mine }));
  await ok(owner.request('PUT', `/beskedfordeler/vaerdilister/${ids.liste}/vaerdier`, [`urn:oio:cpr-nr:${cpr}`]));
  const filter = {
    or: [
      { field: 'objektRegistrering.objektId', equals: `urn:oio:cpr-nr:${cpr}` },
      { field: 'relateretObjekt.objektId', inList: ids.liste },
    ],
  };
  await ok(
    owner.request('POST', '/beskedfordeler/abonnementer', { uuid: ids.abonnement, dueslag: ids.dueslag, beskedtype: ids.type, filter }),
  );
  await ok(
    owner.request('POST', '/beskedfordeler/abonnementer', {
      uuid: ids.spareAbonnement,
      dueslag: ids.spareDueslag,
      beskedtype: ids.type,
    }),
  );
  await ok(owner.request('POST', '/beskedfordeler/beskeder', delivered.xml, 'application/xml'));

  const probesOf = (route: Route): Probe[] | undefined => {
    const d = `/beskedfordeler/dueslag/${ids.dueslag}`;
    switch (`${route.method} ${route.path}`) {
      case 'POST /beskedfordeler/beskeder':
        return [{ url: route.path, body: testbesked({ beskedtype: ids.type, cvr: A }).xml, contentType: 'application/xml' }];
      case 'GET /beskedfordeler/beskedtyper':
        return [{ url: route.path, showsData: true }];
      case 'POST /beskedfordeler/beskedtyper':
        return [{ url: route.path, body: { navn: 'walk', ejer: owner.itSystem, sensitivitet: 'fortrolig' } }];
      case 'GET /beskedfordeler/beskedtyper/{uuid}':
        return [{ url: `/beskedfordeler/beskedtyper/${ids.type}`, showsData: true }];
      case 'DELETE /beskedfordeler/beskedtyper/{uuid}':
        return [{ url: `/beskedfordeler/beskedtyper/${ids.spareType}`, destructive: true }];
      case 'GET /beskedfordeler/dueslag':
        return [
          { url: route.path, showsData: true },
          { url: `${route.path}?ejer=${owner.itSystem}`, showsData: true },
        ];
      case 'POST /beskedfordeler/dueslag':
        return [{ url: route.path, body: { navn: 'walk', ejer: owner.itSystem, levering: { type: 'pull' } } }];
      case 'GET /beskedfordeler/dueslag/{uuid}':
        return [{ url: d, showsData: true }];
      case 'DELETE /beskedfordeler/dueslag/{uuid}':
        return [{ url: `/beskedfordeler/dueslag/${ids.spareDueslag}`, destructive: true, order: 2 }];
      case 'GET /beskedfordeler/dueslag/{uuid}/beskeder':
        // Long visibility: the message stays handed out, so the owner's later reads find it delivered.
        return [{ url: `${d}/beskeder?synlighed=3600`, showsData: true }];
      case 'POST /beskedfordeler/dueslag/{uuid}/kvitteringer':
        return [{ url: `${d}/kvitteringer`, body: { kvitteringer: [`1.${randomUUID()}`] } }];
      case 'POST /beskedfordeler/dueslag/{uuid}/afvisninger':
        return [{ url: `${d}/afvisninger`, body: { kvitteringer: [`1.${randomUUID()}`] } }];
      case 'GET /beskedfordeler/dueslag/{uuid}/doede':
        return [{ url: `${d}/doede` }];
      case 'POST /beskedfordeler/dueslag/{uuid}/doede/genafsend':
        return [{ url: `${d}/doede/genafsend`, body: {} }];
      case 'POST /beskedfordeler/dueslag/{uuid}/genafspil':
        return [{ url: `${d}/genafspil`, body: { fraBeskedId: delivered.beskedId } }];
      case 'GET /beskedfordeler/dueslag/{uuid}/metrikker':
        return [{ url: `${d}/metrikker`, showsData: true }];
      case 'GET /beskedfordeler/abonnementer':
        return [
          { url: route.path, showsData: true },
          { url: `${route.path}?dueslag=${ids.dueslag}`, showsData: true },
        ];
      case 'POST /beskedfordeler/abonnementer':
        return [
          {
            url: route.path,
            body: { dueslag: ids.dueslag, beskedtype: ids.type, filter: { field: 'relateretObjekt.objektId', inList: ids.liste } },
          },
        ];
      case 'GET /beskedfordeler/abonnementer/{uuid}':
        return [{ url: `/beskedfordeler/abonnementer/${ids.abonnement}`, showsData: true }];
      case 'DELETE /beskedfordeler/abonnementer/{uuid}':
        return [{ url: `/beskedfordeler/abonnementer/${ids.spareAbonnement}`, destructive: true, order: 1 }];
      case 'GET /beskedfordeler/abonnementer/{uuid}/forklar':
        return [{ url: `/beskedfordeler/abonnementer/${ids.abonnement}/forklar?beskedId=${delivered.beskedId}`, showsData: true }];
      case 'POST /beskedfordeler/abonnementer/{uuid}/forklar':
        return [
          {
            url: `/beskedfordeler/abonnementer/${ids.abonnement}/forklar`,
            body: testbesked({ beskedtype: ids.type, cvr: A }).xml,
            contentType: 'application/xml',
            read: true,
            showsData: true,
          },
        ];
      case 'GET /beskedfordeler/vaerdilister':
        return [{ url: route.path, showsData: true }];
      case 'POST /beskedfordeler/vaerdilister':
        return [{ url: route.path, body: { navn: 'walk', ejer: owner.itSystem } }];
      case 'GET /beskedfordeler/vaerdilister/{uuid}':
        return [{ url: `/beskedfordeler/vaerdilister/${ids.liste}`, showsData: true }];
      case 'DELETE /beskedfordeler/vaerdilister/{uuid}':
        return [{ url: `/beskedfordeler/vaerdilister/${ids.spareListe}`, destructive: true, order: 3 }];
      case 'PUT /beskedfordeler/vaerdilister/{uuid}/vaerdier':
      case 'POST /beskedfordeler/vaerdilister/{uuid}/vaerdier':
        return [{ url: `/beskedfordeler/vaerdilister/${ids.liste}/vaerdier`, body: [`urn:oio:cpr-nr:${cpr}`] }];
      case 'DELETE /beskedfordeler/vaerdilister/{uuid}/vaerdier':
        return [{ url: `/beskedfordeler/vaerdilister/${ids.spareListe}/vaerdier`, body: ['urn:oio:cpr-nr:0101010101'], destructive: true }];
      default:
        return undefined;
    }
  };

  const bfo = (r: Route) => r.path.startsWith('/beskedfordeler/');
  const secrets = new Set([
    owner.itSystem,
    ...Object.values(ids).filter((id) => id !== ids.type && id !== ids.spareType),
    delivered.beskedId,
    cpr,
  ]);
  // The beskedtyper are a shared catalogue: reading them (and their owners) is open to every caller.
  const readsShared = (r: Route) => r.path.startsWith('/beskedfordeler/beskedtyper');
  return {
    ownerToken: owner.token,
    probesOf,
    others: [
      { name: 'København (Beskedfordeler)', token: (r) => (bfo(r) ? kobenhavn.token : undefined), secrets, readsShared },
      // Same municipality: its own sends about Aarhus are its right, so the send route is not its to be refused.
      {
        name: 'another Aarhus IT system',
        token: (r) => (!bfo(r) || r.path === '/beskedfordeler/beskeder' ? undefined : neighbour.token),
        secrets,
        readsShared,
      },
    ],
  };
}
