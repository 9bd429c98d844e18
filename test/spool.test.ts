import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobhook, storedEvents, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const callback = (jobId: string): string =>
  `<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>${jobId}</JobId><State>Success</State><Tag>Transcode</Tag></JobsDetail></Response>`;

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis.stop();
});

interface Answer {
  events: { id: string; duplicate: boolean }[];
  spooled?: boolean;
  quarantined?: boolean;
}
interface Ready {
  redis: boolean;
  spool: { records: number; bytes: number; oldestAgeSeconds: number };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 75));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the local spool', () => {
  let jobhook: RunningJobhook;
  const post = (body: string): Promise<Response> =>
    fetch(`${jobhook.url}${withToken('/v1/callbacks/tencent-ci')}`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(10_000),
    });

  beforeAll(async () => {
    jobhook = await startJobhook(redis, { JOBHOOK_STORE_TIMEOUT_MS: '800' });
  });
  afterAll(async () => {
    await jobhook.stop();
  });

  it('answers 2xx "spooled" while Redis is down and moves everything into jobhook-events when it is back', async () => {
    await redis.kill();
    const answers: Answer[] = [];
    for (const id of ['s1', 's2', 's3']) {
      const response = await post(callback(id));
      expect(response.status).toBe(200);
      answers.push((await response.json()) as Answer);
    }
    const quarantine = await post('{"unknown":"shape"}');
    expect(await quarantine.json()).toEqual({ events: [], quarantined: true, spooled: true });
    expect(answers.every((a) => a.spooled === true && a.events.length === 1)).toBe(true);
    const ready = await fetch(`${jobhook.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as Ready).spool.records).toBe(4);
    const metrics = await (await fetch(`${jobhook.url}/metrics`)).text();
    expect(metrics).toMatch(/jobhook_spool_records 4/);

    await redis.launch();
    await until(async () => (await storedEvents(redis)).length === 3, 'the spool to drain');
    const stored = await storedEvents(redis);
    expect(stored.map((e) => e.subject)).toEqual(expect.arrayContaining(['s1', 's2', 's3']));
    expect(stored.map((e) => e.id).sort()).toEqual(answers.map((a) => a.events[0]?.id).sort());
    await until(
      async () => ((await (await fetch(`${jobhook.url}/readyz`)).json()) as Ready).spool.records === 0,
      'an empty spool',
    );

    // A redelivery after the drain is a duplicate of the spooled copy.
    const again = (await (await post(callback('s2'))).json()) as Answer;
    expect(again.events[0]?.duplicate).toBe(true);
  });
});

describe('a full spool', () => {
  it('answers 503 with Retry-After once the spool cannot take more', async () => {
    const jobhook = await startJobhook(redis, {
      JOBHOOK_SPOOL_MAX_BYTES: '2048',
      JOBHOOK_STORE_TIMEOUT_MS: '500',
    });
    try {
      await redis.kill();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), callback(`full-${i}`));
        statuses.push(response.status);
        if (response.status === 503) expect(response.headers.get('retry-after')).not.toBeNull();
      }
      expect(statuses[0]).toBe(200);
      expect(statuses.at(-1)).toBe(503);
      await redis.launch();
      const accepted = statuses.filter((s) => s === 200).length;
      await until(async () => (await storedEvents(redis)).length === accepted, 'the spool to drain');
    } finally {
      await jobhook.stop();
    }
  });
});
