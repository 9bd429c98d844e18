/**
 * Provider timestamps to RFC 3339 with a colon in the offset.
 * `2022-06-30T19:55:05+0800` → `2022-06-30T19:55:05+08:00`; `2022-08-09 14:54:17+0800` → `…T14:54:17+08:00`;
 * `-`, empty or unreadable → null. A time without an offset is read in `defaultOffset`.
 */
const PROVIDER_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

export function normalizeTime(value: unknown, defaultOffset = '+08:00'): string | null {
  if (typeof value !== 'string') return null;
  const match = PROVIDER_TIME.exec(value.trim());
  if (match === null) return null;
  const [, date = '', clock = '', fraction = '', zone] = match;
  if (!isRealDate(date, clock)) return null;
  return `${date}T${clock}${fraction}${offset(zone, defaultOffset)}`;
}

function offset(zone: string | undefined, fallback: string): string {
  if (zone === undefined) return fallback;
  if (zone === 'Z' || zone === 'z') return 'Z';
  return zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A calendar date and a wall-clock time that exist (checked by arithmetic: no Date per call on the hot path). */
function isRealDate(date: string, clock: string): boolean {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS[month - 1] ?? 0);
  if (day < 1 || day > days) return false;
  return Number(clock.slice(0, 2)) < 24 && Number(clock.slice(3, 5)) < 60 && Number(clock.slice(6, 8)) < 60;
}

/** The later of two RFC 3339 times (by instant), null-tolerant. */
export function laterTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Milliseconds since the epoch → RFC 3339 UTC. */
export const fromEpochMillis = (ms: number): string => new Date(ms).toISOString();
