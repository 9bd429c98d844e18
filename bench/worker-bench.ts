/**
 * The worker side of `npm run bench` (docs/performance.md, "Workers"): jobhook's worker role against a naive
 * worker (naive-worker.ts) with the same mix of 3 handlers and 2 subscriptions, in one run, interleaved.
 *
 * - dispatch: `dispatchEvents` events pre-loaded into jobhook-events (half `succeeded`, half `failed`: 5 of the 10
 *   (event, target) pairs match), one worker process on the server's core; events per second from the moment the
 *   queue is let go until it is empty. The handler queues are paused meanwhile, so both workers only dispatch.
 * - latency: callbacks through jobhook's receiver (on the other core) at 1 000/s, and as fast as it takes them
 *   (saturation); the time from each callback's 2xx to the start of each handler run it caused.
 * - memory: the peak resident memory (VmHWM) of each worker process.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { cpuUse, snapshot, waitForQuiet } from './lib/cpu.js';
import { preload, type SampleJob } from './lib/events.js';
import { peakRssMb, setAffinity, sleep, stop, type Pinning } from './lib/proc.js';
import { startJobhookWorker, startNaiveWorker } from './lib/jobhook-worker.js';
import type { PrivateRedis } from './lib/redis.js';
import { median, percentile } from './lib/stats.js';
import type {
  DispatchSample,
  LatencySample,
  WorkerResults,
  WorkerSummary,
  WorkerTarget,
} from './lib/worker-report.js';
import type { LoadResult, MixTarget, NaiveWorkerSpec } from './protocol.js';

const EVENTS = 'jobhook-events';
const SUCCEEDED = 'tencent.ci.job.succeeded';
const FAILED = 'tencent.ci.job.failed';
/** jobhook's defaults, given to the naive worker too. */
const DISPATCH_CONCURRENCY = Number(process.env['BENCH_DISPATCH_CONCURRENCY'] ?? 32);
const HANDLER_CONCURRENCY = Number(process.env['BENCH_HANDLER_CONCURRENCY'] ?? 8);

/** The mix: 3 handlers and 2 subscriptions. A succeeded event matches 3 of them, a failed one 2. */
const MIX: readonly MixTarget[] = [
  { queue: 'jobhook-handler-succeeded', type: SUCCEEDED, handler: 'succeeded' },
  { queue: 'jobhook-handler-failed', type: FAILED, handler: 'failed' },
  { queue: 'jobhook-handler-any-job', type: 'tencent.ci.job.*', handler: 'any-job' },
  { queue: 'bench-succeeded', type: SUCCEEDED },
  { queue: 'bench-qiniu', type: 'qiniu.pfop.*' },
];
const HANDLER_QUEUES = MIX.filter((t) => t.handler !== undefined).map((t) => t.queue);
/** Handler runs each receiver callback (a succeeded transcode) causes: `succeeded` and `any-job`. */
const RUNS_PER_CALLBACK = MIX.filter((t) => t.handler !== undefined && matches(t.type, SUCCEEDED)).length;

function matches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Targets the i-th pre-loaded event matches (even: succeeded, odd: failed). */
function expectedJobs(events: number): number {
  const succeeded = Math.ceil(events / 2);
  const per = (type: string): number => MIX.filter((t) => matches(t.type, type)).length;
  return succeeded * per(SUCCEEDED) + (events - succeeded) * per(FAILED);
}

export interface WorkerBenchSettings {
  readonly rounds: number;
  readonly dispatchEvents: number;
  /** Callbacks of one latency measurement, and of the warm-up before it. */
  readonly latencyCallbacks: number;
  readonly warmupCallbacks: number;
  readonly rate: number;
  readonly rateConnections: number;
  readonly saturationConnections: number;
  readonly quietBudgetSeconds: number;
}

export interface WorkerBenchDeps {
  readonly settings: WorkerBenchSettings;
  readonly redis: PrivateRedis;
  readonly pinning: Pinning;
  readonly root: string;
  readonly childDir: string;
  readonly dataDir: string;
  /** The Node.js flags `npm start` gives jobhook. */
  readonly nodeFlags: readonly string[];
  readonly sample: SampleJob;
  readonly log: (line: string) => void;
  readonly warn: (message: string) => void;
  /** jobhook's receiver (role http), on `cpu`. */
  readonly startReceiver: (cpu: string | undefined) => Promise<{ child: ChildProcess; port: number }>;
  /** `amount` callbacks to the receiver on `port`, at `rate` per second (as fast as it takes them when undefined). */
  readonly sendCallbacks: (
    port: number,
    connections: number,
    amount: number,
    rate: number | undefined,
  ) => Promise<LoadResult>;
}

interface RunningWorker {
  readonly child: ChildProcess;
  readonly logs: string[];
}

/** jobhook's configuration for the mix: module handlers that record their starts, and the subscriptions. */
function writeConfig(deps: WorkerBenchDeps): string {
  const module = join(deps.childDir, 'record-starts.js');
  const config = {
    handlers: MIX.filter((t) => t.handler !== undefined).map((t) => ({
      name: t.handler,
      on: { type: t.type },
      module,
      concurrency: HANDLER_CONCURRENCY,
    })),
    subscriptions: MIX.filter((t) => t.handler === undefined).map((t) => ({
      queue: t.queue,
      on: { type: t.type },
    })),
  };
  const file = join(deps.dataDir, 'bench-worker.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function startWorker(
  deps: WorkerBenchDeps,
  target: WorkerTarget,
  config: string,
  startsFile: string,
  cpu: string | undefined,
): Promise<RunningWorker> {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: deps.redis.url, BENCH_STARTS_FILE: startsFile };
  if (target === 'naive') {
    const spec: NaiveWorkerSpec = {
      redisUrl: deps.redis.url,
      dispatchConcurrency: DISPATCH_CONCURRENCY,
      handlerConcurrency: HANDLER_CONCURRENCY,
      targets: MIX,
    };
    return startNaiveWorker({
      root: deps.root,
      childDir: deps.childDir,
      program: 'naive-worker',
      specVariable: 'BENCH_NAIVE_WORKER',
      spec,
      env: env,
      cpu,
    });
  }
  return startJobhookWorker({
    root: deps.root,
    nodeFlags: deps.nodeFlags,
    redisUrl: deps.redis.url,
    dataDir: deps.dataDir,
    config,
    env: { BENCH_STARTS_FILE: startsFile, JOBHOOK_DISPATCH_CONCURRENCY: String(DISPATCH_CONCURRENCY) },
    cpu,
  });
}

async function stopWorker(
  deps: WorkerBenchDeps,
  target: WorkerTarget,
  worker: RunningWorker,
): Promise<number> {
  const rss = peakRssMb(worker.child.pid ?? 0);
  await stop(worker.child);
  if (worker.logs.length > 0)
    deps.warn(`${target} worker logged warnings or errors, e.g.: ${worker.logs[0] ?? ''}`);
  return rss;
}

async function withQueues<T>(
  deps: WorkerBenchDeps,
  names: readonly string[],
  use: (queues: Queue[]) => Promise<T>,
): Promise<T> {
  const queues = names.map((name) => new Queue(name, { connection: deps.redis.client.duplicate() }));
  try {
    return await use(queues);
  } finally {
    await Promise.all(
      queues.map(async (queue) => {
        await queue.close();
        await queue.disconnect();
      }),
    );
  }
}

/** Jobs of a queue that are not finished yet. */
async function unfinished(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'active', 'prioritized', 'delayed');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

async function allJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

async function quiet(
  deps: WorkerBenchDeps,
  pids: readonly number[],
  waited: { seconds: number },
): Promise<void> {
  const budget = Math.min(5, deps.settings.quietBudgetSeconds - waited.seconds);
  if (budget > 0) waited.seconds += await waitForQuiet(pids, budget, 0.2);
}

async function dispatchCell(
  deps: WorkerBenchDeps,
  target: WorkerTarget,
  config: string,
  waited: { seconds: number },
): Promise<DispatchSample> {
  const events = deps.settings.dispatchEvents;
  await deps.redis.flush();
  return withQueues(deps, [EVENTS, ...MIX.map((t) => t.queue)], async ([eventsQueue, ...targets]) => {
    if (eventsQueue === undefined) throw new Error('no events queue');
    // Paused, jobhook-events keeps the pre-loaded events until the clock starts; the paused handler queues keep
    // the runs, so that both workers only dispatch.
    await eventsQueue.pause();
    await Promise.all(targets.filter((q) => HANDLER_QUEUES.includes(q.name)).map((q) => q.pause()));
    await preload(deps.redis.client, deps.sample, events, (data, i) =>
      i % 2 === 0 ? { ...data, type: SUCCEEDED } : { ...data, type: FAILED },
    );
    const worker = await startWorker(
      deps,
      target,
      config,
      join(deps.dataDir, 'dispatch-starts.txt'),
      deps.pinning.server,
    );
    const pid = worker.child.pid ?? 0;
    let finished = false;
    try {
      await quiet(deps, [pid, deps.redis.pid], waited);
      const before = snapshot(pid, [deps.redis.pid]);
      const began = performance.now();
      await eventsQueue.resume();
      const deadline = began + 300_000;
      while (performance.now() < deadline) {
        if ((await unfinished(eventsQueue)) === 0) {
          finished = true;
          break;
        }
        await sleep(20);
      }
      const seconds = (performance.now() - began) / 1000;
      const cpu = cpuUse(before, snapshot(pid, [deps.redis.pid]), 0);
      if (!finished) deps.warn(`${target} dispatch: jobhook-events not empty after ${seconds.toFixed(0)} s`);
      const made = (await Promise.all(targets.map(allJobs))).reduce((sum, n) => sum + n, 0);
      if (made !== expectedJobs(events))
        deps.warn(`${target} dispatch: ${made} runs and copies, ${expectedJobs(events)} expected`);
      const rssMb = await stopWorker(deps, target, worker);
      return {
        events,
        seconds,
        eventsPerSecond: events / seconds,
        workerCores: cpu.server,
        redisCores: cpu.redis,
        foreignCores: cpu.foreign,
        jobs: made,
        rssMb,
      };
    } finally {
      await stop(worker.child);
    }
  });
}

/** Lines of a starts file: event id, handler, epoch ms. */
function readStarts(file: string): { id: string; at: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', , at = 'NaN'] = line.split(' ');
      return { id, at: Number(at) };
    });
}

async function waitForStarts(file: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let seen = readStarts(file).length;
  while (seen < expected && performance.now() < deadline) {
    await sleep(100);
    seen = readStarts(file).length;
  }
  return seen;
}

/**
 * Where the latency goes, from BullMQ's own times of up to 1 000 finished jobs: stored → taken by the dispatcher
 * (jobhook-events), and dispatched → taken by a handler worker (the `succeeded` handler's queue); medians in ms.
 */
async function stageWaits(deps: WorkerBenchDeps): Promise<{ dispatchWaitMs: number; runWaitMs: number }> {
  return withQueues(deps, [EVENTS, MIX[0]?.queue ?? ''], async (queues) => {
    const [dispatchWaitMs = Number.NaN, runWaitMs = Number.NaN] = await Promise.all(
      queues.map(async (queue) => {
        const jobs = await queue.getJobs(['completed'], 0, 999);
        return median(jobs.map((job) => (job.processedOn ?? Number.NaN) - job.timestamp));
      }),
    );
    return { dispatchWaitMs, runWaitMs };
  });
}

async function latencyCell(
  deps: WorkerBenchDeps,
  target: WorkerTarget,
  config: string,
  rate: number | undefined,
  round: number,
  waited: { seconds: number },
): Promise<LatencySample> {
  const { settings } = deps;
  const connections = rate === undefined ? settings.saturationConnections : settings.rateConnections;
  const label = `${target} ${rate === undefined ? 'saturation' : `${rate}/s`}`;
  await deps.redis.flush();
  const startsFile = join(deps.dataDir, `starts-${target}-${rate ?? 'max'}-${round}.txt`);
  writeFileSync(startsFile, '');
  const receiver = await deps.startReceiver(undefined);
  let worker: RunningWorker | undefined;
  try {
    worker = await startWorker(deps, target, config, startsFile, undefined);
    // A warm-up at the measured rate (or 1 000/s), whose runs are left out.
    const warm = await deps.sendCallbacks(
      receiver.port,
      connections,
      settings.warmupCallbacks,
      rate ?? settings.rate,
    );
    await waitForStarts(startsFile, warm.ok * RUNS_PER_CALLBACK, 60_000);
    await sleep(200);
    writeFileSync(startsFile, '');
    await quiet(deps, [worker.child.pid ?? 0, receiver.child.pid ?? 0, deps.redis.pid], waited);
    const pid = worker.child.pid ?? 0;
    const others = [deps.redis.pid, receiver.child.pid ?? 0];
    const before = snapshot(pid, others);
    const result = await deps.sendCallbacks(receiver.port, connections, settings.latencyCallbacks, rate);
    const expected = result.ok * RUNS_PER_CALLBACK;
    const seen = await waitForStarts(startsFile, expected, 120_000);
    const cpu = cpuUse(before, snapshot(pid, others), result.cpuSeconds);
    const arrivals = new Map(result.arrivals ?? []);
    const gaps = readStarts(startsFile).flatMap(({ id, at }) => {
      const answered = arrivals.get(id);
      return answered === undefined ? [] : [at - answered];
    });
    if (result.ok !== settings.latencyCallbacks)
      deps.warn(`${label}: ${result.ok} of ${settings.latencyCallbacks} callbacks answered 2xx`);
    if (seen !== expected || gaps.length !== expected)
      deps.warn(
        `${label}: ${gaps.length} handler starts matched a 2xx (${seen} recorded), ${expected} expected`,
      );
    const waits = await stageWaits(deps);
    const rssMb = await stopWorker(deps, target, worker);
    worker = undefined;
    return {
      callbacks: result.ok,
      callbacksPerSecond: result.requestsPerSecond,
      runs: gaps.length,
      p50Ms: percentile(gaps, 50),
      p99Ms: percentile(gaps, 99),
      maxMs: Math.max(...gaps),
      workerCores: cpu.server,
      foreignCores: cpu.foreign,
      ...waits,
      rssMb,
    };
  } finally {
    if (worker !== undefined) await stop(worker.child);
    await stop(receiver.child);
  }
}

const TARGETS: readonly WorkerTarget[] = ['naive', 'jobhook'];

/** Every cell, `rounds` times, the two workers alternating (and which goes first rotating). */
export async function measureWorkers(deps: WorkerBenchDeps): Promise<WorkerResults> {
  const { settings, log } = deps;
  const config = writeConfig(deps);
  const waited = { seconds: 0 };
  const dispatch = new Map<WorkerTarget, DispatchSample[]>(TARGETS.map((t) => [t, []]));
  const atRate = new Map<WorkerTarget, LatencySample[]>(TARGETS.map((t) => [t, []]));
  const saturated = new Map<WorkerTarget, LatencySample[]>(TARGETS.map((t) => [t, []]));
  log(
    `workers: naive vs jobhook, 3 handlers + 2 subscriptions; dispatch of ${settings.dispatchEvents} events, ` +
      `${settings.latencyCallbacks} callbacks at ${settings.rate}/s and at saturation, ${settings.rounds} round(s)`,
  );
  for (let round = 1; round <= settings.rounds; round++) {
    const order = round % 2 === 1 ? TARGETS : [...TARGETS].reverse();
    for (const target of order) {
      const d = await dispatchCell(deps, target, config, waited);
      dispatch.get(target)?.push(d);
      log(
        `  round ${round} ${target.padEnd(7)} dispatch ${Math.round(d.eventsPerSecond).toString().padStart(6)} events/s ` +
          `(worker ${d.workerCores.toFixed(2)} cores, Redis ${d.redisCores.toFixed(2)}, other ${d.foreignCores.toFixed(2)}; ` +
          `${d.jobs} runs and copies)`,
      );
    }
    // Latency is measured with nothing pinned, Redis included: three busy processes sharing one core wait for
    // each other's time slices (tens of ms), which is a property of the pinning, not of a worker.
    const { server, other } = deps.pinning;
    if (server !== undefined && other !== undefined) setAffinity(deps.redis.pid, `${server},${other}`);
    for (const rate of [settings.rate, undefined])
      for (const target of order) {
        const l = await latencyCell(deps, target, config, rate, round, waited);
        (rate === undefined ? saturated : atRate).get(target)?.push(l);
        log(
          `  round ${round} ${target.padEnd(7)} ${rate === undefined ? 'saturation' : `${rate}/s`.padEnd(10)} ` +
            `${Math.round(l.callbacksPerSecond).toString().padStart(5)} callbacks/s  2xx → handler start ` +
            `p50 ${l.p50Ms.toFixed(1)} ms p99 ${l.p99Ms.toFixed(1)} ms max ${l.maxMs.toFixed(0)} ms (${l.runs} runs; ` +
            `worker ${l.workerCores.toFixed(2)} cores, other ${l.foreignCores.toFixed(2)}; waits: dispatch ` +
            `${l.dispatchWaitMs.toFixed(0)} ms, run ${l.runWaitMs.toFixed(0)} ms)`,
        );
      }
    if (other !== undefined) setAffinity(deps.redis.pid, other);
  }
  const summaries = TARGETS.map((target) =>
    summarizeWorker(
      target,
      dispatch.get(target) ?? [],
      atRate.get(target) ?? [],
      saturated.get(target) ?? [],
    ),
  );
  return { rate: settings.rate, summaries, quietWaitSeconds: waited.seconds };
}

function summarizeWorker(
  target: WorkerTarget,
  dispatch: readonly DispatchSample[],
  atRate: readonly LatencySample[],
  saturated: readonly LatencySample[],
): WorkerSummary {
  const latency = (samples: readonly LatencySample[]) => ({
    callbacksPerSecond: median(samples.map((s) => s.callbacksPerSecond)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    runs: samples.reduce((sum, s) => sum + s.runs, 0),
  });
  return {
    target,
    eventsPerSecond: median(dispatch.map((s) => s.eventsPerSecond)),
    workerCores: median(dispatch.map((s) => s.workerCores)),
    perCore: median(dispatch.map((s) => s.eventsPerSecond / s.workerCores)),
    atRate: latency(atRate),
    saturation: latency(saturated),
    rssPeakMb: Math.max(...[...dispatch, ...atRate, ...saturated].map((s) => s.rssMb)),
    samples: { dispatch, atRate, saturated },
  };
}
