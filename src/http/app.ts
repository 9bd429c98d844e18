import { randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { BlockList } from 'node:net';
import { clientAddress, contains } from '../auth/client-address.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import { presentedToken, queryParam, type TokenVerifier } from '../auth/tokens.js';
import { JobhookError, isJobhookError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { AUTO_ROUTE, type Receiver } from '../receive/receiver.js';
import type { SpoolStats } from '../spool/spool.js';
import type { CallbackStore } from '../queue/types.js';
import { readBody } from './read-body.js';
import { errorResponse, jsonResponse, textResponse } from './respond.js';

export interface AppOptions {
  readonly receiver: Receiver;
  readonly store: CallbackStore;
  /** Undefined only when running without authentication was explicitly allowed. */
  readonly tokens: TokenVerifier | undefined;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** False once shutdown began: /readyz answers 503 so balancers stop sending. */
  readonly isAccepting: () => boolean;
  /** Depth and age of the local spool, for /readyz. */
  readonly spoolStats?: () => SpoolStats;
  readonly access?: AccessOptions;
  /** With `JOBHOOK_ROLE=all`: whether the worker role in this process is ready, for /readyz. */
  readonly workerReady?: () => boolean;
}

export interface AccessOptions {
  /** Client addresses allowed to send callbacks; others get 403. */
  readonly allow?: BlockList;
  /** Proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies?: BlockList;
  /** Per-address limit on callback requests (429 past it). */
  readonly requests?: RateLimiter;
  /** Per-address limit on failed authentications (429 instead of 401 past it). */
  readonly authFailures?: RateLimiter;
}

type Env = { Bindings: Partial<HttpBindings> };

const ROUTES = new Set(['tencent-ci', 'qiniu', 'tdmq']);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The thin HTTP edge: gathers inputs, calls the receiver, maps the result to a status (CONTRACT.md §1). */
export function createApp(options: AppOptions): Hono<Env> {
  const { receiver, store, tokens, metrics, logger, access } = options;
  const app = new Hono<Env>();

  /** Every answer carries the request id; during shutdown, keep-alive connections close after their answer. */
  const answer = (requestId: string, body: unknown, status = 200): Response =>
    jsonResponse(body, status, { requestId, closing: !options.isAccepting() });
  const refuse = (requestId: string, error: unknown): Response =>
    errorResponse(error, { requestId, closing: !options.isAccepting() });

  app.get('/healthz', (c) => answer(requestIdOf(c), { status: 'ok' }));

  app.get('/readyz', async (c) => {
    const redis = await store.isReady();
    metrics.redisUp.set(redis ? 1 : 0);
    const accepting = options.isAccepting();
    const worker = options.workerReady?.();
    const ready = redis && accepting && worker !== false;
    const stats = options.spoolStats?.();
    const spool =
      stats === undefined
        ? undefined
        : {
            records: stats.records,
            bytes: stats.bytes,
            oldestAgeSeconds:
              stats.oldestAt === undefined ? 0 : Math.round((Date.now() - stats.oldestAt) / 1000),
          };
    return answer(
      requestIdOf(c),
      { status: ready ? 'ready' : 'unavailable', redis, accepting, spool, worker },
      ready ? 200 : 503,
    );
  });

  app.get('/metrics', async (c) =>
    textResponse(await metrics.registry.metrics(), metrics.registry.contentType, {
      requestId: requestIdOf(c),
      closing: !options.isAccepting(),
    }),
  );

  const callback = async (c: Context<Env>, route: string): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(c);
    // Metric labels stay bounded: a route nobody registered is counted as 'unknown'.
    const label = route === AUTO_ROUTE ? 'auto' : ROUTES.has(route) ? route : 'unknown';
    try {
      if (route !== AUTO_ROUTE && !ROUTES.has(route))
        throw new JobhookError('NotFound', `no callback route '${route.slice(0, 64)}'`);
      if (access !== undefined) admit(c, access);
      if (
        tokens !== undefined &&
        !tokens.verify(
          presentedToken(queryParam(c.env.incoming?.url ?? c.req.url, 'token'), (n) => header(c, n)),
        )
      ) {
        // Past the limit a failing address gets 429 (and no log line); a valid token is never held back.
        if (access?.authFailures?.take(peerOf(c, access)) === false)
          throw new JobhookError('TooManyRequests', 'too many failed authentications from this address');
        throw new JobhookError(
          'Unauthorized',
          'a valid token is required (query token, X-Jobhook-Token or Bearer)',
        );
      }
      const incoming = c.env.incoming;
      // node:http's stream when nothing read it yet (cheaper than the web stream of c.req.raw).
      const fresh = incoming !== undefined && !incoming.readableDidRead ? incoming : undefined;
      const body = await readBody(fresh ?? c.req.raw, options.bodyLimitBytes);
      const bytes = body.byteLength;
      const receipt = await receiver.receive({
        route,
        method: c.req.method,
        // node:http gives the request target and the parsed headers as received; use them when present.
        pathAndQuery: incoming?.url ?? requestTarget(c.req.url),
        headers: incoming?.headers ?? c.req.header(),
        ...(incoming === undefined ? {} : { rawHeaders: incoming.rawHeaders }),
        body,
        receivedAt: new Date(),
      });
      if (receipt.quarantined === true) {
        metrics.countCallback(label, 'quarantined');
        logger.info({ requestId, route: label, reason: receipt.reason, bytes }, 'callback quarantined');
        return answer(
          requestId,
          receipt.spooled === true
            ? { events: [], quarantined: true, spooled: true }
            : { events: [], quarantined: true },
        );
      }
      let duplicates = 0;
      for (const event of receipt.events) {
        if (event.duplicate) duplicates++;
        metrics.countEvent(event.type, event.duplicate);
      }
      metrics.countCallback(label, duplicates === receipt.events.length ? 'duplicate' : 'accepted');
      if (logger.isLevelEnabled('debug'))
        logger.debug({ requestId, route: label, events: receipt.events }, 'callback stored');
      return answer(
        requestId,
        receipt.spooled === true ? { events: receipt.events, spooled: true } : { events: receipt.events },
      );
    } catch (error) {
      const code = isJobhookError(error) ? error.code : 'Internal';
      metrics.errors.inc({ code });
      metrics.countCallback(label, code === 'StoreUnavailable' ? 'unavailable' : 'rejected');
      if (!isJobhookError(error) || error.status >= 500)
        logger.error({ requestId, route: label, err: error }, 'callback failed');
      else if (code !== 'TooManyRequests')
        logger.info({ requestId, route: label, code, message: error.message }, 'callback refused');
      return refuse(requestId, error);
    } finally {
      metrics.observeDuration(label, (performance.now() - started) / 1000);
    }
  };

  app.post('/v1/callbacks', (c) => callback(c, AUTO_ROUTE));
  app.post('/v1/callbacks/:route', (c) => callback(c, c.req.param('route')));
  app.all('/v1/callbacks', (c) => refuse(requestIdOf(c), notAllowed()));
  app.all('/v1/callbacks/:route', (c) => refuse(requestIdOf(c), notAllowed()));

  app.notFound((c) => refuse(requestIdOf(c), new JobhookError('NotFound', 'no such endpoint')));
  app.onError((error, c) => {
    const requestId = requestIdOf(c);
    logger.error({ requestId, err: error }, 'unhandled error');
    return refuse(requestId, error);
  });
  return app;
}

/**
 * A request header. Under @hono/node-server, from node:http's parsed headers: `c.req.header()` would first build
 * a web `Headers` object from all of them, which costs more than the rest of the request's header handling.
 */
function header(c: Context<Env>, name: string): string | undefined {
  const incoming = c.env.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The request's id: its valid `X-Request-Id`, or a new UUID. Each handler asks once and passes it on. */
function requestIdOf(c: Context<Env>): string {
  const given = header(c, 'x-request-id');
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** `/path?query` of an absolute URL. */
function requestTarget(url: string): string {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  return pathStart < 0 ? '/' : url.slice(pathStart);
}

const notAllowed = (): JobhookError => new JobhookError('MethodNotAllowed', 'callbacks are sent with POST');

const peerOf = (c: Context<Env>, access: AccessOptions): string =>
  clientAddress(
    c.env.incoming?.socket.remoteAddress ?? '',
    header(c, 'x-forwarded-for'),
    access.trustedProxies,
  );

/** Address allowlist and request rate limit, before the token is looked at and before the body is read. */
function admit(c: Context<Env>, access: AccessOptions): void {
  const address = peerOf(c, access);
  if (access.allow !== undefined && !contains(access.allow, address))
    throw new JobhookError('Forbidden', 'this client address may not send callbacks');
  if (access.requests !== undefined && !access.requests.take(address))
    throw new JobhookError('TooManyRequests', 'too many requests from this address');
}
