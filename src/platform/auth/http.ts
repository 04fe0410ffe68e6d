import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from './authenticator.ts';
import type { Caller } from './caller.ts';
import { presentedCertificate, type ClientCertOptions, type PresentedCertificate } from './client-cert.ts';
import { authError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The privilege a caller's token must carry for this route (any one of a list). */
    privilege?: string | readonly string[];
    /** The route is open: no token is asked for (token endpoint, JWKS, metadata). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The verified caller; set on every route of a protected service. */
    caller?: Caller;
  }
}

/** A service whose routes are protected: its path prefix and the `aud` its tokens must have. */
export interface ProtectedService {
  readonly name: string;
  readonly entityId: string;
  readonly prefix: string;
  readonly privileges: readonly string[];
  /**
   * The privilege of a route that declares none, by rule (method and URL), for a service whose
   * routes follow a pattern; a route's own `config.privilege` comes first.
   */
  readonly privilegeOf?: (method: string, url: string) => string | readonly string[] | undefined;
}

export interface AuthSetup {
  readonly authenticator: Authenticator;
  readonly clientCert: ClientCertOptions;
}

const certs = new WeakMap<FastifyRequest, PresentedCertificate | null>();

/** The client certificate a request presents (TLS or a trusted proxy's header), read once. */
export function requestCertificate(req: FastifyRequest, options: ClientCertOptions): PresentedCertificate | undefined {
  if (!certs.has(req)) certs.set(req, presentedCertificate(req, options) ?? null);
  return certs.get(req) ?? undefined;
}

/** The verified caller of a protected route; throws TOKEN_MISSING where there is none. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw authError('TOKEN_MISSING');
  return req.caller;
}

function serviceOf(services: readonly ProtectedService[], url: string | undefined): ProtectedService | undefined {
  if (!url) return undefined;
  return services.find((s) => url === s.prefix || url.startsWith(`${s.prefix}/`));
}

/**
 * Puts every route of a protected service behind the Authenticator. Called after the platform's
 * own routes (health, metrics, OpenAPI, docs), which stay open; every route added afterwards must
 * lie under a service's prefix and declare `config.privilege`, or declare `config.public`, or the
 * platform refuses to start: a forgotten declaration fails closed.
 */
export function installAuth(app: FastifyInstance, setup: AuthSetup, services: readonly ProtectedService[]): void {
  // Declared up front, so every request object has the same shape.
  app.decorateRequest('caller', undefined);
  // Installed after the platform's own routes: every route added from here on is a module's.
  app.addHook('onRoute', (route) => {
    const service = serviceOf(services, route.url);
    let config = route.config as { privilege?: string | readonly string[]; public?: boolean } | undefined;
    if (config?.public) return;
    if (!service) throw new Error(`${route.method} ${route.url} is under no service's prefix and not declared public`);
    if (config?.privilege === undefined && service.privilegeOf) {
      const privilege = service.privilegeOf(String(route.method), route.url);
      if (privilege !== undefined) {
        config = { ...(config ?? {}), privilege };
        (route as { config?: unknown }).config = config;
      }
    }
    const needed = config?.privilege === undefined ? [] : ([] as string[]).concat(config.privilege);
    if (needed.length === 0) throw new Error(`${route.method} ${route.url} declares neither config.privilege nor config.public`);
    const unknown = needed.filter((p) => !service.privileges.includes(p));
    if (unknown.length)
      throw new Error(`${route.method} ${route.url} needs privileges ${unknown.join(', ')} that ${service.name} does not offer`);
    // The OpenAPI document shows the bearer requirement and the privilege on every protected route.
    const schema = route.schema as { security?: unknown; description?: string } | undefined;
    // (GET and its HEAD route share one schema object: describe it once.)
    if (schema && !schema.security) {
      schema.security = [{ bearer: [] }];
      schema.description = `${schema.description ? `${schema.description} ` : ''}Needs a token for ${service.entityId} with the privilege ${needed.join(' or ')}.`;
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const config = req.routeOptions.config as { privilege?: string | readonly string[]; public?: boolean };
    if (config.public) return;
    const service = serviceOf(services, req.routeOptions.url);
    if (!service) return;
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim()) : null;
    try {
      if (!match) throw authError('TOKEN_MISSING');
      const cert = requestCertificate(req, setup.clientCert);
      req.caller = await setup.authenticator.verify(match[1]!, service.entityId, cert?.thumbprint);
    } catch (err) {
      reply.header('www-authenticate', `Bearer error="invalid_token"`);
      throw err;
    }
    const needed = ([] as string[]).concat(config.privilege ?? []);
    if (!needed.some((p) => req.caller!.privileges.includes(p))) {
      throw authError('PRIVILEGE_MISSING', `This operation needs the privilege ${needed.join(' or ')} of ${service.name}`, {
        privilege: needed,
      });
    }
  });
}
