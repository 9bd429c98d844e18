import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetters } from '../src/queue/dead-letters.js';
import { isMarker, Ledger, submitMarker, type LedgerJob } from '../src/queue/ledger.js';
import { createRedis } from '../src/redis/connect.js';
import { RedisServer } from './helpers/redis-server.js';

const RETENTION_MS = 3_600_000;
let server: RedisServer;
let redis: Redis;
let ledger: Ledger;

const job = (jobId: string, fields: Partial<LedgerJob> = {}): LedgerJob => ({
  provider: 'tencent-ci',
  kind: 'job',
  jobId,
  api: 'tencent-ci.file-job',
  handler: 'hash-archives',
  causationId: 'cause-1',
  correlationId: 'chain-1',
  marker: submitMarker('cause-1', 'hash-archives'),
  submittedAt: '2026-12-04T10:00:00Z',
  deadline: '2026-12-04T11:00:00Z',
  bucket: 'media-1250000000',
  region: 'ap-guangzhou',
  state: 'pending',
  ...fields,
});

const at = (iso: string): number => Date.parse(iso);

beforeAll(async () => {
  server = await RedisServer.start();
  redis = createRedis(server.url, { name: 'test', mode: 'blocking', connectTimeoutMs: 2000 }) as Redis;
  await redis.connect();
  ledger = new Ledger({ redis, prefix: 'bull', retentionMs: RETENTION_MS, timeoutMs: 2000 });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

describe('the job ledger', () => {
  it('derives markers from the event and the handler, and recognizes them', () => {
    const marker = submitMarker('e1', 'h');
    expect(isMarker(marker)).toBe(true);
    expect(marker).toBe(submitMarker('e1', 'h'));
    expect(marker).not.toBe(submitMarker('e1', 'h2'));
    expect(marker).not.toBe(submitMarker('e1', 'h', 'second'));
    expect(isMarker('req=7f3c')).toBe(false);
    expect(isMarker(undefined)).toBe(false);
  });

  it('records an intent once: a second begin finds the first, with its start time', async () => {
    const marker = submitMarker('e1', 'h');
    const intent = {
      provider: 'tencent-ci',
      api: 'tencent-ci.file-job',
      handler: 'h',
      causationId: 'e1',
      correlationId: 'c1',
    };
    expect(await ledger.begin(marker, intent)).toBeUndefined();
    const again = await ledger.begin(marker, { ...intent, handler: 'other' });
    expect(again).toMatchObject({ status: 'calling', handler: 'h', causationId: 'e1', correlationId: 'c1' });
    expect(again!.startedAt).toBeGreaterThan(Date.now() - 60_000);
    const ttl = await redis.pttl(`bull:jobhook-ledger:intent:${marker}`);
    expect(ttl).toBeGreaterThan(RETENTION_MS - 60_000);
    await ledger.abandon(marker);
    expect(await ledger.begin(marker, intent)).toBeUndefined();
  });

  it('links a callback to its cause by the marker before the submit’s answer was recorded, by the job id after', async () => {
    const entry = job('f0000000000000000000000000000001');
    const intent = {
      provider: 'tencent-ci',
      api: entry.api,
      handler: entry.handler,
      causationId: 'cause-1',
      correlationId: 'chain-1',
    };
    await ledger.begin(entry.marker, intent);
    const early = await ledger.lineage({
      provider: 'tencent-ci',
      jobId: entry.jobId,
      marker: entry.marker,
      state: 'succeeded',
      at: at('2026-12-04T10:05:00Z'),
    });
    expect(early).toEqual({ causationId: 'cause-1', correlationId: 'chain-1', stale: false });
    expect(
      await ledger.lineage({
        provider: 'tencent-ci',
        jobId: entry.jobId,
        marker: undefined,
        state: 'succeeded',
        at: 0,
      }),
    ).toBeUndefined();
    await ledger.submitted(entry.marker, entry);
    expect(await ledger.begin(entry.marker, intent)).toMatchObject({
      status: 'submitted',
      jobId: entry.jobId,
    });
    // The entry, with the state of the callback that came first.
    expect(await ledger.get('tencent-ci', entry.jobId)).toEqual({
      ...entry,
      state: 'succeeded',
      uin: undefined,
    });
    const late = await ledger.lineage({
      provider: 'tencent-ci',
      jobId: entry.jobId,
      marker: undefined,
      state: 'pending',
      at: at('2026-12-04T10:01:00Z'),
    });
    // Pending after the terminal callback that came first: stale.
    expect(late).toEqual({ causationId: 'cause-1', correlationId: 'chain-1', stale: true });
  });

  it('moves a job’s state only forward: pending after terminal and older terminals are stale', async () => {
    const entry = job('f0000000000000000000000000000002');
    await ledger.submitted(entry.marker, entry);
    const ask = (state: string, when: string) =>
      ledger.lineage({ provider: 'tencent-ci', jobId: entry.jobId, marker: undefined, state, at: at(when) });
    expect((await ask('pending', '2026-12-04T10:01:00Z'))?.stale).toBe(false);
    expect((await ask('succeeded', '2026-12-04T10:05:00Z'))?.stale).toBe(false);
    expect((await ledger.get('tencent-ci', entry.jobId))?.state).toBe('succeeded');
    expect((await ask('pending', '2026-12-04T10:06:00Z'))?.stale).toBe(true);
    expect((await ask('failed', '2026-12-04T10:04:00Z'))?.stale).toBe(true);
    expect((await ledger.get('tencent-ci', entry.jobId))?.state).toBe('succeeded');
    // The same outcome again (a duplicate) is not stale.
    expect((await ask('succeeded', '2026-12-04T10:05:00Z'))?.stale).toBe(false);
  });

  it('keeps a state a callback recorded before the submission was', async () => {
    const entry = job('f0000000000000000000000000000003');
    await ledger.begin(entry.marker, {
      provider: 'tencent-ci',
      api: entry.api,
      handler: entry.handler,
      causationId: 'cause-1',
      correlationId: 'chain-1',
    });
    // The job's terminal callback, then the (late) record of the submission.
    await ledger.submitted(entry.marker, entry);
    await ledger.advance('tencent-ci', entry.jobId, 'failed', at('2026-12-04T10:02:00Z'));
    await ledger.submitted(entry.marker, entry);
    expect((await ledger.get('tencent-ci', entry.jobId))?.state).toBe('failed');
  });

  it('answers many events in one call, and keeps entries for the retention', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => job(`f${String(i).padStart(32, '0')}`));
    for (const entry of entries) await ledger.submitted(entry.marker, entry);
    await redis.config('RESETSTAT');
    const lineages = await Promise.all(
      [...entries, job('unknown')].map((entry) =>
        ledger.lineage({
          provider: 'tencent-ci',
          jobId: entry.jobId,
          marker: undefined,
          state: 'pending',
          at: 1,
        }),
      ),
    );
    expect(lineages.filter((l) => l !== undefined)).toHaveLength(20);
    expect(lineages.at(-1)).toBeUndefined();
    const stats = await redis.info('commandstats');
    expect(
      Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0) +
        Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0),
    ).toBe(1);
    expect(await redis.pttl(`bull:jobhook-ledger:job:tencent-ci:${entries[0]!.jobId}`)).toBeGreaterThan(
      RETENTION_MS - 60_000,
    );
  });
});

describe('retrying a SubmitOutcomeUnknown dead letter', () => {
  it('forgets the intent its message names, so the retried run submits again; other entries keep theirs', async () => {
    const letters = new DeadLetters(redis, 'bull');
    const marker = submitMarker('cause-2', 'hash-archives');
    const other = submitMarker('cause-3', 'hash-archives');
    const intent = {
      provider: 'qiniu',
      api: 'qiniu.pfop',
      handler: 'hash-archives',
      causationId: 'c',
      correlationId: 'c',
    };
    for (const m of [marker, other]) expect(await ledger.begin(m, intent)).toBeUndefined();
    const event = { id: 'cause-2', type: 'tencent.ci.job.succeeded', source: '/tencent-ci', data: {} };
    const entry = (code: string, m: string) => ({
      handler: 'hash-archives',
      event: event as never,
      attempts: 2,
      error: { name: 'NonRetryableError', message: `qiniu.pfop: lost (marker ${m})`, code },
      failedAt: new Date().toISOString(),
    });
    await letters.add('cause-2', entry('SubmitOutcomeUnknown', marker));
    await letters.add('cause-3', entry('Refused', other));
    for (const job of await letters.queue.getJobs(['waiting', 'delayed', 'completed', 'failed']))
      await letters.retry(job, { attempts: 1 });
    // The unknown one: a new begin finds no intent (it may submit); the refused one's intent is untouched.
    expect(await ledger.begin(marker, intent)).toBeUndefined();
    expect(await ledger.begin(other, intent)).toMatchObject({ status: 'calling' });
    await letters.close();
  });
});
