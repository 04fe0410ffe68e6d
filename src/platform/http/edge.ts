import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlatformErrors, platformError, type ErrorSpec } from '../errors.ts';
import { decodeUtf8, parseJson } from './json.ts';

/**
 * What the platform does with a request before any route sees it: JSON bodies decoded strictly
 * (invalid UTF-8 and deep nesting refused, never repaired), query strings likewise, failures of
 * the HTTP parser answered in the error catalogue's shape, and CPR numbers kept out of the logs.
 */

/** Marks a query whose encoding was refused: the parser must not throw (it runs inside the router). */
const BAD_QUERY = Symbol('bad query');

/**
 * Parses a query string like the default parser (a repeated name gives an array, `+` is a space),
 * but decodes percent-escapes as UTF-8 strictly: an invalid sequence marks the query, and the
 * request is refused with INVALID_ENCODING instead of reaching the route with U+FFFD in a value.
 */
export function parseQuery(text: string): Record<string | symbol, unknown> {
  const out: Record<string | symbol, unknown> = Object.create(null);
  if (text.length === 0) return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      out[BAD_QUERY] = true;
      return out;
    }
    const had = out[key];
    if (had === undefined) out[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[key] = [had, value];
  }
  return out;
}

// Ten digits, optionally with a dash after six, standing alone: a CPR number's shape.
const CPR_SHAPED = /(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])/g;
const CPR_SHAPED_ESCAPED = /(?<![0-9])[0-9]{6}(?:-|%2[dD])?[0-9]{4}(?![0-9])/g;

/** Text as it may be logged: anything shaped like a CPR number (also percent-escaped) masked. */
export function maskCpr(text: string): string {
  return text.replace(CPR_SHAPED_ESCAPED, '**********').replace(CPR_SHAPED, '**********');
}

/** How a request is described in the log: its URL with CPR-shaped values masked. */
export function requestForLog(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: maskCpr(req.url), host: req.host, remoteAddress: req.ip };
}

function errorJson(spec: ErrorSpec, message = spec.message): string {
  return JSON.stringify({ error: { code: spec.code, message } });
}

/**
 * Failures of the HTTP parser, before any request exists (a URL or headers over 16 KiB, a malformed
 * request line, a client too slow to send its request): answered in the catalogue's shape, then the
 * connection is closed, as Node does.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const spec =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? PlatformErrors.REQUEST_HEADERS_TOO_LARGE
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? PlatformErrors.REQUEST_TIMEOUT
        : PlatformErrors.MALFORMED_REQUEST;
  const body = errorJson(spec);
  this.log.debug({ code: err.code }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${spec.status} ${STATUS_CODES[spec.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Errors the framework raises before routing (a URL it cannot decode, a parameter too long): in the catalogue's shape. */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  const spec = err.code === 'FST_ERR_BAD_URL' ? PlatformErrors.INVALID_ENCODING : PlatformErrors.MALFORMED_REQUEST;
  void reply.status(spec.status).type('application/json; charset=utf-8').send(errorJson(spec, spec.message));
}

// Keys that would reach an object's prototype when a parsed body is merged or spread.
const POISON = /"(?:__proto__|constructor|prototype)"\s*:/;

/** A JSON body: strict UTF-8, at most 64 levels deep, no prototype keys. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw platformError('MALFORMED_JSON', 'The request body is empty');
  const text = decodeUtf8(body);
  const parsed = parseJson(text);
  if (POISON.test(text)) {
    const keys = (v: unknown): boolean =>
      v !== null &&
      typeof v === 'object' &&
      Object.entries(v).some(([k, x]) => k === '__proto__' || (k === 'constructor' && typeof x === 'object') || keys(x));
    if (keys(parsed)) throw platformError('MALFORMED_JSON', 'The body names a prototype key (__proto__, constructor)');
  }
  return parsed;
}

/**
 * A content-type parser that hands a body on as text, decoded strictly: invalid UTF-8 is refused
 * (INVALID_ENCODING), never replaced. For routes that read their bodies themselves (XML, text).
 */
export function strictText(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  try {
    done(null, typeof body === 'string' ? body : decodeUtf8(body));
  } catch (err) {
    done(err as Error);
  }
}

/** Installs the strict JSON body parser and the refusal of badly encoded queries on an app. */
export function installEdge(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onRequest', async (req) => {
    if ((req.query as Record<symbol, unknown>)[BAD_QUERY]) throw platformError('INVALID_ENCODING', 'The query string is not valid UTF-8');
  });
}
