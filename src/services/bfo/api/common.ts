import type { FastifyRequest } from 'fastify';
import { errorBodySchema } from '../../../platform/http/server.ts';
import type { Caller } from '../../../platform/auth/caller.ts';
import type { BfoCaller } from '../domain/entitlements.ts';

/** Finds the caller of a request. */
export type BfoCallerOf = (req: FastifyRequest) => BfoCaller | undefined;

/**
 * The default: the caller the platform's Authenticator puts on the request as `request.caller`
 * (its IT system, CVR, privileges and data restrictions). An Authenticator with another shape
 * passes its own `callerOf`.
 */
export const requestCaller: BfoCallerOf = (req) => (req.caller ? bfoCaller(req.caller) : undefined);

/** The platform's verified caller as the Beskedfordeler's entitlements see it. */
export function bfoCaller(c: Caller): BfoCaller {
  return {
    system: c.itSystem,
    cvr: c.cvr,
    privileges: c.privileges,
    restrictions: { kle: c.restrictions.kle, organisation: c.restrictions.organisationenheder },
  };
}

export const str = { type: 'string' } as const;
export const uuid = { type: 'string', format: 'uuid' } as const;
export const anyObject = { type: 'object', additionalProperties: true } as const;
export const uuidParams = { type: 'object', properties: { uuid }, required: ['uuid'], additionalProperties: false } as const;
export const errors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema } as const;

/** The `uuid` path parameter, lower-cased. */
export function uuidParam(req: FastifyRequest): string {
  return (req.params as { uuid: string }).uuid.toLowerCase();
}
