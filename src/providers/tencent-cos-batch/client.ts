import type { z } from 'zod';
import type { XmlObject } from '../../body/xml.js';
import { idSegment } from '../cloud-endpoint.js';
import { readXmlAnswer, unreadable, type CloudHttpOptions } from '../cloud-http.js';
import { ensureArrays } from '../ensure-arrays.js';
import { cosSend, type CosRequest } from '../tencent-ci/cos-request.js';
import type { CosCredentials } from '../tencent-ci/cos-signature.js';
import { typedCreateJobError } from './errors.js';
import { BATCH_ARRAY_PATHS, CreateJobAnswer, DescribeJobAnswer, ListJobsAnswer } from './wire.js';

/** The default COS batch endpoint (CONTRACT.md §6.1). */
export const DEFAULT_COS_BATCH_ENDPOINT = 'https://{uin}.cos-control.{region}.myqcloud.com';

export interface CosBatchClientOptions {
  readonly credentials: CosCredentials;
  /** Sent as `x-cos-appid` on every call. */
  readonly appId: string;
  /** The account (UIN) of the control host. */
  readonly uin: string;
  /** Endpoint template; default `DEFAULT_COS_BATCH_ENDPOINT`. */
  readonly endpoint?: string;
  readonly http: Omit<CloudHttpOptions, 'provider'>;
  readonly now?: () => number;
}

type WithRecord<T> = T & { readonly record: XmlObject };

/** COS batch operations (formats.md §4.3), signed like COS, with `x-cos-appid`. */
export function createCosBatchClient(options: CosBatchClientOptions) {
  const transport = {
    credentials: options.credentials,
    endpoint: options.endpoint ?? DEFAULT_COS_BATCH_ENDPOINT,
    http: { ...options.http, provider: 'tencent-cos-batch' as const },
    headers: { 'x-cos-appid': options.appId },
    ...(options.now === undefined ? {} : { now: options.now }),
  };

  async function call<S extends z.ZodType>(
    region: string,
    request: CosRequest,
    root: string,
    schema: S,
  ): Promise<WithRecord<z.infer<S>>> {
    const answer = await cosSend(transport, { uin: options.uin, region }, request);
    const record = readXmlAnswer('tencent-cos-batch', answer, root);
    ensureArrays(record, BATCH_ARRAY_PATHS);
    const parsed = schema.safeParse(record);
    if (!parsed.success) throw unreadable('tencent-cos-batch', answer, parsed.error);
    return Object.assign({ record }, parsed.data);
  }

  return {
    /** The account whose control host this client calls. */
    uin: options.uin,
    /**
     * `POST /jobs` with `<CreateJobRequest>` (the caller's request with `clientRequestToken` as its
     * `ClientRequestToken`) → `JobId`. Refusals the documentation names are `CreateJobError`s with a `reason`.
     */
    createJob: async (
      region: string,
      request: Record<string, unknown>,
      clientRequestToken: string,
      signal?: AbortSignal,
    ) => {
      try {
        return await call(
          region,
          {
            method: 'POST',
            path: '/jobs',
            xml: {
              root: 'CreateJobRequest',
              content: { ...request, ClientRequestToken: clientRequestToken },
            },
            signal,
          },
          'CreateJobResult',
          CreateJobAnswer,
        );
      } catch (error) {
        throw typedCreateJobError(error);
      }
    },
    /** `GET /jobs/<id>` → `DescribeJobResult{Job}`. */
    describeJob: async (region: string, jobId: string, signal?: AbortSignal) =>
      call(
        region,
        { method: 'GET', path: `/jobs/${idSegment('tencent-cos-batch', jobId)}`, signal },
        'DescribeJobResult',
        DescribeJobAnswer,
      ),
    /** `GET /jobs?jobStatuses=&maxResults=&nextToken=` → `ListJobsResult{Jobs{member[]}, NextToken}`. */
    listJobs: async (
      region: string,
      query: {
        readonly jobStatuses?: string | undefined;
        readonly maxResults?: number | undefined;
        readonly nextToken?: string | undefined;
      },
      signal?: AbortSignal,
    ) =>
      call(
        region,
        {
          method: 'GET',
          path: '/jobs',
          query: {
            jobStatuses: query.jobStatuses,
            maxResults: query.maxResults === undefined ? undefined : String(query.maxResults),
            nextToken: query.nextToken,
          },
          signal,
        },
        'ListJobsResult',
        ListJobsAnswer,
      ),
  };
}

export type CosBatchClient = ReturnType<typeof createCosBatchClient>;
