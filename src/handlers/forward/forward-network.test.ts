import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isNonRetryable, NonRetryableError } from '../errors.js';
import { createForward } from './forward.js';
import { ForwardError } from './outcome.js';
import { run, testContext } from './test-context.js';
import { closedPort, startReceiver, type Receiver } from './test-receiver.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** What `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the forward resolved'),
    (error: unknown) => error,
  );
}

/** A generous upper bound: what must happen at once must not wait for a 60 s timeout. */
const PROMPTLY_MS = 5000;

describe('forward: failures without an answer', () => {
  it.each([
    ['options.timeout', { timeout: 300 }, undefined],
    ['the handler default', {}, { timeoutMs: 300 }],
  ])('gives up on a receiver that never answers after %s, retryably', async (_, options, defaults) => {
    receiver = await startReceiver(() => undefined);
    const forward = createForward({ url: `${receiver.url}/hooks`, ...options }, defaults);
    const started = performance.now();
    const error = await rejection(run(forward, testContext().ctx));
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);
    expect(error).toBeInstanceOf(ForwardError);
    expect(isNonRetryable(error)).toBe(false);
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect((error as Error).message).toContain(`${receiver.url}/hooks`);
    expect(receiver.requests).toHaveLength(1);
  });

  it('rejects with ctx.signal’s reason at once when the run is aborted mid-request', async () => {
    const controller = new AbortController();
    const reason = new Error('the run’s timeout passed');
    receiver = await startReceiver(() => controller.abort(reason));
    const forward = createForward({ url: receiver.url, timeout: 60_000 });
    const started = performance.now();
    const error = await rejection(run(forward, testContext({ signal: controller.signal }).ctx));
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS);
    expect(error).toBe(reason);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends nothing when ctx.signal has already fired', async () => {
    receiver = await startReceiver();
    const reason = new Error('shutting down');
    const forward = createForward({ url: receiver.url });
    expect(await rejection(run(forward, testContext({ signal: AbortSignal.abort(reason) }).ctx))).toBe(
      reason,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it('retries a refused connection, with its code', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hooks`;
    const error = await rejection(run(createForward({ url }), testContext().ctx));
    expect(error).toBeInstanceOf(ForwardError);
    expect(isNonRetryable(error)).toBe(false);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect((error as Error).message).toContain(url);
  });

  it('retries a connection the receiver resets, with its code', async () => {
    receiver = await startReceiver((_, response) => response.socket?.resetAndDestroy());
    const error = await rejection(run(createForward({ url: receiver.url }), testContext().ctx));
    expect(error).toBeInstanceOf(ForwardError);
    expect(isNonRetryable(error)).toBe(false);
    expect((error as ForwardError).code).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
  });

  it('retries a host that does not resolve, with its code', async () => {
    const error = await rejection(
      run(createForward({ url: 'http://jobhook-test.invalid/hooks' }), testContext().ctx),
    );
    expect(error).toBeInstanceOf(ForwardError);
    expect((error as ForwardError).code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    expect((error as Error).message).toContain('http://jobhook-test.invalid/hooks');
  });

  it('stops on a port fetch refuses to use', async () => {
    const error = await rejection(run(createForward({ url: 'http://127.0.0.1:1/hooks' }), testContext().ctx));
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 'ERR_BAD_PORT' });
  });
});

describe('forward: a huge answer', () => {
  it('resolves on the status without reading a 100 MB body, and lets the connection go', async () => {
    const TOTAL = 100 * 1024 * 1024;
    let written = 0;
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    receiver = await startReceiver((_, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      response.on('close', closed);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (written < TOTAL && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    await run(createForward({ url: receiver.url, timeout: 60_000 }), testContext().ctx);
    // Cancelled, the body's stream ends at once; left alone, it would hold the connection until the timeout.
    expect(
      await Promise.race([done.then(() => 'closed'), sleep(PROMPTLY_MS, 'still open', { ref: false })]),
    ).toBe('closed');
    // Socket buffers and the stream's high-water mark take a few MB before the cancel closes the connection.
    expect(written).toBeLessThan(TOTAL / 4);
  });
});
