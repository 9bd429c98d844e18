/**
 * The one error of every cloud call (Tencent CI, COS batch, Qiniu): what the provider said (`status`, `code`,
 * `message`, `requestId`) and what that means for the caller — `retryable`, and `outcome`, which tells a
 * submission whether the provider may have taken the request:
 *
 * - `refused`: the provider answered no (a 4xx other than 408/429, no throttling code): final.
 * - `busy`: the provider answered "not now" (5xx, 408, 429, a throttling code): retry, after `retryAfterMs`
 *   when it said.
 * - `unsent`: the request never left (connection refused, DNS): retry.
 * - `unknown`: a timeout, or the connection was lost after the request was sent: the provider may have taken it.
 */
export type CloudOutcome = 'refused' | 'busy' | 'unsent' | 'unknown';

export type CloudProvider = 'tencent-ci' | 'tencent-cos-batch' | 'qiniu';

export interface CloudErrorInit {
  readonly provider: CloudProvider;
  /** The HTTP status; 0 when there was no answer. */
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly requestId?: string | undefined;
  readonly outcome: CloudOutcome;
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

export class CloudError extends Error {
  override readonly name: string = 'CloudError';
  readonly provider: CloudProvider;
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly outcome: CloudOutcome;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(init: CloudErrorInit) {
    super(`${init.provider}: ${init.code}: ${init.message}`, { cause: init.cause });
    this.provider = init.provider;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.outcome = init.outcome;
    this.retryable = init.outcome !== 'refused';
    this.retryAfterMs = init.retryAfterMs;
  }

  /** The provider's own text, without the `provider: code:` prefix of `message`. */
  get providerMessage(): string {
    return this.message.slice(`${this.provider}: ${this.code}: `.length);
  }
}

export const isCloudError = (error: unknown): error is CloudError => error instanceof CloudError;

/** Error codes that mean "too many requests now" whatever the status (COS, CI, Qiniu spellings). */
const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'RequestRateLimitExceeded',
  'LimitExceeded',
  'TooManyJobs',
]);

export const isThrottlingCode = (code: string): boolean => THROTTLING.has(code);

/**
 * What an answer with this status and code means for a retry. 5xx is busy; Qiniu's own 6xx statuses (612 no such
 * id, 614 exists, 631 no such bucket) are answers about the request, so final.
 */
export function outcomeOf(status: number, code: string): 'refused' | 'busy' {
  if ((status >= 500 && status < 600) || status === 408 || status === 429 || isThrottlingCode(code))
    return 'busy';
  return 'refused';
}
