import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../../platform/audit.ts';
import { selfSignedCertificate } from '../../platform/keys/self-signed.ts';
import type { Store } from '../../platform/store/store.ts';
import { DEMO_ORGANISATIONS } from '../../seed/demo-municipalities.ts';
import { parseCertificate, parseJwk } from './domain/credentials.ts';
import { grantablePrivileges } from './store/platform-services.ts';
import { provisionItSystem, reprovisionAgreements, type ProvisionedAgreement } from './store/provision.ts';

/** What `stotte token` needs of the demo IT system, in `<data>/demo-client/client.json`. */
export interface DemoClient {
  readonly itSystem: string;
  readonly kid: string;
  /** The shape of its agreements; a file without it was seeded under older rules (see seedDemoClient). */
  readonly agreements?: number;
}

/**
 * SYNTHETIC: the CVR the demo IT system acts for as the platform operator. No company has it (it
 * fails the CVR check digit); it only names the demo's operator agreements.
 */
export const DEMO_OPERATOR_CVR = '00000001';

/** The shape of the demo agreements: municipal ones without operator-only privileges, and separate operator ones. */
const AGREEMENTS_VERSION = 2;

/**
 * The demo IT system's agreements: for each demo municipality, what a municipality may approve on
 * every service; and, as the (synthetic) operator, each service's operator-only privileges (the
 * README's KLE upload needs FK Klassifikation's). A municipal agreement never holds an
 * operator-only privilege.
 */
async function demoAgreements(store: Store, services: readonly string[]): Promise<ProvisionedAgreement[]> {
  const agreements: ProvisionedAgreement[] = [];
  const operator: ProvisionedAgreement[] = [];
  for (const service of services) {
    const grants = await grantablePrivileges(store, service);
    if (!grants) continue;
    if (grants.municipal.length) agreements.push(...DEMO_ORGANISATIONS.map((o) => ({ cvr: o.cvr, service, privileges: grants.municipal })));
    if (grants.operator.length) operator.push({ cvr: DEMO_OPERATOR_CVR, service, privileges: grants.operator });
  }
  return [...agreements, ...operator];
}

/** The demo IT system's UUID: fixed, so the demo receiver's dueslag can name it as its owner. */
export const DEMO_IT_SYSTEM = 'd0e5c11e-5e1d-4000-8000-000000000001';

export const demoClientDir = (dataDir: string) => join(dataDir, 'demo-client');

/**
 * Registers the demo IT system on first start: a key pair and a self-signed certificate written to
 * `<data>/demo-client/` (client.key, client.crt, client.json), registered as certificate and as
 * JWK, with approved agreements for both demo municipalities on every platform service and
 * operator agreements for the synthetic operator CVR (see demoAgreements). A demo IT system seeded
 * before the operator agreements existed has its agreements replaced. Only the demo seed on the
 * embedded database calls this; production has no such shortcut.
 */
export async function seedDemoClient(
  store: Store,
  audit: AuditLog,
  dataDir: string,
  services: readonly string[],
  log: FastifyBaseLogger,
): Promise<void> {
  const dir = demoClientDir(dataDir);
  const file = join(dir, 'client.json');
  if (existsSync(file)) {
    const seeded = JSON.parse(readFileSync(file, 'utf8')) as DemoClient;
    if (seeded.agreements === AGREEMENTS_VERSION) return;
    // Seeded under older rules: its municipal agreements held operator-only privileges.
    await reprovisionAgreements(store, audit, {
      itSystem: seeded.itSystem,
      agreements: await demoAgreements(store, services),
      by: 'demo-seed',
    });
    writeFileSync(file, JSON.stringify({ ...seeded, agreements: AGREEMENTS_VERSION } satisfies DemoClient, null, 2) + '\n');
    log.info(
      { itSystem: seeded.itSystem },
      'replaced the demo IT system’s agreements: operator-only privileges now under the synthetic operator CVR',
    );
    return;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certPem = selfSignedCertificate(privateKey, { commonName: 'Demo-anvendersystem (stotte)' });
  const jwk = await parseJwk(createPublicKey(privateKey).export({ format: 'jwk' }));
  const uuid = DEMO_IT_SYSTEM;
  await provisionItSystem(store, audit, {
    uuid,
    name: 'Demo-anvendersystem',
    supplierCvr: DEMO_ORGANISATIONS[1].cvr,
    contact: 'demo@example.invalid',
    credentials: [parseCertificate(certPem), jwk],
    agreements: await demoAgreements(store, services),
    by: 'demo-seed',
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'client.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'client.crt'), certPem);
  writeFileSync(
    file,
    JSON.stringify({ itSystem: uuid, kid: jwk.kid!, agreements: AGREEMENTS_VERSION } satisfies DemoClient, null, 2) + '\n',
  );
  log.info({ itSystem: uuid, dir }, 'seeded the demo IT system (credentials in the data folder)');
}
