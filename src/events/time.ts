/**
 * Provider timestamps to RFC 3339 with a colon in the offset.
 * `2022-06-30T19:55:05+0800` → `2022-06-30T19:55:05+08:00`; `2022-08-09 14:54:17+0800` → `…T14:54:17+08:00`;
 * `-`, empty or unreadable → null. A time without an offset is read in `defaultOffset`.
 */
export function normalizeTime(value: unknown, defaultOffset = '+08:00'): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  // `YYYY-MM-DD`, `T` or a space, `hh:mm:ss`, then an optional fraction, blanks and zone (read by hand: this runs
  // three times per event, and a regular expression's match would allocate every part).
  if (text.length < 19 || !digitsAt(text, 0, 4) || text.charCodeAt(4) !== 0x2d || !digitsAt(text, 5, 2))
    return null;
  if (text.charCodeAt(7) !== 0x2d || !digitsAt(text, 8, 2)) return null;
  const separator = text.charCodeAt(10);
  if (separator !== 0x54 && separator !== 0x20) return null;
  if (!digitsAt(text, 11, 2) || text.charCodeAt(13) !== 0x3a || !digitsAt(text, 14, 2)) return null;
  if (text.charCodeAt(16) !== 0x3a || !digitsAt(text, 17, 2)) return null;
  let at = 19;
  if (text.charCodeAt(at) === 0x2e) {
    let end = at + 1;
    // One to nine digits; a tenth makes the zone unreadable below.
    while (end < text.length && end - at <= 9 && isDigit(text.charCodeAt(end))) end++;
    if (end === at + 1) return null;
    at = end;
  }
  const fractionEnd = at;
  while (at < text.length && isBlank(text.charCodeAt(at))) at++;
  const zone = zoneOf(text, at);
  if (zone === null) return null;
  if (!isRealDate(text)) return null;
  // Already RFC 3339 as written (`T`, no blank, `Z` or `±hh:mm`): the text itself, no new string.
  const zoneLength = text.length - at;
  if (
    separator === 0x54 &&
    at === fractionEnd &&
    (zoneLength === 6 || (zoneLength === 1 && zone === text.slice(at)))
  )
    return text;
  return `${text.slice(0, 10)}T${text.slice(11, fractionEnd)}${zone === '' ? defaultOffset : zone}`;
}

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

function digitsAt(text: string, at: number, count: number): boolean {
  for (let i = at; i < at + count; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** The zone from `at` to the end, as RFC 3339 writes it: `Z`, `±hh:mm`; '' when there is none, null when unreadable. */
function zoneOf(text: string, at: number): string | null {
  const rest = text.length - at;
  if (rest === 0) return '';
  const c = text.charCodeAt(at);
  if (rest === 1 && (c === 0x5a || c === 0x7a)) return 'Z';
  if (c !== 0x2b && c !== 0x2d) return null;
  if (rest === 5 && digitsAt(text, at + 1, 4)) return `${text.slice(at, at + 3)}:${text.slice(at + 3)}`;
  if (
    rest === 6 &&
    digitsAt(text, at + 1, 2) &&
    text.charCodeAt(at + 3) === 0x3a &&
    digitsAt(text, at + 4, 2)
  )
    return text.slice(at);
  return null;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by the digits at `at`, `count` long (they were checked to be digits). */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) value = value * 10 + text.charCodeAt(i) - 0x30;
  return value;
}

/**
 * Whether `YYYY-MM-DD?hh:mm:ss` at the start of `text` is a calendar date and a wall-clock time that exist (by
 * arithmetic on the digits: no Date and no substrings per call on the hot path).
 */
function isRealDate(text: string): boolean {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS[month - 1] ?? 0);
  if (day < 1 || day > days) return false;
  return digits(text, 11, 2) < 24 && digits(text, 14, 2) < 60 && digits(text, 17, 2) < 60;
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
