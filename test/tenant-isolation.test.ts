import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { contentToWire } from '../src/oio/domain/wire.ts';
import { forImport, generateMunicipality, importOrganisation } from '../src/services/org/index.ts';
import { importRequestBody, type GeneratedMunicipality } from '../src/services/org/domain/generate.ts';
import { unitReach } from '../src/services/org/store/owners.ts';
import { backends } from './support/backends.ts';
import { provisionTestClient, TEST_CVR } from './support/auth.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { protectedRoutes, walk, type Caller, type Probe, type Route } from './support/walk.ts';

/**
 * The tenant-isolation walk (issue 12): every protected route of the OpenAPI document, called by
 * Aarhus (the data's owner, whose call must succeed), by København (another municipality, with
 * every privilege a municipality can be granted) and by Aarhus tokens restricted to one unit or one
 * KLE subject. See test/support/walk.ts for what is asserted.
 */

const KOBENHAVN_CVR = '64942212';
const AARHUS = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751', bvn: 'kommune-751', navn: 'Aarhus Kommune', cvr: TEST_CVR };
const KOBENHAVN = { uuid: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0101', bvn: 'kommune-101', navn: 'Københavns Kommune', cvr: KOBENHAVN_CVR };
const TASKS = ['a1d1e000-4b1e-4c1a-8e00-00000000c001', 'a1d1e000-4b1e-4c1a-8e00-00000000c002'];
const SERVICES = ['org'] as const;

/** FK Organisation's probes: Aarhus's generated municipality. */
function orgProbes(m: GeneratedMunicipality) {
  const byType = new Map<string, GeneratedMunicipality['objects'][number][]>();
  for (const o of m.objects) byType.set(o.type, [...(byType.get(o.type) ?? []), o]);
  const first = (type: string) => (type === 'organisation' ? { uuid: m.uuid, content: m.organisation } : byType.get(type)![0]!);
  // Removed at the end: an object nothing else in the walk uses.
  const last = (type: string) => (type === 'organisation' ? undefined : byType.get(type)!.at(-1)!);
  const wire = (type: string, content: GeneratedMunicipality['organisation']) => contentToWire(declOf(type), content);
  const unit = first('organisationenhed');
  const taskUnit = m.objects.find((o) => o.type === 'organisationenhed' && o.content.relationer.opgaver?.length)!;
  const roleUnit = m.objects.find((o) => o.type === 'organisationenhed' && o.content.relationer.adresser?.some((a) => a.rolle))!;
  const user = m.objects.find(
    (o) => o.type === 'bruger' && m.objects.some((f) => f.type === 'organisationfunktion' && f.content.relationer.tilknyttedebrugere?.some((b) => b.uuid === o.uuid)),
  )!;
  return (route: Route): Probe[] | undefined => {
    const parts = route.path.split('/').filter(Boolean);
    if (parts[0] !== 'organisation') return undefined;
    const type = parts[1]!;
    const rest = parts.slice(2).join('/');
    const victim = first(type);
    switch (`${route.method} ${rest}`) {
      case 'GET ':
        return [
          { url: `/organisation/${type}?bvn=%25&maximalantalresultater=10000`, showsData: true },
          { url: `/organisation/${type}?${(byType.get(type) ?? [victim]).slice(0, 50).map((o) => `uuid=${o.uuid}`).join('&')}`, showsData: true },
        ];
      case 'GET fields':
        return [{ url: `/organisation/${type}/fields` }];
      case 'GET {uuid}':
        return [{ url: `/organisation/${type}/${victim.uuid}`, showsData: true }];
      case 'POST ':
        // A new object owned by Aarhus: only Aarhus may create it.
        return [{ url: `/organisation/${type}`, body: wire(type, type === 'organisation' ? m.organisation : victim.content) }];
      case 'PUT {uuid}':
        return [{ url: `/organisation/${type}/${victim.uuid}`, body: wire(type, victim.content) }];
      case 'PATCH {uuid}':
        return [{ url: `/organisation/${type}/${victim.uuid}`, body: { note: 'walk', ...wire(type, victim.content) } }];
      case 'DELETE {uuid}': {
        const gone = last(type);
        return gone ? [{ url: `/organisation/${type}/${gone.uuid}`, destructive: true, order: 9 }] : [];
      }
      case 'POST import':
        return [{ url: '/organisation/organisation/import', body: importRequestBody(m) }];
      case 'POST anonymiser':
        return [{ url: '/organisation/person/anonymiser', body: { uuid: first('person').uuid }, destructive: true }];
      case 'GET {uuid}/hierarki':
        return [{ url: `/organisation/organisation/${m.uuid}/hierarki?format=json`, showsData: true }];
      case 'GET {uuid}/overordnede':
      case 'GET {uuid}/underenheder':
      case 'GET {uuid}/brugere':
        return [{ url: `/organisation/organisationenhed/${unit.uuid}/${parts[3]}${parts[3] === 'brugere' ? '?undertraeer=true' : ''}`, showsData: parts[3] !== 'overordnede' }];
      case 'GET {uuid}/enheder':
        return [{ url: `/organisation/bruger/${user.uuid}/enheder`, showsData: true }];
      case 'GET {uuid}/enheder-med-opgave':
        return [{ url: `/organisation/organisation/${m.uuid}/enheder-med-opgave?opgave=${taskUnit.content.relationer.opgaver![0]!.uuid}&arvede=true`, showsData: true }];
      case 'GET {uuid}/enheder-med-adresserolle': {
        const role = roleUnit.content.relationer.adresser!.find((a) => a.rolle)!.rolle!;
        return [{ url: `/organisation/organisation/${m.uuid}/enheder-med-adresserolle?rolle=${encodeURIComponent(role)}`, showsData: true }];
      }
      default:
        return undefined;
    }
  };
}

let decls: TestPlatform['platform']['oio'] | undefined;
const declOf = (type: string) => decls!.decl(type);

for (const backend of backends) {
  describe(`the tenant-isolation walk on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    const aarhus = generateMunicipality({ organisation: AARHUS, seed: 21, units: 20, users: 40, kleClasses: TASKS });
    const kobenhavn = generateMunicipality({ organisation: KOBENHAVN, seed: 22, units: 20, users: 40, kleClasses: TASKS });
    let owner: string;
    let kobenhavnToken: string;
    let unitToken: string;
    let outsideUnit: Set<string>;

    beforeAll(async () => {
      t = await startPlatform(backend, [...SERVICES]);
      app = t.platform.http;
      decls = t.platform.oio;
      await importOrganisation(t.platform.oio, forImport(aarhus));
      await importOrganisation(t.platform.oio, forImport(kobenhavn));
      owner = t.tokens.get('org')!;
      const k = await provisionTestClient(t.store, t.platform.audit, [{ cvr: KOBENHAVN_CVR, service: 'org' }]);
      kobenhavnToken = await k.token(t.platform.tokens, 'org', KOBENHAVN_CVR);
      const unit = aarhus.objects.find((o) => o.type === 'organisationenhed' && o.uuid !== aarhus.objects.find((x) => x.type === 'organisationenhed')!.uuid)!.uuid;
      const limited = await provisionTestClient(t.store, t.platform.audit, [{ cvr: TEST_CVR, service: 'org', organisationenheder: [unit] }]);
      unitToken = await limited.token(t.platform.tokens, 'org');
      const reach = await unitReach(t.store, [unit]);
      const inside = new Set([...reach.values()].flatMap((s) => [...s]));
      // Outside the unit: the objects it does not reach, but for those its own objects point to
      // (a unit's parent, a user's organisation: identifiers that are the inside objects' own
      // data), and the CPR numbers of the persons it does not reach.
      const pointedTo = new Set(
        aarhus.objects
          .filter((o) => inside.has(o.uuid))
          .flatMap((o) => Object.values(o.content.relationer).flatMap((vs) => vs.flatMap((v) => (v.uuid ? [v.uuid] : [])))),
      );
      const outside = aarhus.objects.filter((o) => !inside.has(o.uuid));
      outsideUnit = new Set([
        ...outside.filter((o) => !pointedTo.has(o.uuid)).map((o) => o.uuid),
        ...outside.flatMap((o) => (o.content.attributter.personegenskaber ?? []).flatMap((v) => (v.fields.cpr_nummer ? [v.fields.cpr_nummer] : []))),
      ]);
    });
    afterAll(async () => t?.close());

    it("walks every protected route: another municipality and a restricted token are refused or see none of Aarhus's data", async () => {
      const routes = protectedRoutes(app);
      expect(routes.length).toBeGreaterThan(30);
      const cprs = aarhus.objects.flatMap((o) => (o.content.attributter.personegenskaber ?? []).flatMap((v) => (v.fields.cpr_nummer ? [v.fields.cpr_nummer] : [])));
      const secrets = new Set([AARHUS.uuid, ...aarhus.objects.map((o) => o.uuid), ...cprs]);
      const serviceOf = (route: Route) => route.url.split('/')[1];
      const others: Caller[] = [
        { name: 'København', token: (r) => (serviceOf(r) === 'organisation' ? kobenhavnToken : undefined), secrets },
        { name: 'Aarhus restricted to one unit', token: (r) => (serviceOf(r) === 'organisation' ? unitToken : undefined), secrets: outsideUnit },
      ];
      const probes = orgProbes(aarhus);
      const result = await walk(app, routes, probes, { owner: () => owner, operator: () => owner }, others);
      console.log(`tenant-isolation walk on ${backend.name}: ${result.routes} routes, ${result.calls} calls`);
    });
  });
}
