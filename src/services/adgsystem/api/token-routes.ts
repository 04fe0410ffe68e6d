import type { FastifyInstance } from 'fastify';
import { requestCertificate } from '../../../platform/auth/http.ts';
import { PUBLIC } from '../../../platform/auth/access.ts';
import type { ClientCertOptions } from '../../../platform/auth/client-cert.ts';
import { errorBodySchema } from '../../../platform/http/server.ts';
import { strictText } from '../../../platform/http/edge.ts';
import type { KeyProvider } from '../../../platform/keys/key-provider.ts';
import { adgError } from '../errors.ts';
import type { TokenService } from '../token-service.ts';

export const TOKEN_PATH = '/adgangsstyring/oauth2/token';
export const JWKS_PATH = '/adgangsstyring/jwks';

const PARAMS = ['grant_type', 'resource', 'cvr', 'client_id', 'client_assertion_type', 'client_assertion', 'scope'] as const;

/** The form body of a token request; a parameter sent twice is refused (RFC 6749 §3.2). */
function formParams(body: string): Record<(typeof PARAMS)[number], string | undefined> {
  const form = new URLSearchParams(body);
  const out: Record<string, string | undefined> = {};
  for (const name of PARAMS) {
    const values = form.getAll(name);
    if (values.length > 1)
      throw adgError('INVALID_TOKEN_REQUEST', `${name} is given ${values.length} times`, {
        parameter: name,
        oauth_error: 'invalid_request',
      });
    out[name] = values[0];
  }
  return out as Record<(typeof PARAMS)[number], string | undefined>;
}

/**
 * The token endpoint (form-encoded POST; open, the client authenticates in the request), the JWKS
 * and the authorisation server metadata (RFC 8414), both at the issuer-relative path and at the
 * well-known path with the issuer's path inserted.
 */
export function registerTokenRoutes(
  app: FastifyInstance,
  deps: {
    tokens: TokenService;
    keys: KeyProvider;
    issuer: string;
    tokenEndpoint: string;
    clientCert: ClientCertOptions;
    algorithms: readonly string[];
  },
): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, strictText);
    scope.post(
      TOKEN_PATH,
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
            200: {
              type: 'object',
              properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' } },
            },
            400: errorBodySchema,
            401: errorBodySchema,
            403: errorBodySchema,
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

  const metadata = () => ({
    issuer: deps.issuer,
    token_endpoint: deps.tokenEndpoint,
    jwks_uri: new URL(JWKS_PATH, deps.tokenEndpoint).toString(),
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'ES384', 'PS256', 'RS256'],
    tls_client_certificate_bound_access_tokens: true,
    access_token_signing_alg_values_supported: deps.algorithms,
  });
  const metaSchema = { tags: ['adgangsstyring/oauth2'], summary: 'Authorisation server metadata (RFC 8414)' };
  const issuerPath = new URL(deps.issuer).pathname.replace(/\/$/, '');
  app.get(`/.well-known/oauth-authorization-server${issuerPath}`, { config: { access: PUBLIC }, schema: metaSchema }, async () =>
    metadata(),
  );
  app.get('/adgangsstyring/.well-known/oauth-authorization-server', { config: { access: PUBLIC }, schema: metaSchema }, async () =>
    metadata(),
  );
  app.get(
    JWKS_PATH,
    { config: { access: PUBLIC }, schema: { tags: ['adgangsstyring/oauth2'], summary: 'The public keys that sign access tokens (JWKS)' } },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: deps.keys.publishedKeys() };
    },
  );
}
