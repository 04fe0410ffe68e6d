import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import { PROTECTED_SERVICES } from '../src/app.ts';
import { CLIENT_ASSERTION_TYPE, reprovisionAgreements } from '../src/services/adgsystem/index.ts';
import { DEMO_IT_SYSTEM, DEMO_OPERATOR_CVR, demoClientDir, seedDemoClient, type DemoClient } from '../src/seed/demo-client.ts';
import { allBackends } from './support/backends.ts';
import { describeWith } from './support/requires.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';
import { TEST_TOKEN_ENDPOINT } from './support/auth.ts';

const AARHUS = '55133018';
const KOBENHAVN = '64942212';
const SERVICES = PROTECTED_SERVICES.map((s) => s.name);
const entityId = (service: string) => PROTECTED_SERVICES.find((s) => s.name === service)!.entityId;

for (const backend of allBackends) {
  describeWith(backend)(`The demo IT system's agreements on ${backend.name}`, () => {
    let t: TestPlatform;
    let dir: string;

    beforeAll(async () => {
      t = await startPlatform(backend, ['org', 'kla', 'adgsystem']);
      dir = mkdtempSync(join(tmpdir(), 'stotte-demo-'));
    });
    afterAll(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** What the token endpoint answers the demo IT system (private_key_jwt with its key on disk): the privileges, or the error code. */
    async function demoPrivileges(service: string, cvr: string): Promise<string[] | string> {
      const client = JSON.parse(readFileSync(join(demoClientDir(dir), 'client.json'), 'utf8')) as DemoClient;
      const key = createPrivateKey(readFileSync(join(demoClientDir(dir), 'client.key')));
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({
        iss: client.itSystem,
        sub: client.itSystem,
        aud: TEST_TOKEN_ENDPOINT,
        jti: randomUUID(),
        exp: now + 60,
      })
        .setProtectedHeader({ alg: 'ES256', kid: client.kid })
        .sign(key);
      const res = await t.platform.http.inject({
        method: 'POST',
        url: '/adgangsstyring/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          resource: entityId(service),
          cvr,
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
        }).toString(),
      });
      return res.statusCode === 200 ? (decodeJwt(res.json().access_token).privileges as string[]) : (res.json().error.code as string);
    }

    const privilegesNow = async () => {
      t.platform.tokens.forget();
      const out: Record<string, (string[] | string)[]> = {};
      for (const service of SERVICES)
        out[service] = await Promise.all([AARHUS, KOBENHAVN, DEMO_OPERATOR_CVR].map((cvr) => demoPrivileges(service, cvr)));
      return out;
    };
    /** Municipal agreements without operator-only privileges; those under the synthetic operator CVR (README's operator steps). */
    const TODAY = {
      org: [['laes', 'skriv', 'anonymiser'], ['laes', 'skriv', 'anonymiser'], 'NO_AGREEMENT'],
      kla: [['laes', 'skriv'], ['laes', 'skriv'], ['administrer']],
      adgsystem: [['leverandoer', 'kommune'], ['leverandoer', 'kommune'], ['operatoer']],
      bfo: [['send', 'modtag'], ['send', 'modtag'], ['administrer']],
    };
    const agreementStates = async () =>
      (
        await t.store.query<{ state: string; n: string }>(
          `SELECT state, count(*) AS n FROM adg_agreement WHERE it_system = $1 GROUP BY state ORDER BY state`,
          [DEMO_IT_SYSTEM],
        )
      ).rows.map((r) => [r.state, Number(r.n)]);

    it('gives the demo IT system no operator-only privilege for a municipality, and brings an older seed in line', async () => {
      await seedDemoClient(t.platform.store, t.platform.audit, dir, SERVICES, t.platform.http.log);
      expect(await privilegesNow()).toEqual(TODAY);

      // What an older seed made: every privilege of every service for both municipalities, and a client.json without its version.
      await reprovisionAgreements(t.platform.store, t.platform.audit, {
        itSystem: DEMO_IT_SYSTEM,
        agreements: [AARHUS, KOBENHAVN].flatMap((cvr) => SERVICES.map((service) => ({ cvr, service }))),
        by: 'demo-seed',
      });
      const file = join(demoClientDir(dir), 'client.json');
      const { agreements: _version, ...old } = JSON.parse(readFileSync(file, 'utf8')) as DemoClient;
      writeFileSync(file, JSON.stringify(old));
      expect((await privilegesNow()).adgsystem?.[0]).toEqual(['operatoer', 'leverandoer', 'kommune']);

      await seedDemoClient(t.platform.store, t.platform.audit, dir, SERVICES, t.platform.http.log);
      expect(await privilegesNow()).toEqual(TODAY);
      const municipal = 2 * SERVICES.length;
      expect(await agreementStates()).toEqual([
        ['approved', municipal + 3],
        ['revoked', municipal + 3 + municipal],
      ]);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ itSystem: DEMO_IT_SYSTEM, agreements: 2 });

      // Seeding again changes nothing.
      await seedDemoClient(t.platform.store, t.platform.audit, dir, SERVICES, t.platform.http.log);
      expect(await agreementStates()).toEqual([
        ['approved', municipal + 3],
        ['revoked', municipal + 3 + municipal],
      ]);
    });
  });
}
