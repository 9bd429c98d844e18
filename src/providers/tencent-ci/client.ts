import type { z } from 'zod';
import type { XmlObject } from '../../body/xml.js';
import { ensureArrays } from '../ensure-arrays.js';
import { idSegment } from '../cloud-endpoint.js';
import { readXmlAnswer, unreadable, type CloudHttpOptions } from '../cloud-http.js';
import {
  CI_API_ARRAY_PATHS,
  CiInventoryAnswer,
  CiCreatedAnswer,
  CiJobsAnswer,
  CiQueueAnswer,
  CiQueuesAnswer,
  CiTriggerAnswer,
  CiWorkflowAnswer,
} from './api-wire.js';
import { CI_ARRAY_PATHS } from './arrays.js';
import { cosSend, type CosRequest } from './cos-request.js';
import type { CosCredentials } from './cos-signature.js';

/** The default CI endpoint (CONTRACT.md §6.1). */
export const DEFAULT_CI_ENDPOINT = 'https://{bucket}.ci.{region}.myqcloud.com';

/** A CI bucket: `name-appid` and its region. */
export interface CiTarget {
  readonly bucket: string;
  readonly region: string;
}

export type CiJobKind = 'file' | 'media' | 'doc';
export type CiQueueKind = 'media' | 'file' | 'doc' | 'pic';

/** Job paths by kind (formats.md §4.2). */
export const CI_JOB_PATHS: Readonly<Record<CiJobKind, string>> = {
  file: '/file_jobs',
  media: '/jobs',
  doc: '/doc_jobs',
};

/** Queue paths by kind: `GET <path>` lists, `PUT <path>/<id>` updates. */
export const CI_QUEUE_PATHS: Readonly<Record<CiQueueKind, string>> = {
  media: '/queue',
  file: '/file_queue',
  doc: '/docqueue',
  pic: '/picqueue',
};

export interface TencentCiClientOptions {
  readonly credentials: CosCredentials;
  /** Endpoint template; default `DEFAULT_CI_ENDPOINT`. */
  readonly endpoint?: string;
  readonly http: Omit<CloudHttpOptions, 'provider'>;
  readonly now?: () => number;
}

/** An answer: the typed fields, and the whole `<Response>` content (repeated elements as arrays) as `record`. */
export type WithRecord<T> = T & { readonly record: XmlObject };

export type CiJobsResult = WithRecord<z.infer<typeof CiJobsAnswer>>;
export type CiWorkflowResult = WithRecord<z.infer<typeof CiWorkflowAnswer>>;
export type CiTriggerResult = WithRecord<z.infer<typeof CiTriggerAnswer>>;
export type CiInventoryResult = WithRecord<z.infer<typeof CiInventoryAnswer>>;
export type CiQueuesResult = WithRecord<z.infer<typeof CiQueuesAnswer>>;
export type CiQueueResult = WithRecord<z.infer<typeof CiQueueAnswer>>;

/** Query parameters as the API names them (`queueId`, `nextToken`, `size`, …); undefined ones are left out. */
export type CiQuery = Readonly<Record<string, string | undefined>>;

/** The Tencent CI API calls jobhook makes, signed (formats.md §4.1, §4.2). Every call takes an optional signal. */
export function createTencentCiClient(options: TencentCiClientOptions) {
  const transport = {
    credentials: options.credentials,
    endpoint: options.endpoint ?? DEFAULT_CI_ENDPOINT,
    http: { ...options.http, provider: 'tencent-ci' as const },
    ...(options.now === undefined ? {} : { now: options.now }),
  };

  async function call<S extends z.ZodType>(
    target: CiTarget,
    request: CosRequest,
    schema: S,
  ): Promise<WithRecord<z.infer<S>>> {
    const answer = await cosSend(transport, { bucket: target.bucket, region: target.region }, request);
    const record = readXmlAnswer('tencent-ci', answer, 'Response');
    ensureArrays(record, CI_ARRAY_PATHS);
    ensureArrays(record, CI_API_ARRAY_PATHS);
    const parsed = schema.safeParse(record);
    if (!parsed.success) throw unreadable('tencent-ci', answer, parsed.error);
    return Object.assign({ record }, parsed.data);
  }

  const xml = (content: Record<string, unknown>) => ({ root: 'Request', content });

  return {
    /** `GET /file_jobs/<id>`, `/jobs/<id>`, `/doc_jobs/<id>`: `JobsDetail` and `NonExistJobIds`. */
    describeJob: async (kind: CiJobKind, target: CiTarget, jobId: string, signal?: AbortSignal) =>
      call(
        target,
        { method: 'GET', path: `${CI_JOB_PATHS[kind]}/${idSegment('tencent-ci', jobId)}`, signal },
        CiJobsAnswer,
      ),
    /** `GET /file_jobs?…`, `/jobs?…`, `/doc_jobs?…` (`queueId`, `tag`, `startCreationTime`, `size`, `nextToken`, …). */
    listJobs: async (kind: CiJobKind, target: CiTarget, query: CiQuery, signal?: AbortSignal) =>
      call(target, { method: 'GET', path: CI_JOB_PATHS[kind], query, signal }, CiJobsAnswer),
    /** `POST /file_jobs`, `/jobs`, `/doc_jobs` with `<Request>`: the new job in `JobsDetail[0]`. */
    createJob: async (
      kind: CiJobKind,
      target: CiTarget,
      request: Record<string, unknown>,
      signal?: AbortSignal,
    ) => {
      const result = await call(
        target,
        { method: 'POST', path: CI_JOB_PATHS[kind], xml: xml(request), signal },
        CiCreatedAnswer,
      );
      return { ...result, job: result.JobsDetail[0] };
    },
    /** `GET /workflowexecution/<runId>`. */
    describeWorkflowExecution: async (target: CiTarget, runId: string, signal?: AbortSignal) =>
      call(
        target,
        { method: 'GET', path: `/workflowexecution/${idSegment('tencent-ci', runId)}`, signal },
        CiWorkflowAnswer,
      ),
    /** `POST /triggerworkflow?workflowId=…&object=…[&name=…]`, empty body: `InstanceId` is the run id. */
    triggerWorkflow: async (
      target: CiTarget,
      request: { readonly workflowId: string; readonly object: string; readonly name?: string | undefined },
      signal?: AbortSignal,
    ) =>
      call(
        target,
        {
          method: 'POST',
          path: '/triggerworkflow',
          query: { workflowId: request.workflowId, object: request.object, name: request.name },
          signal,
        },
        CiTriggerAnswer,
      ),
    /** `POST /inventorytriggerjob` with `<Request>`. */
    createInventoryJob: async (target: CiTarget, request: Record<string, unknown>, signal?: AbortSignal) =>
      call(
        target,
        { method: 'POST', path: '/inventorytriggerjob', xml: xml(request), signal },
        CiInventoryAnswer,
      ),
    /** `GET /inventorytriggerjob/<id>`: `JobsDetail`, or `NonExistJobId`. */
    describeInventoryJob: async (target: CiTarget, jobId: string, signal?: AbortSignal) =>
      call(
        target,
        { method: 'GET', path: `/inventorytriggerjob/${idSegment('tencent-ci', jobId)}`, signal },
        CiInventoryAnswer,
      ),
    /** `GET /inventorytriggerjob?…` (`nextToken`, `size`, `states`, `startCreationTime`, `endCreationTime`, …). */
    listInventoryJobs: async (target: CiTarget, query: CiQuery, signal?: AbortSignal) =>
      call(target, { method: 'GET', path: '/inventorytriggerjob', query, signal }, CiInventoryAnswer),
    /** `PUT /inventorytriggerjob/<id>?cancel`. */
    cancelInventoryJob: async (target: CiTarget, jobId: string, signal?: AbortSignal) =>
      call(
        target,
        {
          method: 'PUT',
          path: `/inventorytriggerjob/${idSegment('tencent-ci', jobId)}`,
          query: { cancel: '' },
          signal,
        },
        CiInventoryAnswer.partial(),
      ),
    /** `GET /queue`, `/file_queue`, `/docqueue`, `/picqueue` (`queueIds`, `state`, `pageNumber`, `pageSize`). */
    describeQueues: async (kind: CiQueueKind, target: CiTarget, query: CiQuery, signal?: AbortSignal) =>
      call(target, { method: 'GET', path: CI_QUEUE_PATHS[kind], query, signal }, CiQueuesAnswer),
    /** `PUT /queue/<id>` (and the other kinds) with `<Request>{Name, QueueID, State, NotifyConfig}`. */
    updateQueue: async (
      kind: CiQueueKind,
      target: CiTarget,
      queueId: string,
      request: Record<string, unknown>,
      signal?: AbortSignal,
    ) =>
      call(
        target,
        {
          method: 'PUT',
          path: `${CI_QUEUE_PATHS[kind]}/${idSegment('tencent-ci', queueId)}`,
          xml: xml(request),
          signal,
        },
        CiQueueAnswer,
      ),
  };
}

export type TencentCiClient = ReturnType<typeof createTencentCiClient>;
