import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from './authenticator.ts';
import type { Caller } from './caller.ts';
import { presentedCertificate, type ClientCertOptions, type PresentedCertificate } from './client-cert.ts';
import { authError } from './errors.ts';
import { checkDeclaration, describeAccess, isPublic, privilegesOf, type PublicAccess, type RouteAccess } from './access.ts';

declare module 'fastify' {
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
   * Privileges only the operator may grant (an agreement naming one is approved by the operator,
   * never by a municipality): they reach every municipality's data.
   */
  readonly operatorPrivileges?: readonly string[];
}

export interface AuthSetup {
  readonly authenticator: Authenticator;
  readonly clientCert: ClientCertOptions;
}

const certs = new WeakMap<FastifyRequest, PresentedCertificate | null>();
const declarations = new WeakMap<FastifyInstance, Map<string, RouteAccess | PublicAccess>>();

/** What every route of an app declared, by `METHOD url` (the tenant-isolation test walks them). */
export function declaredAccess(app: FastifyInstance): ReadonlyMap<string, RouteAccess | PublicAccess> {
  return declarations.get(app) ?? new Map();
}

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

const underPrefix = (url: string, prefix: string) => url === prefix || url.startsWith(`${prefix}/`);

/**
 * Refuses, as the platform starts, any route added after the platform's own that declares no
 * access, and any protected route outside every service's plugin (a route at the root that is not
 * PUBLIC has no service to take its tokens for). Records every declaration for the
 * tenant-isolation test. Installed on the root app after its own routes (health, metrics,
 * OpenAPI, docs), which stay open.
 */
export function guardRoutes(app: FastifyInstance, services: readonly ProtectedService[]): void {
  // Declared up front, so every request object has the same shape.
  app.decorateRequest('caller', undefined);
  const declared = new Map<string, RouteAccess | PublicAccess>();
  declarations.set(app, declared);
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: RouteAccess | PublicAccess } | undefined)?.access;
    const label = `${route.method} ${route.url}`;
    if (access === undefined) throw new Error(`${label} declares no config.access (privilege and scope, or PUBLIC)`);
    for (const method of ([] as string[]).concat(route.method)) declared.set(`${method} ${route.url}`, access);
    if (!isPublic(access) && !services.some((s) => underPrefix(route.url, s.prefix)))
      throw new Error(`${label} is under no service's prefix and not declared PUBLIC`);
  });
}

/**
 * Puts every route of one service behind the Authenticator and its declared access: installed
 * inside the service's own plugin, so its hooks see only its routes. A route's declaration is
 * checked as the route is added (see access.ts: a missing or incomplete one stops start-up); at
 * request time the token (its audience the service's entity id) and the privilege are checked as
 * the request arrives, and the scope's check after the body is parsed and validated, before the
 * handler.
 */
export function protectService(app: FastifyInstance, setup: AuthSetup, service: ProtectedService): void {
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: RouteAccess | PublicAccess } | undefined)?.access;
    if (isPublic(access)) return;
    const refused = checkDeclaration(`${route.method} ${route.url}`, access, service);
    if (refused) throw new Error(refused);
    // The OpenAPI document shows the bearer requirement, the privilege and the scope on every protected route.
    const schema = route.schema as { security?: unknown; description?: string } | undefined;
    // (GET and its HEAD route share one schema object: describe it once.)
    if (schema && !schema.security) {
      schema.security = [{ bearer: [] }];
      schema.description = `${schema.description ? `${schema.description} ` : ''}${describeAccess(access as RouteAccess, service.entityId)}`;
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const access = (req.routeOptions.config as { access?: RouteAccess | PublicAccess }).access;
    if (access === undefined || isPublic(access)) return;
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
    const needed = privilegesOf(access);
    if (!needed.some((p) => req.caller!.privileges.includes(p))) {
      throw authError('PRIVILEGE_MISSING', `This operation needs the privilege ${needed.join(' or ')} of ${service.name}`, {
        privilege: needed,
      });
    }
  });

  app.addHook('preHandler', async (req) => {
    const access = (req.routeOptions.config as { access?: RouteAccess | PublicAccess }).access;
    if (access === undefined || isPublic(access) || !access.scope.check) return;
    await access.scope.check(req, callerOf(req));
  });
}
