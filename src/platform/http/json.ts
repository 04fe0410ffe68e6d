import { platformError } from '../errors.ts';

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`: one pass over the text,
 * brackets inside strings not counted. Checked before parsing, so a body of ten thousand
 * brackets costs a scan, not a parse (whose nesting would reach the code that walks it later).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Parses JSON text; MALFORMED_JSON or JSON_TOO_DEEP (both 400) when it cannot be taken. */
export function parseJson(text: string, maxDepth: number = MAX_JSON_DEPTH): unknown {
  if (nestsDeeperThan(text, maxDepth))
    throw platformError('JSON_TOO_DEEP', `The JSON nests deeper than ${maxDepth} levels`, { limit: maxDepth });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw platformError('MALFORMED_JSON', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Decodes UTF-8 bytes, refusing any invalid sequence (INVALID_ENCODING, 400) instead of replacing it. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw platformError('INVALID_ENCODING', 'The request body is not valid UTF-8');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
