import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { batchEvent } from '../src/providers/tencent-cos-batch/normalize.js';
import { BullmqStore } from '../src/queue/bullmq-store.js';
import { Ledger, submitMarker, type LedgerJob } from '../src/queue/ledger.js';
import { PollSchedule, startPoller } from '../src/queue/poller.js';
import { createRedis } from '../src/redis/connect.js';
import { RedisServer } from './helpers/redis-server.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = createRedis(server.url, { name: 'test', mode: 'blocking', connectTimeoutMs: 2000 }) as Redis;
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const JOB_ID = '9afaabb8-8249-457a-a2b2-e5f77b201ecc';
const ENDED = '2026-12-06T21:38:29Z';

it('a polled terminal state is recorded at the event’s own time, so the event’s dispatch is not stale', async () => {
  const logger = createLogger('silent');
  const ledger = new Ledger({ redis, prefix: 'bull', retentionMs: 3_600_000, timeoutMs: 2000 });
  const store = new BullmqStore({
    redis,
    prefix: 'bull',
    dedupeWindowMs: 60_000,
    completedRetentionSeconds: 3600,
    timeoutMs: 2000,
    logger,
  });
  await store.prepare();
  const entry: LedgerJob = {
    provider: 'tencent-cos-batch',
    kind: 'batch',
    jobId: JOB_ID,
    api: 'tencent-cos-batch.job',
    handler: 'copy',
    causationId: 'cause-1',
    correlationId: 'chain-1',
    marker: submitMarker('cause-1', 'copy'),
    submittedAt: new Date().toISOString(),
    deadline: new Date(Date.now() + 600_000).toISOString(),
    bucket: undefined,
    region: 'ap-guangzhou',
    uin: '100000000001',
    state: 'pending',
  };
  await ledger.submitted(entry.marker, entry);
  // The job ended before the poll that finds it (as every polled job does).
  const event = batchEvent(
    { JobId: JOB_ID, Status: 'Complete', TerminationDate: ENDED },
    {},
    { region: 'ap-guangzhou', uin: '100000000001' },
    { channel: 'poll', receivedAt: new Date().toISOString() },
  );
  expect(Date.parse(event.time)).toBeLessThan(Date.now());
  const poller = startPoller({
    redis,
    prefix: 'bull',
    ledger,
    store,
    describe: () => Promise.resolve({ found: true, state: 'succeeded', events: [event] }),
    giveUpMs: 86_400_000,
    lockDurationMs: 30_000,
    concurrency: 1,
    logger,
  });
  const schedule = new PollSchedule(redis, 'bull', 3600);
  try {
    void poller.run();
    await schedule.schedule(entry, 0, true);
    const deadline = Date.now() + 10_000;
    while ((await ledger.get(entry.provider, JOB_ID))?.state !== 'succeeded' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await ledger.get(entry.provider, JOB_ID))?.state).toBe('succeeded');
    // What the dispatcher asks when it takes the stored event.
    const lineage = await ledger.lineage({
      provider: entry.provider,
      jobId: JOB_ID,
      marker: undefined,
      state: 'succeeded',
      at: Date.parse(event.time),
    });
    expect(lineage).toEqual({ causationId: 'cause-1', correlationId: 'chain-1', stale: false });
  } finally {
    await poller.close();
    await schedule.close();
    await store.close();
  }
});
