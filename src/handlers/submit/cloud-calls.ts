import { z } from 'zod';
import { CloudError, isCloudError, type CloudProvider } from '../../providers/cloud-error.js';
import type { Clouds } from '../../providers/clouds.js';
import { firstIssue } from '../../providers/fields.js';
import { isDuplicateRequest } from '../../providers/tencent-cos-batch/errors.js';
import type { CiJobKind, CiTarget } from '../../providers/tencent-ci/client.js';
import type { SubmitApi } from './apis.js';
import type { CallFailure, SubmitCalls, SubmitTarget } from './submitter.js';

/** Pages a look-up reads at most before it says "not found". */
export const FIND_MAX_PAGES = 20;
/** How far before the first call a look-up searches (clock skew between jobhook and the provider). */
export const FIND_SKEW_MS = 5 * 60_000;

const CI_JOB_KINDS: Partial<Record<SubmitApi, CiJobKind>> = {
  'tencent-ci.file-job': 'file',
  'tencent-ci.media-job': 'media',
  'tencent-ci.doc-job': 'doc',
};

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const WorkflowRequest = z.strictObject({
  workflowId: z.string().min(1),
  object: z.string().min(1),
  name: z.string().min(1).optional(),
});
const PfopForm = z.strictObject({
  bucket: z.string().min(1).optional(),
  key: z.string().min(1),
  fops: z.string().optional(),
  notifyURL: z.string().optional(),
  force: Scalar.optional(),
  pipeline: z.string().optional(),
  type: z.union([z.string(), z.number()]).optional(),
  workflowTemplateID: z.string().optional(),
});

function refused(provider: CloudProvider, code: string, message: string): CloudError {
  return new CloudError({ provider, status: 0, code, message, outcome: 'refused' });
}

function parse<S extends z.ZodType>(provider: CloudProvider, schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw refused(provider, 'InvalidRequest', `request: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function need<T>(client: T | undefined, provider: CloudProvider): T {
  if (client === undefined)
    throw refused(provider, 'NoCredentials', 'no credentials are set for this provider');
  return client;
}

const ciTarget = (target: SubmitTarget): CiTarget => ({
  bucket: target.bucket ?? '',
  region: target.region ?? '',
});

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** CI's list time: `YYYY-MM-DDTHH:mm:ss+0800`. */
export function ciListTime(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+0800`;
}

/** Whether a COS batch `Description` carries the marker (alone, or after the user's own text). */
const describedBy = (description: string | undefined, marker: string): boolean =>
  description === marker || (description?.endsWith(`(${marker})`) ?? false);

/**
 * `SubmitCalls` over the signed clients: `create` makes the job of an api (CONTRACT.md §6.3), `find` looks a lost
 * submission up by its marker (CI jobs: the queue's jobs since the first call, by `Operation.UserData`; COS batch:
 * ListJobs, by `Description`), `classify` reads a thrown `CloudError`.
 */
export function createCloudCalls(clouds: Clouds): SubmitCalls {
  return {
    async create(api, target, request, options) {
      const { signal } = options;
      const jobKind = CI_JOB_KINDS[api];
      if (jobKind !== undefined) {
        const ci = need(clouds.tencentCi, 'tencent-ci');
        return (await ci.createJob(jobKind, ciTarget(target), request, signal)).job.JobId;
      }
      switch (api) {
        case 'tencent-ci.workflow': {
          const ci = need(clouds.tencentCi, 'tencent-ci');
          const trigger = parse('tencent-ci', WorkflowRequest, request);
          return (await ci.triggerWorkflow(ciTarget(target), trigger, signal)).InstanceId;
        }
        case 'tencent-ci.inventory-job': {
          const ci = need(clouds.tencentCi, 'tencent-ci');
          const result = await ci.createInventoryJob(ciTarget(target), request, signal);
          const jobId = result.JobsDetail?.[0]?.JobId;
          if (jobId === undefined)
            throw new CloudError({
              provider: 'tencent-ci',
              status: 200,
              code: 'UnreadableResponse',
              message: 'the answer names no JobId',
              outcome: 'unknown',
            });
          return jobId;
        }
        case 'tencent-cos-batch.job': {
          const batch = need(clouds.cosBatch, 'tencent-cos-batch');
          if (target.region === undefined)
            throw refused('tencent-cos-batch', 'MissingTarget', 'a COS batch job needs a region');
          const result = await batch.createJob(target.region, request, options.clientRequestToken, signal);
          return result.JobId;
        }
        case 'qiniu.pfop': {
          const qiniu = need(clouds.qiniu, 'qiniu');
          const form = parse('qiniu', PfopForm, request);
          const bucket = form.bucket ?? target.bucket;
          if (bucket === undefined) throw refused('qiniu', 'MissingTarget', 'pfop needs a bucket');
          return (await qiniu.pfop({ ...form, bucket }, signal)).persistentId;
        }
        default:
          throw refused('tencent-ci', 'UnknownApi', `no such api: ${api}`);
      }
    },

    async find(api, target, request, marker, sinceMs, signal) {
      const jobKind = CI_JOB_KINDS[api];
      if (jobKind !== undefined) {
        const ci = need(clouds.tencentCi, 'tencent-ci');
        // CI lists media and file jobs on `GET /jobs?tag=…` (the Node SDK's DescribeFileProcessJobs does so), doc jobs
        // on `GET /doc_jobs?…` (formats.md §4.2).
        const listKind = jobKind === 'doc' ? 'doc' : 'media';
        let nextToken: string | undefined;
        for (let page = 0; page < FIND_MAX_PAGES; page++) {
          const result = await ci.listJobs(
            listKind,
            ciTarget(target),
            {
              queueId: text(request.QueueId),
              tag: text(request.Tag),
              startCreationTime: ciListTime(sinceMs - FIND_SKEW_MS),
              size: '100',
              nextToken,
            },
            signal,
          );
          const job = result.JobsDetail?.find((entry) => entry.Operation?.UserData === marker);
          if (job !== undefined) return job.JobId;
          nextToken = result.NextToken;
          if (nextToken === undefined || nextToken === '' || (result.JobsDetail ?? []).length === 0) break;
        }
        return undefined;
      }
      if (api === 'tencent-cos-batch.job') {
        const batch = need(clouds.cosBatch, 'tencent-cos-batch');
        if (target.region === undefined) return undefined;
        let nextToken: string | undefined;
        for (let page = 0; page < FIND_MAX_PAGES; page++) {
          const result = await batch.listJobs(target.region, { maxResults: 100, nextToken }, signal);
          const jobs = result.Jobs?.member ?? [];
          const job = jobs.find((entry) => describedBy(entry.Description, marker));
          if (job !== undefined) return job.JobId;
          nextToken = result.NextToken;
          if (nextToken === undefined || nextToken === '' || jobs.length === 0) break;
        }
        return undefined;
      }
      return undefined;
    },

    classify(error: unknown): CallFailure {
      if (isDuplicateRequest(error)) return { kind: 'duplicate' };
      if (!isCloudError(error)) return { kind: 'unknown' };
      switch (error.outcome) {
        case 'refused':
          return { kind: 'refused', code: error.code, message: error.providerMessage };
        case 'busy':
          return { kind: 'busy', retryAfterMs: error.retryAfterMs };
        case 'unsent':
          return { kind: 'unsent' };
        case 'unknown':
          return { kind: 'unknown' };
        default:
          return error.outcome satisfies never;
      }
    },
  };
}
