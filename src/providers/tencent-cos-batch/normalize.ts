import { buildEvent, eventSource, type Delivery } from '../../events/build.js';
import type { Outcome } from '../../events/catalog.js';
import type { EventData, JobhookEvent } from '../../events/types.js';
import { present } from '../fields.js';
import { polledTime } from '../poll-time.js';
import { listOf, nonEmpty, record } from '../read.js';
import type { BatchJob } from './wire.js';

/** COS batch `Status` → the event vocabulary (CONTRACT.md §6.5): every status but the three final ones is pending. */
export function batchState(status: string): Outcome {
  switch (status) {
    case 'Complete':
      return 'succeeded';
    case 'Failed':
      return 'failed';
    case 'Cancelled':
      return 'canceled';
    default:
      return 'pending';
  }
}

/** Where a batch job runs: its region and account (the control host). */
export interface BatchPlace {
  readonly region?: string | undefined;
  readonly uin?: string | undefined;
}

/**
 * A COS batch job's record (`DescribeJobResult{Job}`) → its event `tencent.cos.batch.<outcome>`: `code` and
 * `message` from the first `FailureReasons.JobFailure`, `endedAt` from `TerminationDate`; `detail` is the whole
 * `DescribeJobResult`.
 */
export function batchEvent(
  job: BatchJob,
  detail: Record<string, unknown>,
  place: BatchPlace,
  delivery: Delivery,
): JobhookEvent {
  const state = batchState(job.Status);
  const failures = listOf(record(job.FailureReasons)?.JobFailure, record) ?? [];
  const failure = failures[0];
  const data: EventData = {
    provider: 'tencent-cos-batch',
    kind: 'batch',
    jobId: job.JobId,
    state,
    providerState: job.Status,
    ...present('code', nonEmpty(failure?.FailureCode)),
    ...present('message', nonEmpty(failure?.FailureReason) ?? job.StatusUpdateReason),
    input: { ...present('region', place.region) },
    outputs: [],
    createdAt: polledTime(job.CreationTime),
    startedAt: null,
    endedAt: polledTime(job.TerminationDate),
    detail,
  };
  const source = eventSource('tencent-cos-batch', [place.region, place.uin]);
  return buildEvent({ provider: 'tencent-cos-batch', kind: 'batch', state, source, data }, delivery);
}
