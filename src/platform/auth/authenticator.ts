import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { KeyProvider, PublicJwk } from '../keys/key-provider.ts';
import { TtlCache } from '../ttl-cache.ts';
import type { Caller } from './caller.ts';
import { authError } from './errors.ts';

export interface AuthenticatorOptions {
  /** The token service's `iss`. */
  readonly issuer: string;
  /** Where the published keys come from (in this process: the token service's KeyProvider). */
  readonly keys: Pick<KeyProvider, 'publishedKeys'>;
  /** The `alg` values accepted; anything else (none, HS*, RS*) is refused before any key is used. */
  readonly algorithms?: readonly string[];
  /** Bounded clock skew for exp, nbf and iat, in seconds. */
  readonly clockSkewSeconds?: number;
  /** Whether the service agreement a token names is still approved and in force. */
  readonly agreementInForce: (agreement: string) => Promise<boolean>;
  /** How long an agreement's answer is reused, in ms: revocation takes effect within this. */
  readonly revocationCheckMs?: number;
  /**
   * How many verified tokens are remembered (0: none). A client sends the same token with every
   * request for its lifetime; a token seen before, byte for byte and for the same audience, skips
   * the signature and claim checks (its key must still be published), never the checks of time,
   * certificate binding and agreement. Default 10,000.
   */
  readonly verifiedTokens?: number;
  readonly now?: () => number;
}

/** What a token's signature and claims established: the same for every request presenting it. */
interface VerifiedToken {
  readonly caller: Caller;
  readonly kid: string;
  /** The certificate thumbprint the token is bound to (`cnf.x5t#S256`), if any. */
  readonly bound: unknown;
  readonly exp: number;
  readonly nbf: number | undefined;
}

export const DEFAULT_ALGORITHMS = ['ES256', 'PS256'] as const;

// Header members that would let a token choose its own verification key or change the rules.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CVR = /^\d{8}$/;

function strings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Verifies access tokens issued by the platform's token service (RFC 9068 profile): the header is
 * checked first (alg from the allow-list, a known kid, no key-carrying members), then the
 * signature with the published key of that kid, then iss, aud, typ, exp/nbf/iat within the skew,
 * the shape of the claims, the certificate binding, and finally that the agreement is still in
 * force (answers cached for `revocationCheckMs`).
 */
export class Authenticator {
  readonly issuer: string;
  private readonly algorithms: readonly string[];
  private readonly skew: number;
  private keyCache: { at: number; byKid: Map<string, { jwk: PublicJwk; key: KeyObject }> } | undefined;
  private readonly agreements: TtlCache<string, boolean>;
  /** Kept until evicted: whether a token still holds is checked on every use (time, key, agreement). */
  private readonly verified: TtlCache<string, VerifiedToken>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.issuer = options.issuer;
    this.algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    this.skew = options.clockSkewSeconds ?? 60;
    const now = () => this.now();
    this.agreements = new TtlCache({ ttlMs: options.revocationCheckMs ?? 30_000, maxEntries: 10_000, now });
    this.verified = new TtlCache({ ttlMs: Infinity, maxEntries: options.verifiedTokens ?? 10_000, now });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private keys(): Map<string, { jwk: PublicJwk; key: KeyObject }> {
    const now = this.now();
    // The published set changes at rotation; re-reading it each second is plenty.
    if (!this.keyCache || now - this.keyCache.at > 1000) {
      const byKid = new Map<string, { jwk: PublicJwk; key: KeyObject }>();
      for (const jwk of this.options.keys.publishedKeys())
        byKid.set(jwk.kid, { jwk, key: createPublicKey({ key: jwk as never, format: 'jwk' }) });
      this.keyCache = { at: now, byKid };
    }
    return this.keyCache.byKid;
  }

  /** Forgets cached agreement answers (after a revocation in this process). */
  forgetAgreement(agreement?: string): void {
    if (agreement) this.agreements.forget(agreement);
    else this.agreements.forgetAll();
  }

  /**
   * Verifies `token` for the service `audience`; `certThumbprint` is the `x5t#S256` of the client
   * certificate the request presents, if any. Throws the specific AuthErrors code.
   */
  async verify(token: string, audience: string, certThumbprint?: string): Promise<Caller> {
    const cacheKey = `${audience} ${token}`;
    let checked = this.verified.get(cacheKey);
    if (checked && !this.keys().has(checked.kid)) {
      this.verified.forget(cacheKey);
      checked = undefined;
    }
    if (checked) {
      // What the signature proved still holds; the clock has moved since.
      const now = this.now() / 1000;
      if (checked.exp <= now - this.skew) {
        this.verified.forget(cacheKey);
        throw authError('TOKEN_EXPIRED');
      }
      if (checked.nbf !== undefined && checked.nbf > now + this.skew) throw authError('TOKEN_NOT_YET_VALID');
    } else {
      checked = await this.verifySigned(token, audience);
      this.verified.set(cacheKey, checked);
    }

    if (checked.bound !== undefined) {
      if (certThumbprint === undefined) throw authError('TOKEN_CERT_REQUIRED');
      if (checked.bound !== certThumbprint) throw authError('TOKEN_CERT_MISMATCH');
    }
    if (!(await this.inForce(checked.caller.agreement))) throw authError('AGREEMENT_REVOKED');
    return checked.caller;
  }

  /** The checks that depend on the token alone: header, signature, issuer, audience, type, times, claims. */
  private async verifySigned(token: string, audience: string): Promise<VerifiedToken> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw authError('TOKEN_MALFORMED');
    }
    if (token.split('.').length !== 3) throw authError('TOKEN_MALFORMED');
    if (typeof header.alg !== 'string' || !this.algorithms.includes(header.alg))
      throw authError('TOKEN_ALG_NOT_ALLOWED', `Algorithm ${JSON.stringify(header.alg)} is not accepted (${this.algorithms.join(', ')})`);
    const forbidden = FORBIDDEN_HEADERS.filter((h) => h in header);
    if (forbidden.length)
      throw authError('TOKEN_HEADER_NOT_ALLOWED', `The token header has ${forbidden.join(', ')}`, { headers: forbidden });
    const entry = typeof header.kid === 'string' ? this.keys().get(header.kid) : undefined;
    if (!entry) throw authError('TOKEN_KEY_UNKNOWN');
    if (entry.jwk.alg !== header.alg)
      throw authError('TOKEN_ALG_NOT_ALLOWED', `Key ${header.kid} signs with ${entry.jwk.alg}, not ${header.alg}`);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, entry.key, {
        algorithms: [entry.jwk.alg],
        issuer: this.issuer,
        audience,
        typ: 'at+jwt',
        clockTolerance: this.skew,
        currentDate: new Date(this.now()),
        requiredClaims: ['iat', 'exp', 'jti', 'sub', 'client_id', 'cvr'],
      }));
    } catch (err) {
      throw mapJoseError(err);
    }
    if (typeof payload.iat === 'number' && payload.iat > this.now() / 1000 + this.skew)
      throw authError('TOKEN_NOT_YET_VALID', 'The token is issued in the future');

    const restrictions = payload.dataafgraensning as { kle?: unknown; organisationenheder?: unknown } | undefined;
    const agreement = payload.serviceaftale;
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.client_id !== 'string' ||
      typeof payload.cvr !== 'string' ||
      !CVR.test(payload.cvr) ||
      !strings(payload.privileges) ||
      typeof agreement !== 'string' ||
      !UUID.test(agreement) ||
      typeof restrictions !== 'object' ||
      restrictions === null ||
      !strings(restrictions.kle) ||
      !strings(restrictions.organisationenheder)
    ) {
      throw authError('TOKEN_CLAIMS_INVALID');
    }

    const kid = header.kid as string;
    const caller: Caller = {
      itSystem: payload.sub,
      clientId: payload.client_id,
      cvr: payload.cvr,
      privileges: payload.privileges,
      restrictions: { kle: restrictions.kle, organisationenheder: restrictions.organisationenheder.map((u) => u.toLowerCase()) },
      agreement,
      tokenId: payload.jti!,
      expiresAt: payload.exp! * 1000,
    };
    return {
      caller,
      kid,
      bound: (payload.cnf as { 'x5t#S256'?: unknown } | undefined)?.['x5t#S256'],
      exp: payload.exp!,
      nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined,
    };
  }

  private inForce(agreement: string): Promise<boolean> {
    return this.agreements.getOrAsk(agreement, () => this.options.agreementInForce(agreement));
  }
}

function mapJoseError(err: unknown) {
  if (err instanceof joseErrors.JWTExpired) return authError('TOKEN_EXPIRED');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return authError('TOKEN_ISSUER_INVALID');
      case 'aud':
        return authError('TOKEN_AUDIENCE_INVALID');
      case 'typ':
        return authError('TOKEN_TYPE_INVALID');
      case 'nbf':
        return authError('TOKEN_NOT_YET_VALID');
      default:
        return authError('TOKEN_CLAIMS_INVALID', `Claim ${err.claim}: ${err.reason}`);
    }
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return authError('TOKEN_SIGNATURE_INVALID');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return authError('TOKEN_ALG_NOT_ALLOWED');
  return authError('TOKEN_MALFORMED');
}
