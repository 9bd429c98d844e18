import { jobSubmitted } from '../../events/jobhook.js';
import { isoTime } from '../../events/time.js';
import type { AnyEvent } from '../../events/types.js';
import type { Logger } from '../../log.js';
import type { Ledger, LedgerJob } from '../../queue/ledger.js';
import { submitMarker } from '../../queue/ledger.js';
import { encodeEvent } from '../../queue/encoded.js';
import type { CallbackStore } from '../../queue/types.js';
import { NonRetryableError } from '../errors.js';
import { API_INFO, prepareRequest, type SubmitApi } from './apis.js';

/** Where a job is submitted: the CI bucket and region, the COS batch region (and account), or a Qiniu bucket. */
export interface SubmitTarget {
  readonly bucket?: string | undefined;
  readonly region?: string | undefined;
}

/** How a failed call left things: what a submission may do next. */
export type CallFailure =
  /** The provider refused the request itself (a 4xx other than 408/429): stop, with its code. */
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  /** The provider answered that it did not take it now (5xx, throttling): try again. */
  | { readonly kind: 'busy'; readonly retryAfterMs?: number | undefined }
  /** The request never left (refused connection, DNS): try again. */
  | { readonly kind: 'unsent' }
  /** COS batch: a CreateJob with this ClientRequestToken was taken before. */
  | { readonly kind: 'duplicate' }
  /** A timeout or a connection lost after sending: the provider may have taken it. */
  | { readonly kind: 'unknown' };

/** The provider calls a submission needs (the cloud clients, adapted). */
export interface SubmitCalls {
  /** Makes the job; resolves its id (a workflow's `InstanceId`). */
  create(
    api: SubmitApi,
    target: SubmitTarget,
    request: Record<string, unknown>,
    options: { readonly clientRequestToken: string; readonly signal: AbortSignal },
  ): Promise<string>;
  /** The job a lost submission made, found by its marker, or undefined (the api's `lookup` must be true). */
  find(
    api: SubmitApi,
    target: SubmitTarget,
    request: Record<string, unknown>,
    marker: string,
    sinceMs: number,
    signal: AbortSignal,
  ): Promise<string | undefined>;
  /** What a thrown error says about the call. */
  classify(error: unknown): CallFailure;
}

export interface SubmitOptions {
  readonly target: SubmitTarget;
  /** No terminal event by then (from submission): `jobhook.job.overdue`, then polling. */
  readonly deadlineMs: number;
  /** Tells apart several submissions of one run (`ctx.submit(…, { key })`); part of the marker. */
  readonly key?: string | undefined;
  readonly signal: AbortSignal;
}

/** What a submission made: the job, and whether an earlier attempt had already made it. */
export interface Submitted {
  readonly provider: string;
  readonly kind: string;
  readonly jobId: string;
  readonly existed: boolean;
}

export interface SubmitterOptions {
  readonly calls: SubmitCalls;
  readonly ledger: Ledger;
  /** `jobhook-events`, for `jobhook.job.submitted`. */
  readonly store: CallbackStore;
  /** Plans the job's deadline check, or (for jobs that send no callback) its first poll. */
  readonly schedule: (job: LedgerJob, firstCheckMs: number) => Promise<void>;
  /** jobhook's own callback URL for the api's provider (with the first token), when `JOBHOOK_PUBLIC_URL` is set. */
  readonly callbackUrl: (api: SubmitApi) => string | undefined;
  readonly logger: Logger;
}

/** Jobs that send no callback are first polled this long after submission (CONTRACT.md §6.5). */
export const FIRST_POLL_MS = 5000;

/**
 * Submits follow-up jobs once only (CONTRACT.md §6.3): each (event, handler[, key]) makes at most one job, through
 * retries, duplicates of the event and a worker killed at any moment, and ends as exactly one of a
 * `jobhook.job.submitted` event or a `SubmitOutcomeUnknown` stop.
 *
 * 1. An intent is recorded (by the marker) before the provider is called; a recorded intent means an earlier
 *    attempt may have reached the provider.
 * 2. Then: an intent that says `submitted` needs no call (its job is recorded again, idempotently); one that says
 *    `calling` is looked up where the api allows it (CI: the marker in `UserData`; COS batch: `ClientRequestToken`
 *    and the marker in `Description`) — not found there, it is submitted again; where the api allows no look-up the
 *    run stops as `SubmitOutcomeUnknown` and is not submitted again.
 * 3. The answer: a job id is recorded (intent, ledger, event, deadline); a refusal stops the run with the
 *    provider's code; "never sent" forgets the intent and retries; a lost answer keeps it for step 2, and so does
 *    "busy" (5xx, throttling) where the api allows a look-up — a 5xx may follow the work.
 */
export function createSubmitter(options: SubmitterOptions) {
  const { calls, ledger, logger } = options;

  return async (
    cause: AnyEvent,
    handler: string,
    api: SubmitApi,
    request: Record<string, unknown>,
    submit: SubmitOptions,
  ): Promise<Submitted> => {
    const info = API_INFO[api];
    const marker = submitMarker(cause.id, handler, submit.key);
    const causationId = cause.id;
    const correlationId = cause.correlationid ?? cause.id;
    const log = logger.child({ eventId: cause.id, handler, api, marker });
    const prepared = prepareRequest(api, request, { callbackUrl: options.callbackUrl(api), marker });

    const record = async (jobId: string, existed: boolean): Promise<Submitted> => {
      const now = Date.now();
      const job: LedgerJob = {
        provider: info.provider,
        kind: info.kind,
        jobId,
        api,
        handler,
        causationId,
        correlationId,
        marker: prepared.marked ? marker : '',
        submittedAt: isoTime(new Date(now)),
        deadline: isoTime(new Date(now + submit.deadlineMs)),
        bucket: submit.target.bucket,
        region: submit.target.region,
        state: 'pending',
      };
      await ledger.submitted(marker, job);
      await options.store.storeEvents([
        encodeEvent(
          jobSubmitted({
            provider: info.provider,
            kind: info.kind,
            api,
            jobId,
            handler,
            causationId,
            correlationId,
            deadline: job.deadline,
          }),
        ),
      ]);
      await options.schedule(job, info.polled ? FIRST_POLL_MS : submit.deadlineMs);
      log.info({ jobId, existed }, existed ? 'follow-up job found again' : 'follow-up job submitted');
      return { provider: info.provider, kind: info.kind, jobId, existed };
    };

    const unknown = (why: string): NonRetryableError =>
      new NonRetryableError(
        `${api}: ${why}; it is not submitted again (marker ${marker}; \`jobhook dlq retry\` submits it again)`,
        { code: 'SubmitOutcomeUnknown' },
      );

    const earlier = await ledger.begin(marker, {
      provider: info.provider,
      api,
      handler,
      causationId,
      correlationId,
    });
    if (earlier?.status === 'submitted' && earlier.jobId !== undefined) return record(earlier.jobId, true);
    if (earlier !== undefined) {
      // An earlier attempt may have reached the provider.
      if (!info.lookup || !prepared.marked) {
        log.error('an earlier attempt may have submitted the job, and the provider offers no way to find it');
        throw unknown('an earlier attempt may have submitted the job and the provider cannot be asked which');
      }
      const found = await calls.find(
        api,
        submit.target,
        prepared.request,
        marker,
        earlier.startedAt,
        submit.signal,
      );
      if (found !== undefined) return record(found, true);
      log.warn('an earlier attempt made no job the provider knows of: submitting it');
    }

    let jobId: string;
    try {
      jobId = await calls.create(api, submit.target, prepared.request, {
        clientRequestToken: marker,
        signal: submit.signal,
      });
    } catch (error) {
      const failure = calls.classify(error);
      switch (failure.kind) {
        case 'refused':
          await ledger.abandon(marker);
          throw new NonRetryableError(`${api} refused the job: ${failure.code}: ${failure.message}`, {
            code: failure.code,
            cause: error,
          });
        case 'busy':
          // A 5xx may come after the provider took the job (CI answers InternalError after the work, too). Where
          // the job can be looked up by its marker, the intent is kept, so the next attempt looks first and
          // submits only when nothing is found; elsewhere it is forgotten and the call repeated (the window
          // docs/guarantees.md names).
          if (info.lookup && prepared.marked) throw error;
          await ledger.abandon(marker);
          throw error;
        case 'unsent':
          await ledger.abandon(marker);
          throw error;
        case 'duplicate': {
          const found = prepared.marked
            ? await calls.find(
                api,
                submit.target,
                prepared.request,
                marker,
                Date.now() - 86_400_000,
                submit.signal,
              )
            : undefined;
          if (found !== undefined) return record(found, true);
          throw unknown('the provider says it took this request before, and its job cannot be found');
        }
        case 'unknown':
          // Kept as `calling`: the next attempt looks the job up (or stops, where it cannot).
          throw error;
        default:
          return failure satisfies never;
      }
    }
    return record(jobId, false);
  };
}

export type Submitter = ReturnType<typeof createSubmitter>;
