/**
 * The project's named errors. Each carries a stable `code`, the HTTP status it maps to, and whether retrying
 * the same input can succeed. One table (`ERRORS`) is the catalogue; docs/architecture.md documents it.
 */
export const ERRORS = {
  EmptyBody: { status: 400, retryable: false },
  MalformedXML: { status: 400, retryable: false },
  MalformedJSON: { status: 400, retryable: false },
  InvalidEncoding: { status: 400, retryable: false },
  InvalidContentEncoding: { status: 400, retryable: false },
  BodyTooDeep: { status: 400, retryable: false },
  TooManyElements: { status: 400, retryable: false },
  Unauthorized: { status: 401, retryable: false },
  InvalidSignature: { status: 401, retryable: false },
  Forbidden: { status: 403, retryable: false },
  NotFound: { status: 404, retryable: false },
  MethodNotAllowed: { status: 405, retryable: false },
  BodyTimeout: { status: 408, retryable: true },
  PayloadTooLarge: { status: 413, retryable: false },
  UnsupportedBody: { status: 415, retryable: false },
  UnsupportedCharset: { status: 415, retryable: false },
  UnsupportedContentEncoding: { status: 415, retryable: false },
  TooManyRequests: { status: 429, retryable: true },
  StoreUnavailable: { status: 503, retryable: true },
  Internal: { status: 500, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERRORS;

export class JobhookError extends Error {
  override readonly name = 'JobhookError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryable = ERRORS[code].retryable;
  }
}

export const isJobhookError = (error: unknown): error is JobhookError => error instanceof JobhookError;
