import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, type FastifySchema } from 'fastify';
import { clientErrorHandler, frameworkErrors, installEdge, maskCpr, parseQuery, requestForLog } from './edge.ts';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AppError, PlatformErrors, errorCatalogues, type ErrorSpec } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { pendingMigrations } from '../store/migrations.ts';
import { sqlState, type Store } from '../store/store.ts';
import { guardRoutes, protectService, type AuthSetup, type ProtectedService } from '../auth/http.ts';
import { errorResponses } from './schemas.ts';

/** A system's routes as the HTTP app mounts them: in a plugin of its own, under its prefix. */
export interface MountedService {
  /** Its tokens' service: the plugin's prefix, the audience, the privileges. */
  readonly protected: ProtectedService;
  /** Its routes, registered inside its plugin (paths relative to the prefix). */
  routes(app: FastifyInstance): void | Promise<void>;
  /** Open routes outside its prefix. */
  rootRoutes?(app: FastifyInstance): void | Promise<void>;
}

export interface HttpOptions {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly services: readonly MountedService[];
  /** How requests are authenticated; every service's routes are behind it. */
  readonly auth: AuthSetup;
  readonly logLevel?: string;
  /** Fastify's logger can be replaced in tests (false silences it). */
  readonly logger?: boolean;
  /** Where the log lines go (default standard output): tests read them. */
  readonly logStream?: NodeJS.WritableStream;
  readonly version?: string;
  /** Serve HTTPS; `requestCert` asks clients for a certificate without requiring one. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly requestCert: boolean };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function errorBody(spec: ErrorSpec, message: string, details?: unknown) {
  return { error: { code: spec.code, message, ...(details === undefined ? {} : { details }) } };
}

/** Maps schema validation failures onto stable codes: which part failed, and how. */
function validationError(err: FastifyError): AppError {
  const first = err.validation?.[0];
  const context = err.validationContext ?? 'body';
  const where = `${context}${first?.instancePath ?? ''}`;
  if (first?.keyword === 'additionalProperties') {
    const name = String((first.params as { additionalProperty?: string }).additionalProperty);
    return context === 'querystring'
      ? new AppError(PlatformErrors.UNKNOWN_PARAMETER, `Unknown query parameter "${name}"`, { parameter: name })
      : new AppError(PlatformErrors.UNKNOWN_FIELD, `${where} has no field "${name}"`, { field: `${where}/${name}` });
  }
  if (first?.keyword === 'format' && (first.params as { format?: string }).format === 'uuid') {
    return new AppError(PlatformErrors.INVALID_UUID, `${where} is not a UUID`, { field: where });
  }
  return new AppError(PlatformErrors.INVALID_REQUEST, `${where} ${first?.message ?? 'is invalid'}`, { field: where });
}

/** Turns anything thrown in a route into the catalogue's shape; only unknown failures become 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError;
  if (e?.validation) return validationError(e);
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError(PlatformErrors.UNSUPPORTED_MEDIA_TYPE);
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError(PlatformErrors.PAYLOAD_TOO_LARGE);
  if (e instanceof SyntaxError || e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError(PlatformErrors.MALFORMED_JSON, `The request body is not valid JSON: ${e.message}`);
  }
  const state = sqlState(err);
  // Safety nets for database answers that reach a route: bad data is the caller's, a conflict
  // is worth a retry, a lost connection is the service's.
  if (state?.startsWith('22')) return new AppError(PlatformErrors.INVALID_REQUEST, 'A value is out of range or malformed');
  if (state === '40001' || state === '40P01' || state === '23505') return new AppError(PlatformErrors.WRITE_CONFLICT);
  if (state === '57014') return new AppError(PlatformErrors.STATEMENT_TIMEOUT);
  if (state?.startsWith('08') || state === '57P01' || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(String(e?.code))) {
    return new AppError(PlatformErrors.STORE_UNAVAILABLE);
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError({ ...PlatformErrors.INVALID_REQUEST, status: e.statusCode }, e.message);
  }
  return new AppError(PlatformErrors.INTERNAL);
}

/**
 * Builds the HTTP surface: request ids, JSON logs, the error catalogue's body shape, metrics per
 * route, health, OpenAPI 3.1 at /openapi.json and browsable docs at /docs, and every system's
 * routes in a plugin of its own.
 */
export async function buildHttp(options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // A client certificate is asked for but never required at the TLS layer: the token endpoint
    // and the Authenticator decide what a certificate (or its absence) means.
    ...(options.tls
      ? { https: { cert: options.tls.cert, key: options.tls.key, requestCert: options.tls.requestCert, rejectUnauthorized: false } }
      : {}),
    logger:
      options.logger === false
        ? false
        : {
            level: options.logLevel ?? 'info',
            serializers: { req: (req: FastifyRequest) => requestForLog(req) },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    // Strict decoding of query strings (see edge.ts), answers in the catalogue's shape for what
    // fails before routing, and the HTTP parser's limit on the request line and headers stated.
    routerOptions: { querystringParser: parseQuery, maxParamLength: 200 },
    clientErrorHandler,
    frameworkErrors,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 10 * 1024 * 1024,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });

  installEdge(app);
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    options.metrics.httpRequests.inc(labels);
    options.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: appErr.code }, maskCpr(appErr.message));
    return reply.status(appErr.status).send(errorBody(appErr as unknown as ErrorSpec, appErr.message, appErr.details));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody(PlatformErrors.ROUTE_NOT_FOUND, `No route ${req.method} ${req.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'stotte',
        version: options.version ?? '0.1.0',
        description:
          'The support systems of the Danish common-municipal infrastructure. Errors are `{"error":{"code","message"}}`; ' +
          `codes: ${[...errorCatalogues.values()].flatMap((c) => Object.keys(c)).join(', ')}.`,
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'An access token from FK Adgangsstyring for Systemer (POST /adgangsstyring/oauth2/token) for the service of the route',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // A plain FastifySchema, so its handler may send the 503 itself: a failed readiness probe is an
  // answer, not an error to log, and the error entries' type names no status.
  const readiness: FastifySchema = {
    tags: ['platform'],
    summary: 'The store answers and every migration is applied',
    response: {
      200: { type: 'object', properties: { status: { type: 'string' } } },
      ...errorResponses(PlatformErrors.STORE_UNAVAILABLE, PlatformErrors.NOT_READY),
    },
  };
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['platform'],
        summary: 'The process is up',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get('/health/ready', { schema: readiness }, async (_req, reply) => {
    let pending: string[];
    try {
      pending = await pendingMigrations(options.store);
    } catch {
      return reply.status(503).send(errorBody(PlatformErrors.STORE_UNAVAILABLE, 'The database does not answer'));
    }
    if (pending.length) return reply.status(503).send(errorBody(PlatformErrors.NOT_READY, `Migrations not applied: ${pending.join(', ')}`));
    return { status: 'ready' };
  });
  app.get('/metrics', { schema: { tags: ['platform'], summary: 'Prometheus metrics', produces: ['text/plain'] } }, async (_req, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  // Every route added from here on is a system's: each in a plugin of its own, under its prefix,
  // whose hooks see only its routes.
  guardRoutes(
    app,
    options.services.map((s) => s.protected),
  );
  for (const service of options.services) {
    await app.register(
      async (scope) => {
        protectService(scope, options.auth, service.protected);
        await service.routes(scope);
      },
      { prefix: service.protected.prefix },
    );
    await service.rootRoutes?.(app);
  }
  return app as unknown as FastifyInstance;
}
