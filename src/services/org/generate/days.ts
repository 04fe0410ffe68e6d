/**
 * Days and instants: the generator plans history in whole days (day numbers since 1970) and turns
 * them into Danish midnights only when it writes virkning.
 */
import { parseInstant } from '../../../oio/domain/time.ts';

/** A day, in ms. */
export const DAY_MS = 86_400_000;
/** The day number of a date (YYYY-MM-DD). */
export const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
/** The date (YYYY-MM-DD) of a day number. */
export const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** The municipal reform: today's municipalities and their top units date from it. */
export const FOUNDED = dayOf('2007-01-01');
/** The day something that never ends ends. */
export const NEVER = Number.POSITIVE_INFINITY;

/** The last Sunday of a month (0-based), as a day number. */
function lastSunday(year: number, month: number): number {
  const last = Date.UTC(year, month + 1, 0) / DAY_MS;
  return last - new Date(last * DAY_MS).getUTCDay();
}

/**
 * Danish midnight of a day, cached. Since 1996 summer time runs from the last Sunday of March to
 * the last Sunday of October, switching at 01:00 UTC, so midnight is never inside a switch;
 * earlier years ask parseInstant, which consults the time zone (slowly).
 */
export class Instants {
  private readonly cache = new Map<number, number>();
  at(day: number): number {
    if (day === NEVER) return Infinity;
    let ms = this.cache.get(day);
    if (ms === undefined) {
      const year = new Date(day * DAY_MS).getUTCFullYear();
      if (year < 1996) ms = parseInstant(isoOf(day));
      else {
        const summer = day > lastSunday(year, 2) && day <= lastSunday(year, 9);
        ms = day * DAY_MS - (summer ? 2 : 1) * 3_600_000;
      }
      this.cache.set(day, ms);
    }
    return ms;
  }
}
