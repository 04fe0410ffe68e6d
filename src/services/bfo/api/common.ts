import type { FastifyRequest } from 'fastify';
import type { ErrorSpec } from '../../../platform/errors.ts';
import { errorResponses, TOKEN_REFUSED, type ErrorResponses } from '../../../platform/http/schemas.ts';
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

/** The failure answers of a Beskedfordeler route: a refused token, and the errors it names. */
export function errors(...specs: readonly (ErrorSpec | readonly ErrorSpec[])[]): ErrorResponses {
  return errorResponses(TOKEN_REFUSED, ...specs);
}
