import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { GroupedAudit, type AuditLog } from '../../platform/audit.ts';
import type { PresentedCertificate } from '../../platform/auth/client-cert.ts';
import type { KeyProvider } from '../../platform/keys/key-provider.ts';
import { signJwt } from '../../platform/keys/jws.ts';
import type { Store } from '../../platform/store/store.ts';
import { TtlCache } from '../../platform/ttl-cache.ts';
import { checkCvr, grantValid, MAX_ASSERTION_LIFETIME_S, operatorOnly, tokenExpiry } from './domain/rules.ts';
import { adgError } from './errors.ts';
import { registry, type AgreementRow, type CredentialRow, type ServiceRow } from './store/registry.ts';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_ALGS = ['ES256', 'ES384', 'PS256', 'RS256'];
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'];
const SKEW_S = 30;

export interface TokenServiceOptions {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly keys: KeyProvider;
  /** `iss` of every token, e.g. https://host/adgangsstyring. */
  readonly issuer: string;
  /** The token endpoint's URL: the `aud` a client assertion must name. */
  readonly tokenEndpoint: string;
  readonly lifetimeSeconds: number;
  /**
   * How long a found credential, service and agreement are reused without asking the database
   * (0: never). A revocation made in this process clears them at once (`forget`); one made by
   * another instance is seen within this time. Misses are never cached.
   */
  readonly lookupCacheMs?: number;
  readonly now?: () => number;
}

/** The parameters of a token request, as the endpoint received them. */
export interface TokenRequest {
  readonly grantType?: string | undefined;
  readonly resource?: string | undefined;
  readonly cvr?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientAssertionType?: string | undefined;
  readonly clientAssertion?: string | undefined;
  /** The client certificate the request presented (mTLS, or a trusted proxy's header). */
  readonly certificate?: PresentedCertificate | undefined;
  readonly requestId?: string | undefined;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
}

interface Client {
  readonly itSystem: string;
  readonly method: 'tls_client_auth' | 'private_key_jwt';
}

function certificateInForce(c: CredentialRow, cert: PresentedCertificate | undefined, now: number): boolean {
  const from = Math.max(c.notBefore ? Date.parse(c.notBefore) : -Infinity, cert ? Date.parse(cert.cert.validFrom) : -Infinity);
  const to = Math.min(c.notAfter ? Date.parse(c.notAfter) : Infinity, cert ? Date.parse(cert.cert.validTo) : Infinity);
  return from <= now && now < to;
}

/**
 * The OAuth 2.0 client_credentials grant of FK Adgangsstyring, in the order of the standards:
 * authenticate the client (RFC 8705 mTLS or RFC 7523 private_key_jwt), find the service by its
 * entity id (RFC 8707 `resource`), find the approved agreement in force for (IT system, service,
 * CVR), and issue an RFC 9068 access token, audited.
 */
export class TokenService {
  private issued = 0;
  private readonly keyCache = new Map<string, KeyObject>();
  /** Found credentials, services and agreements, by what they were looked up by; misses are not kept. */
  private readonly lookups: TtlCache<string, unknown>;
  private readonly audit: GroupedAudit;

  constructor(private readonly options: TokenServiceOptions) {
    this.audit = new GroupedAudit(options.audit, options.store, options.store.profile.connections === 'pool' ? 2 : 1);
    this.lookups = new TtlCache({
      ttlMs: options.lookupCacheMs ?? 5000,
      maxEntries: 10_000,
      keep: (value) => value !== undefined,
      now: () => this.now(),
    });
  }

  /** Forgets every cached lookup (after a revocation or any change to agreements or credentials). */
  forget(): void {
    this.lookups.forgetAll();
  }

  private cached<T>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    // One cache for the three kinds: the key names the kind, so a hit has the type it was stored with.
    return this.lookups.getOrAsk(key, load) as Promise<T | undefined>;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async issue(request: TokenRequest): Promise<TokenResponse> {
    if (request.grantType !== 'client_credentials') {
      throw adgError('UNSUPPORTED_GRANT_TYPE', `grant_type must be client_credentials, got ${JSON.stringify(request.grantType ?? null)}`, {
        oauth_error: 'unsupported_grant_type',
      });
    }
    if (!request.resource)
      throw adgError('INVALID_TOKEN_REQUEST', 'resource names no service entity id', {
        parameter: 'resource',
        oauth_error: 'invalid_request',
      });
    if (!request.cvr)
      throw adgError('INVALID_TOKEN_REQUEST', 'cvr names no municipality', { parameter: 'cvr', oauth_error: 'invalid_request' });
    const cvr = checkCvr(request.cvr);
    const client = await this.authenticateClient(request);
    const resource = request.resource;
    const service = await this.cached(`service ${resource}`, () => registry.serviceBy(this.options.store, 'entity_id', resource));
    if (!service) throw adgError('RESOURCE_UNKNOWN', `No service has entity id ${request.resource}`, { oauth_error: 'invalid_target' });
    const agreement = await this.cached(`agreement ${client.itSystem} ${service.uuid} ${cvr}`, () =>
      registry.agreementInForce(this.options.store, client.itSystem, service.uuid, cvr),
    );
    if (!agreement) {
      throw adgError('NO_AGREEMENT', `No approved agreement in force for this IT system, ${service.name} and that municipality`, {
        oauth_error: 'unauthorized_client',
      });
    }
    // A municipality's approval never carries a privilege the service keeps for the operator.
    if (!grantValid(agreement.privileges, service.operatorPrivileges, agreement.approvedAs)) {
      throw adgError(
        'PRIVILEGE_OPERATOR_ONLY',
        'The agreement names a privilege only the operator may grant, and the operator did not approve it',
        {
          privileges: operatorOnly(agreement.privileges, service.operatorPrivileges),
          oauth_error: 'unauthorized_client',
        },
      );
    }
    return this.render(client, service, agreement, request.certificate, request.requestId);
  }

  /** Issues a token for an authenticated client (the last step; also used by benchmarks). */
  async render(
    client: Client,
    service: ServiceRow,
    agreement: AgreementRow,
    cert: PresentedCertificate | undefined,
    requestId?: string,
  ): Promise<TokenResponse> {
    const iat = Math.floor(this.now() / 1000);
    const validTo = agreement.validTo === 'infinity' ? Infinity : Date.parse(agreement.validTo.replace(' ', 'T'));
    const exp = tokenExpiry(iat, this.options.lifetimeSeconds, Number.isNaN(validTo) ? Infinity : validTo);
    // A cached agreement may have ended a moment ago: then it grants nothing.
    if (exp <= iat) throw adgError('NO_AGREEMENT', 'The agreement has ended', { oauth_error: 'unauthorized_client' });
    const jti = randomUUID();
    const payload: JWTPayload = {
      iss: this.options.issuer,
      aud: service.entityId,
      sub: client.itSystem,
      client_id: client.itSystem,
      cvr: agreement.cvr,
      privileges: agreement.privileges,
      dataafgraensning: { kle: agreement.kle, organisationenheder: agreement.orgUnits },
      serviceaftale: agreement.uuid,
      iat,
      exp,
      jti,
      ...(cert ? { cnf: { 'x5t#S256': cert.thumbprint } } : {}),
    };
    const token = await signJwt(this.options.keys.signingKey(), { typ: 'at+jwt' }, payload);
    await this.audit.record({
      actor: `itsystem:${client.itSystem}`,
      actorCvr: agreement.cvr,
      action: 'token.udsted',
      objectType: 'serviceaftale',
      objectUuid: agreement.uuid,
      requestId,
      details: { jti, aud: service.entityId, exp, method: client.method, certificateBound: cert !== undefined },
    });
    return { access_token: token, token_type: 'Bearer', expires_in: exp - iat };
  }

  async authenticateClient(request: TokenRequest): Promise<Client> {
    if (request.clientAssertion !== undefined || request.clientAssertionType !== undefined) {
      if (request.clientAssertionType !== CLIENT_ASSERTION_TYPE)
        throw adgError('CLIENT_ASSERTION_INVALID', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`, {
          oauth_error: 'invalid_client',
        });
      return this.verifyAssertion(request.clientAssertion ?? '', request.clientId);
    }
    if (request.certificate) return this.certificateClient(request.certificate, request.clientId);
    throw adgError('CLIENT_AUTH_MISSING', undefined, { oauth_error: 'invalid_client' });
  }

  private async certificateClient(cert: PresentedCertificate, clientId: string | undefined): Promise<Client> {
    const credential = await this.cached(`credential ${cert.thumbprint}`, () =>
      registry.credentialByThumbprint(this.options.store, cert.thumbprint),
    );
    if (!credential || credential.kind !== 'certificate')
      throw adgError('CLIENT_CERT_UNKNOWN', undefined, { oauth_error: 'invalid_client' });
    if (credential.revokedAt) throw adgError('CLIENT_CREDENTIAL_REVOKED', undefined, { oauth_error: 'invalid_client' });
    if (!certificateInForce(credential, cert, this.now()))
      throw adgError('CLIENT_CERT_EXPIRED', undefined, { oauth_error: 'invalid_client' });
    if (clientId !== undefined && clientId !== credential.itSystem)
      throw adgError('CLIENT_CERT_UNKNOWN', 'The certificate is registered for another client_id', { oauth_error: 'invalid_client' });
    return { itSystem: credential.itSystem, method: 'tls_client_auth' };
  }

  private async verifyAssertion(assertion: string, clientId: string | undefined): Promise<Client> {
    const invalid = (message?: string) => adgError('CLIENT_ASSERTION_INVALID', message, { oauth_error: 'invalid_client' });
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw invalid('The client assertion is not a JWT');
    }
    if (typeof header.alg !== 'string' || !ASSERTION_ALGS.includes(header.alg))
      throw invalid(`Algorithm ${JSON.stringify(header.alg)} is not accepted`);
    if (FORBIDDEN_HEADERS.some((h) => h in header)) throw invalid('The assertion header may not carry or point to a key');
    const client = claims.iss;
    if (typeof client !== 'string' || claims.sub !== client || (clientId !== undefined && clientId !== client))
      throw invalid('iss and sub must both be the client id');
    if (!/^[0-9a-f-]{36}$/i.test(client) || !(await registry.itSystem(this.options.store, client)))
      throw adgError('CLIENT_UNKNOWN', undefined, { oauth_error: 'invalid_client' });

    const credentials = (await registry.credentials(this.options.store, client.toLowerCase())).filter(
      (c) => c.kind === 'jwk' && (header.kid === undefined || c.kid === header.kid),
    );
    const live = credentials.filter((c) => !c.revokedAt);
    if (credentials.length > 0 && live.length === 0)
      throw adgError('CLIENT_CREDENTIAL_REVOKED', undefined, { oauth_error: 'invalid_client' });
    if (live.length === 0) throw invalid('No key is registered for the client under that kid');

    let payload: JWTPayload | undefined;
    let lastError: unknown;
    for (const credential of live) {
      try {
        ({ payload } = await jwtVerify(assertion, this.publicKey(credential), {
          algorithms: [header.alg],
          issuer: client,
          subject: client,
          audience: this.options.tokenEndpoint,
          requiredClaims: ['exp', 'jti'],
          clockTolerance: SKEW_S,
          currentDate: new Date(this.now()),
        }));
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (!payload) {
      if (lastError instanceof joseErrors.JWTExpired)
        throw adgError('CLIENT_ASSERTION_EXPIRED', undefined, { oauth_error: 'invalid_client' });
      if (lastError instanceof joseErrors.JWTClaimValidationFailed && lastError.claim === 'aud')
        throw adgError('CLIENT_ASSERTION_AUDIENCE_INVALID', `aud must be ${this.options.tokenEndpoint}`, { oauth_error: 'invalid_client' });
      throw invalid((lastError as Error | undefined)?.message);
    }
    const nowS = this.now() / 1000;
    if (payload.exp! > nowS + MAX_ASSERTION_LIFETIME_S + SKEW_S)
      throw adgError('CLIENT_ASSERTION_EXPIRY_TOO_FAR', undefined, { oauth_error: 'invalid_client' });
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 200)
      throw invalid('jti must be a string of 1–200 characters');
    if (++this.issued % 100 === 0) await registry.forgetExpiredAssertions(this.options.store);
    if (!(await registry.rememberAssertion(this.options.store, client.toLowerCase(), payload.jti, payload.exp!)))
      throw adgError('CLIENT_ASSERTION_REPLAYED', undefined, { oauth_error: 'invalid_client' });
    return { itSystem: client.toLowerCase(), method: 'private_key_jwt' };
  }

  private publicKey(credential: CredentialRow): KeyObject {
    let key = this.keyCache.get(credential.thumbprint);
    if (!key) {
      key = createPublicKey({ key: JSON.parse(credential.material) as never, format: 'jwk' });
      this.keyCache.set(credential.thumbprint, key);
    }
    return key;
  }
}
