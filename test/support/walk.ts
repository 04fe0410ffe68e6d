import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { RouteAccess, PublicAccess } from '../../src/platform/auth/access.ts';
import { declaredAccess } from '../../src/platform/auth/http.ts';

/**
 * The walk of every route (issue 12): each route of the OpenAPI document is called by a caller who
 * may (the owner of the data) and by callers who may not (another municipality; a token restricted
 * to one unit or one KLE subject). The owner's call must succeed, which shows the probe reaches
 * the data; the others must be refused (401, 403, 404) or, for a read, answer without any of the
 * data they may not see. A route with no probe fails the walk: a new route is walked as soon as it
 * exists, or the walk says what to add.
 */

/** One route as the OpenAPI document lists it. */
export interface Route {
  readonly method: string;
  /** In OpenAPI's form: /organisation/{type}/{uuid}. */
  readonly path: string;
  /** In Fastify's form: /organisation/organisationenhed/:uuid. */
  readonly url: string;
  readonly access: RouteAccess;
}

/** One call of a route. */
export interface Probe {
  readonly url: string;
  readonly body?: unknown;
  readonly contentType?: string;
  /** Who may make this call: the data's owner (default) or the operator. */
  readonly legit?: 'owner' | 'operator';
  /** It changes or removes the data others rely on: called after every other probe. */
  readonly destructive?: boolean;
  /** A later destructive probe must run after this one (e.g. approve before revoke). */
  readonly order?: number;
  /** The owner's successful answer must show some of the data (a read that could otherwise be empty). */
  readonly showsData?: boolean;
  /** A POST that only reads (an explanation): judged as a read. */
  readonly read?: boolean;
}

/** A caller, and what it may not see. */
export interface Caller {
  readonly name: string;
  readonly token: (route: Route) => string | undefined;
  /** Identifiers (UUIDs, CPR numbers) that must not appear in any answer this caller gets. */
  readonly secrets: ReadonlySet<string>;
  /**
   * Whether this caller may read the route's data anyway (shared data: another municipality reads
   * KLE and the beskedtype catalogue); its writes are still refused.
   */
  readonly readsShared?: (route: Route) => boolean;
}

/** The protected routes of an app, from its OpenAPI document, with their declarations. */
export function protectedRoutes(app: FastifyInstance): Route[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const declared = declaredAccess(app);
  const out: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      const m = method.toUpperCase();
      if (m === 'HEAD') continue;
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      const access = declared.get(`${m} ${url}`) as RouteAccess | PublicAccess | undefined;
      if (!access || (access as PublicAccess).public) continue;
      out.push({ method: m, path, url, access: access as RouteAccess });
    }
  }
  return out;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function send(app: FastifyInstance, route: Route, probe: Probe, token: string): Promise<LightMyRequestResponse> {
  const body = probe.body;
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({
    method: route.method as 'GET',
    url: probe.url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(payload !== undefined ? { 'content-type': probe.contentType ?? 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload } : {}),
  });
}

/** The first secret an answer shows, if any. */
function leaked(body: string, secrets: ReadonlySet<string>): string | undefined {
  const lower = body.toLowerCase();
  for (const s of secrets) if (lower.includes(s.toLowerCase())) return s;
  return undefined;
}

/**
 * Calls every probe of every route: first as each caller who may not (refused, or nothing they may
 * not see), then as the owner or operator (succeeds). Destructive probes come last.
 */
export async function walk(
  app: FastifyInstance,
  routes: readonly Route[],
  probesOf: (route: Route) => readonly Probe[] | undefined,
  legit: { owner: (route: Route) => string; operator: (route: Route) => string },
  others: readonly Caller[],
): Promise<{ routes: number; calls: number }> {
  const missing = routes.filter((r) => probesOf(r) === undefined).map((r) => `${r.method} ${r.path}`);
  expect(missing, 'routes the walk has no probe for: add one to test/tenant-isolation.test.ts').toEqual([]);
  const all = routes.flatMap((route) => probesOf(route)!.map((probe) => ({ route, probe })));
  const ordered = [...all.filter((p) => !p.probe.destructive), ...all.filter((p) => p.probe.destructive)].sort(
    (a, b) => Number(!!a.probe.destructive) - Number(!!b.probe.destructive) || (a.probe.order ?? 0) - (b.probe.order ?? 0),
  );
  let calls = 0;
  for (const { route, probe } of ordered) {
    const label = `${route.method} ${probe.url}`;
    for (const caller of others) {
      const token = caller.token(route);
      if (token === undefined) continue;
      const res = await send(app, route, probe, token);
      calls++;
      const where = `${caller.name}: ${label} → ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, where).toBeLessThan(500);
      const refused = [401, 403, 404].includes(res.statusCode);
      if (WRITES.has(route.method) && !probe.read) {
        // A write of data the caller may not touch is refused, whatever it would have written.
        expect(refused, where).toBe(true);
      } else if (!refused) {
        expect(res.statusCode, where).toBeLessThan(300);
        if (!caller.readsShared?.(route)) expect(leaked(res.body, caller.secrets), where).toBeUndefined();
      }
    }
    const token = probe.legit === 'operator' ? legit.operator(route) : legit.owner(route);
    const res = await send(app, route, probe, token);
    calls++;
    expect(res.statusCode, `${probe.legit ?? 'owner'}: ${label} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(300);
    if (probe.showsData) {
      const all = new Set(others.flatMap((c) => [...c.secrets]));
      expect(leaked(res.body, all), `owner: ${label} shows none of the data the walk protects`).toBeDefined();
    }
  }
  return { routes: routes.length, calls };
}
