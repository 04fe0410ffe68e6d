/**
 * Status codes that today's FK clients read in their replies: 20 OK, 40 error, 44 not found or
 * empty, 49 refused because passivated.
 */
export type FkStatus = 20 | 40 | 44 | 49;

export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly fk: FkStatus;
  readonly message: string;
}

/** A failure the caller can act on: it carries a stable code, an HTTP status and an FK status. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fk: FkStatus;
  readonly details: unknown;

  constructor(spec: ErrorSpec, message?: string, details?: unknown) {
    super(message ?? spec.message);
    this.name = 'AppError';
    this.code = spec.code;
    this.status = spec.status;
    this.fk = spec.fk;
    this.details = details;
  }
}

/** A module's errors: a record of specs, and a way to throw each by its code. */
export type ErrorCatalogue<K extends string> = { readonly [P in K]: ErrorSpec & { readonly code: P } };

/** Declares a catalogue; each entry's key is its code, so the two can never drift apart. */
export function defineErrors<K extends string>(entries: {
  readonly [P in K]: { status: number; fk: FkStatus; message: string };
}): ErrorCatalogue<K> {
  const out: Record<string, ErrorSpec> = {};
  for (const [code, e] of Object.entries(entries) as [string, { status: number; fk: FkStatus; message: string }][]) {
    out[code] = Object.freeze({ code, ...e });
  }
  return Object.freeze(out) as ErrorCatalogue<K>;
}

/** The platform's own errors (configuration, HTTP, store). */
export const PlatformErrors = defineErrors({
  INVALID_REQUEST: { status: 400, fk: 40, message: 'The request does not match the schema of this operation' },
  MALFORMED_JSON: { status: 400, fk: 40, message: 'The request body is not valid JSON' },
  JSON_TOO_DEEP: { status: 400, fk: 40, message: 'The JSON nests arrays and objects deeper than the platform takes' },
  INVALID_ENCODING: { status: 400, fk: 40, message: 'The request is not valid UTF-8' },
  UNKNOWN_FIELD: { status: 400, fk: 40, message: 'The body names a field this operation does not take' },
  UNKNOWN_PARAMETER: { status: 400, fk: 40, message: 'The query names a parameter this operation does not take' },
  INVALID_UUID: { status: 400, fk: 40, message: 'Not a UUID' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, fk: 40, message: 'The request body must be application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, fk: 40, message: 'The request body is too large' },
  ROUTE_NOT_FOUND: { status: 404, fk: 44, message: 'No such route' },
  NOT_READY: { status: 503, fk: 40, message: 'The service is not ready' },
  STORE_UNAVAILABLE: { status: 503, fk: 40, message: 'The database is unavailable' },
  WRITE_CONFLICT: { status: 409, fk: 40, message: 'A concurrent write conflicted; retry the request' },
  INTERNAL: { status: 500, fk: 40, message: 'Internal error' },
  STATEMENT_TIMEOUT: {
    status: 503,
    fk: 40,
    message: 'A statement of the request ran longer than the platform allows; narrow the request or retry',
  },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, fk: 40, message: 'The URL and headers are larger than 16 KiB' },
  REQUEST_TIMEOUT: { status: 408, fk: 40, message: 'The request was not received in time' },
  MALFORMED_REQUEST: { status: 400, fk: 40, message: 'The request is not well-formed HTTP' },
  // The safe-XML reader and writer (src/platform/xml.ts).
  XML_MALFORMED: { status: 400, fk: 40, message: 'The XML is not well-formed' },
  XML_DOCTYPE_FORBIDDEN: { status: 400, fk: 40, message: 'A DOCTYPE is not allowed' },
  XML_ENTITY_FORBIDDEN: { status: 400, fk: 40, message: 'Entity references other than the five XML ones are not allowed' },
  XML_TOO_LARGE: { status: 413, fk: 40, message: 'The XML is larger than allowed' },
  XML_TOO_DEEP: { status: 400, fk: 40, message: 'The XML nests elements deeper than allowed' },
  XML_TOO_MANY_ELEMENTS: { status: 400, fk: 40, message: 'The XML has more elements than allowed' },
  XML_TOO_MANY_ATTRIBUTES: { status: 400, fk: 40, message: 'An element of the XML has more attributes than allowed' },
  XML_TOO_MANY_NAMESPACES: { status: 400, fk: 40, message: 'An element of the XML declares more namespaces than allowed' },
});

/** A catalogue's constructor of errors by code: `const oioError = errorFactory(OioErrors)`. */
export function errorFactory<K extends string>(catalogue: ErrorCatalogue<K>): (code: K, message?: string, details?: unknown) => AppError {
  return (code, message, details) => new AppError(catalogue[code], message, details);
}

/** Throws-ready error from the platform catalogue. */
export function platformError(code: keyof typeof PlatformErrors, message?: string, details?: unknown): AppError {
  return new AppError(PlatformErrors[code], message, details);
}

/** Every catalogue the platform mounts, for the documentation check and the OpenAPI document. */
export const errorCatalogues = new Map<string, Readonly<Record<string, ErrorSpec>>>([['platform', PlatformErrors]]);

/** Registers a module's catalogue under its name (idempotent). */
export function registerErrors(module: string, catalogue: Readonly<Record<string, ErrorSpec>>): void {
  errorCatalogues.set(module, catalogue);
}
