import { z } from 'zod';

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const TEXT = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

const notADuration = (value: unknown): string =>
  `not a duration: ${JSON.stringify(value) ?? String(value)} (a whole number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d)`;

/**
 * The milliseconds of a duration of the configuration file — a whole number of milliseconds, or `500ms`, `30s`,
 * `5m`, `1h`, `7d` (a fraction allowed: `1.5s`; rounded to a millisecond) — or undefined when it is none.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = TEXT.exec(value.trim());
  if (match === null) return undefined;
  const ms = Math.round(Number(match[1]) * UNITS[match[2] as keyof typeof UNITS]);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration of the configuration file, as milliseconds. */
export const Duration = z
  .union([z.number(), z.string()], { error: (issue) => notADuration(issue.input) })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: 'custom', message: notADuration(value) });
    return z.NEVER;
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
