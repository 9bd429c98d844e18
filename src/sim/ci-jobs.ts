import type { XmlObject } from '../body/xml.js';
import { type QueueKind } from './ci-queues.js';
import { child, toOutDoc, type CiJobRequest } from './ci-request.js';
import { docResult, fileResult, mediaResult, type JobPlace, type TagResult } from './ci-results.js';
import { callbackTarget, ciNotification } from './ci-notify.js';
import type { SimContext } from './context.js';
import { invalidArgument } from './errors.js';
import { isTerminal, type JobKind, type Phase, type SimJob } from './jobs.js';
import { ciTime } from './times.js';
import type { OutDoc } from './xml.js';

/** The CI job families: their path, id prefix (formats.md §1.2), result, and queue. */
export const CI_JOB_KINDS = {
  file_jobs: { kind: 'file', prefix: 'f', result: fileResult, queue: 'file' },
  jobs: { kind: 'media', prefix: 'j', result: mediaResult, queue: 'media' },
  doc_jobs: { kind: 'doc', prefix: 'd', result: docResult, queue: 'doc' },
} as const satisfies Record<
  string,
  { kind: JobKind; prefix: string; result: (tag: string, place: JobPlace) => TagResult; queue: QueueKind }
>;

export type CiJobPath = keyof typeof CI_JOB_KINDS;
export const CI_JOB_PATHS: readonly CiJobPath[] = ['file_jobs', 'jobs', 'doc_jobs'];

const STATES: Readonly<Record<Phase, string>> = {
  submitted: 'Submitted',
  running: 'Running',
  succeeded: 'Success',
  failed: 'Failed',
  canceled: 'Cancel',
};

export const ciState = (phase: Phase): string => STATES[phase];

/** A workflow node's job carries the run it belongs to. */
export interface WorkflowLink {
  readonly Name: string;
  readonly RunId: string;
  readonly WorkflowId: string;
  readonly WorkflowName: string;
}

export interface CiJobSpec {
  readonly path: CiJobPath;
  readonly bucket: string;
  readonly region: string;
  readonly request: CiJobRequest;
  readonly raw: XmlObject;
  readonly workflow?: WorkflowLink | undefined;
  /** Workflow nodes report with their run; they send no callback of their own. */
  readonly silent?: boolean;
}

/** Makes a CI job from its request (it starts Submitted; `sim.run` moves it on). */
export function createCiJob(sim: SimContext, spec: CiJobSpec): SimJob {
  const family = CI_JOB_KINDS[spec.path];
  const { request, bucket, region } = spec;
  const id = `${family.prefix}${sim.random.hex(32)}`;
  const object = request.Input?.Object ?? request.Input?.Url?.replace(/^.*\//, '') ?? '';
  // FileCompress takes its files from FileCompressConfig (Prefix, Key, UrlList), not from an Input.
  if (object === '' && request.Tag !== 'FileCompress') throw invalidArgument('Input.Object is required');
  const operation = child(spec.raw, 'Operation');
  const result = family.result(request.Tag, { id, bucket, region, object, operation, random: sim.random });
  const scope = `${bucket}/${region}`;
  const queue = sim.queues.find(scope, request.QueueId) ?? sim.queues.of(scope, family.queue);
  const input: OutDoc = {
    Region: region,
    [family.kind === 'file' ? 'Bucket' : 'BucketId']: bucket,
    Object: request.Input?.Object,
    Url: request.Input?.Url,
  };

  const record = (phase: Phase): OutDoc => {
    const failed = phase === 'failed';
    const ended = isTerminal(phase) ? (job.endedAt ?? new Date()) : undefined;
    return {
      Code: failed ? 'InternalError' : 'Success',
      Message: failed ? 'the job failed (simulator fault knob fail)' : '',
      JobId: id,
      Tag: request.Tag,
      State: ciState(phase),
      Progress: family.kind === 'media' ? (phase === 'succeeded' ? '100' : '0') : undefined,
      CreationTime: ciTime(job.createdAt),
      StartTime: phase === 'submitted' ? '-' : ciTime(job.startedAt ?? ended ?? new Date()),
      EndTime: ciTime(ended),
      QueueId: queue.queueId,
      Input: input,
      Operation: { ...toOutDoc(operation), ...(phase === 'succeeded' ? result.nodes : {}) },
      Workflow: spec.workflow === undefined ? undefined : { ...spec.workflow },
    };
  };

  const notifications = () => {
    if (spec.silent === true) return [];
    const target = callbackTarget(sim, request, queue, 'TaskFinish');
    const sent = target && ciNotification(sim, target, 'TaskFinish', { JobsDetail: record(job.phase) });
    return sent === undefined ? [] : [sent];
  };

  const job = sim.jobs.add({
    id,
    api: 'ci.create-job',
    kind: family.kind,
    scope,
    tag: request.Tag,
    userData: request.Operation?.UserData,
    createdAt: new Date(),
    objects: result.objects,
    record,
    notifications,
  });
  return job;
}

/** `PUT …/<id>?cancel`: a job not yet ended is canceled (no callback); anything else is `InvalidArgument`. */
export function cancelCiJob(job: SimJob | undefined): void {
  if (job === undefined) throw invalidArgument('the job does not exist');
  if (isTerminal(job.phase)) throw invalidArgument(`the job is ${ciState(job.phase)}: it cannot be canceled`);
  job.phase = 'canceled';
  job.endedAt = new Date();
}
