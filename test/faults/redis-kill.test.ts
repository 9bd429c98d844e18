import { afterAll, describe, it } from 'vitest';
import { sleep } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

describe('fault: kill -9 Redis during load', () => {
  it('loses and duplicates no acknowledged callback when Redis is killed and restarted from its files', async (test) => {
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      // At most 300 a second: spooling is much faster than Redis with appendfsync always, and the load must go on
      // after Redis is back, not be used up during the 2 s outage.
      const load = new Load({
        target: () => jobhook.url,
        count: 3000,
        durationMs: 10_000,
        ratePerSecond: 300,
      });
      try {
        await load.waitProgress(1 / 3);
        await rig.redis.kill('SIGKILL');
        await sleep(2000);
        await rig.redis.launch();
      } finally {
        await load.done;
      }
      rig.check('redis kill -9', await settle(jobhook, rig.redis.port, load.deliveries));
    });
  }, 120_000);
});
