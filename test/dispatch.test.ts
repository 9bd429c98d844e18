import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent, JobhookEvent } from '../src/events/types.js';
import { RetrySchema } from '../src/handlers/config/schema.js';
import { compileFilter, type FilterSchema } from '../src/handlers/filter.js';
import type { HandlerConfig, HandlerSpec, SubscriptionSpec } from '../src/handlers/types.js';
import { createLogger } from '../src/log.js';
import { copyJobOptions, Dispatcher, handlerJobOptions, type Retention } from '../src/queue/dispatcher.js';
import {
  createJobWriter,
  MAX_BATCH_JOBS,
  QueueAddWriter,
  type WriteTarget,
} from '../src/queue/job-writer.js';
import { handlerQueue } from '../src/queue/queues.js';
import { createRedis } from '../src/redis/connect.js';
import type { z } from 'zod';
import { eventsOfFixtures } from './helpers/fixtures.js';
import { prefixState } from './helpers/queue-state.js';
import { RedisServer } from './helpers/redis-server.js';

const WINDOW_MS = 3_600_000;
const RETENTION: Retention = { completedSeconds: 86_400, failedSeconds: 604_800 };
const logger = createLogger('silent');

let server: RedisServer;
let redis: Redis;
let plain: Redis;
let events: JobhookEvent[];

function handler(name: string, on: z.input<typeof FilterSchema>, retry = {}): HandlerSpec {
  return {
    name,
    queue: handlerQueue(name),
    kind: 'code',
    origin: 'code',
    matches: compileFilter(on),
    retry: RetrySchema.parse(retry),
    timeoutMs: 1000,
    concurrency: 1,
    options: {},
    verify: false,
    handle: () => undefined,
  };
}

const subscription = (queue: string, on: z.input<typeof FilterSchema>, retry?: object): SubscriptionSpec => ({
  queue,
  matches: compileFilter(on),
  retry: retry === undefined ? undefined : RetrySchema.parse(retry),
  verify: false,
});

const CONFIG: HandlerConfig = {
  file: 'test',
  handlers: [
    handler(
      'transcodes',
      { type: 'tencent.ci.job.succeeded', data: { tag: 'Transcode' } },
      { attempts: 3, delay: 250 },
    ),
    handler('failures', { type: '*.failed' }, { backoff: 'fixed', delay: '2s' }),
    handler('pfop', { type: 'qiniu.pfop.*' }),
  ],
  subscriptions: [
    subscription(
      'ci-jobs',
      { type: 'tencent.ci.job.*' },
      { attempts: 4, backoff: 'exponential', delay: 100 },
    ),
    subscription('workflows', { type: 'tencent.ci.workflow.*' }),
    // A second entry for the same queue: an event matching both is copied once.
    subscription('workflows', { type: 'tencent.ci.workflow.failed' }),
  ],
};

/** What Queue.add writes for the jobs the dispatcher should make of `event` under `CONFIG`. */
async function referenceDispatch(prefix: string, event: AnyEvent): Promise<string[]> {
  const targets: { queue: string; options: JobsOptions }[] = [];
  for (const spec of CONFIG.handlers)
    if (spec.matches(event)) targets.push({ queue: spec.queue, options: handlerJobOptions(spec, RETENTION) });
  const queues = new Set<string>();
  for (const spec of CONFIG.subscriptions)
    if (spec.matches(event) && !queues.has(spec.queue)) {
      queues.add(spec.queue);
      const first = CONFIG.subscriptions.find((s) => s.queue === spec.queue);
      targets.push({ queue: spec.queue, options: copyJobOptions(first?.retry, RETENTION) });
    }
  for (const target of targets) {
    const queue = new Queue(target.queue, { connection: redis, prefix });
    await queue.add(event.type, event, {
      ...target.options,
      jobId: event.id,
      deduplication: { id: event.id, ttl: WINDOW_MS },
    });
    await queue.close();
  }
  return targets.map((t) => t.queue);
}

const dispatcher = (prefix: string): Promise<Dispatcher> =>
  Dispatcher.create({
    redis,
    prefix,
    config: CONFIG,
    dedupeWindowMs: WINDOW_MS,
    retention: RETENTION,
    timeoutMs: 5000,
    logger,
  });

async function scriptCalls(): Promise<number> {
  const stats = await plain.info('commandstats');
  return (
    Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) +
    Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  );
}

beforeAll(async () => {
  server = await RedisServer.start();
  redis = createRedis(server.url, { name: 'test', mode: 'blocking', connectTimeoutMs: 2000 }) as Redis;
  await redis.connect();
  plain = server.client();
  const made = (await eventsOfFixtures()).flatMap(({ events: of }) => of);
  events = [...new Map(made.map((event) => [event.id, event])).values()];
}, 60_000);
afterAll(async () => {
  redis.disconnect();
  plain.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await plain.flushall();
});

describe('the dispatch script', () => {
  it('writes the jobs Queue.add writes, in every target queue, with each target’s options', async () => {
    const fast = await dispatcher('fast');
    let expectedJobs = 0;
    for (const event of events) {
      const targets = await referenceDispatch('ref', event);
      const dispatched = await fast.dispatch(event);
      expect([...dispatched.handlers.map(handlerQueue), ...dispatched.subscriptions]).toEqual(targets);
      expect(dispatched.duplicates).toBe(0);
      expectedJobs += targets.length;
    }
    // The fixtures reach every target, and not every event reaches every target.
    expect(expectedJobs).toBeGreaterThan(events.length / 2);
    expect(expectedJobs).toBeLessThan(events.length * 5);
    for (const queue of ['transcodes', 'failures', 'pfop'].map(handlerQueue).concat(['ci-jobs', 'workflows']))
      expect(await plain.exists(`fast:${queue}:meta`), queue).toBe(1);
    expect(await prefixState(plain, 'fast', WINDOW_MS)).toEqual(await prefixState(plain, 'ref', WINDOW_MS));
  });

  it('writes the events of one turn of the event loop in one call, each event’s data once', async () => {
    const fast = await dispatcher('fast');
    for (const event of events) await referenceDispatch('ref', event);
    await plain.config('RESETSTAT');
    const results = await Promise.all(events.map((event) => fast.dispatch(event)));
    expect(await scriptCalls()).toBe(
      Math.ceil(results.reduce((n, r) => n + r.handlers.length + r.subscriptions.length, 0) / MAX_BATCH_JOBS),
    );
    expect(await prefixState(plain, 'fast', WINDOW_MS)).toEqual(await prefixState(plain, 'ref', WINDOW_MS));
  });

  it('copies the data of the event’s stored job inside Redis, and sends it when that job is gone', async () => {
    const fast = await dispatcher('fast');
    // Each event stored as the receiver stores it; every third one's job removed before it is dispatched.
    const stored = events.map((event, i) => ({ event, gone: i % 3 === 2 }));
    for (const prefix of ['fast', 'ref']) {
      const queue = new Queue('jobhook-events', { connection: redis, prefix });
      for (const { event, gone } of stored) {
        await queue.add(event.type, event, { jobId: event.id });
        if (gone) await plain.del(`${prefix}:jobhook-events:${event.id}`);
      }
      await queue.close();
    }
    // The events whose job was gone are written by the second call: after the others in each wait list.
    for (const { event } of [...stored.filter((e) => !e.gone), ...stored.filter((e) => e.gone)])
      await referenceDispatch('ref', event);
    await plain.config('RESETSTAT');
    const results = await Promise.all(stored.map(({ event }) => fast.dispatch(event, event.id)));
    expect(results.every((r) => r.duplicates === 0)).toBe(true);
    // One call for the batch, and one more for the events whose job was gone (their data sent after all).
    expect(await scriptCalls()).toBe(2);
    expect(await prefixState(plain, 'fast', WINDOW_MS)).toEqual(await prefixState(plain, 'ref', WINDOW_MS));
  });

  it('writes nothing twice: a repeated dispatch, also after the jobs were processed and removed', async () => {
    const fast = await dispatcher('fast');
    const first = await Promise.all(events.map((event) => fast.dispatch(event)));
    const again = await Promise.all(events.map((event) => fast.dispatch(event)));
    expect(again.map((r) => r.duplicates)).toEqual(
      first.map((r) => r.handlers.length + r.subscriptions.length),
    );
    // As retention leaves them: the jobs gone, their deduplication keys kept.
    const jobKeys = (await plain.keys('fast:*')).filter((key) =>
      events.some((event) => key.endsWith(`:${event.id}`) && !key.includes(':de:')),
    );
    expect(jobKeys.length).toBeGreaterThan(0);
    await plain.del(...jobKeys);
    const third = await Promise.all(events.map((event) => fast.dispatch(event)));
    expect(third.map((r) => r.duplicates)).toEqual(again.map((r) => r.duplicates));
    const copies = new Queue('ci-jobs', { connection: redis, prefix: 'fast' });
    expect(await copies.count()).toBe(first.filter((r) => r.subscriptions.includes('ci-jobs')).length);
    await copies.close();
  });

  it('is what the one-by-one writer (Queue.add per job) writes', async () => {
    const targets: WriteTarget[] = [
      { queue: 'a', options: handlerJobOptions(CONFIG.handlers[0]!, RETENTION) },
      { queue: 'b', options: copyJobOptions(undefined, RETENTION) },
    ];
    const options = { redis, targets, dedupeWindowMs: WINDOW_MS, timeoutMs: 5000, logger };
    const scripted = await createJobWriter({ ...options, prefix: 'fast' });
    const slow = new QueueAddWriter({ ...options, prefix: 'ref' });
    for (const event of events.slice(0, 8)) {
      const jobs = [
        { target: 0, jobId: event.id },
        { target: 1, jobId: `${event.id}.x` },
      ];
      expect(await scripted.add(event.type, JSON.stringify(event), jobs)).toEqual([false, false]);
      expect(await slow.add(event.type, JSON.stringify(event), jobs)).toEqual([false, false]);
    }
    for (const writer of [scripted, slow])
      expect(
        await writer.add(events[0]!.type, JSON.stringify(events[0]), [{ target: 0, jobId: events[0]!.id }]),
      ).toEqual([true]);
    await Promise.all([scripted.close(), slow.close()]);
    expect(await prefixState(plain, 'fast', WINDOW_MS)).toEqual(await prefixState(plain, 'ref', WINDOW_MS));
  });
});

describe('the dispatcher', () => {
  it('does not hand an emitted event back to the handler that emitted it', async () => {
    const all: HandlerConfig = {
      file: 'test',
      handlers: [handler('echo', { type: 'app.*' }), handler('other', { type: 'app.*' })],
      subscriptions: [],
    };
    const d = await Dispatcher.create({
      redis,
      prefix: 'p',
      config: all,
      dedupeWindowMs: WINDOW_MS,
      retention: RETENTION,
      timeoutMs: 5000,
      logger,
    });
    const emitted: AnyEvent = {
      specversion: '1.0',
      id: '9b2c8e51-2f7a-5c0e-8d5e-000000000001',
      source: '/jobhook/echo',
      type: 'app.echo.done',
      time: '2026-12-04T00:00:00Z',
      datacontenttype: 'application/json',
      data: { n: 1 },
    };
    expect((await d.dispatch(emitted)).handlers).toEqual(['other']);
  });

  it('replays into the matching handlers only, with channel replay and job ids <event id>.<suffix>', async () => {
    const d = await dispatcher('r');
    const failed = events.find((e) => e.type === 'tencent.ci.job.failed')!;
    const first = await d.replay(failed, 'replay-a');
    expect(first).toEqual({ handlers: ['failures'], subscriptions: [], duplicates: 0 });
    expect((await d.replay(failed, 'replay-a')).duplicates).toBe(1);
    expect((await d.replay(failed, 'replay-b', ['transcodes'])).handlers).toEqual([]);
    const queue = new Queue(handlerQueue('failures'), { connection: redis, prefix: 'r' });
    const job = await queue.getJob(`${failed.id}.replay-a`);
    expect(job?.data).toEqual({ ...JSON.parse(JSON.stringify(failed)), channel: 'replay' });
    expect(await queue.count()).toBe(1);
    await queue.close();
  });
});
