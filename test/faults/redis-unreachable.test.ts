import { afterAll, describe, it } from 'vitest';
import { sleep } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

/** 2 s of load, 20 s of outage, 4 s of load after it; 80 callbacks a second at most. */
const loadOptions = { count: 26 * 80, durationMs: 26_000, ratePerSecond: 80 };
const OUTAGE_MS = 20_000;

// The two variants are independent (a Redis and a jobhook each) and mostly wait: they run side by side.
describe.concurrent('fault: Redis unreachable for 20 s', () => {
  it('loses and duplicates no acknowledged callback when Redis hangs (SIGSTOP) for 20 s, then answers again', async (test) => {
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      const load = new Load({ target: () => jobhook.url, ...loadOptions });
      try {
        await load.waitProgress(2 / 26);
        rig.redis.pause();
        await sleep(OUTAGE_MS);
      } finally {
        rig.redis.resume();
        await load.done;
      }
      rig.check('redis unreachable 20 s (SIGSTOP)', await settle(jobhook, rig.redis.port, load.deliveries));
    });
  }, 120_000);

  it('spools while Redis is killed, drains when it is relaunched 20 s later, and loses and duplicates nothing', async (test) => {
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      const load = new Load({ target: () => jobhook.url, ...loadOptions });
      try {
        await load.waitProgress(2 / 26);
        await rig.redis.kill('SIGKILL');
        await sleep(OUTAGE_MS);
        await rig.redis.launch();
      } finally {
        await load.done;
      }
      rig.check(
        'redis down 20 s (kill -9, relaunched)',
        await settle(jobhook, rig.redis.port, load.deliveries),
      );
    });
  }, 120_000);
});
