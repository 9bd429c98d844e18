import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../src/events/types.js';
import { NonRetryableError } from '../src/handlers/errors.js';
import type { DeadLetter } from '../src/queue/dead-letters.js';
import { flush, storedEvents, withToken } from './helpers/jobhook.js';
import { startHarness, until, type Harness } from './helpers/handler-harness.js';
import { RedisServer } from './helpers/redis-server.js';
import { tdmqEnvelope } from './faults/load.js';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../src/handlers/forward/test-receiver.js';

const FIXTURES = join(import.meta.dirname, '../src/providers/tencent-ci/fixtures');
const fixture = (name: string): Promise<Buffer> => readFile(join(FIXTURES, name));

let redis: RedisServer;
let harness: Harness | undefined;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await flush(redis);
});

type Answer = { id: string; type: string; duplicate: boolean }[];

const post = async (name: string, route = '/v1/callbacks/tencent-ci'): Promise<Answer> =>
  postBody(await fixture(name), route);

async function postBody(body: string | Buffer, route: string): Promise<Answer> {
  const response = await harness!.jobhook.post(withToken(route), body);
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: Answer }).events;
}

const idle = async (h: Harness, queues: readonly string[]): Promise<boolean> => {
  for (const name of queues) {
    const counts = await h.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).some((n) => n > 0)) return false;
  }
  return true;
};

describe('handlers and subscriptions', () => {
  it('runs every matching handler once per event and copies it into every matching subscription', async () => {
    harness = await startHarness(redis, {
      handlers: [
        { name: 'all-jobs', on: { type: 'tencent.ci.job.*' } },
        { name: 'transcodes', on: { type: 'tencent.ci.job.succeeded', data: { tag: 'Transcode' } } },
        { name: 'qiniu', on: { type: 'qiniu.pfop.*' } },
      ],
      subscriptions: [
        {
          queue: 'media-done',
          on: { type: 'tencent.ci.job.succeeded', data: { tag: ['Transcode', 'Snapshot'] } },
        },
        { queue: 'failures', on: { type: '*.failed' } },
      ],
    });
    const [transcode] = await post('transcode-succeeded.xml');
    const [failed] = await post('file-uncompress-failed.xml');
    expect(await until(() => harness!.runs.length === 3)).toBe(true);
    expect(
      await until(() =>
        idle(harness!, ['jobhook-events', 'jobhook-handler-all-jobs', 'jobhook-handler-transcodes']),
      ),
    ).toBe(true);
    const ran = harness.runs.map((r) => `${r.handler} ${r.id}`).sort();
    expect(ran).toEqual(
      [`all-jobs ${transcode!.id}`, `all-jobs ${failed!.id}`, `transcodes ${transcode!.id}`].sort(),
    );

    const copies = await harness.queue('media-done').getJobs(['waiting']);
    expect(copies.map((job) => [job.id, job.name])).toEqual([[transcode!.id, 'tencent.ci.job.succeeded']]);
    const stored = (await storedEvents(redis)).find((e) => e.id === transcode!.id);
    expect(copies[0]!.data).toEqual(stored);
    expect((await harness.queue('failures').getJobs(['waiting'])).map((job) => job.id)).toEqual([failed!.id]);
  });

  it('never runs a handler twice for duplicates of a callback (XML, JSON, TDMQ), nor copies twice', async () => {
    harness = await startHarness(redis, {
      handlers: [{ name: 'once', on: { type: '*' } }],
      subscriptions: [{ queue: 'copies', on: { type: '*' } }],
    });
    const first = await post('transcode-succeeded.xml');
    const again = [
      ...(await post('transcode-succeeded.json')),
      ...(await post('transcode-succeeded.xml')),
      ...(await post('transcode-succeeded.xml', '/v1/callbacks')),
      ...(await postBody(
        tdmqEnvelope((await fixture('transcode-succeeded.xml')).toString(), 'msg-1'),
        '/v1/callbacks/tdmq',
      )),
    ];
    expect(again).toHaveLength(4);
    expect(again.every((e) => e.duplicate && e.id === first[0]!.id)).toBe(true);
    expect(await until(() => harness!.runs.length > 0)).toBe(true);
    expect(await until(() => idle(harness!, ['jobhook-events', 'jobhook-handler-once']))).toBe(true);
    // Once settled, another copy after the first was processed and its job completed.
    expect((await post('transcode-succeeded.json'))[0]!.duplicate).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await idle(harness, ['jobhook-events', 'jobhook-handler-once'])).toBe(true);
    expect(harness.runs.map((r) => r.id)).toEqual([first[0]!.id]);
    expect(await harness.queue('copies').count()).toBe(1);
  });

  it('retries a failing run with its backoff, hands on the attempt number, and counts it in the metrics', async () => {
    harness = await startHarness(redis, {
      handlers: [{ name: 'flaky', on: { type: '*' }, retry: { attempts: 4, backoff: 'fixed', delay: 50 } }],
    });
    harness.hooks.flaky = (_event, ctx) => {
      if (ctx.attempt < 3) throw new Error(`not yet (${ctx.attempt})`);
    };
    await post('transcode-succeeded.xml');
    expect(await until(() => harness!.runs.length === 3)).toBe(true);
    expect(await until(() => idle(harness!, ['jobhook-handler-flaky']))).toBe(true);
    expect(harness.runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const metrics = await (await fetch(`${harness.jobhook.url}/metrics`)).text();
    expect(metrics).toContain('jobhook_handler_runs_total{handler="flaky",outcome="retrying"} 2');
    expect(metrics).toContain('jobhook_handler_runs_total{handler="flaky",outcome="succeeded"} 1');
    expect(metrics).toContain('jobhook_handler_retries_total{handler="flaky"} 2');
    expect(metrics).toMatch(/jobhook_handler_duration_seconds_count\{handler="flaky"\} 3/);
    expect(await harness.queue('jobhook-dead').count()).toBe(0);
  });

  it('moves an exhausted run to jobhook-dead with the data of CONTRACT 5.6', async () => {
    harness = await startHarness(redis, {
      handlers: [
        { name: 'doomed', on: { type: 'tencent.ci.job.succeeded' }, retry: { attempts: 2, delay: 10 } },
      ],
    });
    harness.hooks.doomed = () => {
      throw Object.assign(new Error('the archive service said no'), { code: 'E_ARCHIVE' });
    };
    const [event] = await post('transcode-succeeded.xml');
    const dead = harness.queue('jobhook-dead');
    expect(await until(async () => (await dead.count()) === 1)).toBe(true);
    const [entry] = await dead.getJobs(['waiting']);
    const stored = (await storedEvents(redis)).find((e) => e.id === event!.id);
    expect(entry!.id).toBe(`${event!.id}.doomed`);
    expect(entry!.name).toBe('tencent.ci.job.succeeded');
    const data = entry!.data as DeadLetter;
    expect(data).toEqual({
      handler: 'doomed',
      event: stored,
      attempts: 2,
      error: { name: 'Error', message: 'the archive service said no', code: 'E_ARCHIVE' },
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(harness.runs.map((r) => r.attempt)).toEqual([1, 2]);
    const failed = await harness.queue('jobhook-handler-doomed').getJobs(['failed']);
    expect(failed.map((job) => job.id)).toEqual([event!.id]);
    const metrics = await (await fetch(`${harness.jobhook.url}/metrics`)).text();
    expect(metrics).toContain('jobhook_dead_letters 1');
    expect(metrics).toContain('jobhook_queue_jobs{queue="jobhook-handler-doomed",state="failed"} 1');
    expect(metrics).toContain('jobhook_queue_jobs{queue="jobhook-dead",state="waiting"} 1');
    expect(metrics).toContain('jobhook_handler_runs_total{handler="doomed",outcome="dead"} 1');
  });

  it.each([
    ['NonRetryableError', () => new NonRetryableError('bad input', { code: 'BadInput' }), 'BadInput'],
    [
      'an error named NonRetryableError',
      () => Object.assign(new Error('named'), { name: 'NonRetryableError' }),
      undefined,
    ],
    [
      'an error with retryable: false',
      () => Object.assign(new Error('flagged'), { retryable: false }),
      undefined,
    ],
  ])('stops at once on %s', async (_label, make, code) => {
    harness = await startHarness(redis, {
      handlers: [{ name: 'stop', on: { type: '*' }, retry: { attempts: 5, delay: 10 } }],
    });
    harness.hooks.stop = () => {
      throw make();
    };
    await post('transcode-succeeded.xml');
    const dead = harness.queue('jobhook-dead');
    expect(await until(async () => (await dead.count()) === 1)).toBe(true);
    const [entry] = await dead.getJobs(['waiting']);
    expect((entry!.data as DeadLetter).attempts).toBe(1);
    expect((entry!.data as DeadLetter).error.code).toBe(code);
    expect(harness.runs).toHaveLength(1);
  });

  it('aborts a run at its timeout (ctx.signal) and retries it', async () => {
    harness = await startHarness(redis, {
      handlers: [{ name: 'slow', on: { type: '*' }, timeout: 100, retry: { attempts: 2, delay: 10 } }],
    });
    const reasons: string[] = [];
    harness.hooks.slow = (_event, ctx) =>
      new Promise<void>((resolve) => {
        if (ctx.attempt === 2) resolve();
        ctx.signal.addEventListener('abort', () => {
          reasons.push((ctx.signal.reason as Error).name);
          resolve();
        });
      });
    await post('transcode-succeeded.xml');
    expect(await until(() => harness!.runs.length === 2)).toBe(true);
    expect(await until(() => idle(harness!, ['jobhook-handler-slow']))).toBe(true);
    expect(reasons).toEqual(['HandlerTimeoutError']);
    expect(await harness.queue('jobhook-handler-slow').getJobCounts('completed', 'failed')).toEqual({
      completed: 1,
      failed: 0,
    });
  });

  it('keeps one slow handler from delaying another', async () => {
    harness = await startHarness(redis, {
      handlers: [
        { name: 'stuck', on: { type: '*' }, concurrency: 1 },
        { name: 'quick', on: { type: '*' }, concurrency: 2 },
      ],
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let most = 0;
    harness.hooks.stuck = () => held;
    harness.hooks.quick = async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
    };
    const names = [
      'transcode-succeeded.xml',
      'file-uncompress-failed.xml',
      'snapshot-succeeded-series.xml',
      'file-compress-succeeded.xml',
      'doc-process-succeeded.xml',
    ];
    const ids: string[] = [];
    for (const name of names) ids.push(...(await post(name)).map((e) => e.id));
    // Every quick run finishes while the stuck handler still holds its first run.
    expect(await until(() => harness!.runs.filter((r) => r.handler === 'quick').length === ids.length)).toBe(
      true,
    );
    expect(
      await until(
        async () =>
          (await harness!.queue('jobhook-handler-quick').getJobCounts('completed')).completed === ids.length,
      ),
    ).toBe(true);
    expect(harness.runs.filter((r) => r.handler === 'stuck')).toHaveLength(1);
    expect(most).toBeLessThanOrEqual(2);
    release();
    expect(await until(() => harness!.runs.filter((r) => r.handler === 'stuck').length === ids.length)).toBe(
      true,
    );
  });

  it('stores what a handler emits once, through retries, and runs the other handlers on it', async () => {
    harness = await startHarness(redis, {
      handlers: [
        { name: 'thumbs', on: { type: 'tencent.ci.job.succeeded' }, retry: { attempts: 3, delay: 10 } },
        { name: 'listener', on: { type: 'app.*' } },
      ],
    });
    const emitted: { id: string; duplicate: boolean }[] = [];
    harness.hooks.thumbs = async (_event, ctx) => {
      emitted.push(await ctx.emit('app.thumbs.ready', { count: 3 }, { key: 'k1' }));
      if (ctx.attempt === 1) throw new Error('fails after emitting');
    };
    const [cause] = await post('transcode-succeeded.xml');
    expect(await until(() => harness!.runs.some((r) => r.handler === 'listener'))).toBe(true);
    expect(
      await until(() =>
        idle(harness!, ['jobhook-events', 'jobhook-handler-thumbs', 'jobhook-handler-listener']),
      ),
    ).toBe(true);
    expect(emitted.map((e) => e.duplicate)).toEqual([false, true]);
    expect(new Set(emitted.map((e) => e.id)).size).toBe(1);
    const derived = (await storedEvents(redis)).filter(
      (e) => e.id === emitted[0]!.id,
    ) as unknown as AnyEvent[];
    expect(derived).toHaveLength(1);
    expect(derived[0]).toMatchObject({
      type: 'app.thumbs.ready',
      source: '/jobhook/thumbs',
      data: { count: 3 },
      causationid: cause!.id,
      correlationid: cause!.id,
    });
    expect(harness.runs.filter((r) => r.handler === 'listener').map((r) => r.id)).toEqual([emitted[0]!.id]);
    expect(harness.runs.filter((r) => r.handler === 'thumbs').map((r) => r.id)).toEqual([
      cause!.id,
      cause!.id,
    ]);
  });

  it('forwards events signed as Standard Webhooks say, with the same webhook-id on every retry, after Retry-After', async () => {
    const secret = `whsec_${Buffer.from('a secret of at least twenty-four bytes').toString('base64')}`;
    let calls = 0;
    const receiver = await startReceiver((_request, response) => {
      calls++;
      if (calls === 1) response.writeHead(503, { 'retry-after': '2' }).end();
      else response.writeHead(204).end();
    });
    try {
      harness = await startHarness(redis, {
        handlers: [
          {
            name: 'archive',
            on: { type: 'tencent.ci.job.*' },
            forward: { url: `${receiver.url}/hooks?key=abc`, secret, headers: { 'x-archive': 'yes' } },
            retry: { attempts: 3, backoff: 'fixed', delay: 10 },
          },
        ],
      });
      const [event] = await post('transcode-succeeded.xml');
      const runs = harness.queue('jobhook-handler-archive');
      // After the 503 the run waits in the delayed set until Retry-After, not until its 10 ms backoff.
      expect(await until(() => receiver.requests.length === 1)).toBe(true);
      expect(await until(async () => (await runs.getJobCounts('delayed')).delayed === 1)).toBe(true);
      const [delayed] = await runs.getJobs(['delayed']);
      expect(delayed!.delay).toBeGreaterThanOrEqual(2000);
      expect(await until(() => receiver.requests.length === 2, 15_000)).toBe(true);
      expect(await until(async () => (await runs.getJobCounts('completed')).completed === 1)).toBe(true);
      const stored = (await storedEvents(redis)).find((e) => e.id === event!.id);
      for (const request of receiver.requests) {
        expect(request.url).toBe('/hooks?key=abc');
        expect(request.headers['content-type']).toBe('application/cloudevents+json');
        expect(request.headers['x-archive']).toBe('yes');
        expect(request.headers['webhook-id']).toBe(event!.id);
        const verified = new Webhook(secret).verify(request.body.toString('utf8'), {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        });
        expect(verified).toEqual(JSON.parse(JSON.stringify(stored)));
      }
    } finally {
      await receiver.close();
    }
  });

  it('leaves jobhook-events to downstream consumers when no handler or subscription is configured', async () => {
    harness = await startHarness(redis, { handlers: [] });
    const [event] = await post('transcode-succeeded.xml');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waiting = await harness.queue('jobhook-events').getJobs(['waiting']);
    expect(waiting.map((job) => job.id)).toEqual([event!.id]);
  });
});
