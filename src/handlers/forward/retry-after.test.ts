import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS } from '../errors.js';
import { parseRetryAfter } from './retry-after.js';

const NOW = Date.parse('1994-11-06T08:49:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    [' 120 ', 120_000],
    ['Sun, 06 Nov 1994 08:49:37 GMT', 37_000],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 37_000],
    ['Sun Nov  6 08:49:37 1994', 37_000],
  ])('reads %j as %d ms, whatever the local time zone', (value, ms) => {
    const zone = process.env.TZ;
    try {
      // Every HTTP-date is UTC, the asctime form too, though it names no zone.
      for (const tz of ['UTC', 'Asia/Shanghai', 'America/Los_Angeles']) {
        process.env.TZ = tz;
        expect(parseRetryAfter(value, NOW)).toBe(ms);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('makes a date in the past no wait, and cuts long waits to an hour', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:48:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('86400', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('99999999999999999999999', NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(MAX_RETRY_AFTER_MS);
  });

  it.each([
    null,
    '',
    'soon',
    '-1',
    '1.5',
    '3, 4',
    '3s',
    '2025-03-01T10:03:07Z',
    'Sun, 06 Nov 1994 08:49:37',
    '1 GMT',
  ])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});
