import { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context, Handler } from 'hono';
import { isJobhookError } from '../errors.js';
import { providerOf, type SimApi } from './apis.js';
import type { SimContext } from './context.js';
import { SimApiError } from './errors.js';
import { takeCount } from './faults.js';
import { renderXml } from './xml.js';

/** One API call as a route sees it: the provider's own path (no simulator prefix), query and raw body. */
export interface ApiCall {
  readonly c: Context;
  readonly url: URL;
  /** Decoded, e.g. `/file_jobs/f0a1…`: what the signature covers. */
  readonly apiPath: string;
  /** The raw path and query after the prefix: what a Qiniu signature covers. */
  readonly apiTarget: string;
  readonly body: Buffer;
  readonly requestId: string;
  /** The prefix's own segments: `[bucket, region]` (CI), `[uin, region]` (COS batch), `[]` (Qiniu). */
  readonly scope: readonly string[];
}

export type Authenticate = (call: ApiCall) => SimApiError | undefined;

/** The path after the first `prefixSegments` segments (`/ci/<bucket>/<region>` is 3). */
function afterPrefix(pathname: string, prefixSegments: number): string {
  const parts = pathname.split('/');
  return `/${parts.slice(prefixSegments + 1).join('/')}`;
}

const decodePath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** The provider's error document for a refusal. */
export function errorResponse(api: SimApi, error: SimApiError, requestId: string): Response {
  if (providerOf(api) === 'qiniu')
    return new Response(JSON.stringify({ error: error.message }), {
      status: error.status,
      headers: { 'content-type': 'application/json', 'x-reqid': requestId },
    });
  const body = renderXml('Error', {
    Code: error.code,
    Message: error.message,
    RequestId: requestId,
    TraceId: requestId,
  });
  return xmlResponse(api, body, requestId, error.status);
}

export function xmlResponse(api: SimApi, body: string, requestId: string, status = 200): Response {
  const headers: Record<string, string> = { 'content-type': 'application/xml' };
  if (providerOf(api) === 'ci') {
    headers['x-ci-request-id'] = requestId;
    headers.server = 'tencent-ci';
  } else headers['x-cos-request-id'] = requestId;
  return new Response(body, { status, headers });
}

const serverError = (api: SimApi): SimApiError =>
  providerOf(api) === 'qiniu'
    ? new SimApiError(599, 'ServerError', 'service unavailable (simulator fault knob)')
    : new SimApiError(
        500,
        'InternalError',
        'We encountered an internal error. Please try again. (simulator fault knob)',
      );

/**
 * A simulated API call through the knobs: counted, slowed, refused with a 5xx (`errors`), authenticated, run, and
 * its answer lost after the work was done (`lose`: the connection is closed unanswered) or replaced by a 5xx
 * (`errorAfter`). Refusals are the provider's error documents.
 */
export function apiHandler(
  sim: SimContext,
  api: SimApi,
  prefixSegments: number,
  authenticate: Authenticate,
  run: (call: ApiCall) => Response | Promise<Response>,
): Handler {
  return async (c) => {
    const url = new URL(c.req.url);
    const requestId = `sim-${sim.random.hex(24)}`;
    sim.count(api);
    const faults = sim.faults;
    if (faults.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.slowMs));
    const rawPath = afterPrefix(url.pathname, prefixSegments);
    const call: ApiCall = {
      c,
      url,
      apiPath: decodePath(rawPath),
      apiTarget: `${rawPath}${url.search}`,
      body: Buffer.from(await c.req.arrayBuffer()),
      requestId,
      scope: url.pathname
        .split('/')
        .slice(2, prefixSegments + 1)
        .map(decodePath),
    };
    let response: Response;
    try {
      if (takeCount(faults.errors, api)) throw serverError(api);
      const refused = authenticate(call);
      if (refused !== undefined) throw refused;
      response = await run(call);
      if (response !== RESPONSE_ALREADY_SENT && takeCount(faults.lose, api)) {
        await response.arrayBuffer();
        sim.logger.info(
          { api, method: c.req.method, path: call.apiPath },
          'request done, answer lost (fault knob lose)',
        );
        return dropConnection(c) ?? errorResponse(api, serverError(api), requestId);
      }
      if (response !== RESPONSE_ALREADY_SENT && takeCount(faults.errorAfter, api)) {
        await response.arrayBuffer();
        throw serverError(api);
      }
    } catch (error) {
      const refusal = isJobhookError(error)
        ? new SimApiError(400, error.code, error.message)
        : error instanceof SimApiError
          ? error
          : new SimApiError(500, 'InternalError', error instanceof Error ? error.message : String(error));
      response = errorResponse(api, refusal, requestId);
    }
    sim.logger.info({ api, method: c.req.method, path: call.apiPath, status: response.status }, 'request');
    return response;
  };
}

/** The node:http response under Hono, when there is a socket (not under `app.request`). */
function outgoingOf(c: Context): ServerResponse | undefined {
  const env: unknown = c.env;
  const outgoing = typeof env === 'object' && env !== null && 'outgoing' in env ? env.outgoing : undefined;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/** Closes the connection without an answer: the caller cannot know whether the call was carried out. */
function dropConnection(c: Context): Response | undefined {
  const outgoing = outgoingOf(c);
  if (outgoing === undefined) return undefined;
  outgoing.socket?.destroy();
  return RESPONSE_ALREADY_SENT;
}

/**
 * An answer with a status outside 200–599 (Qiniu's 612), which a fetch `Response` cannot carry: written straight to
 * node:http's response. Without a socket (`app.request`) it is a 599 naming the status in `x-sim-status`.
 */
export function rawStatusResponse(
  c: Context,
  status: number,
  body: string,
  headers: Record<string, string>,
): Response {
  const outgoing = outgoingOf(c);
  if (outgoing !== undefined) {
    outgoing.writeHead(status, headers);
    outgoing.end(body);
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(body, { status: 599, headers: { ...headers, 'x-sim-status': String(status) } });
}
