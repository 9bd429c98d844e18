import type { TestContext } from 'vitest';
import { freePort, RedisServer } from '../helpers/redis-server.js';
import { cleanUp, JobhookProcess, removeDir, tempDataDir } from './jobhook-process.js';
import { diagnose, faultLine, type Tally } from './load.js';

/**
 * One scenario's world: a private redis-server with `appendonly yes` and `appendfsync always`, a data directory
 * and a port kept across restarts of jobhook, and every jobhook process started (for the failure report).
 * Scenarios may run concurrently: everything here is per rig, and assertions use the test's own context.
 */
const rigs = new Set<Rig>();

export class Rig {
  readonly processes: JobhookProcess[] = [];

  private constructor(
    private readonly test: TestContext,
    readonly redis: RedisServer,
    readonly dataDir: string,
    readonly port: number,
  ) {
    rigs.add(this);
    test.onTestFailed(() => {
      for (const p of this.processes) console.error(p.report(80));
    });
  }

  static async create(test: TestContext): Promise<Rig> {
    const redis = await RedisServer.start({ settings: { appendonly: 'yes', appendfsync: 'always' } });
    return new Rig(test, redis, await tempDataDir(), await freePort());
  }

  /** The jobhook started last. */
  get jobhook(): JobhookProcess {
    const last = this.processes.at(-1);
    if (last === undefined) throw new Error('no jobhook started');
    return last;
  }

  /** Starts jobhook (again) with the same environment, data directory and port. */
  async startJobhook(env: Readonly<Record<string, string>> = {}): Promise<JobhookProcess> {
    const jobhook = await JobhookProcess.start({
      port: this.port,
      redisUrl: this.redis.url,
      dataDir: this.dataDir,
      env,
    });
    this.processes.push(jobhook);
    return jobhook;
  }

  /** Starts a worker process (`JOBHOOK_ROLE=worker`) on a port of its own, against the rig's Redis. */
  async startWorker(env: Readonly<Record<string, string>>): Promise<JobhookProcess> {
    const worker = await JobhookProcess.start({
      port: await freePort(),
      redisUrl: this.redis.url,
      dataDir: this.dataDir,
      env: { JOBHOOK_ROLE: 'worker', ...env },
    });
    this.processes.push(worker);
    return worker;
  }

  /** Prints the scenario's line (with `counts` of its own) and asserts that nothing acknowledged was lost or duplicated. */
  check(name: string, t: Tally, counts?: Readonly<Record<string, number>>): void {
    const line = faultLine(name, t, counts);
    console.log(line);
    console.log(`  (${t.jobs} jobs in jobhook-events; settled ${t.waitedMs} ms after the load ended)`);
    const { expect } = this.test;
    const details = (): string => `${line}\n${diagnose(t, this.processes)}`;
    expect(
      t.acknowledged,
      `nothing was acknowledged: the scenario proves nothing\n${details()}`,
    ).toBeGreaterThan(0);
    expect(t.lost, `acknowledged callbacks missing from jobhook-events\n${details()}`).toBe(0);
    expect(t.duplicated, `job ids stored more than once\n${details()}`).toBe(0);
  }

  /** Kills this rig's processes and removes its files. */
  async destroy(): Promise<void> {
    rigs.delete(this);
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    await removeDir(this.dataDir);
    await this.redis.stop();
  }
}

/** Runs `scenario` with a fresh rig and always destroys it. */
export async function withRig(test: TestContext, scenario: (rig: Rig) => Promise<void>): Promise<void> {
  const rig = await Rig.create(test);
  try {
    await scenario(rig);
  } finally {
    await rig.destroy();
  }
}

/** For afterAll: whatever a failed or timed-out test left behind (processes, Redis servers, directories). */
export async function cleanUpRigs(): Promise<void> {
  for (const rig of [...rigs]) await rig.destroy();
  await cleanUp();
}
