/**
 * CPR numbers (the Danish civil registration number): `DDMMYY-SSSS`, written with or without the
 * dash. The first six digits are the date of birth; the seventh digit and the year together give
 * the century. Since 2007 numbers need not satisfy the old modulus-11 check, so none is applied.
 *
 * Day-of-month 61–91 (the day plus 60) is never issued by the civil registry: such numbers are
 * synthetic, used for test data and for people without a real CPR number.
 */

export interface Cpr {
  /** The ten digits, without the dash. */
  readonly digits: string;
  /** The date of birth the number encodes (for a synthetic number: the day minus 60). */
  readonly birthDate: { readonly year: number; readonly month: number; readonly day: number };
  /** Day-of-month 61–91: a number the civil registry never issues. */
  readonly synthetic: boolean;
}

const SHAPE = /^(\d{2})(\d{2})(\d{2})-?(\d)(\d{3})$/;

/** The century of a two-digit year, from the seventh digit (the rule the civil registry uses). */
function fullYear(yy: number, seventh: number): number {
  if (seventh <= 3) return 1900 + yy;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses a CPR number: ten digits, optionally with a dash after the sixth, whose date is possible
 * (month 1–12, day 1 up to the month's length, or that plus 60 for a synthetic number).
 * Returns undefined for anything else.
 */
export function parseCpr(raw: string): Cpr | undefined {
  const m = SHAPE.exec(raw);
  if (!m) return undefined;
  const [dd, mm, yy, seventh] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  const synthetic = dd >= 61;
  const day = synthetic ? dd - 60 : dd;
  if (mm < 1 || mm > 12 || day < 1) return undefined;
  const year = fullYear(yy, seventh);
  if (day > daysInMonth(year, mm)) return undefined;
  return { digits: `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}`, birthDate: { year, month: mm, day }, synthetic };
}

export function isValidCpr(raw: string): boolean {
  return parseCpr(raw) !== undefined;
}

/** Whether the number is a valid CPR number of the synthetic kind (day-of-month 61–91). */
export function isSyntheticCpr(raw: string): boolean {
  return parseCpr(raw)?.synthetic === true;
}

/** The two ways a number is written: `DDMMYYSSSS` and `DDMMYY-SSSS`. */
export function cprSpellings(digits: string): [string, string] {
  return [digits, `${digits.slice(0, 6)}-${digits.slice(6)}`];
}

/** Whether `text` holds the CPR number (ignoring everything but digits, so any spelling of it). */
export function containsCpr(text: string, digits: string): boolean {
  return text.replace(/\D/g, '').includes(digits);
}
