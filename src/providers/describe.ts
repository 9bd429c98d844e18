import type { Delivery } from '../events/build.js';
import type { Outcome } from '../events/catalog.js';
import { isoTime } from '../events/time.js';
import type { JobhookEvent } from '../events/types.js';
import type { LedgerJob } from '../queue/ledger.js';
import { CloudError, isCloudError, type CloudProvider } from './cloud-error.js';
import type { Clouds } from './clouds.js';
import { normalizeQiniu } from './qiniu/normalize.js';
import { batchEvent } from './tencent-cos-batch/normalize.js';
import type { CiJobKind, CiTarget } from './tencent-ci/client.js';
import { inventoryEvent } from './tencent-ci/inventory.js';
import { normalizeCiDocument } from './tencent-ci/normalize.js';

/**
 * Re-query (CONTRACT.md §6.2): the provider's current record of a job, normalized like a callback — the same state
 * vocabulary, and the events the record makes, with the ids a callback of that outcome has (so a polled terminal
 * record and its callback are one event). A job the provider does not know is `{ found: false }`, not an error.
 */
export type DescribeResult =
  | {
      readonly found: true;
      readonly state: Outcome;
      /** The provider's answer, parsed like `detail` (repeated elements as arrays). */
      readonly record: Record<string, unknown>;
      readonly events: readonly JobhookEvent[];
    }
  | { readonly found: false };

/** What to ask: one of the requests of the table in CONTRACT.md §6.2. */
export type DescribeQuery =
  | {
      readonly kind: 'job';
      readonly jobKind: CiJobKind;
      readonly jobId: string;
      readonly target: Partial<CiTarget>;
    }
  | { readonly kind: 'workflow'; readonly jobId: string; readonly target: Partial<CiTarget> }
  | { readonly kind: 'inventory'; readonly jobId: string; readonly target: Partial<CiTarget> }
  | { readonly kind: 'batch'; readonly jobId: string; readonly region: string | undefined }
  | { readonly kind: 'pfop'; readonly jobId: string };

const FILE_TAGS = new Set(['FileCompress', 'FileUncompress', 'FileHashCode']);

/** The CI job path a Tag's jobs live under. */
export const jobKindOfTag = (tag: string | undefined): CiJobKind =>
  tag !== undefined && FILE_TAGS.has(tag) ? 'file' : tag === 'DocProcess' ? 'doc' : 'media';

/** `/tencent-ci/<region>/<bucket>` → its parts (`-` is unknown). */
function sourceParts(source: string): (string | undefined)[] {
  return source
    .split('/')
    .slice(2)
    .map((part) => (part === '-' || part === '' ? undefined : decodeURIComponent(part)));
}

/** An event's CI bucket and region: `data.input`, then its first output, then its `source`. */
function ciTargetOf(event: JobhookEvent): Partial<CiTarget> {
  const [region, bucket] = sourceParts(event.source);
  const output = event.data.outputs[0];
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== '');
  const target: { bucket?: string; region?: string } = {};
  const b = pick(event.data.input.bucket, output?.bucket, bucket);
  const r = pick(event.data.input.region, output?.region, region);
  if (b !== undefined) target.bucket = b;
  if (r !== undefined) target.region = r;
  return target;
}

/** The request for an event (the verifier's view). */
export function queryOfEvent(event: JobhookEvent): DescribeQuery {
  const jobId = event.subject;
  const kind = event.data.kind;
  switch (kind) {
    case 'job':
      return { kind: 'job', jobKind: jobKindOfTag(event.data.tag), jobId, target: ciTargetOf(event) };
    case 'workflow':
    case 'inventory':
      return { kind, jobId, target: ciTargetOf(event) };
    case 'batch':
      return { kind: 'batch', jobId, region: sourceParts(event.source)[0] ?? event.data.input.region };
    case 'pfop':
      return { kind: 'pfop', jobId };
    default:
      return kind satisfies never;
  }
}

const JOB_KIND_OF_API: Readonly<Record<string, CiJobKind>> = {
  'tencent-ci.file-job': 'file',
  'tencent-ci.media-job': 'media',
  'tencent-ci.doc-job': 'doc',
};

/** The request for a ledger job (the poller's view). */
export function queryOfLedgerJob(job: LedgerJob): DescribeQuery {
  const target: { bucket?: string; region?: string } = {};
  if (job.bucket !== undefined) target.bucket = job.bucket;
  if (job.region !== undefined) target.region = job.region;
  switch (job.kind) {
    case 'job':
      return { kind: 'job', jobKind: JOB_KIND_OF_API[job.api] ?? 'media', jobId: job.jobId, target };
    case 'workflow':
    case 'inventory':
      return { kind: job.kind, jobId: job.jobId, target };
    case 'batch':
      return { kind: 'batch', jobId: job.jobId, region: job.region };
    case 'pfop':
      return { kind: 'pfop', jobId: job.jobId };
    default:
      throw new CloudError({
        provider: job.provider === 'qiniu' ? 'qiniu' : 'tencent-ci',
        status: 0,
        code: 'UnknownKind',
        message: `no re-query for kind ${job.kind}`,
        outcome: 'refused',
      });
  }
}

const noClient = (provider: CloudProvider): CloudError =>
  new CloudError({
    provider,
    status: 0,
    code: 'NoCredentials',
    message: 'no credentials are set for this provider',
    outcome: 'refused',
  });

const oneEvent = (
  events: readonly JobhookEvent[],
  jobId: string,
  record: Record<string, unknown>,
): DescribeResult => {
  const mine = events.filter((event) => event.subject === jobId);
  const first = mine[0];
  return first === undefined
    ? { found: false }
    : { found: true, state: first.data.state, record, events: mine };
};

function unreadableRecord(provider: CloudProvider, reason: string): CloudError {
  return new CloudError({
    provider,
    status: 200,
    code: 'UnreadableRecord',
    message: reason,
    outcome: 'busy',
  });
}

/** Whether an error is the provider saying it does not know the job (404, Qiniu 612 / "not such id"). */
export function isUnknownJob(error: unknown): boolean {
  if (!isCloudError(error)) return false;
  // A 404 about the bucket (a wrong endpoint, a deleted bucket) is not an answer about the job.
  if (error.code === 'NoSuchBucket') return false;
  if (error.status === 404 || error.code === 'NoSuchJob') return true;
  return (
    error.provider === 'qiniu' && (error.status === 612 || /no(t)? such id/i.test(error.providerMessage))
  );
}

export interface Describer {
  /** Describes the job of an event (the verifier's `describe`). */
  readonly describeEvent: (event: JobhookEvent, signal?: AbortSignal) => Promise<DescribeResult>;
  /** Describes a ledger job (the poller's `describe`). */
  readonly describeJob: (job: LedgerJob, signal?: AbortSignal) => Promise<DescribeResult>;
  /** Describes by an explicit request. */
  readonly describe: (query: DescribeQuery, signal?: AbortSignal) => Promise<DescribeResult>;
}

export function createDescriber(clouds: Clouds, options: { now?: () => number } = {}): Describer {
  const delivery = (): Delivery => ({
    channel: 'poll',
    receivedAt: isoTime(new Date((options.now ?? Date.now)())),
  });

  async function ask(query: DescribeQuery, signal: AbortSignal | undefined): Promise<DescribeResult> {
    const ci = clouds.tencentCi;
    switch (query.kind) {
      case 'job': {
        if (ci === undefined) throw noClient('tencent-ci');
        const result = await ci.describeJob(query.jobKind, target(query.target), query.jobId, signal);
        if (result.JobsDetail === undefined) return { found: false };
        return ciEvents(result.record, query.jobId);
      }
      case 'workflow': {
        if (ci === undefined) throw noClient('tencent-ci');
        const result = await ci.describeWorkflowExecution(target(query.target), query.jobId, signal);
        if (result.WorkflowExecution === undefined) return { found: false };
        return ciEvents(result.record, query.jobId);
      }
      case 'inventory': {
        if (ci === undefined) throw noClient('tencent-ci');
        const result = await ci.describeInventoryJob(target(query.target), query.jobId, signal);
        const job = result.JobsDetail?.find((entry) => entry.JobId === query.jobId);
        if (job === undefined) return { found: false };
        const event = inventoryEvent(job, result.record, query.target, delivery());
        if (typeof event === 'string') throw unreadableRecord('tencent-ci', event);
        return { found: true, state: event.data.state, record: result.record, events: [event] };
      }
      case 'batch': {
        const batch = clouds.cosBatch;
        if (batch === undefined) throw noClient('tencent-cos-batch');
        const result = await batch.describeJob(query.region ?? '', query.jobId, signal);
        if (result.Job.JobId !== query.jobId) return { found: false };
        const event = batchEvent(
          result.Job,
          result.record,
          { region: query.region, uin: batch.uin },
          delivery(),
        );
        return { found: true, state: event.data.state, record: result.record, events: [event] };
      }
      case 'pfop': {
        if (clouds.qiniu === undefined) throw noClient('qiniu');
        const result = await clouds.qiniu.prefop(query.jobId, signal);
        const normalized = normalizeQiniu(result.record, delivery());
        if (!normalized.ok) throw unreadableRecord('qiniu', normalized.reason);
        return oneEvent(normalized.events, query.jobId, result.record);
      }
      default:
        return query satisfies never;
    }
  }

  function ciEvents(record: Record<string, unknown>, jobId: string): DescribeResult {
    const normalized = normalizeCiDocument(record, delivery());
    if (!normalized.ok) throw unreadableRecord('tencent-ci', normalized.reason);
    return oneEvent(normalized.events, jobId, record);
  }

  const describe = async (query: DescribeQuery, signal?: AbortSignal): Promise<DescribeResult> => {
    try {
      return await ask(query, signal);
    } catch (error) {
      if (isUnknownJob(error)) return { found: false };
      throw error;
    }
  };

  return {
    describe,
    describeEvent: async (event, signal) => describe(queryOfEvent(event), signal),
    describeJob: async (job, signal) => describe(queryOfLedgerJob(job), signal),
  };
}

/** A CI target; a missing part is left empty, which the endpoint refuses (`MissingTarget`, final). */
function target(partial: Partial<CiTarget>): CiTarget {
  return { bucket: partial.bucket ?? '', region: partial.region ?? '' };
}
