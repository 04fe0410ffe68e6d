import type { FastifyRequest } from 'fastify';
import type { Caller } from './caller.ts';
import { authError } from './errors.ts';

/**
 * Whose data a route reaches. Every route declares one or more of these with its privilege; the
 * platform refuses to start when a route declares none, or declares one without the code that
 * enforces it (see {@link checkDeclaration}).
 */
export const SCOPE_KINDS = {
  public: 'open: no token is asked for',
  object: "the object the path names belongs to the caller's municipality and lies within its data restrictions",
  body: "what the body writes belongs to the caller's municipality and lies within its data restrictions",
  caller: "lists and searches: only the caller's municipality's data within its data restrictions, limited inside the statement",
  shared: "shared reference data every caller of the service may read (no municipality's own data)",
  'own-system': "the caller's own IT system and what it owns",
  'own-municipality': "the caller's own municipality (its CVR)",
  national: "national data: written only with the data owner's privilege",
  operator: 'the platform operator only',
} as const;
export type ScopeKind = keyof typeof SCOPE_KINDS;

/** Kinds the platform enforces before the handler: a declaration of one must carry its check. */
const CHECKED: readonly ScopeKind[] = ['object', 'national', 'operator'];

/**
 * A route's scope: its kinds, and how they are enforced. `check` runs after the body is parsed
 * and validated, before the handler, and throws the specific refusal. A kind the handler enforces
 * inside its statement (a list limited in its SQL) names the function that does it in `appliedBy`,
 * so a reviewer finds it; the tenant-isolation test walks every route either way.
 */
export interface Scope {
  readonly kinds: readonly ScopeKind[];
  readonly check?: ((req: FastifyRequest, caller: Caller) => Promise<void> | void) | undefined;
  readonly appliedBy?: string | undefined;
}

/** A protected route's declaration: the privilege its token must carry (any one of a list) and its scope. */
export interface RouteAccess {
  readonly privilege: string | readonly string[];
  readonly scope: Scope;
}

/** An open route's declaration (the token endpoint, JWKS, metadata). */
export interface PublicAccess {
  readonly public: true;
}

export const PUBLIC: PublicAccess = Object.freeze({ public: true });

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route and whose data it reaches: required on every route a service adds. */
    access?: RouteAccess | PublicAccess;
  }
}

/** A service's privileges: all it offers, and those only the operator may grant. */
export interface ServicePrivileges {
  readonly name: string;
  readonly privileges: readonly string[];
  readonly operatorPrivileges?: readonly string[] | undefined;
}

export function isPublic(access: RouteAccess | PublicAccess | undefined): access is PublicAccess {
  return (access as PublicAccess | undefined)?.public === true;
}

/** The privileges a declaration asks for, as a list. */
export function privilegesOf(access: RouteAccess): string[] {
  return ([] as string[]).concat(access.privilege);
}

/**
 * Checks one route's declaration against its service; returns why it is refused, or undefined.
 * Called for every route as it is added, so a route without a complete declaration stops start-up.
 */
export function checkDeclaration(
  route: string,
  access: RouteAccess | PublicAccess | undefined,
  service: ServicePrivileges,
): string | undefined {
  if (access === undefined) return `${route} declares no config.access (privilege and scope, or PUBLIC)`;
  if (isPublic(access)) return undefined;
  const needed = privilegesOf(access);
  if (needed.length === 0) return `${route} declares no privilege`;
  const unknown = needed.filter((p) => !service.privileges.includes(p));
  if (unknown.length) return `${route} needs privileges ${unknown.join(', ')} that ${service.name} does not offer`;
  const kinds = access.scope?.kinds ?? [];
  if (kinds.length === 0) return `${route} declares no scope`;
  const bad = kinds.filter((k) => !(k in SCOPE_KINDS) || k === 'public');
  if (bad.length) return `${route} declares unknown scope kinds ${bad.join(', ')}`;
  const unchecked = kinds.filter((k) => CHECKED.includes(k));
  if (unchecked.length && !access.scope.check) return `${route} declares the scope ${unchecked.join(', ')} without its check`;
  const open = kinds.every((k) => k === 'shared');
  if (!open && !access.scope.check && !access.scope.appliedBy)
    return `${route} declares a scope without a check or the function that applies it`;
  if (kinds.includes('operator')) {
    const ops = service.operatorPrivileges ?? [];
    const notOperator = needed.filter((p) => !ops.includes(p));
    if (notOperator.length) return `${route} is operator-only but accepts ${notOperator.join(', ')}, which a municipality may be granted`;
  }
  return undefined;
}

/** How a declaration reads in the OpenAPI document. */
export function describeAccess(access: RouteAccess, entityId: string): string {
  const kinds = access.scope.kinds.map((k) => SCOPE_KINDS[k]).join('; ');
  return `Needs a token for ${entityId} with the privilege ${privilegesOf(access).join(' or ')}. Scope: ${kinds}.`;
}

/** A scope whose check is a plain function of the caller: operator-only routes and the like. */
export function scope(kinds: readonly ScopeKind[], check?: Scope['check'], appliedBy?: string): Scope {
  return Object.freeze({ kinds: Object.freeze([...kinds]), ...(check ? { check } : {}), ...(appliedBy ? { appliedBy } : {}) });
}

/** The scope of an operator-only route: the caller must hold one of the service's operator privileges. */
export function operatorScope(privileges: readonly string[]): Scope {
  return scope(['operator'], (_req, caller) => {
    if (!privileges.some((p) => caller.privileges.includes(p)))
      throw authError('PRIVILEGE_MISSING', `Only the platform operator (${privileges.join(' or ')}) may do this`, {
        privilege: privileges,
      });
  });
}
