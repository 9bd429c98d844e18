import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseSince } from './since.js';

describe('parseSince', () => {
  const now = Date.parse('2026-10-02T12:00:00Z');

  it('reads RFC 3339 times with an offset or Z', () => {
    expect(parseSince('2026-10-02T08:11:58+08:00', now)).toBe(Date.parse('2026-10-02T00:11:58Z'));
    expect(parseSince('2026-10-01T00:00:00.250Z', now)).toBe(Date.parse('2026-10-01T00:00:00.250Z'));
  });

  it('reads durations back from now', () => {
    expect(parseSince('2h', now)).toBe(now - 2 * 3_600_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('90s', now)).toBe(now - 90_000);
  });

  it.each(['yesterday', '2026-10-02', '2026-10-02T08:00:00', '2026-13-45T99:00:00Z', '2', '-2h', ''])(
    'refuses %j as a usage error',
    (text) => {
      expect(() => parseSince(text, now)).toThrow(InvalidArgumentError);
    },
  );
});
