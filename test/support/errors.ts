import { AppError } from '../../src/platform/errors.ts';

/** The catalogue code `fn` throws, or undefined when it returns: for tests of refusals without a request. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}
