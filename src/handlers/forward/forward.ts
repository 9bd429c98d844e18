import { FORWARD_OWN_HEADERS, type ForwardOptions } from '../config/schema.js';
import { DEFAULT_FORWARD_TIMEOUT_MS, type HandleFunction } from '../types.js';
import { requestFailure, statusFailure } from './outcome.js';
import { decodeSecret, sign } from './signature.js';
import { USER_AGENT } from './user-agent.js';

/**
 * The `forward` built-in (CONTRACT.md §5.7): each attempt POSTs the event as structured CloudEvent JSON, signed the
 * Standard Webhooks way. `webhook-id` is the event id on every attempt (receivers deduplicate by it, §5.5);
 * `webhook-timestamp` and the signature are made afresh for each. Redirects are not followed.
 *
 * Resolves on a 2xx. Rejects with `RetryLaterError` (408, 429, 5xx with a `Retry-After`), `ForwardError` (the same
 * without one, a timeout `ETIMEDOUT`, a network error with its code), `NonRetryableError` (3xx and other 4xx,
 * code `HTTP_<status>`), or — when `ctx.signal` fires — with `ctx.signal.reason` itself, so the runtime sees its own
 * abort. Throws a TypeError at once when the options are unusable (what the schema already refuses).
 */
export function createForward(options: ForwardOptions, defaults?: { timeoutMs?: number }): HandleFunction {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('forward.url must be http(s)');
  /** The URL as messages and logs name it: no query (it may carry a token), no user or password. */
  const target = `${url.origin}${url.pathname}`;
  const key = options.secret === undefined ? undefined : decodeSecret(options.secret);
  const timeoutMs = options.timeout ?? defaults?.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
  const base = baseHeaders(options.headers);

  return async function forward(event, ctx) {
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = new Headers(base);
    headers.set('webhook-id', event.id);
    headers.set('webhook-timestamp', String(timestamp));
    if (key !== undefined) headers.set('webhook-signature', sign(key, event.id, timestamp, body));

    const timeout = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    const log = (fields: { status?: number; code?: string }) =>
      ctx.log.debug(
        { url: target, attempt: ctx.attempt, durationMs: Math.round(performance.now() - started), ...fields },
        'forward attempt',
      );
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.any([ctx.signal, timeout]),
      });
    } catch (error) {
      if (ctx.signal.aborted) {
        log({ code: 'ABORTED' });
        throw ctx.signal.reason;
      }
      const failure = requestFailure(error, target, timeout.aborted ? timeoutMs : undefined);
      log(failure.code === undefined ? {} : { code: failure.code });
      throw failure;
    }
    // Whatever the answer, its body is not read: cancelling it closes the stream however much is coming.
    await response.body?.cancel().catch(() => undefined);
    log({ status: response.status });
    const failure = statusFailure(response, target);
    if (failure !== undefined) throw failure;
  };
}

/** `user-agent`, the configured headers, `content-type`; checked once, so a bad one fails at start, not per event. */
function baseHeaders(configured: Readonly<Record<string, string>> | undefined): Headers {
  const headers = new Headers({ 'user-agent': USER_AGENT });
  for (const [name, value] of Object.entries(configured ?? {})) {
    if (FORWARD_OWN_HEADERS.includes(name.toLowerCase()))
      throw new TypeError(`forward.headers.${name}: set by jobhook itself`);
    try {
      headers.set(name, value);
    } catch {
      // The Headers error repeats the value, which may be a credential.
      throw new TypeError(`forward.headers.${name}: not a valid header value`);
    }
  }
  headers.set('content-type', 'application/cloudevents+json');
  return headers;
}
