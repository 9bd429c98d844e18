import { formatMs } from '../duration.js';
import { NonRetryableError, RetryLaterError } from '../errors.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * What one delivery attempt came to, as the error the run throws (CONTRACT.md §5.7): 2xx is done; 408, 429 and 5xx
 * retry, no earlier than a `Retry-After`; other 4xx and every 3xx stop. Messages name the URL without its query
 * (`target`) and the status, never a header value or the secret.
 */

/** A retryable delivery failure: a retryable status without `Retry-After`, a timeout, a network error. */
export class ForwardError extends Error {
  override readonly name: string = 'ForwardError';
  readonly retryable = true;
  /** `HTTP_<status>`, `ETIMEDOUT`, or the network error's own code (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_…`). */
  readonly code: string;
  /** The answer's status; undefined when there was none. */
  readonly status: number | undefined;

  constructor(message: string, code: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status;
  }
}

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** The error an answer means, or undefined for a 2xx. */
export function statusFailure(
  response: Response,
  target: string,
  now = Date.now(),
): NonRetryableError | RetryLaterError | ForwardError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const code = `HTTP_${status}`;
  if (status >= 300 && status < 400)
    return new NonRetryableError(
      `forward to ${target} answered ${status}, a redirect: redirects are not followed, so the forward's url is ` +
        'misconfigured (set it to the address that answers)',
      { code },
    );
  if (!isRetryableStatus(status))
    return new NonRetryableError(`forward to ${target} answered ${status}: the receiver refused the event`, {
      code,
    });
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  if (retryAfterMs === undefined)
    return new ForwardError(`forward to ${target} answered ${status}; will retry`, code, { status });
  return new RetryLaterError(
    `forward to ${target} answered ${status}; will retry after ${formatMs(retryAfterMs)} (Retry-After)`,
    retryAfterMs,
    { code },
  );
}

/** The error a request that got no answer means (`fetch` rejected; not because the run's signal fired). */
export function requestFailure(
  error: unknown,
  target: string,
  timeoutMs: number | undefined,
): ForwardError | NonRetryableError {
  if (timeoutMs !== undefined) {
    const message = `forward to ${target}: no answer within ${formatMs(timeoutMs)}; will retry`;
    return new ForwardError(message, 'ETIMEDOUT', { cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = errorCode(cause);
  const message = (cause instanceof Error ? cause.message : String(cause)) || code;
  // fetch refuses some ports outright (the Fetch standard's "bad ports"): no retry can get through.
  if (message === 'bad port')
    return new NonRetryableError(`forward to ${target} failed: fetch refuses to connect to that port`, {
      code: 'ERR_BAD_PORT',
      cause: error,
    });
  return new ForwardError(`forward to ${target} failed: ${message}; will retry`, code, { cause: error });
}

function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code !== '' ? code : 'FETCH_FAILED';
}
