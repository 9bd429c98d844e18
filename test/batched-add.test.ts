import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedis } from '../src/redis/connect.js';
import { BatchedAdd, MAX_BATCH_EVENTS, loadAddStandardJob } from '../src/store/batched-add.js';
import type { JobhookEvent } from '../src/events/types.js';
import { encodeEvent } from '../src/store/encoded.js';
import { isJobhookError } from '../src/errors.js';
import { eventsOfFixtures } from './helpers/fixtures.js';
import { RedisServer } from './helpers/redis-server.js';

const WINDOW_MS = 3_600_000;
const COMPLETED_S = 86_400;
const FAILED_S = 604_800;

let server: RedisServer;
let redis: Redis;
let plain: Redis;
let events: JobhookEvent[];

/** Every event the fixtures make, one of each (fixtures that report the same outcome make the same event). */
async function fixtureEvents(): Promise<JobhookEvent[]> {
  const made = (await eventsOfFixtures()).flatMap(({ events: of }) => of);
  return [...new Map(made.map((event) => [event.id, event])).values()];
}

/** Calls of the batched script since the last `CONFIG RESETSTAT`. */
async function scriptCalls(): Promise<number> {
  const stats = await plain.info('commandstats');
  return (
    Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) +
    Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0)
  );
}

function queue(prefix: string): Queue {
  return new Queue('jobhook-events', {
    connection: redis,
    prefix,
    defaultJobOptions: { removeOnComplete: { age: COMPLETED_S }, removeOnFail: { age: FAILED_S } },
  });
}

function batched(on: Queue, timeoutMs = 5000, client: Redis = redis): BatchedAdd {
  const loaded = loadAddStandardJob();
  if ('unavailable' in loaded) throw new Error(loaded.unavailable);
  return new BatchedAdd({
    redis: client,
    queue: on,
    script: loaded.script,
    dedupeWindowMs: WINDOW_MS,
    completedRetentionSeconds: COMPLETED_S,
    failedRetentionSeconds: FAILED_S,
    timeoutMs,
  });
}

/** A job hash with the fields that differ by design (creation time) taken out, `opts` parsed. */
async function jobHash(prefix: string, id: string): Promise<Record<string, unknown>> {
  const { timestamp, opts, ...rest } = await plain.hgetall(`${prefix}:jobhook-events:${id}`);
  expect(Number(timestamp)).toBeGreaterThan(Date.now() - 60_000);
  return { ...rest, opts: JSON.parse(opts ?? 'null') as unknown };
}

/** The events BullMQ wrote to the queue's event stream, without their stream ids and times. */
async function streamEvents(prefix: string): Promise<string[][]> {
  const entries = await plain.xrange(`${prefix}:jobhook-events:events`, '-', '+');
  return entries.map(([, fields]) => fields);
}

beforeAll(async () => {
  server = await RedisServer.start();
  redis = createRedis(server.url, { name: 'test', mode: 'fail-fast', connectTimeoutMs: 2000 }) as Redis;
  await redis.connect();
  plain = server.client();
  events = await fixtureEvents();
}, 60_000);
afterAll(async () => {
  redis.disconnect();
  plain.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await plain.flushall();
});

describe('the batched add', () => {
  it("is BullMQ's own addStandardJob script, installed with the package", () => {
    const loaded = loadAddStandardJob();
    expect('script' in loaded).toBe(true);
    if ('script' in loaded) expect(loaded.script).toContain('cmsgpack.unpack(ARGV[3])');
  });

  it('creates the jobs Queue.add creates: same hash, options, lists, deduplication keys and stream events', async () => {
    expect(events.length).toBeGreaterThan(20);
    const reference = queue('ref');
    const fast = queue('fast');
    const writer = batched(fast);
    await writer.check();
    for (const event of events) {
      await reference.add(event.type, event, {
        jobId: event.id,
        deduplication: { id: event.id, ttl: WINDOW_MS },
      });
    }
    const existed = await Promise.all(events.map((event) => writer.add(encodeEvent(event))));
    expect(existed.every((value) => !value)).toBe(true);
    for (const event of events) {
      expect(await jobHash('fast', event.id)).toEqual(await jobHash('ref', event.id));
      const ttl = await plain.pttl(`fast:jobhook-events:de:${event.id}`);
      expect(ttl).toBeGreaterThan(WINDOW_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    }
    expect(await plain.lrange('fast:jobhook-events:wait', 0, -1)).toEqual(
      await plain.lrange('ref:jobhook-events:wait', 0, -1),
    );
    expect(await streamEvents('fast')).toEqual(await streamEvents('ref'));
    expect(await fast.getJobCounts()).toEqual(await reference.getJobCounts());
    await Promise.all([reference.close(), fast.close()]);
  });

  it('writes the events of one turn of the event loop in one call, and reports earlier copies', async () => {
    const on = queue('one');
    const writer = batched(on);
    await writer.check();
    await plain.config('RESETSTAT');
    const sample = events.slice(0, 10);
    const first = await Promise.all([...sample, sample[0]!].map((event) => writer.add(encodeEvent(event))));
    // The repeated first event is in the same batch, after its first copy: it is a duplicate.
    expect(first).toEqual([...sample.map(() => false), true]);
    expect(await writer.add(encodeEvent(sample[3]!))).toBe(true);
    expect(await scriptCalls()).toBe(2);
    expect(await on.count()).toBe(sample.length);
    await on.close();
  });

  it(`splits batches at ${MAX_BATCH_EVENTS} events`, async () => {
    const on = queue('big');
    const writer = batched(on);
    await writer.check();
    await plain.config('RESETSTAT');
    const many = Array.from({ length: MAX_BATCH_EVENTS * 2 + 5 }, (_, i) => ({
      ...events[0]!,
      id: `00000000-0000-5000-8000-${String(i).padStart(12, '0')}`,
    }));
    const existed = await Promise.all(many.map((event) => writer.add(encodeEvent(event))));
    expect(existed.filter(Boolean)).toHaveLength(0);
    expect(await scriptCalls()).toBe(3);
    expect(await on.count()).toBe(many.length);
    await on.close();
  });

  it('hands the jobs to a BullMQ worker with the event as data', async () => {
    const on = queue('work');
    const writer = batched(on);
    const sample = events.slice(0, 5);
    await Promise.all(sample.map((event) => writer.add(encodeEvent(event))));
    const seen: unknown[] = [];
    const worker = new Worker(
      'jobhook-events',
      (job) => {
        seen.push(job.data);
        return Promise.resolve();
      },
      { connection: { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null }, prefix: 'work' },
    );
    for (let i = 0; i < 100 && seen.length < sample.length; i++) await new Promise((r) => setTimeout(r, 50));
    await worker.close();
    expect(seen).toEqual(
      expect.arrayContaining(sample.map((event) => JSON.parse(JSON.stringify(event)) as unknown)),
    );
    await on.close();
  });

  it('fails every event of a batch with StoreUnavailable when Redis is gone, and writes nothing half', async () => {
    const client = createRedis(server.url, {
      name: 'gone',
      mode: 'fail-fast',
      connectTimeoutMs: 2000,
    }) as Redis;
    await client.connect();
    const on = new Queue('jobhook-events', { connection: client, prefix: 'gone' });
    const writer = batched(on, 5000, client);
    client.disconnect();
    const results = await Promise.allSettled(
      events.slice(0, 3).map((event) => writer.add(encodeEvent(event))),
    );
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected')
        expect(isJobhookError(result.reason) && result.reason.code).toBe('StoreUnavailable');
    }
    expect(await plain.keys('gone:*')).toEqual([]);
  });

  it('fails a batch with StoreUnavailable when Redis does not answer in time', async () => {
    const on = queue('slow');
    const writer = batched(on, 300);
    server.pause();
    try {
      const result = await writer.add(encodeEvent(events[0]!)).then(
        () => 'stored',
        (error: unknown) => (isJobhookError(error) ? error.code : 'other'),
      );
      expect(result).toBe('StoreUnavailable');
    } finally {
      server.resume();
    }
    await on.close();
  });
});
