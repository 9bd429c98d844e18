import { z } from 'zod';
import type { JsonObject } from '../../body/json.js';
import { CloudError } from '../cloud-error.js';
import { apiUrl, fillEndpoint } from '../cloud-endpoint.js';
import {
  expectOk,
  readJsonAnswer,
  sendCloud,
  unreadable,
  type CloudHttpOptions,
  type HttpAnswer,
} from '../cloud-http.js';
import { FORM_CONTENT_TYPE, qiniuAuthorizationHeader, type QiniuKey } from './signature.js';
import { PfopNotification } from './wire.js';

/** The default Qiniu API host (CONTRACT.md §6.1). */
export const DEFAULT_QINIU_API_ENDPOINT = 'https://api.qiniu.com';

export interface QiniuClientOptions {
  readonly key: QiniuKey;
  /** Endpoint (base URL); default `DEFAULT_QINIU_API_ENDPOINT`. */
  readonly endpoint?: string;
  readonly http: Omit<CloudHttpOptions, 'provider'>;
  readonly now?: () => number;
}

/** The pfop form (formats.md §3.1); numbers are sent as their decimal text. */
export interface PfopRequest {
  readonly bucket: string;
  readonly key: string;
  readonly fops?: string | undefined;
  readonly notifyURL?: string | undefined;
  readonly force?: string | number | boolean | undefined;
  readonly pipeline?: string | undefined;
  readonly type?: string | number | undefined;
  readonly workflowTemplateID?: string | undefined;
}

const PfopAnswer = z.looseObject({ persistentId: z.string().min(1) });

/** `X-Qiniu-Date`: UTC `YYYYMMDDTHHmmssZ`. */
export const qiniuDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function formValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** Qiniu's API (pfop, prefop), signed `Qiniu` v2 with `X-Qiniu-Date` (formats.md §3.4, §4.4). */
export function createQiniuClient(options: QiniuClientOptions) {
  const http = { ...options.http, provider: 'qiniu' as const };
  const endpoint = options.endpoint ?? DEFAULT_QINIU_API_ENDPOINT;

  async function call(
    method: 'GET' | 'POST',
    path: string,
    query: string,
    form: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ answer: HttpAnswer; doc: JsonObject }> {
    const url = apiUrl(fillEndpoint('qiniu', endpoint, {}), path, query);
    const headers: Record<string, string> = {
      'x-qiniu-date': qiniuDate((options.now ?? Date.now)()),
    };
    if (form !== undefined) headers['content-type'] = FORM_CONTENT_TYPE;
    headers.authorization = qiniuAuthorizationHeader('Qiniu', options.key, {
      method,
      pathAndQuery: query === '' ? path : `${path}?${query}`,
      host: url.host,
      contentType: headers['content-type'],
      headers,
      body: Buffer.from(form ?? '', 'utf8'),
    });
    const request = { method, url, headers, body: form, signal };
    const answer = expectOk(http, request, await sendCloud(http, request));
    const doc = readJsonAnswer('qiniu', answer);
    // Older hosts answer an unknown id with 2xx and `{"error": …}`.
    if (typeof doc.error === 'string')
      throw new CloudError({
        provider: 'qiniu',
        status: answer.status,
        code: `HTTP${answer.status}`,
        message: doc.error,
        requestId: answer.headers.get('x-reqid') ?? undefined,
        outcome: 'refused',
      });
    return { answer, doc };
  }

  return {
    /** `GET /status/get/prefop?id=<id>`: the job's status document (the notification's shape). */
    prefop: async (id: string, signal?: AbortSignal) => {
      const { answer, doc } = await call(
        'GET',
        '/status/get/prefop',
        new URLSearchParams({ id }).toString(),
        undefined,
        signal,
      );
      const parsed = PfopNotification.safeParse(doc);
      if (!parsed.success) throw unreadable('qiniu', answer, parsed.error);
      return { ...parsed.data, record: doc };
    },
    /** `POST /pfop/` with the form → `persistentId`. */
    pfop: async (request: PfopRequest, signal?: AbortSignal) => {
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(request) as [string, PfopRequest[keyof PfopRequest]][])
        if (value !== undefined) form.set(name, formValue(value));
      const { answer, doc } = await call('POST', '/pfop/', '', form.toString(), signal);
      const parsed = PfopAnswer.safeParse(doc);
      if (!parsed.success) throw unreadable('qiniu', answer, parsed.error);
      return { persistentId: parsed.data.persistentId, record: doc };
    },
  };
}

export type QiniuClient = ReturnType<typeof createQiniuClient>;
