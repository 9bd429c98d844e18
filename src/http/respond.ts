import { JobhookError, isJobhookError, type ErrorCode } from '../errors.js';

/** The retry hint sent with 503 and 408 answers, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly requestId: string };
}

export interface AnswerOptions {
  readonly requestId: string;
  /** Shutting down: the connection is closed after this answer instead of being kept alive. */
  readonly closing: boolean;
  readonly extra?: Readonly<Record<string, string>> | undefined;
}

/**
 * An answer with its headers as a plain object, which @hono/node-server writes as they are (headers set through
 * Hono's context become a web `Headers` object that is built and converted again for every answer).
 */
function answer(body: string, status: number, contentType: string, options: AnswerOptions): Response {
  const headers: Record<string, string> = { 'content-type': contentType, 'x-request-id': options.requestId };
  if (options.closing) headers.connection = 'close';
  if (options.extra !== undefined) Object.assign(headers, options.extra);
  return new Response(body, { status, headers });
}

export const jsonResponse = (body: unknown, status: number, options: AnswerOptions): Response =>
  answer(JSON.stringify(body), status, 'application/json', options);

export const textResponse = (body: string, contentType: string, options: AnswerOptions): Response =>
  answer(body, 200, contentType, options);

/** Maps any error to the contract's JSON error body; unknown errors become 500 without their details. */
export function errorResponse(error: unknown, options: AnswerOptions): Response {
  const known = isJobhookError(error) ? error : new JobhookError('Internal', 'internal error');
  const body: ErrorBody = {
    error: { code: known.code, message: known.message, requestId: options.requestId },
  };
  const extra: Record<string, string> = { ...options.extra };
  if (known.retryable) extra['retry-after'] = String(RETRY_AFTER_SECONDS);
  if (known.code === 'MethodNotAllowed') extra.allow = 'POST';
  return jsonResponse(body, known.status, { ...options, extra });
}
