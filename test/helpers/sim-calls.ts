import {
  cosAuthorization,
  cosKeyTime,
  cosQueryString,
} from '../../src/providers/tencent-ci/cos-signature.js';
import { FORM_CONTENT_TYPE, qiniuAuthorizationHeader } from '../../src/providers/qiniu/signature.js';
import { createLogger, type Logger } from '../../src/log.js';
import { readXml } from '../../src/sim/xml.js';
import type { XmlObject } from '../../src/body/xml.js';
import { lineSink } from './jobhook.js';

/** The credentials the simulator under test is given, and jobhook's clients sign with. */
export const TENCENT_KEY = { secretId: 'AKIDsimulatortest', secretKey: 'sim-secret-key-0123456789' };
export const QINIU_KEY = { accessKey: 'sim-access-key', secretKey: 'sim-qiniu-secret-0123456789' };
export const APPID = '1250000000';
export const UIN = '100000000001';

/** jobhook's cloud environment (CONTRACT.md §6.1) for the simulator at `url`: its credentials and endpoints. */
export const simCloudEnv = (url: string): Record<string, string> => ({
  TENCENTCLOUD_SECRET_ID: TENCENT_KEY.secretId,
  TENCENTCLOUD_SECRET_KEY: TENCENT_KEY.secretKey,
  TENCENTCLOUD_APPID: APPID,
  TENCENTCLOUD_UIN: UIN,
  QINIU_ACCESS_KEY: QINIU_KEY.accessKey,
  QINIU_SECRET_KEY: QINIU_KEY.secretKey,
  JOBHOOK_TENCENT_CI_ENDPOINT: `${url}/ci/{bucket}/{region}`,
  JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: `${url}/cos-batch/{uin}/{region}`,
  JOBHOOK_QINIU_API_ENDPOINT: `${url}/qiniu`,
});

export interface Answer {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  /** The XML answer's root content ({} for JSON or empty answers). */
  readonly xml: XmlObject;
  readonly root: string;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  const parsed = text.trimStart().startsWith('<') ? readXml(text) : { root: '', content: {} };
  return { status: response.status, text, headers: response.headers, xml: parsed.content, root: parsed.root };
}

export interface CosCallOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly xml?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sign another path than the one sent (tampering). */
  readonly signedPath?: string;
  readonly keyTime?: string;
  readonly key?: { readonly secretId: string; readonly secretKey: string };
}

/** A CI or COS batch call signed by jobhook's own signer: `base` is the prefix (`<sim>/ci/<bucket>/<region>`). */
export async function cosCall(
  base: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: CosCallOptions = {},
): Promise<Answer> {
  const query = options.query ?? {};
  const search = cosQueryString(query);
  const url = new URL(`${base}${path}${search === '' ? '' : `?${search}`}`);
  const headers: Record<string, string> = { ...options.headers };
  if (options.xml !== undefined) headers['content-type'] = 'application/xml';
  headers.authorization = cosAuthorization(options.key ?? TENCENT_KEY, {
    method,
    pathname: options.signedPath ?? path,
    query,
    headers: { ...headers, host: url.host },
    keyTime: options.keyTime ?? cosKeyTime(Date.now(), 600),
  });
  return answerOf(await fetch(url, { method, headers, body: options.xml ?? null }));
}

/** A Qiniu call signed `Qiniu` (v2) by jobhook's own signer; `base` is `<sim>/qiniu`. */
export async function qiniuCall(
  base: string,
  method: 'GET' | 'POST',
  target: string,
  form?: Readonly<Record<string, string>>,
  key = QINIU_KEY,
): Promise<{ status: number; body: unknown }> {
  const url = new URL(`${base}${target}`);
  const body = form === undefined ? '' : new URLSearchParams(form).toString();
  const headers: Record<string, string> = { 'x-qiniu-date': '20260101T000000Z' };
  if (form !== undefined) headers['content-type'] = FORM_CONTENT_TYPE;
  headers.authorization = qiniuAuthorizationHeader('Qiniu', key, {
    method,
    pathAndQuery: target,
    host: url.host,
    contentType: headers['content-type'],
    headers,
    body: Buffer.from(body),
  });
  const response = await fetch(url, { method, headers, body: form === undefined ? null : body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A logger whose lines are kept, to look at and to check for secrets. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const { sink, lines } = lineSink();
  return { logger: createLogger('debug', sink), lines };
}
