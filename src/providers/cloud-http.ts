import { isJsonObject, parseJsonObject, type JsonObject } from '../body/json.js';
import { parseXml, type XmlObject } from '../body/xml.js';
import { parseRetryAfter } from '../handlers/forward/retry-after.js';
import type { Logger } from '../log.js';
import { CloudError, outcomeOf, type CloudProvider } from './cloud-error.js';

/**
 * The small HTTP core under the cloud clients: one `fetch` per call with a timeout (combined with the caller's
 * signal), failures turned into `CloudError`s that say whether the provider may have taken the request, provider
 * error documents (`<Error><Code/><Message/><RequestId/></Error>`, `{code, message, request_id}`, Qiniu's
 * `{error}`) read into them, and answers read with the project's readers (request bodies: `cloud-xml.ts`).
 */

export interface CloudHttpOptions {
  readonly provider: CloudProvider;
  /** One attempt, from sending to the last byte of the answer. */
  readonly timeoutMs: number;
  /** Logs one debug line per call and one warning per failure: method, path, status, code, request id, ms. */
  readonly logger?: Logger | undefined;
  /** `fetch` (undici in Node 20); a test may pass another dispatcher's. */
  readonly fetch?: typeof fetch | undefined;
}

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Connection errors that happen before a byte of the request is written: the provider cannot have taken it. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code: unknown = Reflect.get(current, 'code');
    if (typeof code === 'string') return code;
    current = Reflect.get(current, 'cause');
  }
  return undefined;
}

function transportError(provider: CloudProvider, error: unknown, timedOut: boolean): CloudError {
  if (timedOut)
    return new CloudError({
      provider,
      status: 0,
      code: 'Timeout',
      message: 'no answer in time',
      outcome: 'unknown',
      cause: error,
    });
  if (error instanceof Error && error.name === 'AbortError')
    return new CloudError({
      provider,
      status: 0,
      code: 'Aborted',
      message: 'the call was aborted',
      outcome: 'unknown',
      cause: error,
    });
  const code = causeCode(error) ?? 'NetworkError';
  return new CloudError({
    provider,
    status: 0,
    code,
    message: NOT_SENT.has(code) ? 'the request could not be sent' : 'the connection was lost',
    outcome: NOT_SENT.has(code) ? 'unsent' : 'unknown',
    cause: error,
  });
}

/** Sends one request; resolves any answer (also 4xx/5xx), rejects with a `CloudError` when there was none. */
export async function sendCloud(options: CloudHttpOptions, call: HttpCall): Promise<HttpAnswer> {
  const started = Date.now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]);
  const doFetch = options.fetch ?? fetch;
  const where = { provider: options.provider, method: call.method, path: call.url.pathname };
  try {
    const response = await doFetch(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal,
      redirect: 'manual',
    });
    const text = await response.text();
    options.logger?.debug(
      { ...where, status: response.status, ms: Date.now() - started },
      'cloud call answered',
    );
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    const failure = transportError(options.provider, error, timeout.aborted);
    options.logger?.warn(
      { ...where, code: failure.code, outcome: failure.outcome, ms: Date.now() - started },
      'cloud call got no answer',
    );
    throw failure;
  }
}

const REQUEST_ID_HEADERS = ['x-ci-request-id', 'x-cos-request-id', 'x-reqid'];

const requestIdOf = (headers: Headers): string | undefined => {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value !== null && value !== '') return value;
  }
  return undefined;
};

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** The provider's error document of a non-2xx answer (XML or JSON, or none) as a `CloudError`. */
export function answerError(provider: CloudProvider, answer: HttpAnswer): CloudError {
  let fields: Record<string, unknown> = {};
  const body = answer.text.trimStart();
  try {
    if (body.startsWith('<')) {
      const { value } = parseXml(body);
      if (typeof value === 'object' && !Array.isArray(value)) fields = value;
    } else if (body.startsWith('{')) fields = parseJsonObject(body);
  } catch {
    // An unreadable error body: the status speaks alone.
  }
  const code = str(fields.Code) ?? str(fields.code) ?? `HTTP${answer.status}`;
  const message =
    str(fields.Message) ?? str(fields.message) ?? str(fields.error) ?? `HTTP status ${answer.status}`;
  const outcome = outcomeOf(answer.status, code);
  return new CloudError({
    provider,
    status: answer.status,
    code,
    message,
    requestId: str(fields.RequestId) ?? str(fields.request_id) ?? requestIdOf(answer.headers),
    outcome,
    retryAfterMs:
      outcome === 'busy' ? parseRetryAfter(answer.headers.get('retry-after'), Date.now()) : undefined,
  });
}

/** The content of the XML answer's root (`<Response>`, `<CreateJobResult>` …), read by the strict reader. */
export function readXmlAnswer(provider: CloudProvider, answer: HttpAnswer, root: string): XmlObject {
  try {
    const doc = parseXml(answer.text);
    if (doc.root !== root) throw new Error(`root <${doc.root}>, expected <${root}>`);
    return typeof doc.value === 'object' && !Array.isArray(doc.value) ? doc.value : {};
  } catch (error) {
    throw unreadable(provider, answer, error);
  }
}

/** The JSON object of an answer. */
export function readJsonAnswer(provider: CloudProvider, answer: HttpAnswer): JsonObject {
  try {
    const doc = parseJsonObject(answer.text);
    if (!isJsonObject(doc)) throw new Error('not a JSON object');
    return doc;
  } catch (error) {
    throw unreadable(provider, answer, error);
  }
}

/**
 * A 2xx answer that is not what the API defines. The provider took the request (the outcome is `unknown`: it may
 * have made a job jobhook cannot read the id of).
 */
export function unreadable(provider: CloudProvider, answer: HttpAnswer, error: unknown): CloudError {
  return new CloudError({
    provider,
    status: answer.status,
    code: 'UnreadableResponse',
    message: `the answer is not what the API defines: ${error instanceof Error ? error.message : String(error)}`,
    requestId: requestIdOf(answer.headers),
    outcome: 'unknown',
    cause: error,
  });
}

/** Whether an answer is a success. */
export const isOk = (answer: HttpAnswer): boolean => answer.status >= 200 && answer.status < 300;

/** A 2xx answer as it is; any other is logged (status, code, request id) and thrown as its `CloudError`. */
export function expectOk(options: CloudHttpOptions, call: HttpCall, answer: HttpAnswer): HttpAnswer {
  if (isOk(answer)) return answer;
  const error = answerError(options.provider, answer);
  options.logger?.warn(
    {
      provider: options.provider,
      method: call.method,
      path: call.url.pathname,
      status: answer.status,
      code: error.code,
      requestId: error.requestId,
    },
    'cloud call refused',
  );
  throw error;
}
