/**
 * The types a setting's text is parsed by, each with its bounds and the words the docs list its
 * values in; config-table.ts gives every setting one. A bad value is a {@link ConfigError} naming
 * the flag or variable it came by.
 */

/** A configuration value that cannot be used; the message names the flag or variable. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** How a setting's text becomes its value. */
export interface ValueType<T> {
  /** The values it takes, or what its text names, as the docs list them (Markdown). */
  readonly values: string;
  /** The value of `raw`; throws {@link ConfigError} naming `setting` when it is not one. */
  parse(setting: string, raw: string): T;
  /** A value written the way it would be given: how a default reads in the docs. */
  show(value: T): string;
}

const same = (s: string): string => s;

/** A whole number within bounds. */
export function integer(min: number, max: number): ValueType<number> {
  return {
    values: `${min}–${max}`,
    parse(setting, raw) {
      if (!/^\d+$/.test(raw)) throw new ConfigError(setting, `expected a whole number, got "${raw}"`);
      const value = Number(raw);
      if (value < min || value > max) throw new ConfigError(setting, `must be between ${min} and ${max}, got ${value}`);
      return value;
    },
    show: String,
  };
}

/** `true` or `false`. */
export const boolean: ValueType<boolean> = {
  // It also takes the spellings compose files and unit files use: 1/0, yes/no, on/off.
  values: '`true` or `false`',
  parse(setting, raw) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(setting, `expected true or false, got "${raw}"`);
  },
  show: String,
};

/** One of a few words. */
export function oneOf<const V extends string>(...choices: V[]): ValueType<V> {
  const listed = choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`;
  return {
    values: choices.map((c) => `\`${c}\``).join(choices.length === 2 ? ' or ' : ', '),
    parse(setting, raw) {
      if (!(choices as string[]).includes(raw)) throw new ConfigError(setting, `must be ${listed}, got "${raw}"`);
      return raw as V;
    },
    show: same,
  };
}

/** Any text; `values` says what it names. */
export function text(values: string): ValueType<string> {
  return { values, parse: (_, raw) => raw, show: same };
}

/**
 * A folder, refusing empty text. Only the embedded database's folder is one: an empty path
 * elsewhere fails where the file is opened, with the operating system's message, as it always has.
 */
export const folder: ValueType<string> = {
  values: 'a folder',
  parse(setting, raw) {
    if (raw === '') throw new ConfigError(setting, 'is empty');
    return raw;
  },
  show: same,
};

/** A URL of one of `schemes`; `example` shows its shape in the message of one that does not parse. */
export function url(schemes: readonly string[], example: string): ValueType<string> {
  return {
    values: `\`${example}\``,
    parse(setting, raw) {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new ConfigError(setting, `is not a URL (expected ${example})`);
      }
      if (!schemes.includes(parsed.protocol.slice(0, -1))) {
        const listed = schemes.map((s) => `${s}://`).join(' or ');
        throw new ConfigError(setting, `must start with ${listed}, got ${parsed.protocol}//`);
      }
      return raw;
    },
    show: same,
  };
}

/** An http(s) URL, trailing slashes dropped: the issuer is `<URL>/adgangsstyring`, not `<URL>//…`. */
export const httpUrl: ValueType<string> = {
  values: '`http://…` or `https://…`',
  parse(setting, raw) {
    const trimmed = raw.replace(/\/+$/, '');
    try {
      const { protocol } = new URL(trimmed);
      if (protocol === 'http:' || protocol === 'https:') return trimmed;
    } catch {
      // Not a URL at all: the same message as another scheme's.
    }
    throw new ConfigError(setting, `is not an http(s) URL: "${trimmed}"`);
  },
  show: same,
};

/** Comma-separated words, each once; with `emptyMessage`, a list that names nothing is refused. */
export function list(values: string, emptyMessage?: string): ValueType<readonly string[]> {
  return {
    values,
    parse(setting, raw) {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (emptyMessage !== undefined && items.length === 0) throw new ConfigError(setting, emptyMessage);
      return [...new Set(items)];
    },
    show: (items) => items.join(','),
  };
}

/** An HTTP header's name. */
export const headerName: ValueType<string> = {
  values: 'a header name',
  parse(setting, raw) {
    if (!/^[A-Za-z0-9-]+$/.test(raw)) throw new ConfigError(setting, `is not a header name: "${raw}"`);
    return raw;
  },
  show: same,
};

/** Whether NODE_ENV says `production`. Any value is accepted: tools set `test` and `development`. */
export const nodeEnv: ValueType<boolean> = {
  values: '`production`, or anything else',
  parse: (_, raw) => raw === 'production',
  show: (production) => (production ? 'production' : ''),
};
