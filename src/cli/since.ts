import { InvalidArgumentError } from 'commander';
import { Duration } from '../handlers/duration.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `--since`: an RFC 3339 time (`2026-10-02T08:00:00+08:00`), or a duration back from `now` as in the configuration
 * file (`30m`, `2h`, `7d`). The instant in milliseconds since the epoch.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  if (RFC3339.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  const duration = RFC3339.test(text) ? undefined : Duration.safeParse(text);
  if (duration?.success === true) return now - duration.data;
  throw new InvalidArgumentError(
    'give an RFC 3339 time (2026-10-02T08:00:00+08:00) or a duration back from now (30m, 2h, 7d)',
  );
}
