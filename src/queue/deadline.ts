import { JobhookError } from '../errors.js';

/**
 * Rejects with StoreUnavailable when `work` has not settled within `ms`. The work itself goes on (a Redis
 * command cannot be taken back); its late result is ignored, and a late success is safe because event ids
 * make a repeated store a no-op.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new JobhookError('StoreUnavailable', `${what}: Redis did not answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => {
    clearTimeout(timer);
  });
}
