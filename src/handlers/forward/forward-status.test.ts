import type { OutgoingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isNonRetryable, NonRetryableError, RetryLaterError } from '../errors.js';
import { createForward } from './forward.js';
import { ForwardError } from './outcome.js';
import { run, testContext } from './test-context.js';
import { startReceiver, type Receiver } from './test-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** What neither a message nor a log line may hold: the secret, a header value, the URL's query. */
const SECRETS = ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'archive-t0ken', 't0k3n'];

let receiver: Receiver;
afterEach(() => receiver.close());

/**
 * What forwarding the event to a receiver that answers `status` (with `headers`) throws, undefined when it resolves;
 * checks that the attempt was logged with its status and without a secret.
 */
async function outcome(status: number, headers: OutgoingHttpHeaders = {}): Promise<unknown> {
  receiver = await startReceiver((_, response) => {
    response.writeHead(status, headers).end('{"error":"from the receiver"}');
  });
  const forward = createForward({
    url: `${receiver.url}/hooks?token=t0k3n`,
    secret: SECRET,
    headers: { authorization: 'Bearer archive-t0ken' },
  });
  const { ctx, logs } = testContext();
  const result = await run(forward, ctx).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(logs()).toContain(`"status":${status}`);
  for (const secret of SECRETS) expect(logs()).not.toContain(secret);
  return result;
}

/** Checks what every failure's message must hold and must not. */
function expectNamed(error: unknown, status: number): void {
  expect(error).toBeInstanceOf(Error);
  const { message } = error as Error;
  expect(message).toContain(`${receiver.url}/hooks`);
  expect(message).toContain(String(status));
  for (const secret of SECRETS) expect(message).not.toContain(secret);
}

describe('forward: what an answer means', () => {
  it.each([200, 201, 202, 204, 299])('%d is done', async (status) => {
    expect(await outcome(status)).toBeUndefined();
  });

  it.each([500, 502, 503, 504, 408, 429])('%d is retried', async (status) => {
    const error = await outcome(status);
    expect(error).toBeInstanceOf(ForwardError);
    expect(error).not.toBeInstanceOf(RetryLaterError);
    expect(isNonRetryable(error)).toBe(false);
    expect(error).toMatchObject({ code: `HTTP_${status}`, status });
    expectNamed(error, status);
  });

  it.each([503, 429])('%d with Retry-After: 3 is retried no earlier than 3 s', async (status) => {
    const error = await outcome(status, { 'retry-after': '3' });
    expect(error).toBeInstanceOf(RetryLaterError);
    expect(isNonRetryable(error)).toBe(false);
    expect(error).toMatchObject({ retryAfterMs: 3000, code: `HTTP_${status}` });
    expectNamed(error, status);
  });

  it('honours a Retry-After that is an HTTP-date', async () => {
    const error = await outcome(503, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() });
    expect(error).toBeInstanceOf(RetryLaterError);
    const { retryAfterMs } = error as RetryLaterError;
    expect(retryAfterMs).toBeGreaterThan(60_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  it('ignores a Retry-After it cannot read', async () => {
    const error = await outcome(503, { 'retry-after': 'after lunch' });
    expect(error).toBeInstanceOf(ForwardError);
    expect(error).not.toBeInstanceOf(RetryLaterError);
  });

  it.each([400, 401, 403, 404, 410, 413, 422, 499])('%d stops', async (status) => {
    const error = await outcome(status, { 'retry-after': '3' });
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(isNonRetryable(error)).toBe(true);
    expect(error).toMatchObject({ code: `HTTP_${status}` });
    expectNamed(error, status);
  });

  it.each([301, 302, 307, 308])(
    '%d stops, is not followed, and says the URL is misconfigured',
    async (status) => {
      const target = await startReceiver();
      try {
        const error = await outcome(status, { location: `${target.url}/elsewhere` });
        expect(error).toBeInstanceOf(NonRetryableError);
        expect(error).toMatchObject({ code: `HTTP_${status}` });
        expect((error as Error).message).toMatch(/redirect.*not followed.*misconfigured/);
        expectNamed(error, status);
        expect(receiver.requests).toHaveLength(1);
        expect(target.requests).toHaveLength(0);
      } finally {
        await target.close();
      }
    },
  );
});
