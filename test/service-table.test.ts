import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteAccess, PublicAccess } from '../src/platform/auth/access.ts';
import { declaredAccess } from '../src/platform/auth/http.ts';
import { OIO_TYPES, SERVICES } from '../src/services.ts';
import { backends } from './support/backends.ts';
import { startPlatform, type TestPlatform } from './support/platform.ts';

/**
 * The table of services (src/services.ts, issue 13) and what derives from it: each system's routes
 * lie under its prefix and declare their access, its errors are documented, its events reach the
 * Beskedfordeler's relay, and docs/systems/README.md lists exactly the built systems.
 */

const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const systemsDoc = readFileSync(new URL('../docs/systems/README.md', import.meta.url), 'utf8');

describe('the table of services', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startPlatform(
      backends[0]!,
      SERVICES.map((s) => s.name),
    );
  });
  afterAll(async () => t?.close());

  it('has one definition per name and prefix', () => {
    expect(new Set(SERVICES.map((s) => s.name)).size).toBe(SERVICES.length);
    expect(new Set(SERVICES.map((s) => s.protected.prefix)).size).toBe(SERVICES.length);
    for (const s of SERVICES) expect(s.protected.name, s.name).toBe(s.name);
  });

  for (const s of SERVICES) {
    describe(s.name, () => {
      it('mounts its routes under its prefix, each with a complete declaration of its access', () => {
        const doc = t.platform.http.swagger() as { paths: Record<string, Record<string, unknown>> };
        const declared = declaredAccess(t.platform.http);
        const mine = Object.keys(doc.paths).filter((p) => p === s.protected.prefix || p.startsWith(`${s.protected.prefix}/`));
        expect(mine.length, `${s.name} has routes`).toBeGreaterThan(0);
        for (const path of mine) {
          for (const method of Object.keys(doc.paths[path]!)) {
            const access = declared.get(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`) as RouteAccess | PublicAccess;
            expect(access, `${method} ${path}`).toBeDefined();
            if ('public' in access) continue;
            for (const p of ([] as string[]).concat(access.privilege)) expect(s.protected.privileges, `${method} ${path}`).toContain(p);
          }
        }
      });

      it('documents every error code of its catalogues in docs/errors.md, under its heading', () => {
        for (const [module, catalogue] of Object.entries(s.errors)) {
          expect(errorsDoc, `a "## ${module}" section`).toMatch(new RegExp(`^## \`?${module}\`?`, 'm'));
          for (const code of Object.keys(catalogue)) expect(errorsDoc, code).toContain(`| \`${code}\` |`);
        }
      });

      it("declares its object types' change events, so the Beskedfordeler relays them", () => {
        const types = s.types ?? [];
        if (types.length === 0) return expect(s.events).toBeUndefined();
        expect(s.events, `${s.name} writes change events`).toBeDefined();
        expect([...s.events!.topics].sort()).toEqual(types.map((d) => `${d.service}.${d.name}`).sort());
        for (const d of types) expect(OIO_TYPES).toContain(d);
      });

      it('is listed in docs/systems/README.md under its name and title, with its page', () => {
        const row = systemsDoc.split('\n').find((l) => l.startsWith(`| \`${s.name}\` |`));
        expect(row, `a row for ${s.name}`).toBeDefined();
        expect(row).toContain(s.title);
        expect(row).toContain(`(${s.name}.md)`);
        expect(row).not.toContain('not started');
      });
    });
  }

  it('relays the change events of every register, each as its own beskedtype', async () => {
    const registers = SERVICES.flatMap((s) => (s.events ? [s.events] : []));
    const { rows } = await t.store.query<{ uuid: string }>('SELECT uuid::text AS uuid FROM bfo_beskedtype');
    for (const r of registers) expect(rows.map((x) => x.uuid)).toContain(r.beskedtype.uuid);
    expect(new Set(registers.map((r) => r.beskedtype.uuid)).size).toBe(registers.length);
  });

  it('lists in docs/systems/README.md no system as built that the table does not have', () => {
    const names = systemsDoc.split('\n').flatMap((l) => {
      const m = /^\| `([a-z]+)` \|/.exec(l);
      return m && !l.includes('not started') ? [m[1]!] : [];
    });
    expect(names.sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });
});
