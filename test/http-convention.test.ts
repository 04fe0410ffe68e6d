import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthErrors } from '../src/platform/auth/errors.ts';
import { errorCatalogues, PlatformErrors } from '../src/platform/errors.ts';
import { errorResponses } from '../src/platform/http/schemas.ts';
import { OIO_TYPES, SERVICES } from '../src/services.ts';
import { backends } from './support/backends.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The platform's own JSON follows one convention (src/platform/http/schemas.ts, issue 13): a list
 * answers `{"resultater": […]}`, a page says `naeste` and is continued with `efter`, and every
 * failure answer names the catalogue codes it may carry. LoRa's routes keep LoRa's shapes
 * (`results`, `next`, `cursor`). Read from the OpenAPI document, so a new route is held to it.
 */

interface Schema {
  readonly type?: string | string[];
  readonly properties?: Record<string, Schema>;
  readonly description?: string;
}
interface Operation {
  readonly parameters?: readonly { in: string; name: string }[];
  readonly responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

describe('the HTTP convention', () => {
  let t: TestPlatform;
  let operations: { route: string; lora: boolean; op: Operation }[];
  beforeAll(async () => {
    t = await startPlatform(
      backends[0]!,
      SERVICES.map((s) => s.name),
    );
    const doc = t.platform.http.swagger() as { paths: Record<string, Record<string, Operation>> };
    const lora = new Set(
      OIO_TYPES.flatMap((d) => [`/${d.service}/${d.name}`, `/${d.service}/${d.name}/{uuid}`, `/${d.service}/${d.name}/fields`]),
    );
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, lora: lora.has(path), op })),
    );
  });
  afterAll(async () => t?.close());

  it('groups the codes a route names by their status, each status once', () => {
    const answers = errorResponses(
      [PlatformErrors.INVALID_UUID, AuthErrors.TOKEN_MISSING],
      PlatformErrors.INVALID_REQUEST,
      AuthErrors.TOKEN_MISSING,
    );
    expect(Object.keys(answers)).toEqual(['400', '401']);
    expect(answers[400]!.description).toBe('INVALID_UUID, INVALID_REQUEST');
    expect(answers[401]!.description).toBe('TOKEN_MISSING');
    expect(answers[401]!.required).toEqual(['error']);
  });

  it('answers lists in resultater and pages with naeste and efter, outside LoRa’s routes', () => {
    const own = operations.filter((o) => !o.lora);
    expect(own.length).toBeGreaterThan(40);
    const wrong = own.flatMap(({ route, op }) => {
      const ok = op.responses?.['200']?.content?.['application/json']?.schema;
      const names = Object.keys(ok?.properties ?? {});
      return [
        ...(ok?.type === 'array' ? [`${route} answers a bare array`] : []),
        ...names.filter((n) => ['results', 'next', 'cursor'].includes(n)).map((n) => `${route} answers ${n}`),
        ...(op.parameters ?? [])
          .filter((p) => p.in === 'query' && ['cursor', 'next'].includes(p.name))
          .map((p) => `${route} takes ${p.name}`),
      ];
    });
    expect(wrong).toEqual([]);
  });

  it('keeps LoRa’s own shape on LoRa’s list and search', () => {
    const search = operations.find((o) => o.route === 'GET /organisation/organisationenhed')!;
    expect(Object.keys(search.op.responses!['200']!.content!['application/json']!.schema!.properties!)).toEqual(['results', 'next']);
    expect(search.op.parameters!.map((p) => p.name)).toContain('cursor');
  });

  it('names, for every failure answer of every route, codes of that status from the catalogues', () => {
    const specs = new Map([...errorCatalogues.values()].flatMap((c) => Object.values(c).map((s) => [s.code, s] as const)));
    const wrong = operations.flatMap(({ route, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([status]) => Number(status) >= 400)
        .flatMap(([status, answer]) => {
          const codes = answer.description?.split(', ') ?? [];
          const bad = codes.filter((c) => specs.get(c)?.status !== Number(status));
          return bad.length || codes.length === 0 ? [`${route} ${status}: ${answer.description ?? 'no codes'}`] : [];
        }),
    );
    expect(wrong).toEqual([]);
  });
});
