import { Queue, Worker } from 'bullmq';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { CloudEvent } from '../src/events/schema.js';
import type { JobhookEvent } from '../src/events/types.js';
import { EVENTS_QUEUE, QUARANTINE_QUEUE } from '../src/queue/queues.js';
import { loadFixtures, type Fixture } from './helpers/fixtures.js';
import { flush, startJobhook, storedEvents, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisCluster } from './helpers/redis-cluster.js';
import { RedisServer } from './helpers/redis-server.js';
import { shared, writeHarnessConfig } from './helpers/handler-harness.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = '{jobhook}';
const JOB_STATES = ['wait', 'active', 'completed', 'failed', 'delayed', 'prioritized'] as const;

const fixtures = new Map((await loadFixtures()).map((f) => [f.name, f]));
const fixture = (name: string): Fixture => {
  const found = fixtures.get(name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
};

/** Fixtures of every provider and body format, including several events from one body. */
const COMPARED = [
  'tencent-ci/fixtures/transcode-succeeded.xml',
  'tencent-ci/fixtures/transcode-failed.json',
  'tencent-ci/fixtures/taskfinish-mixed-two-jobs.xml',
  'tencent-ci/fixtures/workflow-failed-two-tasks.json',
  'qiniu/fixtures/pfop-succeeded.json',
  'qiniu/fixtures/pfop-failed-mixed.json',
  'tdmq/fixtures/envelope-xml-body-succeeded.json',
  'tdmq/fixtures/simplified-json-failed.json',
  'tdmq/fixtures/simplified-xml-succeeded.xml',
  'tencent-ci/fixtures/concat-succeeded.json',
].map(fixture);
const COMPARED_NAMES = new Set(COMPARED.map((f) => f.name));
// Distinct outcomes, so that none of them is a duplicate of another.
for (const f of COMPARED)
  if (f.sameOutcomeAs.some((other) => COMPARED_NAMES.has(other)))
    throw new Error(`${f.name} has the same outcome as another compared fixture`);

let cluster: RedisCluster;
let client: Cluster;
let events: Queue;
let quarantine: Queue;
let jobhook: RunningJobhook;
let single: RedisServer;
let reference: RunningJobhook;

/** What beforeAll started, stopped in reverse order by afterAll even when beforeAll failed halfway. */
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const [startedCluster, startedSingle] = await Promise.allSettled([
    RedisCluster.start(),
    RedisServer.start(),
  ]);
  if (startedCluster.status === 'fulfilled') cleanups.push(() => startedCluster.value.stop());
  if (startedSingle.status === 'fulfilled') cleanups.push(() => startedSingle.value.stop());
  if (startedCluster.status === 'rejected') throw startedCluster.reason;
  if (startedSingle.status === 'rejected') throw startedSingle.reason;
  cluster = startedCluster.value;
  single = startedSingle.value;
  client = cluster.client();
  cleanups.push(() => client.quit());
  events = new Queue(EVENTS_QUEUE, { connection: client, prefix: PREFIX });
  quarantine = new Queue(QUARANTINE_QUEUE, { connection: client, prefix: PREFIX });
  cleanups.push(
    () => events.close(),
    () => quarantine.close(),
  );
  reference = await startJobhook(single);
  cleanups.push(() => reference.stop());
  // The real service (receiver and worker roles) on the cluster, configured as an operator would.
  jobhook = await startJobhook(
    { url: cluster.urls },
    {
      JOBHOOK_REDIS_CLUSTER: 'true',
      JOBHOOK_REDIS_PREFIX: PREFIX,
      JOBHOOK_EMBEDDED_REDIS: 'never',
      JOBHOOK_ROLE: 'all',
      JOBHOOK_STORE_TIMEOUT_MS: '2000',
    },
  );
  expect(jobhook.config).toMatchObject({ redisCluster: true, redisPrefix: PREFIX, redisUrl: cluster.urls });
  cleanups.push(() => jobhook.stop());
}, 60_000);

afterAll(async () => {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.reverse())
    try {
      await cleanup();
    } catch (error) {
      failures.push(error);
    }
  if (failures.length > 0) throw new AggregateError(failures, 'cleanup failed');
});

/** FLUSHALL on every master: a cluster client would send it to one node only. */
async function flushCluster(): Promise<void> {
  await Promise.all(
    cluster.nodes.map(async (node) => {
      const nodeClient = cluster.nodeClient(node.port);
      try {
        await nodeClient.flushall();
      } finally {
        nodeClient.disconnect();
      }
    }),
  );
}

beforeEach(() => flushCluster());

const clusterEvents = async (): Promise<JobhookEvent[]> =>
  (await events.getJobs([...JOB_STATES])).map((job) => job.data as JobhookEvent);

interface Answer {
  events: { id: string; type: string; duplicate: boolean }[];
  quarantined?: boolean;
}

async function deliver(to: { post: RunningJobhook['post'] }, f: Fixture): Promise<Answer> {
  const response = await to.post(withToken(`/v1/callbacks/${f.route}`), f.body, f.headers);
  expect(response.status, `${f.name}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as Answer;
}

/** The event without what depends on the moment it was received (`receivedat`, and `time` taken from it). */
function comparable(event: JobhookEvent): Record<string, unknown> {
  const { receivedat, time, ...rest } = event;
  return { ...rest, time: time === receivedat ? '<receive time>' : time };
}

describe('jobhook on a 3-master Redis Cluster', () => {
  it('is ready: /readyz answers 200 with Redis up', async () => {
    const response = await fetch(`${jobhook.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', redis: true, accepting: true });
  });

  it('stores every fixture as the same events a single Redis stores', async () => {
    await flush(single);
    for (const f of COMPARED) {
      const [onCluster, onSingle] = await Promise.all([deliver(jobhook, f), deliver(reference, f)]);
      expect(onCluster.events, f.name).toEqual(onSingle.events);
      expect(onCluster.events.length, f.name).toBe(f.events.length);
      expect(onCluster.events.every((e) => !e.duplicate)).toBe(true);
    }
    const [fromCluster, fromSingle] = await Promise.all([clusterEvents(), storedEvents(single)]);
    const expectedCount = COMPARED.reduce((n, f) => n + f.events.length, 0);
    expect(fromCluster).toHaveLength(expectedCount);
    expect(fromSingle).toHaveLength(expectedCount);
    const singleById = new Map(fromSingle.map((e) => [e.id, e]));
    for (const event of fromCluster) {
      expect(CloudEvent.safeParse(event).error).toBeUndefined();
      const twin = singleById.get(event.id);
      expect(twin, event.id).toBeDefined();
      expect({ id: event.id, type: event.type, source: event.source, subject: event.subject }).toEqual({
        id: twin!.id,
        type: twin!.type,
        source: twin!.source,
        subject: twin!.subject,
      });
      expect(event.data).toEqual(twin!.data);
      expect(comparable(event)).toEqual(comparable(twin!));
    }
  });

  it('collapses the XML and JSON renderings of one outcome into one job', async () => {
    const xml = fixture('tencent-ci/fixtures/transcode-succeeded.xml');
    const json = fixture('tencent-ci/fixtures/transcode-succeeded.json');
    expect(xml.sameOutcomeAs).toContain(json.name);
    const first = await deliver(jobhook, xml);
    const second = await deliver(jobhook, json);
    const id = first.events[0]?.id;
    expect(first.events).toEqual([{ id, type: 'tencent.ci.job.succeeded', duplicate: false }]);
    expect(second.events).toEqual([{ id, type: 'tencent.ci.job.succeeded', duplicate: true }]);
    const stored = await clusterEvents();
    expect(stored.map((e) => e.id)).toEqual([id]);
    expect(await client.get(`${PREFIX}:${EVENTS_QUEUE}:de:${id ?? ''}`)).toBe(id);
    // And again once the job was consumed and removed as BullMQ's retention removes it (removeOnComplete keeps
    // the deduplication key; an explicit job.remove() deletes it on purpose): it still collapses.
    await client.del(`${PREFIX}:${EVENTS_QUEUE}:${id ?? ''}`);
    await client.lrem(`${PREFIX}:${EVENTS_QUEUE}:wait`, 0, id ?? '');
    expect(await clusterEvents()).toHaveLength(0);
    expect((await deliver(jobhook, xml)).events[0]?.duplicate).toBe(true);
    expect(await clusterEvents()).toHaveLength(0);
  });

  it("keeps all of jobhook's keys in the one slot of the {jobhook} hash tag", async () => {
    for (const f of COMPARED) await deliver(jobhook, f);
    const quarantined = await deliver(
      jobhook,
      fixture('tdmq/fixtures/envelope-garbage-body-quarantined.json'),
    );
    expect(quarantined.quarantined).toBe(true);
    expect(await quarantine.getJobCounts('wait')).toEqual({ wait: 1 });

    const slot = await client.cluster('KEYSLOT', PREFIX);
    const keys: string[] = [];
    for (const node of cluster.nodes) {
      const nodeClient = cluster.nodeClient(node.port);
      try {
        let cursor = '0';
        do {
          const [next, found] = await nodeClient.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
          keys.push(...found);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        nodeClient.disconnect();
      }
    }
    // The queue's bookkeeping, its jobs, the deduplication keys and the quarantine queue are all there...
    expect(keys).toContain(`${PREFIX}:${EVENTS_QUEUE}:wait`);
    expect(keys).toContain(`${PREFIX}:${EVENTS_QUEUE}:meta`);
    expect(keys).toContain(`${PREFIX}:${QUARANTINE_QUEUE}:wait`);
    expect(keys.filter((k) => k.startsWith(`${PREFIX}:${EVENTS_QUEUE}:de:`)).length).toBeGreaterThan(0);
    // ...and all in one slot.
    const slots = await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key)));
    expect(new Set(slots)).toEqual(new Set([slot]));
    // A scan of every master finds no key outside the hash tag either.
    for (const node of cluster.nodes) {
      const nodeClient = cluster.nodeClient(node.port);
      try {
        const all = await nodeClient.keys('*');
        expect(all.filter((k) => !k.startsWith(PREFIX))).toEqual([]);
      } finally {
        nodeClient.disconnect();
      }
    }
  });

  it('lets a BullMQ Worker on the cluster consume the events', async () => {
    const answers = await Promise.all(COMPARED.slice(0, 4).map((f) => deliver(jobhook, f)));
    const ids = answers.flatMap((a) => a.events.map((e) => e.id)).sort();
    expect(ids.length).toBeGreaterThan(4);

    const consumed: JobhookEvent[] = [];
    const connection = cluster.client();
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const worker = new Worker(
      EVENTS_QUEUE,
      (job) => {
        consumed.push(job.data as JobhookEvent);
        if (consumed.length === ids.length) done();
        return Promise.resolve(job.name);
      },
      { connection, prefix: PREFIX },
    );
    worker.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        all,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`consumed only ${consumed.length} events`)), 10_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      await worker.close();
      await connection.quit();
    }
    expect(consumed.map((e) => e.id).sort()).toEqual(ids);
    for (const event of consumed) expect(CloudEvent.safeParse(event).error).toBeUndefined();
    expect(await events.getJobCounts('completed', 'wait', 'active', 'failed')).toEqual({
      completed: ids.length,
      wait: 0,
      active: 0,
      failed: 0,
    });
  });
  it('logs no Redis warning or error on the cluster (settings readable, connections healthy)', () => {
    const levels = jobhook.logs.map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels.length).toBeGreaterThan(0);
    expect(jobhook.logs.filter((_line, i) => ['warn', 'error', 'fatal'].includes(levels[i] ?? ''))).toEqual(
      [],
    );
  });
});

describe('handlers, subscriptions and dead letters on the cluster', () => {
  let worker: RunningJobhook;
  let dir: string;
  const queue = (name: string): Queue => {
    const q = new Queue(name, { connection: client, prefix: PREFIX });
    cleanups.push(() => q.close());
    return q;
  };

  beforeAll(async () => {
    ({ dir } = await writeHarnessConfig({
      handlers: [
        { name: 'every', on: { type: '*' } },
        { name: 'doomed', on: { type: 'tencent.ci.job.succeeded' }, retry: { attempts: 1 } },
        { name: 'emitter', on: { type: 'tencent.ci.workflow.*' } },
      ],
      subscriptions: [{ queue: 'copies', on: { type: '*' } }],
    }));
    worker = await startJobhook(
      { url: cluster.urls },
      {
        JOBHOOK_REDIS_CLUSTER: 'true',
        JOBHOOK_REDIS_PREFIX: PREFIX,
        JOBHOOK_EMBEDDED_REDIS: 'never',
        JOBHOOK_ROLE: 'worker',
        JOBHOOK_CONFIG: join(dir, 'jobhook.config.mjs'),
      },
    );
    const { hooks } = shared();
    hooks.doomed = () => {
      throw new Error('refused on purpose');
    };
    hooks.emitter = async (_event, ctx) => {
      await ctx.emit('app.workflow.seen', { ok: true });
    };
  }, 60_000);
  afterAll(async () => {
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('dispatches, runs, copies and dead-letters every event, all keys in the one slot', async () => {
    const answers = [];
    for (const f of COMPARED) answers.push(await deliver(jobhook, f));
    const ids = answers.flatMap((a) => a.events.map((e) => e.id));
    const succeeded = answers.flatMap((a) => a.events.filter((e) => e.type === 'tencent.ci.job.succeeded'));
    const workflows = answers.flatMap((a) =>
      a.events.filter((e) => e.type.startsWith('tencent.ci.workflow.')),
    );
    expect(succeeded.length).toBeGreaterThan(0);
    expect(workflows.length).toBeGreaterThan(0);
    const { runs } = shared();
    const every = (): Set<string> => new Set(runs.filter((r) => r.handler === 'every').map((r) => r.id));
    // Every event, and what the emitter emitted for each workflow event.
    for (let i = 0; i < 400 && every().size < ids.length + workflows.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(every().size).toBe(ids.length + workflows.length);
    const dead = queue('jobhook-dead');
    for (let i = 0; i < 200 && (await dead.count()) < succeeded.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await dead.getJobs(['waiting'])).map((job) => job.id).sort()).toEqual(
      succeeded.map((e) => `${e.id}.doomed`).sort(),
    );
    const copies = await queue('copies').getJobs(['waiting']);
    expect(new Set(copies.map((job) => job.id))).toEqual(
      new Set([...ids, ...runs.filter((r) => r.type.startsWith('app.')).map((r) => r.id)]),
    );

    const slot = await client.cluster('KEYSLOT', PREFIX);
    const keys: string[] = [];
    for (const node of cluster.nodes) {
      const nodeClient = cluster.nodeClient(node.port);
      try {
        keys.push(...(await nodeClient.keys('*')));
      } finally {
        nodeClient.disconnect();
      }
    }
    for (const name of ['jobhook-handler-every', 'jobhook-handler-doomed', 'copies', 'jobhook-dead'])
      expect(keys).toContain(`${PREFIX}:${name}:meta`);
    const slots = await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key)));
    expect(new Set(slots)).toEqual(new Set([slot]));
    const warnings = worker.logs.filter((line) => /"level":"(warn|fatal)"/.test(line));
    expect(warnings).toEqual([]);
  });
});

describe('configuration for a Redis Cluster', () => {
  it.each([['bull'], ['jobhook'], ['{}jobhook'], ['{}{jobhook}'], ['a{}b{c}'], [undefined]])(
    'refuses the prefix %s (no hash tag) with a ConfigError naming JOBHOOK_REDIS_PREFIX',
    (prefix) => {
      const load = () =>
        loadConfig({
          REDIS_URL: cluster.urls,
          JOBHOOK_REDIS_CLUSTER: 'true',
          JOBHOOK_REDIS_PREFIX: prefix,
        });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/JOBHOOK_REDIS_PREFIX/);
    },
  );

  it('accepts several seed URLs with a hash-tagged prefix', () => {
    expect(
      loadConfig({ REDIS_URL: cluster.urls, JOBHOOK_REDIS_CLUSTER: 'true', JOBHOOK_REDIS_PREFIX: PREFIX }),
    ).toMatchObject({ redisCluster: true, redisPrefix: PREFIX, redisUrl: cluster.urls });
  });
});

describe('probing a cluster', () => {
  it('finds the cluster when the first seed is down', async () => {
    const { probeRedis } = await import('../src/redis/connect.js');
    expect(await probeRedis(`redis://127.0.0.1:1,${cluster.urls}`, 1000)).toBe(true);
    expect(await probeRedis('redis://127.0.0.1:1,redis://127.0.0.1:2', 500)).toBe(false);
  });
});
