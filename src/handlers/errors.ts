/**
 * Errors that steer a handler run. Throw `NonRetryableError` to stop at once (the run goes to `jobhook-dead`);
 * any other error is retried with the handler's backoff until its attempts are used up (CONTRACT.md §5.3).
 */
export class NonRetryableError extends Error {
  override readonly name: string = 'NonRetryableError';
  readonly retryable = false;
  /** A short machine-readable reason, kept in the dead-letter entry (`error.code`). */
  readonly code: string | undefined;

  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }
}

/** The longest a retry hint (`RetryLaterError`, an HTTP `Retry-After`) may push the next attempt out. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * A retryable failure that says when to try again (an HTTP `Retry-After`, a provider's throttling hint): the next
 * attempt is scheduled after `retryAfterMs` instead of the handler's backoff, when that is later.
 */
export class RetryLaterError extends Error {
  override readonly name: string = 'RetryLaterError';
  readonly retryAfterMs: number;
  readonly code: string | undefined;

  constructor(message: string, retryAfterMs: number, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = retryAfterMs;
    this.code = options?.code;
  }
}

/**
 * Whether an error stops the run: a `NonRetryableError`, or — for a module that cannot import it — any error whose
 * `name` is `"NonRetryableError"` or that has `retryable: false`.
 */
export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, retryable } = error as { name?: unknown; retryable?: unknown };
  return name === 'NonRetryableError' || retryable === false;
}

/** The `{ name, message, code? }` a dead-letter entry keeps of an error (CONTRACT.md §5.6). */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export function summarize(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}),
  };
}
