/**
 * The chain side of `npm run bench` (docs/performance.md, "Chains"): how many chains per second one worker
 * process sustains against the simulator — jobhook's worker role with a `submit` rule and `verify: true` (describe,
 * once-only submission, ledger, `jobhook.job.submitted`) beside a naive handler (naive-chain.ts: describe and
 * submit with `fetch`, nothing else), in one run, interleaved.
 *
 * Each cell: N FileUncompress jobs are run at the simulator, their callbacks stored by jobhook's receiver into a
 * paused `jobhook-events`; then one worker process on the server core chains a FileCompress job to each, from the
 * moment the queue is let go until every event (and, for jobhook, every handler run) is done. The follow-ups name
 * no callback, so only verification and submission are measured; the simulator counts the FileCompress jobs.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createTencentCiClient } from '../src/providers/tencent-ci/client.js';
import { cpuUse, processCpuSeconds, snapshot, waitForQuiet } from './lib/cpu.js';
import type { ChainResults, ChainSample, ChainSummary, ChainTarget } from './lib/chain-report.js';
import { freePort, peakRssMb, sleep, start, stop, waitForHttp, type Pinning } from './lib/proc.js';
import { startJobhookWorker, startNaiveWorker } from './lib/jobhook-worker.js';
import type { PrivateRedis } from './lib/redis.js';
import { median } from './lib/stats.js';
import type { NaiveChainSpec } from './protocol.js';

const EVENTS = 'jobhook-events';
const HANDLER = 'compress-unpacked';
const HANDLER_QUEUE = `jobhook-handler-${HANDLER}`;
const BUCKET = 'bench-1250000000';
const REGION = 'ap-guangzhou';
const KEY = { secretId: 'AKIDjobhookbench', secretKey: 'jobhook-bench-secret-key' };
const CLOUD_ENV = {
  TENCENTCLOUD_SECRET_ID: KEY.secretId,
  TENCENTCLOUD_SECRET_KEY: KEY.secretKey,
  TENCENTCLOUD_APPID: '1250000000',
};

export interface ChainBenchSettings {
  readonly rounds: number;
  readonly chains: number;
  /** Chains in flight: the naive handler's concurrency and jobhook's handler concurrency. */
  readonly concurrency: number;
  /** The simulator's job duration (its `--delay`). */
  readonly simDelayMs: number;
  readonly quietBudgetSeconds: number;
}

export interface ChainBenchDeps {
  readonly settings: ChainBenchSettings;
  readonly redis: PrivateRedis;
  readonly pinning: Pinning;
  readonly root: string;
  readonly childDir: string;
  readonly dataDir: string;
  readonly nodeFlags: readonly string[];
  readonly log: (line: string) => void;
  readonly warn: (message: string) => void;
  /** jobhook's receiver (role http), on `cpu`. */
  readonly startReceiver: (cpu: string | undefined) => Promise<{ child: ChildProcess; port: number }>;
  /** The Tencent CI callback URL of the receiver on `port`, with its token. */
  readonly callbackUrl: (port: number) => string;
}

interface Simulator {
  readonly child: ChildProcess;
  readonly url: string;
}

/** The chain's rule, as examples/chains.config.yaml has it: verify the FileUncompress job, submit FileCompress. */
function writeConfig(deps: ChainBenchDeps): string {
  const config = {
    handlers: [
      {
        name: HANDLER,
        on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
        verify: true,
        concurrency: deps.settings.concurrency,
        submit: {
          api: 'tencent-ci.file-job',
          request: {
            Tag: 'FileCompress',
            Operation: {
              FileCompressConfig: {
                Flatten: '0',
                Format: 'zip',
                Prefix: '{{ data.detail.JobsDetail[0].Operation.FileUncompressConfig.Prefix }}',
              },
              Output: {
                Region: '{{ data.input.region }}',
                Bucket: '{{ data.input.bucket }}',
                Object: 'archives/{{ data.jobId }}.zip',
              },
            },
          },
        },
      },
    ],
  };
  const file = join(deps.dataDir, 'bench-chain.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function startSimulator(deps: ChainBenchDeps): Promise<Simulator> {
  const port = await freePort();
  const child = start(
    'node',
    [
      join(deps.root, 'dist/main.js'),
      'sim',
      '--port',
      String(port),
      '--delay',
      String(deps.settings.simDelayMs),
    ],
    {
      cwd: deps.root,
      env: { ...process.env, ...CLOUD_ENV, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
    deps.pinning.other,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_sim/faults`, child, 200);
  return { child, url };
}

interface SimJobs {
  readonly jobs: readonly { readonly tag?: string; readonly phase?: string }[];
}

async function simJobs(sim: Simulator): Promise<SimJobs['jobs']> {
  return ((await (await fetch(`${sim.url}/_sim/jobs`)).json()) as SimJobs).jobs;
}

async function waiting(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'prioritized');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

async function unfinished(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** N finished FileUncompress jobs at the simulator, their callbacks stored by the receiver in a paused queue. */
async function preloadChains(deps: ChainBenchDeps, sim: Simulator, events: Queue): Promise<void> {
  const n = deps.settings.chains;
  await deps.redis.flush();
  await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
  await events.pause();
  const receiver = await deps.startReceiver(undefined);
  try {
    const ci = createTencentCiClient({
      credentials: KEY,
      endpoint: `${sim.url}/ci/{bucket}/{region}`,
      http: { timeoutMs: 30_000 },
    });
    const callback = deps.callbackUrl(receiver.port);
    for (let sent = 0; sent < n; sent += 20)
      await Promise.all(
        Array.from({ length: Math.min(20, n - sent) }, (_, i) =>
          ci.createJob(
            'file',
            { bucket: BUCKET, region: REGION },
            {
              Tag: 'FileUncompress',
              Input: { Object: `uploads/${sent + i}.zip` },
              Operation: { FileUncompressConfig: { Prefix: `unpacked/${sent + i}/` } },
              CallBack: callback,
              CallBackType: 'Url',
            },
          ),
        ),
      );
    const deadline = performance.now() + 120_000;
    while ((await waiting(events)) < n && performance.now() < deadline) await sleep(100);
    const stored = await waiting(events);
    if (stored !== n) deps.warn(`chains: ${stored} of ${n} FileUncompress callbacks stored`);
  } finally {
    await stop(receiver.child);
  }
}

async function startChainWorker(
  deps: ChainBenchDeps,
  target: ChainTarget,
  config: string,
  sim: Simulator,
): Promise<{ child: ChildProcess; logs: string[] }> {
  const cpu = deps.pinning.server;
  if (target === 'naive') {
    const spec: NaiveChainSpec = {
      redisUrl: deps.redis.url,
      simUrl: sim.url,
      concurrency: deps.settings.concurrency,
      credentials: KEY,
    };
    return startNaiveWorker({
      root: deps.root,
      childDir: deps.childDir,
      program: 'naive-chain',
      specVariable: 'BENCH_NAIVE_CHAIN',
      spec,
      env: {},
      cpu,
    });
  }
  return startJobhookWorker({
    root: deps.root,
    nodeFlags: deps.nodeFlags,
    redisUrl: deps.redis.url,
    dataDir: deps.dataDir,
    config,
    env: { ...CLOUD_ENV, JOBHOOK_TENCENT_CI_ENDPOINT: `${sim.url}/ci/{bucket}/{region}` },
    cpu,
  });
}

async function chainCell(
  deps: ChainBenchDeps,
  target: ChainTarget,
  config: string,
  sim: Simulator,
  waited: { seconds: number },
): Promise<ChainSample> {
  const chains = deps.settings.chains;
  const connection = deps.redis.client.duplicate();
  const events = new Queue(EVENTS, { connection });
  const handlerQueue = new Queue(HANDLER_QUEUE, { connection });
  let worker: { child: ChildProcess; logs: string[] } | undefined;
  try {
    await preloadChains(deps, sim, events);
    worker = await startChainWorker(deps, target, config, sim);
    const pid = worker.child.pid ?? 0;
    const others = [deps.redis.pid, sim.child.pid ?? 0];
    const budget = Math.min(5, deps.settings.quietBudgetSeconds - waited.seconds);
    if (budget > 0) waited.seconds += await waitForQuiet([pid, ...others], budget, 0.2);
    const before = snapshot(pid, others);
    const simBefore = processCpuSeconds(sim.child.pid ?? 0);
    const began = performance.now();
    await events.resume();
    let finished = false;
    while (performance.now() < began + 300_000) {
      if ((await unfinished(events)) === 0 && (await unfinished(handlerQueue)) === 0) {
        finished = true;
        break;
      }
      await sleep(20);
    }
    const seconds = (performance.now() - began) / 1000;
    const cpu = cpuUse(before, snapshot(pid, others), 0);
    const simCores = (processCpuSeconds(sim.child.pid ?? 0) - simBefore) / seconds;
    if (!finished) deps.warn(`${target} chains: not done after ${seconds.toFixed(0)} s`);
    const submitted = (await simJobs(sim)).filter((job) => job.tag === 'FileCompress').length;
    if (submitted !== chains)
      deps.warn(`${target} chains: ${submitted} FileCompress jobs, ${chains} expected`);
    const rssMb = peakRssMb(pid);
    await stop(worker.child);
    if (worker.logs.length > 0)
      deps.warn(`${target} chain worker logged warnings or errors, e.g.: ${worker.logs[0] ?? ''}`);
    worker = undefined;
    return {
      chains,
      seconds,
      chainsPerSecond: chains / seconds,
      workerCores: cpu.server,
      redisCores: cpu.redis,
      simCores,
      foreignCores: cpu.foreign,
      submitted,
      rssMb,
    };
  } finally {
    if (worker !== undefined) await stop(worker.child);
    await events.close();
    await handlerQueue.close();
    connection.disconnect();
  }
}

const TARGETS: readonly ChainTarget[] = ['naive', 'jobhook'];

/** Every cell, `rounds` times, the two chain handlers alternating (and which goes first rotating). */
export async function measureChains(deps: ChainBenchDeps): Promise<ChainResults> {
  const { settings, log } = deps;
  const config = writeConfig(deps);
  const waited = { seconds: 0 };
  const samples = new Map<ChainTarget, ChainSample[]>(TARGETS.map((t) => [t, []]));
  log(
    `chains: naive vs jobhook, FileUncompress → verify → FileCompress; ${settings.chains} chains, ` +
      `${settings.concurrency} in flight, simulator --delay ${settings.simDelayMs}, ${settings.rounds} round(s)`,
  );
  const sim = await startSimulator(deps);
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 === 1 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        const s = await chainCell(deps, target, config, sim, waited);
        samples.get(target)?.push(s);
        log(
          `  round ${round} ${target.padEnd(7)} ${Math.round(s.chainsPerSecond).toString().padStart(5)} chains/s ` +
            `(worker ${s.workerCores.toFixed(2)} cores, Redis ${s.redisCores.toFixed(2)}, simulator ` +
            `${s.simCores.toFixed(2)}, other ` +
            `${s.foreignCores.toFixed(2)}; ${s.submitted} FileCompress jobs at the simulator; RSS ${s.rssMb.toFixed(0)} MB)`,
        );
      }
    }
  } finally {
    await stop(sim.child);
  }
  return { chains: settings.chains, summaries: TARGETS.map((t) => summarize(t, samples.get(t) ?? [])) };
}

function summarize(target: ChainTarget, samples: readonly ChainSample[]): ChainSummary {
  return {
    target,
    chainsPerSecond: median(samples.map((s) => s.chainsPerSecond)),
    workerCores: median(samples.map((s) => s.workerCores)),
    perCore: median(samples.map((s) => s.chainsPerSecond / s.workerCores)),
    simCores: median(samples.map((s) => s.simCores)),
    rssPeakMb: Math.max(...samples.map((s) => s.rssMb)),
    samples,
  };
}
