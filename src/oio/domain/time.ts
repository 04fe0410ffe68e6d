import { oioError } from '../errors.ts';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ZONE = 'Europe/Copenhagen';

const zoneFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Offset of Danish local time from UTC at `ms`, in ms. */
function danishOffset(ms: number): number {
  const parts = Object.fromEntries(zoneFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return local - Math.floor(ms / 1000) * 1000;
}

/** Danish midnight of the dates parsed so far (the offset costs an Intl lookup; data repeats its dates). */
const midnights = new Map<string, number>();

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * Parses an instant: ISO 8601 with an offset, a plain date (midnight Danish time, as
 * municipal data means it), or `infinity` / `-infinity`. Returns ms since the epoch.
 */
export function parseInstant(raw: string, what = 'instant'): number {
  const s = raw.trim();
  if (s === 'infinity' || s === '+infinity') return Infinity;
  if (s === '-infinity') return -Infinity;
  const d = DATE_ONLY.exec(s);
  if (d) {
    const known = midnights.get(s);
    if (known !== undefined) return known;
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    if (!validDate(y, m, day)) throw oioError('INVALID_TIMESTAMP', `${what}: "${raw}" is not a calendar date`);
    const utcMidnight = Date.UTC(y, m - 1, day);
    // The offset at local midnight: guess with the offset at UTC midnight, then correct once.
    const guess = utcMidnight - danishOffset(utcMidnight);
    const midnight = utcMidnight - danishOffset(guess);
    if (midnights.size >= 10_000) midnights.clear();
    midnights.set(s, midnight);
    return midnight;
  }
  const t = ISO_WITH_OFFSET.exec(s);
  if (!t || !validDate(Number(t[1]), Number(t[2]), Number(t[3])) || Number(t[4]) > 23 || Number(t[5]) > 59 || Number(t[6] ?? 0) > 59) {
    throw oioError('INVALID_TIMESTAMP', `${what}: "${raw}" is not an ISO 8601 instant with offset, a date, or infinity`);
  }
  const ms = Date.parse(
    s
      .replace(' ', 'T')
      .replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
      .replace(/([+-]\d{2})$/, '$1:00'),
  );
  if (Number.isNaN(ms)) throw oioError('INVALID_TIMESTAMP', `${what}: "${raw}" is out of range`);
  return ms;
}

/** Formats an instant for the wire: ISO 8601 in UTC with an explicit offset, or ±infinity. */
export function formatInstant(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === -Infinity) return '-infinity';
  return new Date(ms)
    .toISOString()
    .replace(/\.000Z$/, 'Z')
    .replace(/Z$/, '+00:00');
}

/** A registration time from the database as ms (the value keeps µs; ms is enough to compare). */
export function dbInstantToMs(s: string): number {
  if (s === 'infinity') return Infinity;
  if (s === '-infinity') return -Infinity;
  return Date.parse(s);
}
