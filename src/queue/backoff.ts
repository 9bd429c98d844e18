import type { BackoffStrategy } from 'bullmq';
import { MAX_RETRY_AFTER_MS } from '../handlers/errors.js';

/**
 * BullMQ's backoff strategy for handler runs (backoff types `jobhook.exponential` and `jobhook.fixed`, set by the
 * dispatcher): BullMQ's own exponential (`delay × 2^(attempts made − 1)`) or fixed delay — or later, when the
 * error says when to try again (a `retryAfterMs`, e.g. a forward's `Retry-After`).
 */
export const handlerBackoff: BackoffStrategy = (attemptsMade, type, error, job) => {
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === 'object' ? (backoff.delay ?? 0) : (backoff ?? 0);
  return retryDelay(type, delay, attemptsMade, error);
};

/** The delay before the next attempt of a job whose backoff is `{ type, delay }`. */
export function retryDelay(
  type: string | undefined,
  delay: number,
  attemptsMade: number,
  error: unknown,
): number {
  const planned = type === 'jobhook.fixed' ? delay : Math.round(2 ** Math.max(0, attemptsMade - 1) * delay);
  const hint = retryAfterOf(error);
  return hint === undefined ? planned : Math.max(planned, Math.min(hint, MAX_RETRY_AFTER_MS));
}

function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
