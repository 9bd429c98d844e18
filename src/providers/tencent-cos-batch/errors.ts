import { CloudError, isCloudError } from '../cloud-error.js';

/**
 * What a refused CreateJob means (the CreateJob documentation's errors): a `ClientRequestToken` that was used
 * before (`InvalidRequest` "Duplicate request": the first request was taken), a `Priority` out of range, a body
 * that is not the XML the API takes, or too many jobs at once (throttling: retried).
 */
export type CreateJobErrorReason = 'duplicate-request' | 'priority-range' | 'malformed-xml' | 'too-many-jobs';

export class CreateJobError extends CloudError {
  override readonly name = 'CreateJobError';
  readonly reason: CreateJobErrorReason;

  constructor(error: CloudError, reason: CreateJobErrorReason) {
    super({
      provider: error.provider,
      status: error.status,
      code: error.code,
      message: error.providerMessage,
      requestId: error.requestId,
      outcome: error.outcome,
      retryAfterMs: error.retryAfterMs,
      cause: error,
    });
    this.reason = reason;
  }
}

export function createJobErrorReason(error: CloudError): CreateJobErrorReason | undefined {
  const text = error.providerMessage;
  if (error.code === 'InvalidRequest' && /duplicate/i.test(text)) return 'duplicate-request';
  if ((error.code === 'InvalidRequest' || error.code === 'InvalidArgument') && /priority/i.test(text))
    return 'priority-range';
  if (error.code === 'MalformedXML') return 'malformed-xml';
  if (error.code === 'TooManyJobs') return 'too-many-jobs';
  return undefined;
}

/** A CreateJob failure as its typed error, when it is one of those; other errors as they are. */
export function typedCreateJobError(error: unknown): unknown {
  if (!isCloudError(error)) return error;
  const reason = createJobErrorReason(error);
  return reason === undefined ? error : new CreateJobError(error, reason);
}

export const isDuplicateRequest = (error: unknown): boolean =>
  error instanceof CreateJobError && error.reason === 'duplicate-request';
