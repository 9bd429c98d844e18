import { z } from 'zod';

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const TEXT = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** A duration of the configuration file: a number of milliseconds, or `500ms`, `30s`, `5m`, `1h`, `7d`. */
export const Duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = TEXT.exec(value.trim());
  const amount = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof UNITS | undefined;
  if (unit === undefined || !Number.isFinite(amount)) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(value)} (a number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d)`,
    });
    return z.NEVER;
  }
  return Math.round(amount * UNITS[unit]);
});

/** `Duration` bounded to `[min, max]` milliseconds. */
export const durationBetween = (min: number, max: number) =>
  Duration.refine((ms) => ms >= min && ms <= max, {
    message: `must be between ${formatMs(min)} and ${formatMs(max)}`,
  });

export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', UNITS.d],
    ['h', UNITS.h],
    ['m', UNITS.m],
    ['s', UNITS.s],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
