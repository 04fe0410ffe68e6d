import type { FastifyRequest } from 'fastify';
import { errorBodySchema } from '../../../platform/http/server.ts';
import type { BfoCaller } from '../domain/entitlements.ts';

/** Finds the caller of a request: the token service's Authenticator, once it exists (issue 5). */
export type BfoCallerOf = (req: FastifyRequest) => BfoCaller | undefined;

/** Until requests are authenticated there is no caller. */
export const noCaller: BfoCallerOf = () => undefined;

export const str = { type: 'string' } as const;
export const uuid = { type: 'string', format: 'uuid' } as const;
export const anyObject = { type: 'object', additionalProperties: true } as const;
export const uuidParams = { type: 'object', properties: { uuid }, required: ['uuid'], additionalProperties: false } as const;
export const errors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema } as const;
