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

  it('starts the worker role with its own endpoints and no receiver, and stops it cleanly', async () => {
    const worker = await startJobhook(redis, { JOBHOOK_ROLE: 'worker' });
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', worker: true });
    expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
    const callback = await worker.post(withToken('/v1/callbacks/tencent-ci'), '<Response/>');
    expect(callback.status).toBe(404);
    expect(worker.logs.some((line) => line.includes('no configuration file'))).toBe(true);
    await worker.stop();
    expect(worker.logs.some((line) => line.includes('worker stopped'))).toBe(true);
  });
});
