import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config.ts';
import { CONFIG_TABLE_HEADER, configHelp, configTableRow } from '../src/platform/config-docs.ts';
import { flagOf, SETTINGS, type AnySetting, type ConfigFlags } from '../src/platform/config-table.ts';

const README = new URL('../README.md', import.meta.url);
const rowsOfTable: readonly AnySetting[] = Object.values(SETTINGS);

interface DocRow {
  readonly variable: string;
  readonly text: string;
  readonly line: number;
}

/** The table rows of README.md's "## Configuration" section, by the variable in their second cell. */
function documentedRows(markdown: string): { header: string[]; rows: DocRow[] } {
  const lines = markdown.split('\n');
  const start = lines.indexOf('## Configuration');
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const header: string[] = [];
  const rows: DocRow[] = [];
  lines.slice(start + 1, end === -1 ? undefined : end).forEach((text, i) => {
    if (!text.startsWith('|')) return;
    const variable = /^\|[^|]*\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(text);
    if (variable) rows.push({ variable: variable[1]!, text, line: start + 2 + i });
    else header.push(text);
  });
  return { header, rows };
}

const { header, rows } = documentedRows(readFileSync(README, 'utf8'));

describe("README.md's configuration table", () => {
  it('has the header the rows are rendered for', () => {
    expect(header).toEqual(CONFIG_TABLE_HEADER);
  });

  it('documents every setting once, as the table of settings says (flag, default, values, meaning)', () => {
    const problems: string[] = [];
    for (const setting of rowsOfTable) {
      const documented = rows.filter((r) => r.variable === setting.variable);
      const expected = configTableRow(setting);
      if (documented.length === 0) problems.push(`${setting.variable}: no row; add\n${expected}`);
      else if (documented.length > 1)
        problems.push(`${setting.variable}: ${documented.length} rows (lines ${documented.map((r) => r.line).join(', ')})`);
      else if (documented[0]!.text !== expected)
        problems.push(`${setting.variable} (line ${documented[0]!.line}) differs from the table; it reads\n${expected}`);
    }
    expect(problems).toEqual([]);
  });

  it('documents no variable the table does not have', () => {
    const known = new Set(rowsOfTable.map((s) => s.variable));
    const stale = rows.filter((r) => !known.has(r.variable)).map((r) => `${r.variable} (line ${r.line})`);
    expect(stale).toEqual([]);
  });

  it('lists the settings in the order of the table', () => {
    // Guards the parser too: a changed layout must not make the checks above pass vacuously.
    expect(rows.map((r) => r.variable)).toEqual(rowsOfTable.map((s) => s.variable));
  });
});

describe('the table of settings', () => {
  it('names each variable and flag once', () => {
    const variables = rowsOfTable.map((s) => s.variable);
    const flags = rowsOfTable.flatMap((s) => (s.flag ? [s.flag] : []));
    expect(new Set(variables).size).toBe(variables.length);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('has defaults its own types accept, written as they would be given', () => {
    for (const setting of rowsOfTable) {
      if (setting.default === undefined) continue;
      const written = setting.type.show(setting.default);
      expect(setting.type.parse(setting.variable, written), setting.variable).toEqual(setting.default);
    }
  });

  it('is where loadConfig finds every variable it reads', () => {
    // Configurations that between them take every branch of the loader.
    const configurations: Record<string, string>[] = [
      {},
      { STOTTE_DATABASE_URL: 'postgres://u@db/s' },
      { STOTTE_TLS_CERT: 'c.pem', STOTTE_TLS_KEY: 'k.pem' },
      { STOTTE_KEYS: 'pkcs11', STOTTE_PKCS11_LIBRARY: '/l.so', STOTTE_PKCS11_TOKEN: 't', STOTTE_PKCS11_PIN: '1' },
      { STOTTE_BFO_TRANSPORT: 'amqp', STOTTE_AMQP_URL: 'amqp://mq' },
    ];
    const read = new Set<string>();
    for (const configuration of configurations) {
      const env = new Proxy(configuration, {
        get(target, name) {
          if (typeof name === 'string') read.add(name);
          return Reflect.get(target, name);
        },
      });
      loadConfig({}, env);
    }
    expect([...read].sort()).toEqual(rowsOfTable.map((s) => s.variable).sort());
  });

  it('names the flag, not the variable, when both are given and the flag is bad', () => {
    // A bad text for each flag whose type can refuse one; the others take any text.
    const bad: Partial<Record<keyof ConfigFlags, string>> = { port: 'x', data: '', databaseUrl: 'mysql://x', only: 'nope' };
    for (const setting of rowsOfTable) {
      const text = setting.flag && bad[setting.flag];
      if (text === undefined) continue;
      expect(() => loadConfig({ [setting.flag!]: text }, { [setting.variable]: text }), setting.variable).toThrow(
        new RegExp(`^${flagOf(setting.flag!)}: `),
      );
    }
  });
});

describe('the settings part of stotte --help', () => {
  const help = configHelp(['org', 'kla']);

  it('lists every flag with what it takes, and every variable', () => {
    for (const setting of rowsOfTable) {
      expect(help, setting.variable).toContain(setting.variable);
      if (setting.flag) expect(help).toMatch(new RegExp(`^  ${flagOf(setting.flag)}${setting.arg ? ` ${setting.arg}` : ''} `, 'm'));
    }
  });

  it('lists the services --only accepts and the defaults', () => {
    // Lines wrap wherever the words fall: compare with the wrapping undone.
    const flat = help.replace(/\s+/g, ' ');
    expect(flat).toContain(' --only LIST run only these services (org, kla; default every built service; env STOTTE_ONLY) ');
    expect(flat).toContain(' --port N HTTP port (0–65535; default 8080; env STOTTE_PORT) ');
    expect(flat).toContain('(an address; default 127.0.0.1 on the embedded database, 0.0.0.0 on PostgreSQL; env STOTTE_HOST)');
  });

  it('fits in 100 columns and has no Markdown left', () => {
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(help).not.toContain('`');
  });
});
