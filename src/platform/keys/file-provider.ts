import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  keyRing,
  type KeyProvider,
  type PublicJwk,
  type RingEntry,
  type RotationPolicy,
  type SigningAlg,
  type SigningKey,
} from './key-provider.ts';

interface Loaded {
  readonly entry: RingEntry;
  readonly key: SigningKey;
  readonly jwk: PublicJwk;
}

/**
 * Signs with a private key in the process. ES256 (about 25 µs) signs on the spot: handing it to
 * the thread pool would cost more than the signature. PS256 (an RSA signature, ten times that)
 * goes through WebCrypto, which signs on the thread pool, so several signatures use several
 * cores. Either way ECDSA comes out as r‖s (the JWS form) and PSS uses a 32-byte salt.
 */
export function localSigningKey(kid: string, alg: SigningAlg, privateKey: KeyObject): SigningKey {
  if (alg === 'ES256') {
    const options = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
    return { kid, alg, sign: async (data) => sign('sha256', data, options) };
  }
  const key = webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'RSA-PSS', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return {
    kid,
    alg,
    sign: async (data) => new Uint8Array(await webcrypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, await key, data)),
  };
}

export function generatePrivateKey(alg: SigningAlg): KeyObject {
  return alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export function publicJwkOf(kid: string, alg: SigningAlg, key: KeyObject): PublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return { ...jwk, kty: String(jwk.kty), kid, alg, use: 'sig' };
}

export interface FileKeyOptions {
  readonly alg: SigningAlg;
  readonly policy: RotationPolicy;
  readonly now?: () => number;
}

/**
 * Token-signing keys as PKCS#8 PEM files in a folder (`<kid>.pem`, mode 0600) with the rotation
 * state in `keyring.json`. The first open generates one key that signs at once (no verifier can
 * hold an older JWKS). `FileKeyProvider.ephemeral` keeps the same ring in memory only (tests,
 * benchmarks).
 */
export class FileKeyProvider implements KeyProvider {
  private loaded: Loaded[] = [];
  /** keyring.json's modification time when last read or written, and when that was checked. */
  private ringMtime = 0;
  private checkedAt = 0;

  private constructor(
    readonly kind: 'file' | 'memory',
    private readonly dir: string | undefined,
    private readonly options: FileKeyOptions,
  ) {}

  static async open(dir: string, options: FileKeyOptions): Promise<FileKeyProvider> {
    const provider = new FileKeyProvider('file', dir, options);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (existsSync(join(dir, 'keyring.json'))) provider.read();
    else provider.add(provider.fresh(), 0);
    return provider;
  }

  /** (Re)reads keyring.json, loading the PEM file of each key not loaded yet. */
  private read(): void {
    const dir = this.dir!;
    const file = join(dir, 'keyring.json');
    const mtime = statSync(file).mtimeMs;
    const entries = (JSON.parse(readFileSync(file, 'utf8')) as { keys: RingEntry[] }).keys;
    const byKid = new Map(this.loaded.map((l) => [l.entry.kid, l]));
    this.loaded = entries.map((entry) => {
      const have = byKid.get(entry.kid);
      if (have) return { ...have, entry };
      const key = createPrivateKey(readFileSync(join(dir, `${entry.kid}.pem`)));
      return { entry, key: localSigningKey(entry.kid, entry.alg, key), jwk: publicJwkOf(entry.kid, entry.alg, key) };
    });
    this.ringMtime = mtime;
  }

  /**
   * Picks up a rotation made by another process (`stotte keys rotate`, another instance on a
   * shared folder): keyring.json is looked at no more than once a second.
   */
  private refresh(): void {
    if (!this.dir) return;
    const now = performance.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      if (statSync(join(this.dir, 'keyring.json')).mtimeMs !== this.ringMtime) this.read();
    } catch {
      // A half-written or vanished ring keeps the keys already loaded; the next check tries again.
    }
  }

  static ephemeral(options: FileKeyOptions): FileKeyProvider {
    const provider = new FileKeyProvider('memory', undefined, options);
    provider.add(provider.fresh(), 0);
    return provider;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private fresh(): { kid: string; key: KeyObject } {
    return { kid: randomUUID(), key: generatePrivateKey(this.options.alg) };
  }

  /** Adds a key to the ring; `lead` 0 makes it sign at once (first start only). */
  private add(fresh: { kid: string; key: KeyObject }, lead: number): PublicJwk {
    const alg = this.options.alg;
    const now = this.now();
    const entries = keyRing.rotate(
      this.loaded.map((l) => l.entry),
      { kid: fresh.kid, alg },
      now,
      { ...this.options.policy, publishLeadMs: lead },
    );
    const jwk = publicJwkOf(fresh.kid, alg, fresh.key);
    const byKid = new Map(this.loaded.map((l) => [l.entry.kid, l]));
    byKid.set(fresh.kid, { entry: entries.at(-1)!, key: localSigningKey(fresh.kid, alg, fresh.key), jwk });
    this.loaded = entries.map((entry) => ({ ...byKid.get(entry.kid)!, entry }));
    if (this.dir) {
      writeFileSync(join(this.dir, `${fresh.kid}.pem`), fresh.key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const tmp = join(this.dir, `keyring.json.${process.pid}`);
      writeFileSync(tmp, JSON.stringify({ keys: entries }, null, 2), { mode: 0o600 });
      renameSync(tmp, join(this.dir, 'keyring.json'));
      this.ringMtime = statSync(join(this.dir, 'keyring.json')).mtimeMs;
    }
    return jwk;
  }

  signingKey(): SigningKey {
    this.refresh();
    return keyRing.signingKey(this.loaded, this.now());
  }

  publishedKeys(): readonly PublicJwk[] {
    this.refresh();
    return keyRing.publishedJwks(this.loaded, this.now());
  }

  async rotate(): Promise<PublicJwk> {
    // Start from the ring on disk: another process may have rotated since this one read it.
    if (this.dir) this.read();
    return this.add(this.fresh(), this.options.policy.publishLeadMs);
  }

  async close(): Promise<void> {}
}
