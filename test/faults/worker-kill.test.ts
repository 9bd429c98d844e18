import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { sleep, type JobhookProcess } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig } from './rig.js';
import { jobIds, readRuns, unfinished } from './runs.js';

afterAll(cleanUpRigs, 30_000);

const RECORD = join(import.meta.dirname, 'handlers', 'record.mjs');
const KILLS = 3;

/**
 * Three handlers (two match every callback of the load, one none) and two subscriptions (one matches every
 * callback, one none), as a YAML file: the load's callbacks are CI Transcode TaskFinish callbacks.
 */
const config = (runs: string): string => `
handlers:
  - name: every-job
    on: { type: "tencent.ci.job.*" }
    module: ${RECORD}
    options: { file: ${runs}, ms: 2 }
    concurrency: 8
  - name: transcodes
    on: { type: tencent.ci.job.succeeded, data: { tag: Transcode } }
    module: ${RECORD}
    options: { file: ${runs}, ms: 50, starts: true }
    concurrency: 4
  - name: failures
    on: { type: "*.failed" }
    module: ${RECORD}
    options: { file: ${runs} }
subscriptions:
  - queue: all-jobs
    on: { type: "tencent.ci.job.*" }
  - queue: workflows
    on: { type: "tencent.ci.workflow.*" }
`;

describe('fault: kill -9 workers during load', () => {
  it('runs every (event, handler) pair and makes every subscription copy exactly once although workers are killed', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const runsFile = join(rig.dataDir, 'runs.log');
      const configFile = join(rig.dataDir, 'jobhook.config.yaml');
      await writeFile(configFile, config(runsFile));
      const workerEnv = { JOBHOOK_CONFIG: configFile, JOBHOOK_LOCK_DURATION_MS: '1500' };
      const receiver = await rig.startJobhook({ JOBHOOK_ROLE: 'http' });
      const workers: JobhookProcess[] = [await rig.startWorker(workerEnv), await rig.startWorker(workerEnv)];
      const load = new Load({
        target: () => receiver.url,
        count: 1200,
        durationMs: 20_000,
        ratePerSecond: 200,
      });
      let killed = 0;
      try {
        for (const at of [0.25, 0.5, 0.75]) {
          await load.waitProgress(at);
          const victim = killed % 2;
          await workers[victim]!.kill('SIGKILL');
          killed++;
          workers[victim] = await rig.startWorker(workerEnv);
        }
      } finally {
        await load.done;
      }
      const loaded = Date.now();
      const stored = await settle(receiver, rig.redis.port, load.deliveries);
      console.log(
        `  (load: sent ${stored.sent}, acknowledged ${stored.acknowledged} in ${loaded - load.startedAt} ms; settled after ${Date.now() - loaded} ms)`,
      );
      expect(stored.lost, 'acknowledged callbacks missing from jobhook-events').toBe(0);

      const queues = [
        'jobhook-events',
        'jobhook-handler-every-job',
        'jobhook-handler-transcodes',
        'all-jobs',
      ];
      // Runs a killed worker held come back after its lock expires (1.5 s) and the next stall check.
      for (let i = 0; i < 240 && (await unfinished(rig.redis.port, queues.slice(0, 3))) > 0; i++)
        await sleep(250);
      console.log(`  (handler queues drained ${Date.now() - loaded} ms after the load)`);
      const events = new Set(load.deliveries.filter((d) => d.acknowledged).flatMap((d) => d.eventIds));
      const lines = await readRuns(runsFile);
      const runs = lines.filter((line) => line.what === 'end');
      const ended = new Set(runs.map((line) => `${line.handler} ${line.id} ${line.pid}`));
      // Runs a killed worker had started and never finished: taken over by another worker.
      const cut = lines.filter(
        (line) => line.what === 'start' && !ended.has(`${line.handler} ${line.id} ${line.pid}`),
      );
      const ran = (handler: string): Map<string, number> => {
        const counts = new Map<string, number>();
        for (const line of runs)
          if (line.handler === handler) counts.set(line.id, (counts.get(line.id) ?? 0) + 1);
        return counts;
      };
      const every = ran('every-job');
      const transcodes = ran('transcodes');
      const missing = [...events].filter((id) => !every.has(id) || !transcodes.has(id));
      const repeated = [...every.values(), ...transcodes.values()].filter((n) => n > 1).length;
      const copies = await jobIds(rig.redis.port, 'all-jobs');
      const strayCopies = copies.filter((id) => !events.has(id));
      const dead = await jobIds(rig.redis.port, 'jobhook-dead');
      console.log(
        `fault worker kill -9 x${killed} (2 workers): events ${events.size}, runs expected ${events.size * 2}, ` +
          `pairs ran ${events.size * 2 - missing.length}, cut by a kill and run again ${cut.length}, ran more than once ${repeated}, ` +
          `copies ${copies.length} of ${events.size}, stray copies ${strayCopies.length}, ` +
          `non-matching runs ${ran('failures').size}, dead ${dead.length}, lost ${missing.length}`,
      );
      expect(events.size, 'the load was acknowledged').toBeGreaterThan(500);
      expect(killed).toBe(KILLS);
      expect(
        cut.length,
        'runs in flight when a worker was killed: the scenario proves nothing without them',
      ).toBeGreaterThan(0);
      expect(missing, 'acknowledged events some handler never finished').toEqual([]);
      expect(new Set(copies).size).toBe(copies.length);
      expect(copies.length, 'one subscription copy per event').toBe(events.size);
      expect(strayCopies).toEqual([]);
      expect(await jobIds(rig.redis.port, 'workflows')).toEqual([]);
      expect(ran('failures').size).toBe(0);
      expect(dead).toEqual([]);
      for (const name of ['jobhook-handler-every-job', 'jobhook-handler-transcodes'])
        expect((await jobIds(rig.redis.port, name)).length, `one run job per event in ${name}`).toBe(
          events.size,
        );
    });
  }, 180_000);
});
