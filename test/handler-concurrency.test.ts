import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withToken } from './helpers/jobhook.js';
import { startHarness, until, type Harness } from './helpers/handler-harness.js';
import { RedisServer } from './helpers/redis-server.js';

const FIXTURE = join(import.meta.dirname, '../src/providers/tencent-ci/fixtures/transcode-succeeded.xml');
const JOB_ID = 'j4b1e7c2a9f3d11efa6c05254001a2b3c';
const RUNS = 16;

let redis: RedisServer;
let harness: Harness;

beforeAll(async () => {
  redis = await RedisServer.start();
  harness = await startHarness(redis, { handlers: [{ name: 'wide', on: { type: '*' }, concurrency: RUNS }] });
});
afterAll(async () => {
  await harness.stop();
  await redis.stop();
});

it('more runs in flight than an EventTarget’s default 10 listeners: no MaxListenersExceededWarning', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let running = 0;
  harness.hooks['wide'] = async () => {
    running++;
    await released;
  };
  try {
    const body = await readFile(FIXTURE, 'utf8');
    for (let i = 0; i < RUNS; i++) {
      const id = `j${i.toString(16).padStart(32, '0')}`;
      const answer = await harness.jobhook.post(
        withToken('/v1/callbacks/tencent-ci'),
        body.replaceAll(JOB_ID, id),
      );
      expect(answer.status).toBe(200);
    }
    expect(await until(() => running === RUNS)).toBe(true);
    release();
    expect(await until(() => harness.runs.length === RUNS)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  } finally {
    release();
    process.off('warning', onWarning);
  }
});
