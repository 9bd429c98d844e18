import { describe, expect, it } from 'vitest';
import { isoTime, laterTime, normalizeTime } from './time.js';

describe('normalizeTime', () => {
  it.each([
    ['2022-06-30T19:55:05+0800', '2022-06-30T19:55:05+08:00'],
    ['2022-08-09 14:54:17+0800', '2022-08-09T14:54:17+08:00'],
    ['2022-06-30T19:55:05+08:00', '2022-06-30T19:55:05+08:00'],
    ['2022-06-30T19:55:05.123456789Z', '2022-06-30T19:55:05.123456789Z'],
    ['2022-06-30T19:55:05z', '2022-06-30T19:55:05Z'],
    ['2022-06-30T19:55:05 -0130', '2022-06-30T19:55:05-01:30'],
    ['2022-06-30T19:55:05\u00a0+0800', '2022-06-30T19:55:05+08:00'],
    ['  2022-06-30T19:55:05  ', '2022-06-30T19:55:05+08:00'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
  ])('reads %j as %j', (value, expected) => {
    expect(normalizeTime(value)).toBe(expected);
  });

  it.each([
    '-',
    '',
    '2023-02-29T00:00:00Z',
    '2022-13-01T00:00:00Z',
    '2022-06-30T24:00:00Z',
    '2022-06-30T19:60:00Z',
    '2022-06-30T19:55:05.1234567890Z',
    '2022-06-30T19:55:05.',
    '2022-06-30T19:55:05+08:0',
    '2022-06-30T19:55:05+8',
    '2022-06-30X19:55:05',
    '２０２２-06-30T19:55:05Z',
  ])('reads %j as no time', (value) => {
    expect(normalizeTime(value)).toBeNull();
  });

  it('reads a time without a zone in the default offset, and non-strings as no time', () => {
    expect(normalizeTime('2022-06-30T19:55:05', 'Z')).toBe('2022-06-30T19:55:05Z');
    expect(normalizeTime(1656590105)).toBeNull();
  });
});

describe('laterTime', () => {
  it('compares instants, not text, and tolerates null', () => {
    expect(laterTime('2022-06-30T19:55:05+08:00', '2022-06-30T12:00:00Z')).toBe('2022-06-30T12:00:00Z');
    expect(laterTime(null, '2022-06-30T12:00:00Z')).toBe('2022-06-30T12:00:00Z');
    expect(laterTime('2022-06-30T12:00:00Z', null)).toBe('2022-06-30T12:00:00Z');
  });
});

describe('isoTime', () => {
  it('writes what toISOString writes, within a second, across seconds and at the edges', () => {
    const base = Date.UTC(2026, 10, 21, 17, 59, 59, 990);
    const times = [
      ...Array.from({ length: 40 }, (_, i) => base + i),
      ...Array.from({ length: 2000 }, (_, i) => Math.floor(Math.sin(i + 1) * 2 ** 44) + 2 ** 44),
      0,
      1,
      999,
      1000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      253_402_300_799_999,
      253_402_300_800_000,
      -1,
      -62_198_755_200_000,
    ];
    for (const ms of times) expect(isoTime(new Date(ms)), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws for an invalid date, like toISOString', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
