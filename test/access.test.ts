import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobhook, TEST_TOKEN, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const callback =
  '<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>j-access</JobId><State>Success</State></JobsDetail></Response>';

let redis: RedisServer;
const running: RunningJobhook[] = [];
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  for (const jobhook of running) await jobhook.stop();
  await redis.stop();
});
const start = async (env: Record<string, string>): Promise<RunningJobhook> => {
  const jobhook = await startJobhook(redis, env);
  running.push(jobhook);
  return jobhook;
};
const code = async (response: Response): Promise<string | undefined> =>
  ((await response.json()) as { error?: { code: string } }).error?.code;

describe('address allowlist', () => {
  it('refuses addresses outside JOBHOOK_ALLOW_CIDRS with 403, before looking at the token', async () => {
    const jobhook = await start({ JOBHOOK_ALLOW_CIDRS: '10.0.0.0/8' });
    const response = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), callback);
    expect(response.status).toBe(403);
    expect(await code(response)).toBe('Forbidden');
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const jobhook = await start({ JOBHOOK_ALLOW_CIDRS: '10.0.0.0/8', JOBHOOK_TRUSTED_PROXIES: '127.0.0.1' });
    const forwarded = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), callback, {
      'x-forwarded-for': '10.1.2.3',
    });
    expect(forwarded.status).toBe(200);
    const untrusted = await start({
      JOBHOOK_ALLOW_CIDRS: '10.0.0.0/8',
      JOBHOOK_TRUSTED_PROXIES: '192.0.2.1',
    });
    const spoofed = await untrusted.post(withToken('/v1/callbacks/tencent-ci'), callback, {
      'x-forwarded-for': '10.1.2.3',
    });
    expect(spoofed.status).toBe(403);
  });
});

describe('rate limits', () => {
  it('answers 429 to an address that keeps failing authentication, never to a valid token', async () => {
    const jobhook = await start({ JOBHOOK_AUTH_FAILURES_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await jobhook.post('/v1/callbacks/tencent-ci?token=wrong', callback)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const valid = await jobhook.post('/v1/callbacks/tencent-ci', callback, {
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    expect(valid.status).toBe(200);
  });

  it('limits requests per address when JOBHOOK_RATE_LIMIT_PER_SECOND is set', async () => {
    const jobhook = await start({ JOBHOOK_RATE_LIMIT_PER_SECOND: '1' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await jobhook.post(withToken('/v1/callbacks/tencent-ci'), callback)).status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    const limited = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), callback);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });
});

describe('token rotation', () => {
  it('accepts every configured token at once', async () => {
    const jobhook = await start({ JOBHOOK_TOKENS: 'old-token-1, new-token-2' });
    for (const token of ['old-token-1', 'new-token-2'])
      expect((await jobhook.post(`/v1/callbacks/tencent-ci?token=${token}`, callback)).status).toBe(200);
    expect((await jobhook.post('/v1/callbacks/tencent-ci?token=old-token', callback)).status).toBe(401);
  });
});
