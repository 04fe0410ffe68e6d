import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogues, PlatformErrors, type ErrorSpec } from '../src/platform/errors.ts';
import { OioErrors } from '../src/oio/errors.ts';
import { AuthErrors } from '../src/platform/auth/errors.ts';
// The platform's own catalogues, and every system's from the table of services: a new system's
// catalogue is checked here as soon as it is in the table.
import { SERVICES } from '../src/services.ts';

const DOC = new URL('../docs/errors.md', import.meta.url);

interface DocRow {
  readonly module: string;
  readonly code: string;
  readonly status: number;
  readonly fk: number;
  readonly line: number;
}

/**
 * The table rows of docs/errors.md: `| \`CODE\` | HTTP | FK | meaning |`, each under the latest
 * `## module` heading (its first word, without backticks).
 */
function documentedRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  let module = '';
  markdown.split('\n').forEach((text, i) => {
    const heading = /^##\s+`?([A-Za-z0-9_-]+)`?/.exec(text);
    if (heading) {
      module = heading[1]!;
      return;
    }
    const row = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\d{3})\s*\|\s*(\d{2})\s*\|/.exec(text);
    if (row) rows.push({ module, code: row[1]!, status: Number(row[2]), fk: Number(row[3]), line: i + 1 });
  });
  return rows;
}

const rows = documentedRows(readFileSync(DOC, 'utf8'));
const catalogues: [string, Readonly<Record<string, ErrorSpec>>][] = [
  ['platform', PlatformErrors],
  ['oio', OioErrors],
  ['auth', AuthErrors],
  ...SERVICES.flatMap((s) => Object.entries(s.errors)),
];

describe('error catalogues', () => {
  it('lists every catalogue the platform registers (those the OpenAPI document names), and no other', () => {
    expect(new Map(catalogues)).toEqual(errorCatalogues);
  });

  for (const [module, catalogue] of catalogues) {
    describe(module, () => {
      const entries = Object.entries(catalogue) as [string, ErrorSpec][];

      it('has codes equal to their keys, in upper snake case', () => {
        for (const [key, spec] of entries) {
          expect(spec.code, key).toBe(key);
          expect(key).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
        }
      });

      it('has a client or server error status and an FK status for each code', () => {
        for (const [key, spec] of entries) {
          expect(Number.isInteger(spec.status), key).toBe(true);
          expect(spec.status >= 400 && spec.status <= 599, `${key}: HTTP ${spec.status}`).toBe(true);
          expect([20, 40, 44, 49], key).toContain(spec.fk);
          expect(spec.message.trim().length, `${key} has a message`).toBeGreaterThan(0);
        }
      });

      it('documents every code in docs/errors.md with its HTTP and FK status', () => {
        const problems: string[] = [];
        for (const [key, spec] of entries) {
          const documented = rows.filter((r) => r.module === module && r.code === key);
          if (documented.length === 0) problems.push(`${key}: no row in the "${module}" section`);
          else if (documented.length > 1)
            problems.push(`${key}: ${documented.length} rows (lines ${documented.map((r) => r.line).join(', ')})`);
          else {
            const row = documented[0]!;
            if (row.status !== spec.status || row.fk !== spec.fk) {
              problems.push(
                `${key}: documented HTTP ${row.status} FK ${row.fk} (line ${row.line}), catalogue says HTTP ${spec.status} FK ${spec.fk}`,
              );
            }
          }
        }
        expect(problems).toEqual([]);
      });
    });
  }

  it('documents no code that no catalogue has', () => {
    const stale = rows
      .filter((r) => !Object.prototype.hasOwnProperty.call(new Map(catalogues).get(r.module) ?? {}, r.code))
      .map((r) => `${r.module}/${r.code} (line ${r.line})`);
    expect(stale).toEqual([]);
  });

  it('finds exactly one table row per code', () => {
    // Guards the parser: a changed table layout must not make every check above pass vacuously.
    const total = catalogues.reduce((n, [, c]) => n + Object.keys(c).length, 0);
    expect(rows.length).toBe(total);
  });
});
