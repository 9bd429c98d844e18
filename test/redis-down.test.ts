import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobhook, storedEvents, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const callback = (jobId: string): string =>
  `<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>${jobId}</JobId><State>Success</State><Tag>Transcode</Tag></JobsDetail></Response>`;

let redis: RedisServer;
let jobhook: RunningJobhook;

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis, { JOBHOOK_STORE_TIMEOUT_MS: '800', JOBHOOK_SPOOL_MAX_BYTES: '0' });
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});

/** Posts with a generous client-side bound: a request that hangs fails the test instead of passing late. */
const post = (body: string): Promise<Response> =>
  fetch(`${jobhook.url}${withToken('/v1/callbacks/tencent-ci')}`, {
    method: 'POST',
    body,
    signal: AbortSignal.timeout(10_000),
  });

describe('when Redis does not answer and the spool is off', () => {
  it('answers 503 with Retry-After when Redis is down, 200 again once it is back, and loses nothing', async () => {
    expect((await post(callback('j-before'))).status).toBe(200);
    await redis.kill();
    const refused = await post(callback('j-during'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('StoreUnavailable');
    expect((await fetch(`${jobhook.url}/readyz`)).status).toBe(503);

    await redis.launch();
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      status = (await post(callback('j-during'))).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    const ids = (await storedEvents(redis)).map((event) => event.subject).sort();
    expect(ids).toEqual(['j-before', 'j-during']);
  });

  it('answers 503 when Redis hangs (connection open, no answer) instead of waiting', async () => {
    redis.pause();
    try {
      const response = await post(callback('j-frozen'));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
    } finally {
      redis.resume();
    }
    // The write was sent before the deadline, so it may land late; the sender's retry is then a duplicate.
    let answer: { events: { duplicate: boolean }[] } | undefined;
    for (let attempt = 0; attempt < 100 && answer === undefined; attempt++) {
      const retry = await post(callback('j-frozen'));
      if (retry.status === 200) answer = (await retry.json()) as { events: { duplicate: boolean }[] };
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answer?.events).toHaveLength(1);
    const frozen = (await storedEvents(redis)).filter((event) => event.subject === 'j-frozen');
    expect(frozen).toHaveLength(1);
  });
});
