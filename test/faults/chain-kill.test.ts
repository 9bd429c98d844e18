import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { eventId } from '../../src/events/id.js';
import { submitMarker } from '../../src/queue/ledger.js';
import { DEAD_QUEUE } from '../../src/queue/queues.js';
import type { JobSummary } from '../../src/sim/control.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/server.js';
import { APPID, capturedLogger, QINIU_KEY, simCloudEnv, TENCENT_KEY, UIN } from '../helpers/sim-calls.js';
import { sleep, type JobhookProcess } from './jobhook-process.js';
import { callbackUrl } from './load.js';
import { cleanUpRigs, withRig, type Rig } from './rig.js';
import { unfinished } from './runs.js';

/**
 * Once-only chains under `kill -9` (CONTRACT.md §6.3): a receiver process, two worker processes whose submit rule
 * chains a FileCompress to every FileUncompress callback, and the simulator (in this process) that the workers
 * submit to over HTTP. The workers are killed three times during a burst of causes and started again; then the
 * simulator's own record counts the submissions: every cause made exactly one job.
 */
const CAUSES = 200;
const KILLS = 3;
const HANDLER = 'unzip-to-zip';
const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';

let simulator: RunningSimulator;

beforeAll(async () => {
  simulator = await startSimulator(
    {
      port: 0,
      delayMs: 40,
      seed: 11,
      credentials: { tencent: TENCENT_KEY, appId: APPID, uin: UIN, qiniu: QINIU_KEY },
    },
    capturedLogger().logger,
  );
});
afterAll(async () => {
  await cleanUpRigs();
  await simulator.stop();
}, 30_000);

/** What a scenario chains: its rule, and how the simulator's jobs are told apart by the cause that made them. */
interface Chain {
  readonly config: string;
  /** Whether a job of the simulator is one of the chain's. */
  readonly isJob: (job: JobSummary) => boolean;
  /** The cause a job names: the marker in `UserData` (CI), the bucket it was given (Qiniu). */
  readonly keyOfJob: (job: JobSummary) => string;
  readonly keyOfCause: (n: number) => string;
  /** Whether every cause must end with its job (no `SubmitOutcomeUnknown`): true where the api allows a look-up. */
  readonly lookup: boolean;
}

const causeEventId = (n: number): string => eventId('tencent-ci', 'job', causeJobId(n), 'succeeded');

const rule = (submit: string): string => `
handlers:
  - name: ${HANDLER}
    on: { type: tencent.ci.job.succeeded, data: { tag: FileUncompress } }
    retry: { attempts: 20, backoff: fixed, delay: 200ms }
    concurrency: 8
    submit:
${submit}`;

/** CI: a FileCompress per cause, found again by its marker. */
const CI_CHAIN: Chain = {
  config: rule(`      api: tencent-ci.file-job
      request:
        Tag: FileCompress
        Operation:
          FileCompressConfig:
            Format: zip
            Prefix: "{{ data.detail.JobsDetail[0].Operation.FileUncompressConfig.Prefix }}"
          Output: { Region: ${REGION}, Bucket: ${BUCKET}, Object: "exports/{{ data.jobId }}.zip" }
`),
  isJob: (job) => job.tag === 'FileCompress',
  keyOfJob: (job) => job.userData ?? '',
  keyOfCause: (n) => submitMarker(causeEventId(n), HANDLER),
  lookup: true,
};

/** Qiniu pfop: no look-up; each cause names its own bucket, so the simulator's jobs say which cause made them. */
const PFOP_CHAIN: Chain = {
  config: rule(`      api: qiniu.pfop
      bucket: "qn-{{ data.jobId }}"
      request: { key: videos/clip.mov, fops: avthumb/mp4 }
`),
  isJob: (job) => job.kind === 'pfop',
  keyOfJob: (job) => job.scope,
  keyOfCause: (n) => `qn-${causeJobId(n)}`,
  lookup: false,
};

const setFaults = async (faults: unknown): Promise<void> => {
  const response = await fetch(`${simulator.url}/_sim/faults`, {
    method: 'PUT',
    body: JSON.stringify(faults),
  });
  if (response.status !== 200) throw new Error(`faults refused: ${await response.text()}`);
};

const simJobs = async (): Promise<JobSummary[]> =>
  ((await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as { jobs: JobSummary[] }).jobs;

/** A cause: the FileUncompress "Success" of job `n` (deterministic id), as CI sends it. */
const causeJobId = (n: number): string => `f${(0xc0000 + n).toString(16).padStart(32, '0')}`;

async function postCause(receiver: string, body: string): Promise<void> {
  // Sent again until acknowledged: a cause the receiver did not take is not one the test counts on.
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const answer = await fetch(callbackUrl(receiver), {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/xml' },
      });
      await answer.arrayBuffer();
      if (answer.status === 200) return;
    } catch {
      // the receiver is not killed here; a refused connection is retried all the same
    }
    await sleep(100);
  }
  throw new Error('a cause was never acknowledged');
}

interface DeadEntry {
  readonly handler: string;
  readonly event: { readonly id: string };
  readonly error: { readonly code?: string };
}

async function deadEntries(port: number): Promise<DeadEntry[]> {
  const queue = new Queue(DEAD_QUEUE, { connection: { host: '127.0.0.1', port } });
  queue.on('error', () => undefined);
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map((job) => job.data as DeadEntry);
  } finally {
    await queue.close();
  }
}

interface Count {
  readonly causes: number;
  readonly jobs: number;
  readonly duplicates: number;
  readonly unknown: number;
  readonly lost: number;
  readonly otherDead: number;
  readonly stray: number;
}

/** Counts, at the simulator, the jobs each cause made (by the marker jobhook put into `UserData`). */
async function count(rig: Rig, chain: Chain, causes: readonly number[]): Promise<Count> {
  const keys = new Map(causes.map((n) => [causeEventId(n), chain.keyOfCause(n)]));
  const wanted = new Set(keys.values());
  const dead = await deadEntries(rig.redis.port);
  const unknownDead = dead.filter((d) => d.error.code === 'SubmitOutcomeUnknown');
  const unknown = new Set(unknownDead.map((d) => keys.get(d.event.id) ?? `stray ${d.event.id}`));
  const jobs = (await simJobs()).filter(chain.isJob);
  const made = new Map<string, number>();
  for (const job of jobs) {
    const key = chain.keyOfJob(job);
    made.set(key, (made.get(key) ?? 0) + job.createRequests);
  }
  return {
    causes: wanted.size,
    jobs: jobs.length,
    duplicates: [...made.values()].reduce((sum, n) => sum + n - 1, 0),
    unknown: unknown.size,
    lost: [...wanted].filter((key) => !made.has(key) && !unknown.has(key)).length,
    otherDead: dead.length - unknownDead.length,
    stray: [...made.keys(), ...unknown].filter((key) => !wanted.has(key)).length,
  };
}

/** Submissions a worker found again by their marker (an earlier attempt had made the job), from every process's log. */
const foundAgain = (rig: Rig): number =>
  rig.processes.reduce((sum, p) => sum + p.linesWith('follow-up job found again').length, 0);

const line = (name: string, c: Count): string =>
  `fault ${name}: causes ${c.causes}, jobs ${c.jobs}, duplicates ${c.duplicates}, unknown ${c.unknown}, lost ${c.lost}`;

function check(expect: ExpectStatic, chain: Chain, c: Count): void {
  expect(c.duplicates, 'causes that made more than one job').toBe(0);
  expect(c.lost, 'causes that made no job and were not reported unknown').toBe(0);
  expect(c.stray, 'jobs no cause of the burst made').toBe(0);
  expect(c.otherDead).toBe(0);
  if (chain.lookup) {
    // CI file jobs are found again by their marker: no submission is left unknown.
    expect(c.unknown).toBe(0);
    expect(c.jobs).toBe(c.causes);
  } else {
    expect(c.jobs).toBeLessThanOrEqual(c.causes);
    expect(c.jobs + c.unknown).toBeGreaterThanOrEqual(c.causes);
  }
}

/**
 * The burst: `CAUSES` FileUncompress callbacks (each posted `copies` times, the copies late and out of order),
 * the workers killed `KILLS` times at even steps and started again; then waits until the chain settled.
 */
async function burst(rig: Rig, chain: Chain, copies: number): Promise<{ killed: number }> {
  const configFile = join(rig.dataDir, 'jobhook.config.yaml');
  await writeFile(configFile, chain.config);
  const receiver = await rig.startJobhook({
    JOBHOOK_ROLE: 'http',
    JOBHOOK_QINIU_KEYS: `${QINIU_KEY.accessKey}:${QINIU_KEY.secretKey}`,
  });
  const workerEnv = {
    JOBHOOK_CONFIG: configFile,
    JOBHOOK_LOCK_DURATION_MS: '1500',
    JOBHOOK_PUBLIC_URL: receiver.url,
    ...simCloudEnv(simulator.url),
  };
  const workers: JobhookProcess[] = [await rig.startWorker(workerEnv), await rig.startWorker(workerEnv)];
  const fixture = await readFile(
    join(import.meta.dirname, '..', '..', 'src/providers/tencent-ci/fixtures/file-uncompress-succeeded.xml'),
    'utf8',
  );
  const body = (n: number): string => fixture.replace('f2f4b6d8e0c1a11ef972f525400f3b08c', causeJobId(n));
  const order: number[] = [];
  for (let n = 0; n < CAUSES; n++) {
    order.push(n);
    // A copy of an earlier cause arrives late, out of order.
    for (let c = 1; c < copies; c++) if (n >= 7) order.push(n - 7);
  }
  const kills = new Set([1, 2, 3].map((k) => Math.floor((order.length * k) / (KILLS + 1))));
  let killed = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < order.length; i++) {
    if (kills.has(i)) {
      const victim = killed % 2;
      await workers[victim]!.kill('SIGKILL');
      killed++;
      workers[victim] = await rig.startWorker(workerEnv);
    }
    inFlight.push(postCause(receiver.url, body(order[i]!)));
    if (i % 10 === 9) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  // Settled: every cause has its job (or its dead-letter entry) and no run is left — a killed worker's runs come
  // back after its lock expires and the next stall check.
  const queues = ['jobhook-events', `jobhook-handler-${HANDLER}`];
  for (let i = 0; i < 480; i++) {
    const c = await count(rig, chain, order);
    if (c.lost === 0 && (await unfinished(rig.redis.port, queues)) === 0) break;
    await sleep(250);
  }
  return { killed };
}

const allCauses = Array.from({ length: CAUSES }, (_, n) => n);

describe('fault: kill -9 workers during bursts of chains', () => {
  it('every cause makes exactly one job at the provider although the workers are killed three times', async (test) => {
    const { expect } = test;
    await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
    // Slow answers: submissions are in flight (intent recorded, answer not yet) whenever a worker is killed.
    await setFaults({ slowMs: 30 });
    await withRig(test, async (rig) => {
      const { killed } = await burst(rig, CI_CHAIN, 1);
      const c = await count(rig, CI_CHAIN, allCauses);
      console.log(line(`chain-kill (kill -9 x${killed}, 2 workers)`, c));
      console.log(`  (found again by their marker after a kill: ${foundAgain(rig)})`);
      expect(killed).toBe(KILLS);
      check(expect, CI_CHAIN, c);
    });
  }, 240_000);

  it('… and with 5xx and lost answers on submit, duplicated causes, dropped and duplicated callbacks', async (test) => {
    const { expect } = test;
    await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
    await setFaults({
      slowMs: 30,
      errors: { 'ci.create-job': 30 },
      lose: { 'ci.create-job': 10 },
      errorAfter: { 'ci.create-job': 5 },
      drop: { probability: 0.2 },
      duplicate: { probability: 0.3 },
    });
    await withRig(test, async (rig) => {
      const { killed } = await burst(rig, CI_CHAIN, 2);
      const c = await count(rig, CI_CHAIN, allCauses);
      const requests = (
        (await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as { requests: Record<string, number> }
      ).requests;
      console.log(
        line(
          `chain-kill (kill -9 x${killed}, 5xx x30, lost answers x10, 5xx after the work x5, causes twice)`,
          c,
        ),
      );
      console.log(
        `  (create calls ${requests['ci.create-job'] ?? 0}, list calls ${requests['ci.list-jobs'] ?? 0}, ` +
          `found again by their marker ${foundAgain(rig)})`,
      );
      expect(killed).toBe(KILLS);
      check(expect, CI_CHAIN, c);
    });
  }, 240_000);

  it('qiniu.pfop (no look-up): never a second job; a submission a kill left in doubt ends SubmitOutcomeUnknown', async (test) => {
    const { expect } = test;
    await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
    await setFaults({ slowMs: 30 });
    await withRig(test, async (rig) => {
      const { killed } = await burst(rig, PFOP_CHAIN, 1);
      const c = await count(rig, PFOP_CHAIN, allCauses);
      console.log(line(`chain-kill qiniu.pfop (kill -9 x${killed}, 2 workers)`, c));
      console.log(`  (of the unknown, made at the provider all the same: ${c.jobs + c.unknown - c.causes})`);
      expect(killed).toBe(KILLS);
      check(expect, PFOP_CHAIN, c);
    });
  }, 240_000);
});
