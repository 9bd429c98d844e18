import { getEventListeners } from 'node:events';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../events/types.js';
import { createLogger } from '../log.js';
import { configFolders } from './config/test-files.js';
import { isNonRetryable, summarize } from './errors.js';
import { loadHandlers } from './registry.js';
import { HandlerTimeoutError, RunInterrupted, runHandler, type RunOptions } from './runtime.js';
import { jobEvent } from './test-events.js';
import type { HandleFunction, HandlerContext, HandlerSpec } from './types.js';

const folders = configFolders();
afterAll(folders.cleanup);

/** A handler spec as the registry makes it from a file (options deep-frozen), with `handle` and `timeoutMs` set. */
async function specWith(handle: HandleFunction, timeoutMs = 60_000): Promise<HandlerSpec> {
  const cwd = await folders.folder({
    'jobhook.config.mjs': `export default { handlers: [{
  name: 'audit', on: { type: '*' }, handle: () => undefined,
  options: { table: 'audit', nested: { list: [1, { deep: true }] } },
}] };
`,
  });
  const { handlers } = await loadHandlers({ cwd, env: {} });
  const spec = handlers[0];
  if (spec === undefined) throw new Error('no handler');
  return { ...spec, handle, timeoutMs };
}

/** A real pino logger (src/log.ts) writing to lines the test reads. */
function logLines() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('debug', destination) };
}

function runOptions(fields: Partial<RunOptions> = {}): RunOptions {
  return {
    attempt: 1,
    shutdown: new AbortController().signal,
    logger: logLines().logger,
    emit: () => Promise.reject(new Error('no emit in this test')),
    ...fields,
  };
}

const event = jobEvent();
const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('runHandler', () => {
  it('hands the handler the event and the context of CONTRACT §5.3', async () => {
    const { lines, logger } = logLines();
    const emitted: unknown[][] = [];
    let seen: { event: AnyEvent; ctx: HandlerContext } | undefined;
    const spec = await specWith(async (e, ctx) => {
      seen = { event: e, ctx };
      ctx.log.info({ step: 'start' }, 'hashing');
      return ctx.emit('app.hashed', { n: 1 }, { key: 'k' });
    });
    const result = await runHandler(spec, event, {
      attempt: 3,
      shutdown: new AbortController().signal,
      logger,
      emit: (...args) => {
        emitted.push(args);
        return Promise.resolve({ id: 'emitted-id', duplicate: false });
      },
    });
    expect(result).toBeUndefined();
    expect(seen?.event).toBe(event);
    const ctx = seen?.ctx;
    expect(ctx?.handler).toBe('audit');
    expect(ctx?.attempt).toBe(3);
    expect(ctx?.signal).toBeInstanceOf(AbortSignal);
    expect(ctx?.signal.aborted).toBe(false);
    expect(ctx?.options).toEqual({ table: 'audit', nested: { list: [1, { deep: true }] } });
    expect(Object.isFrozen(ctx?.options)).toBe(true);
    const nested = ctx?.options.nested as { list: [number, { deep: boolean }] };
    expect([Object.isFrozen(nested), Object.isFrozen(nested.list), Object.isFrozen(nested.list[1])]).toEqual([
      true,
      true,
      true,
    ]);
    expect(() => {
      (ctx?.options as Record<string, unknown>).table = 'other';
    }).toThrow(TypeError);
    expect(emitted).toEqual([[event, 'audit', 'app.hashed', { n: 1 }, { key: 'k' }]]);
    expect(emitted[0]?.[0]).toBe(event);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'jobhook',
        eventId: event.id,
        handler: 'audit',
        attempt: 3,
        step: 'start',
        msg: 'hashing',
      }),
    ]);
  });

  it('gives ctx.emit’s result to the handler', async () => {
    let emitted: unknown;
    const spec = await specWith(async (_, ctx) => {
      emitted = await ctx.emit('app.x', null);
    });
    await runHandler(spec, event, runOptions({ emit: () => Promise.resolve({ id: 'x', duplicate: true }) }));
    expect(emitted).toEqual({ id: 'x', duplicate: true });
  });

  it('rejects a handler that outlives its timeout with HandlerTimeoutError, aborting its signal with it', async () => {
    let signal: AbortSignal | undefined;
    const spec = await specWith((_, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    }, 50);
    const error: unknown = await runHandler(spec, event, runOptions()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerTimeoutError);
    expect(error).toMatchObject({
      name: 'HandlerTimeoutError',
      code: 'Timeout',
      message: 'the handler did not finish within its timeout of 50 ms',
    });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    expect(isNonRetryable(error)).toBe(false);
  });

  it('rejects with RunInterrupted when the shutdown grace period ends, aborting the signal with it', async () => {
    const shutdown = new AbortController();
    let signal: AbortSignal | undefined;
    const spec = await specWith((_, ctx) => {
      signal = ctx.signal;
      setImmediate(() => shutdown.abort());
      return new Promise(() => undefined);
    });
    const error: unknown = await runHandler(spec, event, runOptions({ shutdown: shutdown.signal })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunInterrupted);
    expect(error).toMatchObject({ name: 'RunInterrupted', message: 'the shutdown grace period ended' });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
  });

  it('does not start a run once shutdown has begun', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    let ran = false;
    const spec = await specWith(() => {
      ran = true;
    });
    await expect(runHandler(spec, event, runOptions({ shutdown: shutdown.signal }))).rejects.toBeInstanceOf(
      RunInterrupted,
    );
    expect(ran).toBe(false);
  });

  it('reports the abort reason for a handler that throws because its signal aborted', async () => {
    for (const [timeoutMs, abortShutdown, expected] of [
      [50, false, HandlerTimeoutError],
      [60_000, true, RunInterrupted],
    ] as const) {
      const shutdown = new AbortController();
      const spec = await specWith(async (_, ctx) => {
        if (abortShutdown) setImmediate(() => shutdown.abort());
        // What a handler passing its signal to fetch or a timer gets: its own rejection, after the abort.
        await sleep(60_000, undefined, { signal: ctx.signal }).catch(() => {
          throw new Error('the handler’s own error after the abort');
        });
      }, timeoutMs);
      await expect(runHandler(spec, event, runOptions({ shutdown: shutdown.signal }))).rejects.toBeInstanceOf(
        expected,
      );
    }
  });

  it('rejects with what the handler threw, synchronously or not', async () => {
    const thrown = new Error('sync');
    const sync = await specWith(() => {
      throw thrown;
    });
    const running = runHandler(sync, event, runOptions());
    expect(running).toBeInstanceOf(Promise);
    await expect(running).rejects.toBe(thrown);
    const rejected = new TypeError('async');
    await expect(
      runHandler(await specWith(() => Promise.reject(rejected)), event, runOptions()),
    ).rejects.toBe(rejected);
  });

  it('turns a thrown non-Error into an Error, keeping what says whether to retry', async () => {
    const outcome = async (thrown: unknown, sync = true): Promise<unknown> => {
      const spec = await specWith(
        sync
          ? () => {
              throw thrown;
            }
          : async () => {
              await Promise.resolve();
              throw thrown;
            },
      );
      return runHandler(spec, event, runOptions()).catch((e: unknown) => e);
    };
    const text = await outcome('boom');
    expect(text).toBeInstanceOf(Error);
    expect(text).toMatchObject({ message: 'the handler threw a non-Error: boom', cause: 'boom' });
    expect(summarize(text)).toEqual({ name: 'Error', message: 'the handler threw a non-Error: boom' });
    expect(isNonRetryable(text)).toBe(false);

    const named = await outcome({ name: 'NonRetryableError', message: 'bad input', code: 'BadInput' }, false);
    expect(named).toBeInstanceOf(Error);
    expect(summarize(named)).toEqual({
      name: 'NonRetryableError',
      message: 'the handler threw a non-Error: bad input',
      code: 'BadInput',
    });
    expect(isNonRetryable(named)).toBe(true);
    expect(isNonRetryable(await outcome({ retryable: false }))).toBe(true);

    for (const value of [undefined, null, 42, { no: 'message' }]) {
      const error = await outcome(value);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^the handler threw a non-Error: /);
      expect((error as Error).cause).toBe(value);
    }
  });

  it('leaves no timer and no shutdown listener behind, however the run ends', async () => {
    // Counted around each run (a timer of anything else may end meanwhile, none should start): a timer left by a
    // run with a timeout of a minute would still be active.
    const shutdown = new AbortController();
    const outcomes: HandleFunction[] = [
      () => undefined,
      () => Promise.resolve(1),
      () => {
        throw new Error('fails');
      },
      () => Promise.reject(new Error('fails later')),
    ];
    for (const handle of outcomes) {
      const spec = await specWith(handle);
      const before = activeTimers();
      await runHandler(spec, event, runOptions({ shutdown: shutdown.signal })).catch(() => undefined);
      expect(activeTimers()).toBeLessThanOrEqual(before);
      expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    }
    // A timed-out run, whose handler goes on (and fails later): not awaited, and its rejection is not unhandled.
    const late = await specWith(async () => {
      await sleep(30);
      throw new Error('too late');
    }, 10);
    const before = activeTimers();
    await expect(runHandler(late, event, runOptions({ shutdown: shutdown.signal }))).rejects.toBeInstanceOf(
      HandlerTimeoutError,
    );
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    await sleep(60);
    expect(activeTimers()).toBeLessThanOrEqual(before);
  });
});
