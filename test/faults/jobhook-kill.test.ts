import { afterAll, describe, it } from 'vitest';
import { sleep } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

const loadOptions = { count: 5000, durationMs: 12_000 };

// Independent rigs, side by side to keep the suite short.
describe.concurrent('fault: kill -9 jobhook during load', () => {
  it('loses and duplicates no acknowledged callback when jobhook is killed with requests in flight and restarted', async (test) => {
    await withRig(test, async (rig) => {
      let jobhook = await rig.startJobhook();
      const load = new Load({ target: () => jobhook.url, ...loadOptions });
      try {
        await load.waitProgress(1 / 2);
        test.expect(load.inFlight, 'requests in flight when jobhook is killed').toBeGreaterThan(0);
        await jobhook.kill('SIGKILL');
        jobhook = await rig.startJobhook();
      } finally {
        await load.done;
      }
      rig.check('jobhook kill -9', await settle(jobhook, rig.redis.port, load.deliveries));
    });
  }, 120_000);

  it('loses nothing when jobhook is killed while its spool holds acknowledged callbacks (Redis frozen), and the restarted process drains them', async (test) => {
    await withRig(test, async (rig) => {
      let jobhook = await rig.startJobhook();
      const load = new Load({ target: () => jobhook.url, ...loadOptions });
      let spooledAtKill: number;
      try {
        await load.waitProgress(0.35);
        rig.redis.pause();
        // Bounded: with Redis frozen every request is spooled after JOBHOOK_STORE_TIMEOUT_MS (1 s).
        for (let i = 0; i < 200 && load.deliveries.filter((d) => d.spooled).length < 20; i++) await sleep(50);
        spooledAtKill = load.deliveries.filter((d) => d.spooled).length;
        await jobhook.kill('SIGKILL');
        rig.redis.resume();
        jobhook = await rig.startJobhook();
      } finally {
        rig.redis.resume();
        await load.done;
      }
      test.expect(spooledAtKill, 'callbacks acknowledged from the spool before the kill').toBeGreaterThan(0);
      test
        .expect(
          await jobhook.waitForLines('spool: found callbacks from an earlier run'),
          'the restarted process adopts the spool',
        )
        .toHaveLength(1);
      rig.check('jobhook kill -9 with a full spool', await settle(jobhook, rig.redis.port, load.deliveries));
    });
  }, 120_000);
});
