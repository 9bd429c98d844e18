import { afterAll, describe, it } from 'vitest';
import { sleep, type JobhookProcess } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

const spoolRecords = async (jobhook: JobhookProcess): Promise<number> => {
  const response = await fetch(`${jobhook.url}/readyz`, { signal: AbortSignal.timeout(3000) });
  return ((await response.json()) as { spool: { records: number } }).spool.records;
};

// A regression test: drains interrupted twice used to lose count of what was left in a segment, leaving
// acknowledged callbacks in the spool (until a restart) while /readyz reported it empty.
describe('fault: Redis killed twice while the spool drains', () => {
  it('drains every spooled callback although two drains are interrupted', async (test) => {
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      await rig.redis.kill('SIGKILL');
      const load = new Load({ target: () => jobhook.url, count: 1500, durationMs: 8000 });
      await load.done;
      const spooled = await spoolRecords(jobhook);
      await rig.redis.launch();
      // First interruption: when about 40 % are drained (bounded).
      for (let i = 0; i < 400 && (await spoolRecords(jobhook)) > spooled * 0.6; i++) await sleep(10);
      await rig.redis.kill('SIGKILL');
      await sleep(1500);
      await rig.redis.launch();
      // Second interruption: once the count claims the spool is empty, or after 3 s.
      for (let i = 0; i < 300 && (await spoolRecords(jobhook)) > 0; i++) await sleep(10);
      await rig.redis.kill('SIGKILL');
      await sleep(1500);
      await rig.redis.launch();
      rig.check(
        'redis killed twice during the drain',
        await settle(jobhook, rig.redis.port, load.deliveries),
      );
    });
  }, 120_000);
});
