import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import {
  keyRing,
  type KeyProvider,
  type PublicJwk,
  type RingEntry,
  type RotationPolicy,
  type SigningAlg,
  type SigningKey,
} from './key-provider.ts';

// The one file that imports the PKCS#11 driver.

export interface Pkcs11Options {
  /** The PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly library: string;
  /** The token's label; its first slot holding that label is used. */
  readonly tokenLabel: string;
  readonly pin: string;
  /** Where the rotation state (keyring.json: kids and times) is kept; the keys stay in the HSM. */
  readonly dir: string;
  readonly alg: SigningAlg;
  readonly policy: RotationPolicy;
  readonly now?: () => number;
}

const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');

interface HsmKey {
  readonly entry: RingEntry;
  readonly handle: pkcs11js.Handle;
  readonly jwk: PublicJwk;
  readonly key: SigningKey;
}

/**
 * Token-signing keys in an HSM over PKCS#11: generated inside the token (sensitive, not
 * extractable), found again by CKA_ID = kid, signing with CKM_ECDSA over a SHA-256 digest (ES256)
 * or CKM_SHA256_RSA_PKCS_PSS (PS256). Only the public parts ever leave the HSM.
 */
export class Pkcs11KeyProvider implements KeyProvider {
  readonly kind = 'pkcs11';
  private keys: HsmKey[] = [];
  private ringMtime = 0;
  private checkedAt = 0;

  private constructor(
    private readonly lib: pkcs11js.PKCS11,
    private readonly session: pkcs11js.Handle,
    private readonly options: Pkcs11Options,
  ) {}

  static async open(options: Pkcs11Options): Promise<Pkcs11KeyProvider> {
    const lib = new pkcs11js.PKCS11();
    lib.load(options.library);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === options.tokenLabel);
      if (!slot) throw new Error(`PKCS#11: no token labelled "${options.tokenLabel}" in ${options.library}`);
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      lib.C_Login(session, pkcs11js.CKU_USER, options.pin);
      const provider = new Pkcs11KeyProvider(lib, session, options);
      provider.load();
      return provider;
    } catch (err) {
      lib.C_Finalize();
      throw err;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private load(): void {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    const file = join(this.options.dir, 'keyring.json');
    if (!existsSync(file)) {
      this.add(0);
      return;
    }
    this.read();
  }

  /** (Re)reads keyring.json, finding in the token each key not found yet. */
  private read(): void {
    const file = join(this.options.dir, 'keyring.json');
    const mtime = statSync(file).mtimeMs;
    const entries = (JSON.parse(readFileSync(file, 'utf8')) as { keys: RingEntry[] }).keys;
    const byKid = new Map(this.keys.map((k) => [k.entry.kid, k]));
    this.keys = entries.map((entry) => (byKid.has(entry.kid) ? { ...byKid.get(entry.kid)!, entry } : this.found(entry)));
    this.ringMtime = mtime;
  }

  /** Picks up a rotation made by another process, looking at keyring.json at most once a second. */
  private refresh(): void {
    const now = performance.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      if (statSync(join(this.options.dir, 'keyring.json')).mtimeMs !== this.ringMtime) this.read();
    } catch {
      // Keep the keys already found; the next check tries again.
    }
  }

  private find(kid: string, cls: number): pkcs11js.Handle {
    this.lib.C_FindObjectsInit(this.session, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_ID, value: Buffer.from(kid) },
    ]);
    const handle = this.lib.C_FindObjects(this.session);
    this.lib.C_FindObjectsFinal(this.session);
    if (!handle) throw new Error(`PKCS#11: key ${kid} is not in the token`);
    return handle;
  }

  private found(entry: RingEntry): HsmKey {
    const handle = this.find(entry.kid, pkcs11js.CKO_PRIVATE_KEY);
    const jwk = this.publicJwk(entry.kid, entry.alg, this.find(entry.kid, pkcs11js.CKO_PUBLIC_KEY));
    return { entry, handle, jwk, key: this.signer(entry.kid, entry.alg, handle) };
  }

  private publicJwk(kid: string, alg: SigningAlg, pub: pkcs11js.Handle): PublicJwk {
    if (alg === 'ES256') {
      const [point] = this.lib.C_GetAttributeValue(this.session, pub, [{ type: pkcs11js.CKA_EC_POINT }]);
      // A DER OCTET STRING around the uncompressed point 04‖x‖y.
      const raw = point!.value!.subarray(point!.value!.length - 65);
      return {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33).toString('base64url'),
        kid,
        alg,
        use: 'sig',
      };
    }
    const [n, e] = this.lib.C_GetAttributeValue(this.session, pub, [
      { type: pkcs11js.CKA_MODULUS },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT },
    ]);
    return { kty: 'RSA', n: n!.value!.toString('base64url'), e: e!.value!.toString('base64url'), kid, alg, use: 'sig' };
  }

  private signer(kid: string, alg: SigningAlg, handle: pkcs11js.Handle): SigningKey {
    const lib = this.lib;
    const session = this.session;
    return {
      kid,
      alg,
      async sign(data) {
        if (alg === 'ES256') {
          lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, handle);
          return lib.C_Sign(session, createHash('sha256').update(data).digest(), Buffer.alloc(64));
        }
        lib.C_SignInit(
          session,
          {
            mechanism: pkcs11js.CKM_SHA256_RSA_PKCS_PSS,
            parameter: {
              type: pkcs11js.CK_PARAMS_RSA_PSS,
              hashAlg: pkcs11js.CKM_SHA256,
              mgf: pkcs11js.CKG_MGF1_SHA256,
              saltLen: 32,
            } as pkcs11js.IParams,
          },
          handle,
        );
        return lib.C_Sign(session, Buffer.from(data), Buffer.alloc(512));
      },
    };
  }

  private generate(kid: string, alg: SigningAlg): void {
    const id = { type: pkcs11js.CKA_ID, value: Buffer.from(kid) };
    const label = { type: pkcs11js.CKA_LABEL, value: `stotte ${kid}` };
    const common = [id, label, { type: pkcs11js.CKA_TOKEN, value: true }];
    const privateTemplate = [
      ...common,
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    ];
    if (alg === 'ES256') {
      this.lib.C_GenerateKeyPair(
        this.session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_EC_PARAMS, value: P256_OID }],
        privateTemplate,
      );
    } else {
      this.lib.C_GenerateKeyPair(
        this.session,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
        privateTemplate,
      );
    }
  }

  private add(lead: number): PublicJwk {
    const kid = randomUUID();
    this.generate(kid, this.options.alg);
    const entries = keyRing.rotate(
      this.keys.map((k) => k.entry),
      { kid, alg: this.options.alg },
      this.now(),
      { ...this.options.policy, publishLeadMs: lead },
    );
    const byKid = new Map(this.keys.map((k) => [k.entry.kid, k]));
    this.keys = entries.map((entry) => (byKid.has(entry.kid) ? { ...byKid.get(entry.kid)!, entry } : this.found(entry)));
    const tmp = join(this.options.dir, `keyring.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ keys: entries }, null, 2), { mode: 0o600 });
    renameSync(tmp, join(this.options.dir, 'keyring.json'));
    this.ringMtime = statSync(join(this.options.dir, 'keyring.json')).mtimeMs;
    return this.keys.at(-1)!.jwk;
  }

  signingKey(): SigningKey {
    this.refresh();
    return keyRing.signingKey(this.keys, this.now());
  }

  publishedKeys(): readonly PublicJwk[] {
    this.refresh();
    return keyRing.publishedJwks(this.keys, this.now());
  }

  async rotate(): Promise<PublicJwk> {
    this.read();
    return this.add(this.options.policy.publishLeadMs);
  }

  async close(): Promise<void> {
    try {
      this.lib.C_Logout(this.session);
      this.lib.C_CloseSession(this.session);
    } finally {
      this.lib.C_Finalize();
    }
  }
}
