import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactVerify, importJWK } from 'jose';
import { Authenticator } from '../src/platform/auth/authenticator.ts';
import { FileKeyProvider } from '../src/platform/keys/file-provider.ts';
import { signJwt } from '../src/platform/keys/jws.ts';
import { keyRing, type KeyProvider, type SigningAlg } from '../src/platform/keys/key-provider.ts';
import { describeWith, SOFTHSM as SOFTHSM_MODULE } from './support/requires.ts';

const policy = { publishLeadMs: 5 * 60_000, maxTokenLifetimeMs: 3_600_000 };
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stotte-keys-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function verifies(provider: KeyProvider, token: string): Promise<boolean> {
  const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;
  const jwk = provider.publishedKeys().find((k) => k.kid === kid);
  if (!jwk) return false;
  await compactVerify(token, await importJWK(jwk, jwk.alg));
  return true;
}

describe('key rotation rules', () => {
  it('publishes a new key before it signs, and the old one until its last token expires', () => {
    const t0 = 1_000_000;
    let ring = keyRing.rotate([], { kid: 'a', alg: 'ES256' }, t0, { ...policy, publishLeadMs: 0 });
    expect(keyRing.signing(ring, t0).kid).toBe('a');
    const t1 = t0 + 10_000;
    ring = keyRing.rotate(ring, { kid: 'b', alg: 'ES256' }, t1, policy);
    expect(keyRing.published(ring, t1).map((e) => e.kid)).toEqual(['a', 'b']);
    expect(keyRing.signing(ring, t1 + policy.publishLeadMs - 1).kid).toBe('a');
    expect(keyRing.signing(ring, t1 + policy.publishLeadMs).kid).toBe('b');
    // a's last token is signed just before b takes over and lives one lifetime.
    expect(keyRing.published(ring, t1 + policy.publishLeadMs + policy.maxTokenLifetimeMs - 1).map((e) => e.kid)).toEqual(['a', 'b']);
    expect(keyRing.published(ring, t1 + policy.publishLeadMs + policy.maxTokenLifetimeMs).map((e) => e.kid)).toEqual(['b']);
  });
});

describe('PEM file keys', () => {
  it('generates a key on first open (0600), and finds the same key again', async () => {
    const dir = temp();
    const first = await FileKeyProvider.open(dir, { alg: 'ES256', policy });
    const kid = first.signingKey().kid;
    expect(statSync(join(dir, `${kid}.pem`)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, `${kid}.pem`), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = await FileKeyProvider.open(dir, { alg: 'ES256', policy });
    expect(again.signingKey().kid).toBe(kid);
    const token = await signJwt(again.signingKey(), { typ: 'at+jwt' }, { x: 1 });
    expect(await verifies(first, token)).toBe(true);
  });

  it('picks up a rotation made by another process on the same folder', async () => {
    const dir = temp();
    const serving = await FileKeyProvider.open(dir, { alg: 'ES256', policy });
    const first = serving.publishedKeys().map((k) => k.kid);
    const other = await FileKeyProvider.open(dir, { alg: 'ES256', policy });
    const next = await other.rotate();
    await new Promise((r) => setTimeout(r, 1100));
    expect(serving.publishedKeys().map((k) => k.kid)).toEqual([...first, next.kid]);
    expect(serving.signingKey().kid).toBe(first[0]);
    // A rotation started from the stale process keeps the other's key too.
    const third = await serving.rotate();
    expect((await FileKeyProvider.open(dir, { alg: 'ES256', policy })).publishedKeys().map((k) => k.kid)).toEqual([
      ...first,
      next.kid,
      third.kid,
    ]);
  });

  for (const alg of ['ES256', 'PS256'] as SigningAlg[]) {
    it(`rotates ${alg} without a gap: tokens of the old key verify until they expire`, async () => {
      let now = Date.UTC(2030, 0, 1);
      const dir = temp();
      const provider = await FileKeyProvider.open(dir, { alg, policy, now: () => now });
      const authenticator = new Authenticator({ issuer: 'iss', keys: provider, agreementInForce: async () => true, now: () => now });
      const oldKid = provider.signingKey().kid;
      const claims = (exp: number) => ({
        iss: 'iss',
        aud: 'aud',
        sub: 's',
        client_id: 's',
        cvr: '55133018',
        privileges: [],
        dataafgraensning: { kle: [], organisationenheder: [] },
        serviceaftale: '3a8e1ab7-2f36-4b5e-9a61-0b8c0d0f0751',
        jti: 'j',
        iat: Math.floor(now / 1000),
        exp,
      });
      const next = await provider.rotate();
      expect(provider.publishedKeys().map((k) => k.kid)).toEqual([oldKid, next.kid]);
      expect(provider.signingKey().kid).toBe(oldKid);
      now += policy.publishLeadMs - 1000;
      const lastOld = await signJwt(provider.signingKey(), { typ: 'at+jwt' }, claims(Math.floor(now / 1000) + 3600));
      now += 1000;
      expect(provider.signingKey().kid).toBe(next.kid);
      now += policy.maxTokenLifetimeMs - 2000;
      expect((await authenticator.verify(lastOld, 'aud')).cvr).toBe('55133018');
      now += 5000;
      expect(provider.publishedKeys().map((k) => k.kid)).toEqual([next.kid]);
      const lastNew = await signJwt(provider.signingKey(), { typ: 'at+jwt' }, claims(Math.floor(now / 1000) + 1));
      expect((await authenticator.verify(lastNew, 'aud')).cvr).toBe('55133018');
      // Verified before, and still within exp + skew: the withdrawn key refuses it all the same.
      await expect(authenticator.verify(lastOld, 'aud')).rejects.toMatchObject({ code: 'TOKEN_KEY_UNKNOWN' });
      // Once past exp and the skew, the token remembered as verified is expired.
      now += 62_000;
      await expect(authenticator.verify(lastNew, 'aud')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      // The ring is on disk: another instance opening the folder sees the same keys.
      const reopened = await FileKeyProvider.open(dir, { alg, policy, now: () => now });
      expect(reopened.signingKey().kid).toBe(next.kid);
    });
  }
});

// PKCS#11 against SoftHSM2. CI sets STOTTE_TEST_SOFTHSM to the module's path and the test then
// fails when SoftHSM is missing; locally it is skipped while the variable is unset.
const SOFTHSM = SOFTHSM_MODULE.value;
describeWith(SOFTHSM_MODULE)('PKCS#11 keys on SoftHSM2', () => {
  const library = SOFTHSM === '1' ? '/usr/lib/softhsm/libsofthsm2.so' : SOFTHSM!;

  function initToken(): string {
    expect(existsSync(library), `SoftHSM module ${library} (apt-get install softhsm2)`).toBe(true);
    const dir = temp();
    mkdirTokens(dir);
    process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
    const label = `stotte-${process.pid}`;
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', '1234', '--so-pin', '5678'], { env: process.env });
    return label;
  }
  function mkdirTokens(dir: string) {
    execFileSync('mkdir', ['-p', join(dir, 'tokens')]);
    writeFileSync(
      join(dir, 'softhsm2.conf'),
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
  }

  it('generates keys inside the token, signs ES256 and PS256 that jose verifies, finds them again, rotates', async () => {
    const tokenLabel = initToken();
    const { Pkcs11KeyProvider } = await import('../src/platform/keys/pkcs11-provider.ts');
    for (const alg of ['ES256', 'PS256'] as SigningAlg[]) {
      const dir = temp();
      const provider = await Pkcs11KeyProvider.open({ library, tokenLabel, pin: '1234', dir, alg, policy });
      const kid = provider.signingKey().kid;
      const token = await signJwt(provider.signingKey(), { typ: 'at+jwt' }, { hello: alg });
      expect(await verifies(provider, token)).toBe(true);
      const jwk = provider.publishedKeys()[0]!;
      expect(jwk).toMatchObject({ kid, alg, kty: alg === 'ES256' ? 'EC' : 'RSA' });
      expect('d' in jwk).toBe(false);
      await provider.close();

      const again = await Pkcs11KeyProvider.open({ library, tokenLabel, pin: '1234', dir, alg, policy });
      expect(again.signingKey().kid).toBe(kid);
      expect(await verifies(again, await signJwt(again.signingKey(), { typ: 'at+jwt' }, { again: true }))).toBe(true);
      const next = await again.rotate();
      expect(again.publishedKeys().map((k) => k.kid)).toEqual([kid, next.kid]);
      expect(again.signingKey().kid).toBe(kid);
      await again.close();
    }
    await expect(Pkcs11KeyProvider.open({ library, tokenLabel, pin: '0000', dir: temp(), alg: 'ES256', policy })).rejects.toThrow(
      /PIN_INCORRECT/,
    );
  });
});
