import { normalizeTime } from '../events/time.js';

/**
 * A time of a polled record: as a callback's (RFC 3339, `-` → null), and also null for Go's zero time
 * (`0001-01-01T00:00:00Z`, which CI's inventory jobs and COS batch write for "not yet").
 */
export function polledTime(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim().startsWith('0001-01-01')) return null;
  return normalizeTime(value);
}
