import { MAX_RETRY_AFTER_MS } from '../errors.js';

/**
 * `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, as milliseconds from `now`. Anything else is no
 * hint at all (undefined); a date in the past is 0; a wait longer than `MAX_RETRY_AFTER_MS` is cut to it, so a
 * receiver cannot park a run for days.
 */

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
const DELTA_SECONDS = /^\d+$/;
/** IMF-fixdate and the obsolete RFC 850 form: both end in GMT, which Date.parse reads as UTC. */
const GMT_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4}|${LONG_DAY}, \\d{2}-${MONTH}-\\d{2}) ${TIME} GMT$`,
);
/** The obsolete asctime form, which names no zone but means UTC. */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let ms: number;
  if (DELTA_SECONDS.test(text)) ms = Number(text) * 1000;
  else if (GMT_DATE.test(text)) ms = Date.parse(text) - now;
  else if (ASCTIME.test(text)) ms = Date.parse(`${text} GMT`) - now;
  else return undefined;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
