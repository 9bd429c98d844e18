/** The providers' time formats (formats.md §1.2, §1.3, §3.2), in China Standard Time as the clouds write them. */

const CST_MS = 8 * 3600 * 1000;

/** `YYYY-MM-DDTHH:mm:ss` of the instant in UTC+8. */
const cstClock = (date: Date): string => new Date(date.getTime() + CST_MS).toISOString().slice(0, 19);

/** CI job times: `2025-03-01T10:00:00+0800`; not set yet: `-`. */
export const ciTime = (date: Date | undefined): string =>
  date === undefined ? '-' : `${cstClock(date)}+0800`;

/** CI workflow times: `2025-03-01 10:00:00+0800`. */
export const workflowTime = (date: Date): string => `${cstClock(date).replace('T', ' ')}+0800`;

/** Qiniu `creationDate`: RFC 3339 with nanoseconds, `2024-08-27T19:02:44.664000000+08:00`. */
export const qiniuTime = (date: Date): string => {
  const ms = String(date.getTime() % 1000).padStart(3, '0');
  return `${cstClock(date)}.${ms}000000+08:00`;
};

/** COS batch times: RFC 3339 in UTC, seconds. */
export const batchTime = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;
