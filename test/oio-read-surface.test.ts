import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The OIO seam (issue 13): SQL lives in store/ folders, never in a service's api/ or domain/ code,
 * and a service statement that reads the store's tables directly names only the published tables
 * and decides which registration counts only through src/oio/store/read-surface.ts.
 */

const ROOT = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The lines of the files under `dir` that match `pattern`, outside comments. */
function offending(paths: readonly string[], pattern: RegExp): string[] {
  return paths.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        pattern.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line) ? [`${path.slice(ROOT.length)}:${i + 1}: ${line.trim()}`] : [],
      ),
  );
}

const serviceFiles = files(join(ROOT, 'services'));
const layerFiles = (layer: string) => serviceFiles.filter((f) => f.includes(`/${layer}/`));

describe('the OIO seam', () => {
  it("keeps SQL out of the services' api/ and domain/ folders (and the object store's)", () => {
    const sql = /\b(SELECT\b.*\bFROM|INSERT INTO|DELETE FROM|UPDATE \w+ .*\bSET)\b|\.query(<[^>]*>)?\(/;
    const paths = [...layerFiles('api'), ...layerFiles('domain'), ...files(join(ROOT, 'oio/api')), ...files(join(ROOT, 'oio/domain'))];
    expect(paths.length).toBeGreaterThan(20);
    expect(offending(paths, sql)).toEqual([]);
  });

  it('names only the published tables in service statements', () => {
    const published = new Set(['oio_registrering', 'oio_soegeindeks', 'oio_objekt']);
    const named = serviceFiles.flatMap((path) => [...readFileSync(path, 'utf8').matchAll(/\boio_[a-z_]+\b/g)].map((m) => m[0]));
    expect(named.length).toBeGreaterThan(10);
    expect([...new Set(named.filter((t) => !published.has(t)))]).toEqual([]);
  });

  it('decides which registration counts only through the read surface, never by hand', () => {
    const byHand = /til = 'infinity'|\.til\s*>|\.fra\s*<=|til_xid|pg_visible_in_snapshot/;
    expect(offending(serviceFiles, byHand)).toEqual([]);
    // The read surface itself is where they are written.
    expect(readFileSync(join(ROOT, 'oio/store/read-surface.ts'), 'utf8')).toMatch(byHand);
  });
});
