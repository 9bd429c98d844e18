import type { Context } from 'hono';
import { JobhookError, isJobhookError, type ErrorCode } from '../errors.js';

/** The retry hint sent with 503 and 408 answers, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly requestId: string };
}

/** Maps any error to the contract's JSON error body; unknown errors become 500 without their details. */
export function errorResponse(c: Context, error: unknown, requestId: string): Response {
  const known = isJobhookError(error) ? error : new JobhookError('Internal', 'internal error');
  const body: ErrorBody = { error: { code: known.code, message: known.message, requestId } };
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (known.retryable) headers['retry-after'] = String(RETRY_AFTER_SECONDS);
  if (known.code === 'MethodNotAllowed') headers.allow = 'POST';
  return c.json(body, known.status as 400, headers);
}
