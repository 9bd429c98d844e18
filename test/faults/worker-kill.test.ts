import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it, type ExpectStatic } from 'vitest';
import { sleep, type JobhookProcess } from './jobhook-process.js';
import { Load, settle } from './load.js';
import { cleanUpRigs, withRig, type Rig } from './rig.js';
import { jobIds, readRuns, unfinished } from './runs.js';

afterAll(cleanUpRigs, 30_000);

const RECORD = join(import.meta.dirname, 'handlers', 'record.mjs');
const KILLS = 3;

/**
 * Three handlers (two match every callback of the load, one none) and two subscriptions (one matches every
 * callback, one none), as a YAML file: the load's callbacks are CI Transcode TaskFinish callbacks. The transcodes
 * handler takes 50 ms a run, so runs are in flight whenever a fault strikes.
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

async function writeConfig(rig: Rig): Promise<{ runsFile: string; configFile: string }> {
  const runsFile = join(rig.dataDir, 'runs.log');
  const configFile = join(rig.dataDir, 'jobhook.config.yaml');
  await writeFile(configFile, config(runsFile));
  return { runsFile, configFile };
}

interface Outcome {
  readonly events: Set<string>;
  /** Acknowledged events some matching handler never finished. */
  readonly missing: string[];
  /** Runs a process started and never finished (killed, or Redis gone under it), run again elsewhere. */
  readonly cut: number;
  /** (event, handler) pairs that finished more than once (at-least-once). */
  readonly repeated: number;
  readonly copies: string[];
  readonly stray: string[];
  readonly nonMatching: number;
  readonly dead: string[];
}

/** Waits until the queues are drained, then counts runs and copies against the acknowledged events. */
async function outcome(rig: Rig, runsFile: string, load: Load): Promise<Outcome> {
  const queues = ['jobhook-events', 'jobhook-handler-every-job', 'jobhook-handler-transcodes'];
  // Runs a killed worker held come back after its lock expires (1.5 s) and the next stall check.
  for (let i = 0; i < 240 && (await unfinished(rig.redis.port, queues)) > 0; i++) await sleep(250);
  const events = new Set(load.deliveries.filter((d) => d.acknowledged).flatMap((d) => d.eventIds));
  const lines = await readRuns(runsFile);
  const ends = lines.filter((line) => line.what === 'end');
  const ended = new Set(ends.map((line) => `${line.handler} ${line.id} ${line.pid}`));
  const ran = (handler: string): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const line of ends)
      if (line.handler === handler) counts.set(line.id, (counts.get(line.id) ?? 0) + 1);
    return counts;
  };
  const every = ran('every-job');
  const transcodes = ran('transcodes');
  const copies = await jobIds(rig.redis.port, 'all-jobs');
  return {
    events,
    missing: [...events].filter((id) => !every.has(id) || !transcodes.has(id)),
    cut: lines.filter((l) => l.what === 'start' && !ended.has(`${l.handler} ${l.id} ${l.pid}`)).length,
    repeated: [...every.values(), ...transcodes.values()].filter((n) => n > 1).length,
    copies,
    stray: copies.filter((id) => !events.has(id)),
    nonMatching: ran('failures').size,
    dead: await jobIds(rig.redis.port, 'jobhook-dead'),
  };
}

const outcomeLine = (name: string, o: Outcome): string =>
  `fault ${name}: events ${o.events.size}, runs expected ${o.events.size * 2}, ` +
  `pairs ran ${o.events.size * 2 - o.missing.length}, cut and run again ${o.cut}, ` +
  `ran more than once ${o.repeated}, copies ${o.copies.length} of ${o.events.size}, stray copies ${o.stray.length}, ` +
  `non-matching runs ${o.nonMatching}, dead ${o.dead.length}, lost ${o.missing.length}`;

/** What must hold after every worker-side fault: every pair ran, one copy per event, nothing else. */
async function checkOutcome(expect: ExpectStatic, rig: Rig, o: Outcome): Promise<void> {
  expect(o.events.size, 'the load was acknowledged').toBeGreaterThan(300);
  expect(o.missing, 'acknowledged events some handler never finished').toEqual([]);
  expect(new Set(o.copies).size).toBe(o.copies.length);
  expect(o.copies.length, 'one subscription copy per event').toBe(o.events.size);
  expect(o.stray).toEqual([]);
  expect(await jobIds(rig.redis.port, 'workflows')).toEqual([]);
  expect(o.nonMatching).toBe(0);
  expect(o.dead).toEqual([]);
  for (const name of ['jobhook-handler-every-job', 'jobhook-handler-transcodes'])
    expect((await jobIds(rig.redis.port, name)).length, `one run job per event in ${name}`).toBe(
      o.events.size,
    );
}

describe.concurrent('fault: kill -9 workers, and Redis, under load', () => {
  it('runs every (event, handler) pair and makes every subscription copy exactly once although workers are killed', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const { runsFile, configFile } = await writeConfig(rig);
      const workerEnv = { JOBHOOK_CONFIG: configFile, JOBHOOK_LOCK_DURATION_MS: '1500' };
      const receiver = await rig.startJobhook({ JOBHOOK_ROLE: 'http' });
      const workers: JobhookProcess[] = [await rig.startWorker(workerEnv), await rig.startWorker(workerEnv)];
      const load = new Load({
        target: () => receiver.url,
        count: 1000,
        durationMs: 15_000,
        ratePerSecond: 150,
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
      const stored = await settle(receiver, rig.redis.port, load.deliveries);
      expect(stored.lost, 'acknowledged callbacks missing from jobhook-events').toBe(0);
      const o = await outcome(rig, runsFile, load);
      console.log(outcomeLine(`worker kill -9 x${killed} (2 workers)`, o));
      expect(killed).toBe(KILLS);
      expect(
        o.cut,
        'runs in flight when a worker was killed: without them the scenario proves nothing',
      ).toBeGreaterThan(0);
      await checkOutcome(expect, rig, o);
    });
  }, 180_000);

  it('runs every pair and copies every event once although Redis is killed and restarted from its files twice', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const { runsFile, configFile } = await writeConfig(rig);
      const receiver = await rig.startJobhook({ JOBHOOK_ROLE: 'http' });
      await rig.startWorker({ JOBHOOK_CONFIG: configFile, JOBHOOK_LOCK_DURATION_MS: '1500' });
      const load = new Load({
        target: () => receiver.url,
        count: 800,
        durationMs: 15_000,
        ratePerSecond: 120,
      });
      try {
        for (const at of [0.3, 0.65]) {
          await load.waitProgress(at);
          await rig.redis.restart();
        }
      } finally {
        await load.done;
      }
      const stored = await settle(receiver, rig.redis.port, load.deliveries);
      expect(stored.lost, 'acknowledged callbacks missing from jobhook-events').toBe(0);
      const o = await outcome(rig, runsFile, load);
      console.log(outcomeLine('redis kill -9 x2 under the worker', o));
      console.log(
        `  (load: sent ${stored.sent}, acknowledged ${stored.acknowledged}, spooled ${stored.spooled})`,
      );
      await checkOutcome(expect, rig, o);
    });
  }, 180_000);
});
