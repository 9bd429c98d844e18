import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startReceiver, type Received } from '../handlers/forward/test-receiver.js';
import { createClouds, type Clouds } from './clouds.js';
import { readCloudsConfig } from './clouds-config.js';
import { verifyQiniuAuthorization, type QiniuKey } from './qiniu/signature.js';

/**
 * A stand-in cloud for the clients' tests: a real HTTP server, addressed like the simulator
 * (`/ci/{bucket}/{region}`, `/cos-batch/{uin}/{region}`, `/qiniu`), that checks the signature of every request on
 * its own — COS with an implementation of the published algorithm written here, not the client's signer; Qiniu
 * with the receiver's verifier — and answers what the test says.
 */

export interface CloudRequest extends Received {
  /** The API path, without the simulator prefix (what is signed). */
  readonly apiPath: string;
  readonly query: URLSearchParams;
  readonly text: string;
  /** Whether the signature checked out. */
  readonly signed: boolean;
}

export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Answer this late (a client with a shorter timeout gives up first). */
  readonly delayMs?: number;
  /** Close the connection after reading the request, answering nothing. */
  readonly drop?: boolean;
}

export interface FakeCloud {
  readonly url: string;
  readonly requests: CloudRequest[];
  reply: (request: CloudRequest) => Reply;
  close(): Promise<void>;
}

export interface CloudSecrets {
  readonly cos?: { readonly secretId: string; readonly secretKey: string };
  readonly qiniu?: QiniuKey;
}

/** RFC 3986 encoding (everything but `A-Za-z0-9-_.~`), as formats.md §4.1 states it. */
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonical(pairs: [string, string][]): [string, string] {
  const encoded = pairs
    .map(([k, v]): [string, string] => [rfc3986(k).toLowerCase(), rfc3986(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [encoded.map(([k, v]) => `${k}=${v}`).join('&'), encoded.map(([k]) => k).join(';')];
}

const hmacHex = (key: string, data: string): string => createHmac('sha1', key).update(data).digest('hex');

/**
 * The COS signature check of a received request (formats.md §4.1): the listed headers must include `host`, the
 * parameter list must be the request's query, the key time must hold `nowSeconds`.
 */
export function cosSignatureValid(
  request: { method: string; headers: Received['headers']; query: URLSearchParams; apiPath: string },
  secrets: { secretId: string; secretKey: string },
  nowSeconds: number,
): boolean {
  const fields = new URLSearchParams(request.headers.authorization ?? '');
  const keyTime = fields.get('q-key-time') ?? '';
  const [start = NaN, end = NaN] = keyTime.split(';').map(Number);
  if (fields.get('q-sign-algorithm') !== 'sha1' || fields.get('q-ak') !== secrets.secretId) return false;
  if (fields.get('q-sign-time') !== keyTime || !(start <= nowSeconds && nowSeconds <= end)) return false;
  const names = (fields.get('q-header-list') ?? '').split(';').filter((n) => n !== '');
  if (!names.includes('host')) return false;
  const [headers, headerList] = canonical(
    names.map((name): [string, string] => [name, String(request.headers[name] ?? '')]),
  );
  const [params, paramList] = canonical([...request.query.entries()]);
  if (headerList !== names.join(';') || paramList !== (fields.get('q-url-param-list') ?? '')) return false;
  const httpString = `${request.method.toLowerCase()}\n${request.apiPath}\n${params}\n${headers}\n`;
  const stringToSign = `sha1\n${keyTime}\n${createHash('sha1').update(httpString).digest('hex')}\n`;
  const expected = Buffer.from(hmacHex(hmacHex(secrets.secretKey, keyTime), stringToSign));
  const got = Buffer.from(fields.get('q-signature') ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const PREFIX = /^\/(?:ci\/[^/]+\/[^/]+|cos-batch\/[^/]+\/[^/]+|qiniu)(?=\/)/;

function checkSignature(request: Omit<CloudRequest, 'signed'>, secrets: CloudSecrets): boolean {
  if (request.url.startsWith('/qiniu/')) {
    if (secrets.qiniu === undefined) return false;
    const target = request.url.slice('/qiniu'.length);
    const verdict = verifyQiniuAuthorization(
      request.headers.authorization ?? '',
      {
        method: request.method,
        pathAndQuery: target,
        host: request.headers.host ?? '',
        contentType: request.headers['content-type'],
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
        ),
        body: request.body,
      },
      [secrets.qiniu],
    );
    return verdict.ok;
  }
  return secrets.cos !== undefined && cosSignatureValid(request, secrets.cos, Date.now() / 1000);
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>signature mismatch</Message><RequestId>NjQ-denied</RequestId></Error>';

export async function startFakeCloud(secrets: CloudSecrets): Promise<FakeCloud> {
  const requests: CloudRequest[] = [];
  const cloud: { reply: (request: CloudRequest) => Reply } = { reply: () => ({ status: 200 }) };
  const answer = (request: Received, response: ServerResponse): void => {
    const url = new URL(request.url, 'http://cloud');
    const base = {
      ...request,
      apiPath: decodeURIComponent(url.pathname.replace(PREFIX, '')),
      query: url.searchParams,
      text: request.body.toString('utf8'),
    };
    const recorded: CloudRequest = { ...base, signed: checkSignature(base, secrets) };
    requests.push(recorded);
    const reply: Reply = recorded.signed
      ? cloud.reply(recorded)
      : { status: 403, headers: { 'content-type': 'application/xml' }, body: ACCESS_DENIED };
    if (reply.drop === true) {
      response.socket?.destroy();
      return;
    }
    const send = () => {
      response.writeHead(reply.status ?? 200, reply.headers);
      response.end(reply.body ?? '');
    };
    if (reply.delayMs === undefined) send();
    else setTimeout(send, reply.delayMs).unref();
  };
  const receiver = await startReceiver(answer);
  return {
    url: receiver.url,
    requests,
    get reply() {
      return cloud.reply;
    },
    set reply(value) {
      cloud.reply = value;
    },
    close: () => receiver.close(),
  };
}

/** An XML answer. */
export const xmlReply = (body: string, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/xml', 'x-ci-request-id': 'NjQ-req-1', ...headers },
  body,
});

/** A JSON answer. */
export const jsonReply = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', 'x-reqid': 'qiniu-req-1', ...headers },
  body: JSON.stringify(body),
});

/** Test credentials (none of them real). */
export const TEST_SECRETS = {
  cos: { secretId: 'AKIDtestSecretIdExample01', secretKey: 'cos-secret-key-do-not-log-9f2c' },
  qiniu: { accessKey: 'qiniu-test-ak', secretKey: 'qiniu-secret-key-do-not-log-41d7' },
} as const;

export const TEST_SESSION_TOKEN = 'session-token-do-not-log-77ab';

/** The environment of a jobhook addressing `cloud` the way the simulator is addressed (CONTRACT.md §6.1). */
export function cloudEnv(cloud: FakeCloud, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TENCENTCLOUD_SECRET_ID: TEST_SECRETS.cos.secretId,
    TENCENTCLOUD_SECRET_KEY: TEST_SECRETS.cos.secretKey,
    TENCENTCLOUD_APPID: '1250000000',
    TENCENTCLOUD_UIN: '100000000001',
    QINIU_ACCESS_KEY: TEST_SECRETS.qiniu.accessKey,
    QINIU_SECRET_KEY: TEST_SECRETS.qiniu.secretKey,
    JOBHOOK_TENCENT_CI_ENDPOINT: `${cloud.url}/ci/{bucket}/{region}`,
    JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: `${cloud.url}/cos-batch/{uin}/{region}`,
    JOBHOOK_QINIU_API_ENDPOINT: `${cloud.url}/qiniu`,
    JOBHOOK_CLOUD_TIMEOUT_MS: '1000',
    ...extra,
  };
}

/**
 * A fake cloud for one test file (started before its tests, closed after, its request log emptied before each)
 * and the clients addressing it.
 */
export function useFakeCloud(): {
  readonly cloud: FakeCloud;
  readonly clouds: Clouds;
  /** The last request the cloud received. */
  last(): CloudRequest;
} {
  let cloud: FakeCloud | undefined;
  let clouds: Clouds | undefined;
  beforeAll(async () => {
    cloud = await startFakeCloud(TEST_SECRETS);
    clouds = createClouds(readCloudsConfig(cloudEnv(cloud)));
  });
  afterAll(() => cloud?.close());
  beforeEach(() => {
    if (cloud !== undefined) cloud.requests.length = 0;
  });
  const started = (): FakeCloud => {
    if (cloud === undefined) throw new Error('the fake cloud is not started');
    return cloud;
  };
  return {
    get cloud() {
      return started();
    },
    get clouds() {
      if (clouds === undefined) throw new Error('the fake cloud is not started');
      return clouds;
    },
    last() {
      const request = started().requests.at(-1);
      if (request === undefined) throw new Error('no request');
      return request;
    },
  };
}
