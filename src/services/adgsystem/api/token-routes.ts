import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requestCertificate } from '../../../platform/auth/http.ts';
import { PUBLIC } from '../../../platform/auth/access.ts';
import { AuthErrors } from '../../../platform/auth/errors.ts';
import type { ClientCertOptions } from '../../../platform/auth/client-cert.ts';
import { Int, Str, errorResponses, typed } from '../../../platform/http/schemas.ts';
import { strictText } from '../../../platform/http/edge.ts';
import type { KeyProvider } from '../../../platform/keys/key-provider.ts';
import { PlatformErrors } from '../../../platform/errors.ts';
import { AdgsystemErrors, adgError } from '../errors.ts';
import type { TokenService } from '../token-service.ts';

/** The service's prefix; its routes are registered under it, relative to it. */
const PREFIX = '/adgangsstyring';
export const TOKEN_PATH = `${PREFIX}/oauth2/token`;
export const JWKS_PATH = `${PREFIX}/jwks`;
const relative = (path: string) => path.slice(PREFIX.length);

const PARAMS = ['grant_type', 'resource', 'cvr', 'client_id', 'client_assertion_type', 'client_assertion', 'scope'] as const;

/** The form body of a token request; a parameter sent twice is refused (RFC 6749 §3.2). */
function formParams(body: string): Partial<Record<(typeof PARAMS)[number], string>> {
  const form = new URLSearchParams(body);
  const out: Partial<Record<(typeof PARAMS)[number], string>> = {};
  for (const name of PARAMS) {
    const values = form.getAll(name);
    if (values.length > 1)
      throw adgError('INVALID_TOKEN_REQUEST', `${name} is given ${values.length} times`, {
        parameter: name,
        oauth_error: 'invalid_request',
      });
    out[name] = values[0];
  }
  return out;
}

const E = AdgsystemErrors;
/** Every refusal of the token endpoint: the request, the client's authentication, the agreement. */
const TOKEN_REFUSALS = [
  ...[E.UNSUPPORTED_GRANT_TYPE, E.INVALID_TOKEN_REQUEST, E.RESOURCE_UNKNOWN, E.NO_AGREEMENT, E.CLIENT_AUTH_MISSING],
  ...[E.CLIENT_ASSERTION_INVALID, E.CLIENT_ASSERTION_AUDIENCE_INVALID, E.CLIENT_ASSERTION_EXPIRED, E.CLIENT_ASSERTION_EXPIRY_TOO_FAR],
  ...[E.CLIENT_ASSERTION_REPLAYED, E.CLIENT_UNKNOWN, E.CLIENT_CERT_UNKNOWN, E.CLIENT_CERT_EXPIRED, E.CLIENT_CREDENTIAL_REVOKED],
  ...[
    AuthErrors.CLIENT_CERT_HEADER_INVALID,
    PlatformErrors.INVALID_ENCODING,
    PlatformErrors.UNSUPPORTED_MEDIA_TYPE,
    PlatformErrors.PAYLOAD_TOO_LARGE,
  ],
];

/**
 * The token endpoint (form-encoded POST; open, the client authenticates in the request), the JWKS
 * and the authorisation server metadata (RFC 8414), both at the issuer-relative path and at the
 * well-known path with the issuer's path inserted.
 */
export function registerTokenRoutes(
  parent: FastifyInstance,
  deps: {
    tokens: TokenService;
    keys: KeyProvider;
    issuer: string;
    tokenEndpoint: string;
    clientCert: ClientCertOptions;
    algorithms: readonly string[];
  },
): void {
  const app = typed(parent);
  app.register(async (plugin) => {
    const scope = typed(plugin);
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, strictText);
    scope.post(
      relative(TOKEN_PATH),
      {
        config: { access: PUBLIC },
        schema: {
          tags: ['adgangsstyring/oauth2'],
          summary: 'OAuth 2.0 client_credentials: an access token for one service (resource) and one municipality (cvr)',
          description:
            'Form parameters: grant_type=client_credentials, resource (the service entity id), cvr, and either a client certificate (mTLS) ' +
            'or client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with client_assertion (RFC 7523).',
          consumes: ['application/x-www-form-urlencoded'],
          response: {
            200: Type.Partial(Type.Object({ access_token: Str, token_type: Str, expires_in: Int })),
            ...errorResponses(TOKEN_REFUSALS),
          },
        },
      },
      async (req, reply) => {
        const p = formParams(typeof req.body === 'string' ? req.body : '');
        const answer = await deps.tokens.issue({
          grantType: p.grant_type,
          resource: p.resource,
          cvr: p.cvr,
          clientId: p.client_id,
          clientAssertionType: p.client_assertion_type,
          clientAssertion: p.client_assertion,
          certificate: requestCertificate(req, deps.clientCert),
          requestId: req.id,
        });
        reply.header('cache-control', 'no-store');
        return answer;
      },
    );
  });

  const metadata = authorisationServerMetadata(deps);
  app.get('/.well-known/oauth-authorization-server', { config: { access: PUBLIC }, schema: metaSchema }, async () => metadata());
  app.get(
    relative(JWKS_PATH),
    { config: { access: PUBLIC }, schema: { tags: ['adgangsstyring/oauth2'], summary: 'The public keys that sign access tokens (JWKS)' } },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: deps.keys.publishedKeys() };
    },
  );
}

/**
 * The metadata at RFC 8414's well-known path with the issuer's path inserted
 * (`/.well-known/oauth-authorization-server/adgangsstyring`): outside the service's prefix, so
 * registered on the root app.
 */
export function registerWellKnownMetadata(
  app: FastifyInstance,
  deps: { issuer: string; tokenEndpoint: string; algorithms: readonly string[] },
): void {
  const issuerPath = new URL(deps.issuer).pathname.replace(/\/$/, '');
  const metadata = authorisationServerMetadata(deps);
  app.get(`/.well-known/oauth-authorization-server${issuerPath}`, { config: { access: PUBLIC }, schema: metaSchema }, async () =>
    metadata(),
  );
}

const metaSchema = { tags: ['adgangsstyring/oauth2'], summary: 'Authorisation server metadata (RFC 8414)' };

/** The authorisation server's metadata (RFC 8414). */
function authorisationServerMetadata(deps: { issuer: string; tokenEndpoint: string; algorithms: readonly string[] }) {
  return () => ({
    issuer: deps.issuer,
    token_endpoint: deps.tokenEndpoint,
    jwks_uri: new URL(JWKS_PATH, deps.tokenEndpoint).toString(),
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'PS256', 'RS256'],
    tls_client_certificate_bound_access_tokens: true,
    access_token_signing_alg_values_supported: deps.algorithms,
  });
}
