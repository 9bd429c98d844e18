import { z } from 'zod';
import { uuidV5 } from './id.js';
import { isoTime } from './time.js';

/**
 * jobhook's own events (CONTRACT.md §5.6, §6.3–6.5): type `jobhook.…`, source `/jobhook`, stored in
 * `jobhook-events` like every other event and dispatched like them. Their ids are derived from what they are about,
 * so a retried step stores no second copy.
 */

const Rfc3339 = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'RFC 3339 timestamp');
const Outcome = z.enum(['succeeded', 'failed', 'canceled', 'pending']);

export const VerificationFailedData = z.object({
  eventId: z.string(),
  type: z.string(),
  subject: z.string(),
  /** The outcome the event claims. */
  expected: Outcome,
  /** What the provider says: an outcome, or `unknown` when it does not know the job. */
  actual: z.union([Outcome, z.literal('unknown')]),
  reason: z.string(),
});

export const JobSubmittedData = z.object({
  provider: z.string(),
  kind: z.string(),
  api: z.string(),
  jobId: z.string(),
  handler: z.string(),
  causationId: z.string(),
  correlationId: z.string(),
  deadline: Rfc3339,
});

export const JobOverdueData = z.object({
  provider: z.string(),
  kind: z.string(),
  jobId: z.string(),
  handler: z.string(),
  causationId: z.string(),
  correlationId: z.string(),
  deadline: Rfc3339,
  /** True on the last one: polling gave up (`JOBHOOK_POLL_GIVE_UP`). */
  final: z.boolean(),
});

const envelope = {
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.literal('/jobhook'),
  subject: z.string().min(1),
  time: Rfc3339,
  datacontenttype: z.literal('application/json'),
  causationid: z.string().min(1).optional(),
  correlationid: z.string().min(1).optional(),
};

export const JobhookOwnCloudEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('jobhook.verification.failed'), data: VerificationFailedData }),
  z.object({ ...envelope, type: z.literal('jobhook.job.submitted'), data: JobSubmittedData }),
  z.object({ ...envelope, type: z.literal('jobhook.job.overdue'), data: JobOverdueData }),
]);

export type JobhookOwnEvent = z.infer<typeof JobhookOwnCloudEvent>;
export type JobhookOwnEventType = JobhookOwnEvent['type'];
export const JOBHOOK_EVENT_TYPES: readonly JobhookOwnEventType[] = [
  'jobhook.verification.failed',
  'jobhook.job.submitted',
  'jobhook.job.overdue',
];

const own = <T extends JobhookOwnEventType>(
  type: T,
  name: string,
  subject: string,
  data: Extract<JobhookOwnEvent, { type: T }>['data'],
  lineage: { causationId?: string; correlationId?: string },
  now: Date,
): Extract<JobhookOwnEvent, { type: T }> =>
  ({
    specversion: '1.0',
    id: uuidV5(JSON.stringify([type, name])),
    source: '/jobhook',
    type,
    subject,
    time: isoTime(now),
    datacontenttype: 'application/json',
    ...(lineage.causationId === undefined ? {} : { causationid: lineage.causationId }),
    ...(lineage.correlationId === undefined ? {} : { correlationid: lineage.correlationId }),
    data,
  }) as Extract<JobhookOwnEvent, { type: T }>;

/** The provider disagreed with an event (once per event: its id is derived from the event's). */
export const verificationFailed = (data: z.infer<typeof VerificationFailedData>, now = new Date()) =>
  own('jobhook.verification.failed', data.eventId, data.subject, data, {}, now);

/** A follow-up job was submitted (once per submission: its id is derived from the provider's job). */
export const jobSubmitted = (data: z.infer<typeof JobSubmittedData>, now = new Date()) =>
  own(
    'jobhook.job.submitted',
    `${data.provider}/${data.jobId}`,
    data.jobId,
    data,
    {
      causationId: data.causationId,
      correlationId: data.correlationId,
    },
    now,
  );

/** A ledger job passed its deadline (`final: false`), or polling gave up on it (`final: true`). */
export const jobOverdue = (data: z.infer<typeof JobOverdueData>, now = new Date()) =>
  own(
    'jobhook.job.overdue',
    `${data.provider}/${data.jobId}/${String(data.final)}`,
    data.jobId,
    data,
    {
      causationId: data.causationId,
      correlationId: data.correlationId,
    },
    now,
  );
