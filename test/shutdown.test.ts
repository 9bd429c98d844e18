import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobhook, storedEvents, withToken } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.stop();
});

const callback =
  '<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>j-inflight</JobId><State>Success</State></JobsDetail></Response>';

describe('graceful shutdown', () => {
  it('finishes an in-flight request, then refuses new connections', async () => {
    const jobhook = await startJobhook(redis, { JOBHOOK_SHUTDOWN_GRACE_MS: '5000' });
    const { port } = new URL(jobhook.url);
    // Start a request and send only half of its body.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: withToken('/v1/callbacks/tencent-ci'),
          headers: { 'content-length': Buffer.byteLength(callback) },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(callback.slice(0, 40));
      setTimeout(() => req.end(callback.slice(40)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = jobhook.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(fetch(`${jobhook.url}/healthz`)).rejects.toThrow();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toContain('"duplicate":false');
    await stopped;
    expect((await storedEvents(redis)).map((e) => e.subject)).toEqual(['j-inflight']);
  });

  it('starts and stops the worker role cleanly', async () => {
    const worker = await startJobhook(redis, { JOBHOOK_ROLE: 'worker' });
    expect(worker.service.url).toBeUndefined();
    await worker.stop();
    expect(worker.logs.some((line) => line.includes('worker stopped'))).toBe(true);
  });
});
