/**
 * Provider timestamps to RFC 3339 with a colon in the offset.
 * `2022-06-30T19:55:05+0800` → `2022-06-30T19:55:05+08:00`; `2022-08-09 14:54:17+0800` → `…T14:54:17+08:00`;
 * `-`, empty or unreadable → null. A time without an offset is read in `defaultOffset`.
 */
export function normalizeTime(value: unknown, defaultOffset = '+08:00'): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  // One test for the whole shape and the field ranges (a regular expression's test allocates nothing); the
  // days of a month are counted only for days past the 28th.
  if (!SHAPE.test(text) || !dayExists(text)) return null;
  let fractionEnd = 19;
  if (text.charCodeAt(19) === 0x2e) {
    fractionEnd = 20;
    while (isDigit(text.charCodeAt(fractionEnd))) fractionEnd++;
  }
  let at = fractionEnd;
  while (at < text.length && isBlank(text.charCodeAt(at))) at++;
  // What is left is the zone, as SHAPE allows it: none, `Z` or `z`, `±hhmm` or `±hh:mm`.
  const zoneLength = text.length - at;
  // Already RFC 3339 as written (`T`, no blank, `Z` or `±hh:mm`): the text itself, no new string.
  if (
    text.charCodeAt(10) === 0x54 &&
    at === fractionEnd &&
    (zoneLength === 6 || (zoneLength === 1 && text.charCodeAt(at) === 0x5a))
  )
    return text;
  const zone =
    zoneLength === 0
      ? defaultOffset
      : zoneLength === 1
        ? 'Z'
        : zoneLength === 5
          ? `${text.slice(at, at + 3)}:${text.slice(at + 3)}`
          : text.slice(at);
  return `${text.slice(0, 10)}T${text.slice(11, fractionEnd)}${zone}`;
}

/**
 * `YYYY-MM-DD`, `T` or a space, `hh:mm:ss` with a month 01–12, a day 01–31, an hour 00–23 and minutes and
 * seconds 00–59, a fraction of one to nine digits, blanks (what `\s` matches), and an optional zone.
 */
const SHAPE =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?\s*(?:[Zz]|[+-]\d\d:?\d\d)?$/;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** What `\s` matches in a JavaScript regular expression. */
const isBlank = (c: number): boolean =>
  (c >= 0x09 && c <= 0x0d) ||
  c === 0x20 ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by the digits at `at`, `count` long (they were checked to be digits). */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) value = value * 10 + text.charCodeAt(i) - 0x30;
  return value;
}

/** Whether the month of `YYYY-MM-DD` (in range, as SHAPE checked) has that day. */
function dayExists(text: string): boolean {
  const day = digits(text, 8, 2);
  if (day <= 28) return true;
  const month = digits(text, 5, 2);
  const year = digits(text, 0, 4);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && !leap ? 28 : (DAYS[month - 1] ?? 0));
}

/** The later of two RFC 3339 times (by instant), null-tolerant. */
export function laterTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Milliseconds since the epoch → RFC 3339 UTC. */
export const fromEpochMillis = (ms: number): string => new Date(ms).toISOString();

/** The last second {@link isoTime} formatted: `YYYY-MM-DDThh:mm:ss.` and its epoch second. */
const second = { epoch: Number.NaN, prefix: '' };

/**
 * `date.toISOString()`, for receive times: the date and time of day are formatted once per second and only the
 * milliseconds per call (V8 formats every toISOString through snprintf, a microsecond each).
 */
export function isoTime(date: Date): string {
  const ms = date.getTime();
  // Four-digit years only (toISOString writes others as ±YYYYYY); an invalid date throws there too.
  if (!(ms >= 0 && ms < 253_402_300_800_000)) return date.toISOString();
  const epoch = Math.floor(ms / 1000);
  if (epoch !== second.epoch) {
    second.prefix = new Date(epoch * 1000).toISOString().slice(0, 20);
    second.epoch = epoch;
  }
  const milli = ms - epoch * 1000;
  return `${second.prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
