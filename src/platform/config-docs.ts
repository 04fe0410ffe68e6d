import { DEFAULT_BUILT_SERVICES } from './config.ts';
import { flagOf, SETTINGS, type AnySetting } from './config-table.ts';

// The two renderings of the table of settings: README.md's configuration table (which
// test/config-docs.test.ts holds to this) and the settings part of `stotte --help`.

const ROWS: readonly AnySetting[] = Object.values(SETTINGS);

/** How a setting's default reads in the docs (Markdown): its value, the rule it follows, or — for none. */
export function shownDefault(setting: AnySetting): string {
  if (setting.derived) return setting.derived.shown;
  if (setting.default !== undefined) return `\`${setting.type.show(setting.default)}\``;
  return '—';
}

/** The header of README.md's configuration table. */
export const CONFIG_TABLE_HEADER: readonly string[] = [
  '| flag | variable | default | values | meaning |',
  '| --- | --- | --- | --- | --- |',
];

/** One row of README.md's configuration table. */
export function configTableRow(setting: AnySetting): string {
  const flag = setting.flag ? `\`${flagOf(setting.flag)}\`` : '';
  return `| ${flag} | \`${setting.variable}\` | ${shownDefault(setting)} | ${setting.type.values} | ${setting.meaning} |`;
}

/** README.md's configuration table, header and rows, in the table's order. */
export function configTable(): string[] {
  return [...CONFIG_TABLE_HEADER, ...ROWS.map(configTableRow)];
}

const plain = (markdown: string): string => markdown.replaceAll('`', '');

const WIDTH = 100;
const INDENT = ' '.repeat(29);

/** `words` filled into lines of at most WIDTH after `head`, which takes the indent's width when it fits. */
function entry(head: string, words: string): string {
  const lines: string[] = [];
  let line = `  ${head}`;
  // A name too long for its column gets a line of its own, as the hand-written help had.
  if (line.length >= INDENT.length) {
    lines.push(line);
    line = INDENT;
  } else line = line.padEnd(INDENT.length);
  let empty = true;
  for (const word of words.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = INDENT;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

function helpText(setting: AnySetting, services: readonly string[], withVariable: boolean): string {
  // `--only` takes what is built, which the table of services knows and this table does not.
  const values = setting === SETTINGS.only ? services.join(', ') : plain(setting.type.values);
  const dflt = shownDefault(setting);
  const notes = [values, dflt === '—' ? '' : `default ${plain(dflt)}`, withVariable ? `env ${setting.variable}` : ''];
  const given = notes.filter(Boolean);
  return given.length ? `${plain(setting.meaning)} (${given.join('; ')})` : plain(setting.meaning);
}

/**
 * The settings part of `stotte --help`: the flags, then the variables that have none. `services`
 * are the names `--only` accepts (the built ones).
 */
export function configHelp(services: readonly string[] = DEFAULT_BUILT_SERVICES): string {
  const flags = ROWS.filter((s) => s.flag).map((s) => entry(`${flagOf(s.flag!)}${s.arg ? ` ${s.arg}` : ''}`, helpText(s, services, true)));
  const variables = ROWS.filter((s) => !s.flag).map((s) => entry(s.variable, helpText(s, services, false)));
  return `Options (a flag wins over its environment variable):\n${flags.join('\n')}\n\nEnvironment:\n${variables.join('\n')}\n`;
}
