import { describe, expect, it } from 'vitest';
import { Duration, durationBetween, formatMs, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    ['0ms', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['0.5s', 500],
    ['1.25s', 1250],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['  10 ms\n', 10],
  ] as const)('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    -1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    '',
    '5',
    'ms',
    '-5s',
    '+5s',
    '.5s',
    '5.s',
    '5 sec',
    '5S',
    '1w',
    '1y',
    '5s5',
    '1e3s',
    '1_000ms',
    `${'9'.repeat(20)}d`,
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('Duration', () => {
  it('gives milliseconds, and says what a duration is when it is none', () => {
    expect(Duration.parse('2s')).toBe(2000);
    const message =
      'not a duration: "2 weeks" (a whole number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d)';
    expect(Duration.safeParse('2 weeks').error?.issues.map((i) => i.message)).toEqual([message]);
    expect(Duration.safeParse(false).error?.issues.map((i) => i.message)).toEqual([
      'not a duration: false (a whole number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d)',
    ]);
  });

  it('keeps to its bounds, both included', () => {
    const between = durationBetween(1000, 60_000);
    expect(between.parse('1s')).toBe(1000);
    expect(between.parse('1m')).toBe(60_000);
    for (const outside of [999, '61s'])
      expect(between.safeParse(outside).error?.issues.map((i) => i.message)).toEqual([
        'must be between 1s and 1m',
      ]);
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1500ms'],
    [90_000, '90s'],
    [600_000, '10m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [7 * 86_400_000, '7d'],
  ])('writes %d as %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});
