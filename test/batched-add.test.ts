import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedis } from '../src/redis/connect.js';
import { VERIFIED_ADD_STANDARD_JOB, checkBullmq } from '../src/queue/add-script.js';
import { BatchedAdd, MAX_BATCH_EVENTS } from '../src/queue/batched-add.js';
import type { JobhookEvent } from '../src/events/types.js';
import { encodeEvent } from '../src/queue/encoded.js';
import { isJobhookError } from '../src/errors.js';
import { eventsOfFixtures } from './helpers/fixtures.js';
import { jobHash as jobHashOf, prefixState, streamEvents as streamEventsOf } from './helpers/queue-state.js';
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

function batched(on: Queue, timeoutMs = 5000, client: Redis = redis): Promise<BatchedAdd> {
  return BatchedAdd.prepare({
    redis: client,
    queue: on,
    dedupeWindowMs: WINDOW_MS,
    timeoutMs,
  });
}

/** What `Queue.add` is compared with: BullMQ's own path for jobhook's job options. */
const referenceAdd = (on: Queue, event: JobhookEvent): Promise<unknown> =>
  on.add(event.type, event, { jobId: event.id, deduplication: { id: event.id, ttl: WINDOW_MS } });

const state = (prefix: string): Promise<unknown> => prefixState(plain, prefix, WINDOW_MS);
const jobHash = (prefix: string, id: string): Promise<Record<string, unknown>> =>
  jobHashOf(plain, `${prefix}:jobhook-events:${id}`);
const streamEvents = (prefix: string): Promise<string[][]> =>
  streamEventsOf(plain, `${prefix}:jobhook-events:events`);

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
  it('runs only with a bullmq whose addStandardJob the script was checked against (this one)', () => {
    // After a bullmq upgrade this fails: run this file; when the comparisons below pass with the new version (or
    // the script is changed until they do), add the digest from the message to VERIFIED_ADD_STANDARD_JOB.
    expect(checkBullmq()).toEqual({ version: expect.any(String) as unknown });
    expect(Object.keys(VERIFIED_ADD_STANDARD_JOB)).not.toHaveLength(0);
  });

  it('creates the jobs Queue.add creates: same hash, options, lists, deduplication keys and stream events', async () => {
    expect(events.length).toBeGreaterThan(20);
    const reference = queue('ref');
    const fast = queue('fast');
    const writer = await batched(fast);
    for (const event of events) await referenceAdd(reference, event);
    const duplicate = await Promise.all(events.map((event) => writer.add(encodeEvent(event))));
    expect(duplicate.every((value) => !value)).toBe(true);
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
    expect(await state('fast')).toEqual(await state('ref'));
    expect(await fast.getJobCounts()).toEqual(await reference.getJobCounts());
    await Promise.all([reference.close(), fast.close()]);
  });

  it('stores ids that JSON escapes as Queue.add does', async () => {
    const reference = queue('ref');
    const fast = queue('fast');
    const writer = await batched(fast);
    const odd = ['a/b', 'quote"d', 'back\\slash', 'tab\there', 'ünï©ødé-✓', '😀', 'x'.repeat(300)].map(
      (id) => ({
        ...events[0]!,
        id,
      }),
    );
    for (const event of odd) await referenceAdd(reference, event);
    expect(await Promise.all(odd.map((event) => writer.add(encodeEvent(event))))).toEqual(
      odd.map(() => false),
    );
    expect(await state('fast')).toEqual(await state('ref'));
    await Promise.all([reference.close(), fast.close()]);
  });

  it('treats copies as Queue.add does: while the job exists, after it is gone, and with a key without expiry', async () => {
    const reference = queue('ref');
    const fast = queue('fast');
    const writer = await batched(fast);
    const [kept, gone, stale] = events as [JobhookEvent, JobhookEvent, JobhookEvent];
    for (const event of [kept, gone, stale]) {
      await referenceAdd(reference, event);
      expect(await writer.add(encodeEvent(event))).toBe(false);
    }
    for (const prefix of ['ref', 'fast']) {
      // `gone` as BullMQ's retention leaves it (the job removed, its deduplication key kept); `stale` as an outage
      // may leave it: the job gone and a deduplication key without expiry (BullMQ then starts a new window).
      for (const event of [gone, stale]) {
        await plain.del(`${prefix}:jobhook-events:${event.id}`);
        await plain.lrem(`${prefix}:jobhook-events:wait`, 0, event.id);
      }
      await plain.persist(`${prefix}:jobhook-events:de:${stale.id}`);
    }
    for (const event of [kept, gone, stale]) await referenceAdd(reference, event);
    const again = await Promise.all([kept, gone, stale].map((event) => writer.add(encodeEvent(event))));
    expect(again).toEqual([true, true, false]);
    expect(await state('fast')).toEqual(await state('ref'));
    expect(await streamEvents('fast')).toContainEqual(['event', 'duplicated', 'jobId', kept.id]);
    await Promise.all([reference.close(), fast.close()]);
  });

  it('marks the queue as BullMQ does when it is paused, and when it is at its global concurrency', async () => {
    const reference = queue('ref');
    const fast = queue('fast');
    const writer = await batched(fast);
    await Promise.all([reference.pause(), fast.pause()]);
    await referenceAdd(reference, events[0]!);
    await writer.add(encodeEvent(events[0]!));
    expect(await state('fast')).toEqual(await state('ref'));
    await Promise.all([reference.resume(), fast.resume()]);
    await Promise.all([reference.setGlobalConcurrency(1), fast.setGlobalConcurrency(1)]);
    for (const prefix of ['ref', 'fast']) await plain.lpush(`${prefix}:jobhook-events:active`, 'busy');
    await plain.del('ref:jobhook-events:marker', 'fast:jobhook-events:marker');
    await referenceAdd(reference, events[1]!);
    await writer.add(encodeEvent(events[1]!));
    expect(await state('fast')).toEqual(await state('ref'));
    await Promise.all([reference.close(), fast.close()]);
  });

  it('writes the events of one turn of the event loop in one call, and reports earlier copies', async () => {
    const on = queue('one');
    const writer = await batched(on);
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
    const writer = await batched(on);
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
    const writer = await batched(on);
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
    const writer = await batched(on, 5000, client);
    client.disconnect();
    const results = await Promise.allSettled(
      events.slice(0, 3).map((event) => writer.add(encodeEvent(event))),
    );
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected')
        expect(isJobhookError(result.reason) && result.reason.code).toBe('StoreUnavailable');
    }
    // The queue's own meta hash may be there (BullMQ writes it when the queue starts); no job and no key of one.
    expect((await plain.keys('gone:*')).filter((key) => key !== 'gone:jobhook-events:meta')).toEqual([]);
  });

  it('fails a batch with StoreUnavailable when Redis does not answer in time', async () => {
    const on = queue('slow');
    const writer = await batched(on, 300);
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
