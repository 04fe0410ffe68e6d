/** The algorithms the token service signs with. */
export const SIGNING_ALGS = ['ES256', 'PS256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** A public key as published in the JWKS. */
export interface PublicJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly use: 'sig';
  readonly [member: string]: unknown;
}

/** A key that signs: the caller never sees whether it lives in a file or in an HSM. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** The JWS signature over `data` (ES256: r‖s, 64 bytes; PS256: the RSASSA-PSS signature). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Where the token-signing keys live. `signingKey()` is the one key that signs now;
 * `publishedKeys()` is what the JWKS shows: the signing key, a key about to sign, and retired keys
 * whose tokens may still be alive.
 */
export interface KeyProvider {
  readonly kind: 'file' | 'memory' | 'pkcs11';
  signingKey(): SigningKey;
  publishedKeys(): readonly PublicJwk[];
  /**
   * Starts a rotation: a new key is published at once and signs from `activeFrom`; the key it
   * replaces stays published until its last token expires.
   */
  rotate(): Promise<PublicJwk>;
  close(): Promise<void>;
}

/** One key's place in the rotation, all instants in ms since the epoch. */
export interface RingEntry {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly publishedAt: number;
  /** From when it signs (a new key waits until every verifier can have fetched the JWKS). */
  readonly activeFrom: number;
  /** Set when a newer key takes over: after this it is no longer published. */
  readonly unpublishAt?: number | undefined;
}

export interface RotationPolicy {
  /** How long a new key is published before it signs (verifiers' JWKS cache lifetime). */
  readonly publishLeadMs: number;
  /** The longest token lifetime: a replaced key stays published this long after it stops signing. */
  readonly maxTokenLifetimeMs: number;
}

/** A key a provider holds: its ring entry, the key that signs, and its public JWK. */
export interface HeldKey {
  readonly entry: RingEntry;
  readonly key: SigningKey;
  readonly jwk: PublicJwk;
}

/**
 * The rotation rules, without I/O: which key signs and which are published at `now`, and the
 * ring after a rotation.
 */
export const keyRing = {
  signing(entries: readonly RingEntry[], now: number): RingEntry {
    const active = entries.filter((e) => e.activeFrom <= now).sort((a, b) => b.activeFrom - a.activeFrom);
    if (!active[0]) throw new Error('no signing key is active yet');
    return active[0];
  },

  published(entries: readonly RingEntry[], now: number): RingEntry[] {
    return entries.filter((e) => e.publishedAt <= now && (e.unpublishAt === undefined || e.unpublishAt > now));
  },

  /** Of keys held with their ring entries: the one signing at `now`. */
  signingKey(keys: readonly HeldKey[], now: number): SigningKey {
    const entry = keyRing.signing(
      keys.map((k) => k.entry),
      now,
    );
    return keys.find((k) => k.entry.kid === entry.kid)!.key;
  },

  /** Of keys held with their ring entries: the public keys published at `now`. */
  publishedJwks(keys: readonly HeldKey[], now: number): PublicJwk[] {
    const kids = new Set(
      keyRing
        .published(
          keys.map((k) => k.entry),
          now,
        )
        .map((e) => e.kid),
    );
    return keys.filter((k) => kids.has(k.entry.kid)).map((k) => k.jwk);
  },

  /** Adds `next`; the key signing when `next` becomes active is unpublished one token lifetime later. */
  rotate(
    entries: readonly RingEntry[],
    next: Omit<RingEntry, 'publishedAt' | 'activeFrom'>,
    now: number,
    policy: RotationPolicy,
  ): RingEntry[] {
    const activeFrom = now + policy.publishLeadMs;
    const unpublishAt = activeFrom + policy.maxTokenLifetimeMs;
    const kept = entries
      .filter((e) => e.unpublishAt === undefined || e.unpublishAt > now)
      .map((e) => (e.unpublishAt === undefined ? { ...e, unpublishAt } : e));
    return [...kept, { ...next, publishedAt: now, activeFrom }];
  },
};
