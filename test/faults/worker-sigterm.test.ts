import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { describeExit, sleep, type Exit } from './jobhook-process.js';
import { callbackUrl, ciCallback, deliver, jobIdFactory } from './load.js';
import { cleanUpRigs, withRig, type Rig } from './rig.js';
import { jobIds, readRuns, type RunLine } from './runs.js';

afterAll(cleanUpRigs, 30_000);

const RECORD = join(import.meta.dirname, 'handlers', 'record.mjs');

/** A configuration with one handler on every event that takes `ms` per run. */
async function writeConfig(rig: Rig, name: string, runs: string, ms: number): Promise<string> {
  const file = join(rig.dataDir, name);
  await writeFile(
    file,
    JSON.stringify({
      handlers: [
        {
          name: 'slow',
          on: { type: '*' },
          module: RECORD,
          options: { file: runs, ms, starts: true },
          concurrency: 3,
          retry: { attempts: 3, delay: 100 },
        },
      ],
    }),
  );
  return file;
}

async function post(url: string, count: number): Promise<string[]> {
  const jobId = jobIdFactory();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const delivery = await deliver(callbackUrl(url), ciCallback(jobId(i), 'json'), {
      jobId: jobId(i),
      route: '/v1/callbacks/tencent-ci',
      variant: 'json',
    });
    if (!delivery.acknowledged)
      throw new Error(`callback ${i} was not acknowledged: ${delivery.error ?? delivery.status}`);
    ids.push(...delivery.eventIds);
  }
  return ids;
}

async function waitLines(
  file: string,
  test: (lines: RunLine[]) => boolean,
  timeoutMs = 30_000,
): Promise<RunLine[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await readRuns(file);
    if (test(lines) || Date.now() > deadline) return lines;
    await sleep(50);
  }
}

const exitWithin = (exited: Promise<Exit>, ms: number): Promise<Exit | 'still running'> =>
  Promise.race([exited, sleep(ms).then(() => 'still running' as const)]);

describe.concurrent('fault: SIGTERM a worker with runs in flight', () => {
  it('lets running runs finish within the grace period, starts no new one, exits 0; the rest run elsewhere once', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const runs = join(rig.dataDir, 'runs.log');
      const config = await writeConfig(rig, 'finish.json', runs, 1500);
      const receiver = await rig.startJobhook({ JOBHOOK_ROLE: 'http' });
      const first = await rig.startWorker({ JOBHOOK_CONFIG: config, JOBHOOK_SHUTDOWN_GRACE_MS: '8000' });
      const events = await post(receiver.url, 6);
      const started = await waitLines(runs, (lines) => lines.filter((l) => l.what === 'start').length >= 3);
      expect(started.filter((l) => l.what === 'start' && l.pid === first.pid)).toHaveLength(3);
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const exit = await exitWithin(first.exited, 10_000);
      expect(exit === 'still running' ? exit : describeExit(exit)).toBe('exit code 0');
      const atStop = await readRuns(runs);
      const mine = atStop.filter((l) => l.pid === first.pid);
      // The three runs in flight finished in the stopping process; it started nothing after the signal.
      expect(
        mine
          .filter((l) => l.what === 'end')
          .map((l) => l.id)
          .sort(),
      ).toEqual(
        mine
          .filter((l) => l.what === 'start')
          .map((l) => l.id)
          .sort(),
      );
      expect(mine.filter((l) => l.what === 'start' && l.at > signalled + 50)).toEqual([]);

      const second = await rig.startWorker({ JOBHOOK_CONFIG: config });
      const done = await waitLines(
        runs,
        (lines) => new Set(lines.filter((l) => l.what === 'end').map((l) => l.id)).size === 6,
      );
      const ends = done.filter((l) => l.what === 'end');
      console.log(
        `fault worker sigterm (runs finish): ${events.length} events, ${mine.filter((l) => l.what === 'end').length} finished by the stopping worker, ` +
          `${ends.filter((l) => l.pid === second.pid).length} by the next; runs ${ends.length}, attempts ${[...new Set(ends.map((l) => l.attempt))].join(',')}`,
      );
      expect(ends.map((l) => l.id).sort()).toEqual([...events].sort());
      expect(ends.every((l) => l.attempt === 1)).toBe(true);
      expect(await jobIds(rig.redis.port, 'jobhook-dead')).toEqual([]);
    });
  }, 120_000);

  it('cuts runs still going at the end of the grace period without counting them as attempts; another worker runs them', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const runs = join(rig.dataDir, 'runs.log');
      const stuck = await writeConfig(rig, 'stuck.json', runs, 60_000);
      const quick = await writeConfig(rig, 'quick.json', runs, 10);
      const receiver = await rig.startJobhook({ JOBHOOK_ROLE: 'http' });
      const first = await rig.startWorker({ JOBHOOK_CONFIG: stuck, JOBHOOK_SHUTDOWN_GRACE_MS: '1000' });
      const events = await post(receiver.url, 2);
      await waitLines(runs, (lines) => lines.filter((l) => l.what === 'start').length >= 2);
      first.child.kill('SIGTERM');
      const exit = await exitWithin(first.exited, 6000);
      expect(exit === 'still running' ? exit : describeExit(exit)).toBe('exit code 0');
      expect((await readRuns(runs)).filter((l) => l.what === 'end')).toEqual([]);
      expect(first.linesWith('run cut by shutdown')).toHaveLength(2);

      const second = await rig.startWorker({ JOBHOOK_CONFIG: quick });
      const done = await waitLines(runs, (lines) => lines.filter((l) => l.what === 'end').length >= 2);
      const ends = done.filter((l) => l.what === 'end');
      console.log(
        `fault worker sigterm (runs cut): ${events.length} events, cut ${first.linesWith('run cut by shutdown').length}, ` +
          `run again by the next worker ${ends.filter((l) => l.pid === second.pid).length}, attempts ${ends.map((l) => l.attempt).join(',')}`,
      );
      expect(ends.map((l) => l.id).sort()).toEqual([...events].sort());
      // Not counted as failed attempts: the next run is attempt 1 again.
      expect(ends.map((l) => l.attempt)).toEqual([1, 1]);
      expect(await jobIds(rig.redis.port, 'jobhook-dead')).toEqual([]);
    });
  }, 120_000);
});
