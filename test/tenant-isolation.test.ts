import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { contentToWire } from '../src/oio/domain/wire.ts';
import { generateEmneplan, importKle, KLE_KLASSIFIKATION, readKle } from '../src/services/kla/index.ts';
import { orgService } from '../src/services/org/index.ts';
import { forImport, generateMunicipality, importOrganisation } from '../src/services/org/index.ts';
import { importRequestBody, type GeneratedMunicipality } from '../src/services/org/generate/index.ts';
import { unitReach } from '../src/services/org/store/owners.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { clientKey, provisionTestClient, TEST_CVR, type TestClient } from './support/auth.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { protectedRoutes, walk, type Caller, type Probe, type Route } from './support/walk.ts';
import { bfoWalk, type BfoWalk } from './support/bfo-walk.ts';

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
const SERVICES = ['org', 'kla', 'adgsystem', 'bfo'] as const;

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
    (o) =>
      o.type === 'bruger' &&
      m.objects.some((f) => f.type === 'organisationfunktion' && f.content.relationer.tilknyttedebrugere?.some((b) => b.uuid === o.uuid)),
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
          {
            url: `/organisation/${type}?${(byType.get(type) ?? [victim])
              .slice(0, 50)
              .map((o) => `uuid=${o.uuid}`)
              .join('&')}`,
            showsData: true,
          },
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
        return [
          {
            url: `/organisation/organisationenhed/${unit.uuid}/${parts[3]}${parts[3] === 'brugere' ? '?undertraeer=true' : ''}`,
            showsData: parts[3] !== 'overordnede',
          },
        ];
      case 'GET {uuid}/enheder':
        return [{ url: `/organisation/bruger/${user.uuid}/enheder`, showsData: true }];
      case 'GET {uuid}/enheder-med-opgave':
        return [
          {
            url: `/organisation/organisation/${m.uuid}/enheder-med-opgave?opgave=${taskUnit.content.relationer.opgaver![0]!.uuid}&arvede=true`,
            showsData: true,
          },
        ];
      case 'GET {uuid}/enheder-med-adresserolle': {
        const role = roleUnit.content.relationer.adresser!.find((a) => a.rolle)!.rolle!;
        return [
          { url: `/organisation/organisation/${m.uuid}/enheder-med-adresserolle?rolle=${encodeURIComponent(role)}`, showsData: true },
        ];
      }
      default:
        return undefined;
    }
  };
}

/** FK Klassifikation's data: a synthetic KLE (national) and a classification Aarhus owns. */
interface KlaData {
  readonly owned: { klassifikation: string; facet: string; klasse: string };
  /** KLE classes by number. */
  readonly kle: ReadonlyMap<string, string>;
  readonly xml: string;
}

const V = { from: '2020-01-01', to: 'infinity' };
const own = (org: string) => ({ ejer: [{ uuid: org, objekttype: 'organisation', virkning: V }] });
const klaBodies = (org: string, d?: KlaData) => ({
  klassifikation: {
    attributter: { klassifikationegenskaber: [{ brugervendtnoegle: 'aarhus-egen', titel: 'Aarhus egen', virkning: V }] },
    relationer: own(org),
  },
  facet: {
    attributter: { facetegenskaber: [{ brugervendtnoegle: 'aarhus-facet', virkning: V }] },
    relationer: { ...own(org), ...(d ? { facettilhoerer: [{ uuid: d.owned.klassifikation, virkning: V }] } : {}) },
  },
  klasse: {
    attributter: { klasseegenskaber: [{ brugervendtnoegle: 'aarhus-1', titel: 'Aarhus klasse', virkning: V }] },
    relationer: { ...own(org), ...(d ? { facet: [{ uuid: d.owned.facet, virkning: V }] } : {}) },
  },
});

/** The KLE subject a restricted token may see, and a class outside it. */
const KLE_ALLOWED = '00.01.*';

function klaProbes(d: KlaData) {
  const outside = [...d.kle].find(([n]) => !n.startsWith('00.01') && n.split('.').length === 3)!;
  return (route: Route): Probe[] | undefined => {
    const parts = route.path.split('/').filter(Boolean);
    if (parts[0] !== 'klassifikation') return undefined;
    const type = parts[1]!;
    const rest = parts.slice(2).join('/');
    // Classes: a national KLE class outside the restriction (written by the operator only);
    // classifications and facets: Aarhus's own.
    const victim = type === 'klasse' ? outside[1] : d.owned[type as 'klassifikation' | 'facet'];
    const legit = type === 'klasse' ? ('operator' as const) : ('owner' as const);
    const body = klaBodies(AARHUS.uuid, d)[type as 'klasse'];
    switch (`${route.method} ${rest}`) {
      case 'GET ':
        return [{ url: `/klassifikation/${type}?bvn=%25&maximalantalresultater=10000`, showsData: type === 'klasse' }];
      case 'GET fields':
        return [{ url: `/klassifikation/${type}/fields` }];
      case 'GET {uuid}':
        return [{ url: `/klassifikation/${type}/${victim}`, showsData: type === 'klasse' }];
      case 'POST ':
        return [{ url: `/klassifikation/${type}`, body }];
      case 'PUT {uuid}':
        return [{ url: `/klassifikation/${type}/${type === 'klasse' ? d.owned.klasse : victim}`, body }];
      case 'PATCH {uuid}':
        return [{ url: `/klassifikation/${type}/${victim}`, body: { note: 'walk' }, legit }];
      case 'DELETE {uuid}':
        return [{ url: `/klassifikation/${type}/${victim}`, destructive: true, order: 9, legit }];
      case 'GET fritekst':
        return [{ url: `/klassifikation/klasse/fritekst?nummer=${outside[0].slice(0, 2)}`, showsData: true }];
      case 'GET {uuid}/hierarki':
        return [{ url: `/klassifikation/klassifikation/${KLE_KLASSIFIKATION}/hierarki`, showsData: true }];
      case 'POST import':
        return [{ url: '/klassifikation/kle/import', body: d.xml, contentType: 'application/xml', legit: 'operator' }];
      default:
        return undefined;
    }
  };
}

/** FK Adgangsstyring's data: Aarhus as supplier of an IT system, and as the municipality of its agreements. */
interface AdgData {
  readonly itSystem: string;
  readonly credential: string;
  readonly requested: string;
  readonly agreements: readonly string[];
}

function adgProbes(d: AdgData) {
  return (route: Route): Probe[] | undefined => {
    if (!route.path.startsWith('/adgangsstyring/')) return undefined;
    switch (`${route.method} ${route.path}`) {
      case 'GET /adgangsstyring/tjenester':
        return [{ url: '/adgangsstyring/tjenester' }];
      case 'POST /adgangsstyring/tjenester':
        return [
          { url: '/adgangsstyring/tjenester', body: { navn: 'walk', entityId: 'urn:walk', privilegier: ['laes'] }, legit: 'operator' },
        ];
      case 'POST /adgangsstyring/itsystemer':
        // Registers the caller's own IT system: anyone's call touches only its own.
        return [{ url: '/adgangsstyring/itsystemer', body: { navn: 'walk' }, read: true }];
      case 'GET /adgangsstyring/itsystemer':
        return [{ url: '/adgangsstyring/itsystemer', showsData: true }];
      case 'GET /adgangsstyring/itsystemer/{uuid}':
        return [{ url: `/adgangsstyring/itsystemer/${d.itSystem}`, showsData: true }];
      case 'POST /adgangsstyring/itsystemer/{uuid}/legitimationer':
        return [{ url: `/adgangsstyring/itsystemer/${d.itSystem}/legitimationer`, body: { certifikat: clientKey().certPem } }];
      case 'DELETE /adgangsstyring/itsystemer/{uuid}/legitimationer/{credential}':
        return [{ url: `/adgangsstyring/itsystemer/${d.itSystem}/legitimationer/${d.credential}`, destructive: true }];
      case 'POST /adgangsstyring/serviceaftaler':
        return [
          {
            url: '/adgangsstyring/serviceaftaler',
            body: { cvr: TEST_CVR, itsystem: d.itSystem, tjeneste: orgService.entityId, privilegier: ['laes'] },
          },
        ];
      case 'GET /adgangsstyring/serviceaftaler':
        return [{ url: '/adgangsstyring/serviceaftaler', showsData: true }];
      case 'GET /adgangsstyring/serviceaftaler/{uuid}':
        return [{ url: `/adgangsstyring/serviceaftaler/${d.requested}`, showsData: true }];
      case 'POST /adgangsstyring/serviceaftaler/{uuid}/godkend':
        return [{ url: `/adgangsstyring/serviceaftaler/${d.requested}/godkend`, destructive: true, order: 1 }];
      case 'POST /adgangsstyring/serviceaftaler/{uuid}/tilbagekald':
        return [{ url: `/adgangsstyring/serviceaftaler/${d.requested}/tilbagekald`, destructive: true, order: 2 }];
      default:
        return undefined;
    }
  };
}

/** Every privilege a municipality can be granted, per service; and the operator's. */
const MUNICIPAL = {
  org: ['laes', 'skriv', 'anonymiser'],
  kla: ['laes', 'skriv'],
  adgsystem: ['leverandoer', 'kommune'],
  bfo: ['send', 'modtag'],
};
const OPERATOR = { org: ['laes'], kla: ['laes', 'administrer'], adgsystem: ['operatoer'], bfo: ['administrer'] };

let decls: TestPlatform['platform']['oio'] | undefined;
const declOf = (type: string) => decls!.decl(type);

for (const backend of allBackends) {
  describeWith(backend)(`the tenant-isolation walk on ${backend.name}`, () => {
    let t: TestPlatform;
    let app: FastifyInstance;
    const aarhus = generateMunicipality({ organisation: AARHUS, seed: 21, units: 20, users: 40, kleClasses: TASKS });
    const kobenhavn = generateMunicipality({ organisation: KOBENHAVN, seed: 22, units: 20, users: 40, kleClasses: TASKS });
    const tokens = { owner: new Map<string, string>(), operator: new Map<string, string>(), kobenhavn: new Map<string, string>() };
    let unitToken: string;
    let kleToken: string;
    let outsideUnit: Set<string>;
    let outsideKle: Set<string>;
    let kla: KlaData;
    let adg: AdgData;
    let bfo: BfoWalk;

    /** An IT system of a supplier with agreements for one CVR, and its tokens per service. */
    const client = async (cvr: string, privileges: Record<string, string[]>, into: Map<string, string>): Promise<TestClient> => {
      const c = await provisionTestClient(
        t.store,
        t.platform.audit,
        SERVICES.map((service) => ({ cvr, service, privileges: privileges[service]! })),
        clientKey(),
        cvr === '00000001' ? TEST_CVR : cvr,
      );
      for (const service of SERVICES) into.set(service, await c.token(t.platform.tokens, service, cvr));
      return c;
    };

    beforeAll(async () => {
      t = await startPlatform(backend, [...SERVICES]);
      app = t.platform.http;
      decls = t.platform.oio;
      await importOrganisation(t.platform.oio, forImport(aarhus));
      await importOrganisation(t.platform.oio, forImport(kobenhavn));
      const owner = await client(TEST_CVR, MUNICIPAL, tokens.owner);
      await client('00000001', OPERATOR, tokens.operator);
      await client(KOBENHAVN_CVR, MUNICIPAL, tokens.kobenhavn);

      // FK Organisation: a token restricted to one unit, and what lies outside it.
      const unit = aarhus.objects.filter((o) => o.type === 'organisationenhed')[1]!.uuid;
      const limited = await provisionTestClient(t.store, t.platform.audit, [
        { cvr: TEST_CVR, service: 'org', privileges: MUNICIPAL.org, organisationenheder: [unit] },
      ]);
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
        ...outside.flatMap((o) =>
          (o.content.attributter.personegenskaber ?? []).flatMap((v) => (v.fields.cpr_nummer ? [v.fields.cpr_nummer] : [])),
        ),
      ]);

      // FK Klassifikation: a small synthetic KLE, a classification of Aarhus's own, and a token restricted to one KLE subject.
      const xml = generateEmneplan({ scale: 0.05 });
      await importKle(t.platform.oio, [await readKle(Readable.from([xml]))]);
      const bodies = klaBodies(AARHUS.uuid);
      const post = async (type: string, body: unknown, token = tokens.owner.get('kla')!) => {
        const res = await app.inject({
          method: 'POST',
          url: `/klassifikation/${type}`,
          headers: { authorization: `Bearer ${token}` },
          payload: body as object,
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json().uuid as string;
      };
      const klassifikation = await post('klassifikation', bodies.klassifikation);
      const partial: KlaData = { owned: { klassifikation, facet: '', klasse: '' }, kle: new Map(), xml };
      const facet = await post('facet', klaBodies(AARHUS.uuid, partial).facet);
      const klasse = await post('klasse', klaBodies(AARHUS.uuid, { ...partial, owned: { klassifikation, facet, klasse: '' } }).klasse);
      const { rows } = await t.store.query<{ uuid: string; n: string }>(
        `SELECT r.objekt_uuid::text AS uuid, s.tekst AS n FROM oio_registrering r
         JOIN oio_soegeindeks s ON s.registrering_id = r.id AND s.kind = 'a' AND s.felt = 'brugervendtnoegle'
         WHERE r.objekttype = 'klasse' AND r.til = 'infinity' AND s.tekst ~ '^[0-9]{2}'`,
      );
      kla = { owned: { klassifikation, facet, klasse }, kle: new Map(rows.map((r) => [r.n, r.uuid])), xml };
      // Outside the restriction: the classes it does not match, but for the parents of those it
      // does (00 above 00.01: the inside class's own relation).
      const { rows: parents } = await t.store.query<{ uuid: string }>(
        `SELECT DISTINCT s.maal_uuid::text AS uuid FROM oio_registrering r
         JOIN oio_soegeindeks n ON n.registrering_id = r.id AND n.kind = 'a' AND n.felt = 'brugervendtnoegle' AND n.tekst LIKE '00.01%'
         JOIN oio_soegeindeks s ON s.registrering_id = r.id AND s.kind = 'r' AND s.felt = 'overordnetklasse'
         WHERE r.objekttype = 'klasse' AND r.til = 'infinity'`,
      );
      const parentsOfInside = new Set(parents.map((p) => p.uuid));
      outsideKle = new Set(rows.filter((r) => !r.n.startsWith('00.01') && !parentsOfInside.has(r.uuid)).map((r) => r.uuid));
      const kleLimited = await provisionTestClient(t.store, t.platform.audit, [
        { cvr: TEST_CVR, service: 'kla', privileges: MUNICIPAL.kla, kle: [KLE_ALLOWED] },
      ]);
      kleToken = await kleLimited.token(t.platform.tokens, 'kla');

      // FK Adgangsstyring: Aarhus's IT system (the owner's own), a second credential, a requested agreement.
      const adgPost = async (url: string, body: unknown) => {
        const res = await app.inject({
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${tokens.owner.get('adgsystem')}` },
          payload: body as object,
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json();
      };
      const credential = (await adgPost(`/adgangsstyring/itsystemer/${owner.itSystem}/legitimationer`, { certifikat: clientKey().certPem }))
        .uuid as string;
      const requested = (
        await adgPost('/adgangsstyring/serviceaftaler', {
          cvr: TEST_CVR,
          itsystem: owner.itSystem,
          tjeneste: orgService.entityId,
          privilegier: ['laes'],
        })
      ).uuid as string;
      const { rows: agreements } = await t.store.query<{ uuid: string }>('SELECT uuid::text AS uuid FROM adg_agreement WHERE cvr = $1', [
        TEST_CVR,
      ]);
      adg = { itSystem: owner.itSystem, credential, requested, agreements: agreements.map((a) => a.uuid) };

      // FK Beskedfordeler: an Aarhus IT system's dueslag, subscriptions, value list and a delivered message.
      bfo = await bfoWalk(t);
    });
    afterAll(async () => t?.close());

    it("walks every protected route: another municipality and restricted tokens are refused or see none of Aarhus's data", async () => {
      const routes = protectedRoutes(app);
      expect(routes.length).toBeGreaterThan(60);
      const cprs = aarhus.objects.flatMap((o) =>
        (o.content.attributter.personegenskaber ?? []).flatMap((v) => (v.fields.cpr_nummer ? [v.fields.cpr_nummer] : [])),
      );
      const secrets = new Set([
        AARHUS.uuid,
        ...aarhus.objects.map((o) => o.uuid),
        ...cprs,
        adg.itSystem,
        adg.credential,
        ...adg.agreements,
      ]);
      const serviceOf = (route: Route) =>
        ({ organisation: 'org', klassifikation: 'kla', adgangsstyring: 'adgsystem', beskedfordeler: 'bfo' })[route.url.split('/')[1]!]!;
      const isKlasse = (route: Route) =>
        route.url.startsWith('/klassifikation/klasse') || (route.url.endsWith('/hierarki') && route.url.startsWith('/klassifikation'));
      const others: Caller[] = [
        {
          name: 'København',
          // (The Beskedfordeler's own København caller is among bfo.others.)
          token: (r) => (serviceOf(r) === 'bfo' ? undefined : tokens.kobenhavn.get(serviceOf(r))),
          secrets,
          // Classifications are the country's: every municipality reads them, none writes another's.
          readsShared: (r) => serviceOf(r) === 'kla' || r.access.scope.kinds.every((k) => k === 'shared'),
        },
        { name: 'Aarhus restricted to one unit', token: (r) => (serviceOf(r) === 'org' ? unitToken : undefined), secrets: outsideUnit },
        { name: 'Aarhus restricted to one KLE subject', token: (r) => (isKlasse(r) ? kleToken : undefined), secrets: outsideKle },
        ...bfo.others,
      ];
      const probes = [orgProbes(aarhus), klaProbes(kla), adgProbes(adg), bfo.probesOf];
      const probesOf = (route: Route) => probes.map((p) => p(route)).find((x) => x !== undefined);
      const result = await walk(
        app,
        routes,
        probesOf,
        {
          owner: (r) => (serviceOf(r) === 'bfo' ? bfo.ownerToken : tokens.owner.get(serviceOf(r))!),
          operator: (r) => tokens.operator.get(serviceOf(r))!,
        },
        others,
      );
      console.log(`tenant-isolation walk on ${backend.name}: ${result.routes} routes, ${result.calls} calls`);
    });
  });
}
