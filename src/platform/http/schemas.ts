/**
 * The HTTP convention of the platform's own JSON (every route but LoRa's, whose shapes are
 * LoRa's): the schemas routes share, the list envelope and its paging, the error answers built
 * from the error catalogues, and the type provider that gives each handler the static types of
 * its route's schemas. Schemas are written with TypeBox, so one object is both the JSON schema
 * Fastify validates and serialises with (and publishes as OpenAPI) and the type the handler sees.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyRequest, FastifyTypeProvider } from 'fastify';
import { AuthErrors } from '../auth/errors.ts';
import { PlatformErrors, type ErrorSpec } from '../errors.ts';

/** Fastify's type provider for TypeBox schemas: params, query, body and answers typed from them. */
export interface TypeBoxProvider extends FastifyTypeProvider {
  readonly validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  readonly serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** The instance itself, typed: register a system's routes on what this returns. */
export function typed(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxProvider>();
}

export const Str = Type.String();
export const Int = Type.Integer();
export const Bool = Type.Boolean();
export const Uuid = Type.String({ format: 'uuid' });
/** A 204's answer: no body (sent as `reply.send()`; the schema says null, as OpenAPI has it). */
export const NoContent = Type.Unsafe<undefined>({ type: 'null' });
/** Any JSON object, unchecked: explanations and statistics whose members vary. */
export const AnyObject = Type.Unsafe<object>({ type: 'object', additionalProperties: true });

/** The UUID path parameter of every route that names one object: `/…/:uuid`. */
export const UuidParams = Type.Object({ uuid: Uuid });

/**
 * A string from a fixed list, as `{"type": "string", "enum": […]}`: a TypeBox union of literals
 * accepts the same strings but fails with another keyword and message.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `true` or `false` as a query parameter (queries are never coerced). */
export const Flag = StringEnum(['true', 'false']);

/**
 * The list envelope: every list answers `{"resultater": […]}`. A list that pages adds
 * {@link Paged}; an answer about one object that carries lists (a unit's subunits) keeps their
 * names and pages the same way.
 */
export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ resultater: Type.Array(item) });
}

/** The paging of an answer: `naeste` when more follow, passed back as `efter` ({@link PageQuery}). */
export const Paged = {
  naeste: Type.Optional(Type.String({ description: 'More follow: pass this back as `efter` for the next page' })),
};

/** The query parameter that continues a paged answer. */
export const PageQuery = {
  efter: Type.Optional(Type.String({ description: 'The `naeste` of the page before: the next page follows it' })),
};

/** The answer of one page: `naeste` only when more follow. */
export function page<T extends object>(answer: T, naeste: string | undefined): T & { naeste?: string } {
  return naeste === undefined ? answer : { ...answer, naeste };
}

function errorBody(description?: string) {
  return Type.Object(
    { error: Type.Object({ code: Str, message: Str, details: Type.Optional(Type.Unknown()) }) },
    description === undefined ? {} : { description },
  );
}

/** The body of every failure: `{"error": {"code", "message", "details"?}}`. */
export const ErrorBody = errorBody();

/** A route's failure answers by status. */
export type ErrorResponses = Record<number, typeof ErrorBody>;

/**
 * The failure answers of a route that may answer these errors: one entry per status, each
 * naming its codes in the OpenAPI document. Name the specs of the catalogues (`BfoErrors.…`),
 * so a code that is renamed or removed stops the build.
 */
export function errorResponses(...specs: readonly (ErrorSpec | readonly ErrorSpec[])[]): ErrorResponses {
  const codes = new Map<number, Set<string>>();
  for (const spec of specs.flat()) codes.set(spec.status, (codes.get(spec.status) ?? new Set()).add(spec.code));
  return Object.fromEntries([...codes].sort(([a], [b]) => a - b).map(([status, set]) => [status, errorBody([...set].join(', '))]));
}

const P = PlatformErrors;

/** A request that does not fit its route's schemas (and query strings that are not UTF-8). */
export const INVALID_INPUT: readonly ErrorSpec[] = [
  P.INVALID_REQUEST,
  P.UNKNOWN_PARAMETER,
  P.UNKNOWN_FIELD,
  P.INVALID_UUID,
  P.INVALID_ENCODING,
];
/** A JSON body that cannot be read. */
export const UNREADABLE_BODY: readonly ErrorSpec[] = [P.MALFORMED_JSON, P.JSON_TOO_DEEP, P.UNSUPPORTED_MEDIA_TYPE, P.PAYLOAD_TOO_LARGE];
/** Every protected route: a token refused (401), or one without the route's privilege (403). */
export const TOKEN_REFUSED: readonly ErrorSpec[] = [
  ...Object.values(AuthErrors).filter((spec) => spec.status === 401),
  AuthErrors.PRIVILEGE_MISSING,
];

/** A route whose scope reaches a municipality's data: another's, or data outside the token's restrictions. */
export const SCOPE_REFUSED: readonly ErrorSpec[] = [AuthErrors.MUNICIPALITY_NOT_ALLOWED, AuthErrors.DATA_OUTSIDE_RESTRICTION];

const PathUuid = Type.Object({ uuid: Type.String() });

/**
 * The `uuid` path parameter, lower-cased, for code that runs before a handler (an access check),
 * which Fastify types without the route's schemas. A route without the parameter is a bug.
 */
export function pathUuid(req: FastifyRequest): string {
  const params = req.params;
  if (!Value.Check(PathUuid, params)) throw new Error(`${req.routeOptions.url ?? req.url} has no uuid path parameter`);
  return params.uuid.toLowerCase();
}

/**
 * The parts of a body an access check reads, checked against a schema of just those parts (the
 * route's own schema has validated the whole body by then; a mismatch is a bug, not the caller's).
 */
export function bodyPart<S extends TSchema>(req: FastifyRequest, part: S): Static<S> {
  const body = req.body;
  if (!Value.Check(part, body)) throw new Error(`${req.routeOptions.url ?? req.url}: the body lacks what its access check reads`);
  return body;
}
