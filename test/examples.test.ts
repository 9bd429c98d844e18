import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobhook, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { until } from './helpers/handler-harness.js';
import { RedisServer } from './helpers/redis-server.js';

const ROOT = join(import.meta.dirname, '..');

let redis: RedisServer;
let jobhook: RunningJobhook;

beforeAll(async () => {
  redis = await RedisServer.start();
  // As examples/README.md runs it: the example configuration, from the repository root.
  jobhook = await startJobhook(redis, {
    JOBHOOK_ROLE: 'all',
    JOBHOOK_CONFIG: 'examples/jobhook.config.yaml',
    LOG_LEVEL: 'info',
  });
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});

describe('examples/jobhook.config.yaml', () => {
  it('does what examples/README.md says', async () => {
    const body = await readFile(join(ROOT, 'src/providers/tencent-ci/fixtures/transcode-succeeded.xml'));
    const first = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), body);
    expect(await first.json()).toMatchObject({
      events: [{ type: 'tencent.ci.job.succeeded', duplicate: false }],
    });
    const printed = (text: string): boolean => jobhook.logs.some((line) => line.includes(text));
    expect(
      await until(() =>
        printed('example: tencent-ci job j4b1e7c2a9f3d11efa6c05254001a2b3c succeeded (Transcode)'),
      ),
    ).toBe(true);
    expect(await until(() => printed('announced a finished transcode'))).toBe(true);
    expect(await until(() => printed('example: {\\"jobId\\":\\"j4b1e7c2a9f3d11efa6c05254001a2b3c\\"'))).toBe(
      true,
    );
    const again = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), body);
    expect(await again.json()).toMatchObject({ events: [{ duplicate: true }] });
    const copies = new Queue('media-done', { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      expect(await until(async () => (await copies.count()) === 1)).toBe(true);
    } finally {
      await copies.close();
    }
  });
});
