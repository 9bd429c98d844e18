/**
 * `npm run bench`: jobhook against a bare node:http server (the ceiling) and a naive Hono receiver, in one run,
 * interleaved, on a private Redis. See docs/performance.md for what is measured and how.
 *
 * Environment: BENCH_DURATION (seconds per cell, default 5), BENCH_ROUNDS (default 3), BENCH_QUICK=1 (one round
 * of 2 s at 50 connections, for smoke tests).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBodies, type Body } from './lib/bodies.js';
import { preload, sampleJob, type SampleJob } from './lib/events.js';
import { compileChildren } from './lib/compile.js';
import { cpuUse, snapshot, waitForQuiet } from './lib/cpu.js';
import {
  atExit,
  collectLogs,
  detectPinning,
  freePort,
  killAll,
  nextMessage,
  output,
  rssMb,
  start,
  stop,
  waitForHttp,
  type Pinning,
} from './lib/proc.js';
import { PrivateRedis } from './lib/redis.js';
import {
  extrasLines,
  machineLine,
  noiseLine,
  perCoreLine,
  summarize,
  table,
  updateDoc,
  verdict,
  verdictLines,
  writeJson,
  type Cell,
  type Extras,
  type Format,
  type Machine,
  type Noise,
  type Report,
  type Target,
} from './lib/report.js';
import { median, percentile } from './lib/stats.js';
import { workerTable, workerVerdict } from './lib/worker-report.js';
import { chainTable, chainVerdict } from './lib/chain-report.js';
import { measureChains, type ChainBenchDeps, type ChainBenchSettings } from './chain-bench.js';
import { measureWorkers, type WorkerBenchDeps, type WorkerBenchSettings } from './worker-bench.js';
import type { LoadResult, LoadSpec, WorkerSpec } from './protocol.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const ROUTE = '/v1/callbacks/tencent-ci';
const RSS_LIMIT_MB = 150;

interface Settings {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: readonly number[];
  readonly handoffCallbacks: number;
  readonly handoffConnections: number;
  readonly handoffRate: number;
  readonly drainEvents: number;
  /** Seconds the whole run may spend waiting for other processes to calm down before measurements. */
  readonly quietBudgetSeconds: number;
  /** The Tencent CI fixture pair (<name>.xml and <name>.json) every request is made from. */
  readonly fixture: string;
  readonly workers: WorkerBenchSettings;
  readonly chains: ChainBenchSettings;
  /** `BENCH_ONLY=workers` or `BENCH_ONLY=chains`: those cells alone; `all` otherwise. */
  readonly only: 'all' | 'workers' | 'chains';
}

function readSettings(): Settings {
  const quick = process.env['BENCH_QUICK'] === '1';
  const positive = (name: string, fallback: number): number => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    quick,
    rounds: quick ? 1 : Math.round(positive('BENCH_ROUNDS', 3)),
    durationSeconds: quick ? 2 : positive('BENCH_DURATION', 5),
    warmupSeconds: 2,
    connections: quick ? [50] : [10, 50, 200],
    handoffCallbacks: 2000,
    handoffConnections: 20,
    handoffRate: 1000,
    drainEvents: quick ? 20_000 : 50_000,
    quietBudgetSeconds: quick ? 10 : Number(process.env['BENCH_QUIET_WAIT'] ?? 15),
    fixture: process.env['BENCH_FIXTURE'] ?? 'transcode-succeeded',
    only: onlyOf(process.env['BENCH_ONLY']),
    workers: {
      rounds: quick ? 1 : Math.round(positive('BENCH_ROUNDS', 3)),
      dispatchEvents: quick ? 5000 : 20_000,
      latencyCallbacks: quick ? 2000 : 5000,
      warmupCallbacks: quick ? 500 : 1000,
      rate: positive('BENCH_WORKER_RATE', 1000),
      rateConnections: 20,
      saturationConnections: 50,
      quietBudgetSeconds: quick ? 5 : 15,
    },
    chains: {
      rounds: quick ? 1 : Math.round(positive('BENCH_ROUNDS', 3)),
      chains: quick ? 500 : Math.round(positive('BENCH_CHAINS', 2000)),
      concurrency: Math.round(positive('BENCH_CHAIN_CONCURRENCY', 32)),
      simDelayMs: 20,
      quietBudgetSeconds: quick ? 5 : 15,
    },
  };
}

function onlyOf(value: string | undefined): Settings['only'] {
  if (value === undefined || value === '') return 'all';
  if (value === 'workers' || value === 'chains') return value;
  throw new Error('BENCH_ONLY must be workers or chains');
}

/** A server under test in one round: which program, which body, how many HTTP processes, pinned or not. */
interface Run {
  readonly target: Target;
  readonly format: Format;
  readonly processes: number;
  readonly pinned: boolean;
  readonly connections: readonly number[];
}

interface Context {
  readonly settings: Settings;
  readonly pinning: Pinning;
  readonly redis: PrivateRedis;
  readonly childDir: string;
  readonly dataDir: string;
  readonly token: string;
  readonly bodies: Readonly<Record<Format, Body>>;
  readonly cells: Map<string, Cell>;
  readonly warnings: string[];
  /** Seconds spent so far waiting for a quiet machine. */
  waited: number;
  /** Cores other processes used during the measurements (median and max over cells). */
  noise: Noise | undefined;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

function warn(ctx: Context, message: string): void {
  ctx.warnings.push(message);
  log(`  WARNING: ${message}`);
}

function build(): void {
  log('building jobhook (npm run -s build) …');
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed: the benchmark runs the built receiver');
}

function clusterSupported(): boolean {
  return readFileSync(join(ROOT, 'src/config.ts'), 'utf8').includes('JOBHOOK_HTTP_PROCESSES');
}

/** Starts a server under test the way its users run it; resolves once it answers. */
async function startServer(
  ctx: Context,
  run: Run,
  cpu: string | undefined,
): Promise<{ child: ChildProcess; port: number; logs: string[] }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: ctx.redis.url,
  };
  let script: string;
  if (run.target === 'jobhook') {
    script = join(ROOT, 'dist/main.js');
    Object.assign(env, {
      JOBHOOK_ROLE: 'http',
      JOBHOOK_TOKENS: ctx.token,
      LOG_LEVEL: 'warn',
      JOBHOOK_EMBEDDED_REDIS: 'never',
      JOBHOOK_DATA_DIR: ctx.dataDir,
      // Only the cluster-scaling runs set it; the main runs use the default, as a user would.
      ...(run.pinned ? {} : { JOBHOOK_HTTP_PROCESSES: String(run.processes) }),
    });
  } else script = join(ctx.childDir, run.target === 'bare' ? 'bare-server.js' : 'naive-receiver.js');
  const nodeArgs = run.target === 'jobhook' ? [...startFlags(), script] : [script];
  const child = start('node', nodeArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }, cpu);
  const logs = collectLogs(child);
  const ready = run.target === 'jobhook' ? `http://127.0.0.1:${port}/readyz` : `http://127.0.0.1:${port}/`;
  await waitForHttp(ready, child, run.target === 'jobhook' ? 200 : undefined);
  return { child, port, logs };
}

/** The Node.js flags of `npm start` (`node <flags> dist/main.js`): jobhook is measured as its users start it. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words[0] === 'node' ? words.slice(1, -1) : [];
}

/** The load generator, on `cpu` (by default the core it shares with Redis). */
async function runLoad(ctx: Context, spec: LoadSpec, cpu = ctx.pinning.other): Promise<LoadResult> {
  const child = start(
    'node',
    [join(ctx.childDir, 'load.js')],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_LOAD: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
    cpu,
  );
  const out = await output(child, 'the load generator');
  return JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult;
}

function loadSpec(ctx: Context, port: number, format: Format, connections: number): LoadSpec {
  return {
    url: `http://127.0.0.1:${port}${ROUTE}?token=${ctx.token}`,
    body: ctx.bodies[format].text,
    jobId: ctx.bodies[format].jobId,
    // What Tencent CI sends; jobhook sniffs the format from the first byte.
    contentType: 'text/plain',
    connections,
    warmupSeconds: ctx.settings.warmupSeconds,
    durationSeconds: ctx.settings.durationSeconds,
  };
}

/** One server, fresh for this round: each connection level in turn, on an emptied Redis. */
async function measureServer(ctx: Context, run: Run, round: number): Promise<void> {
  const cpu = run.pinned ? ctx.pinning.server : undefined;
  const server = await startServer(ctx, run, cpu);
  try {
    for (const connections of run.connections) await measureCell(ctx, run, round, server, connections);
  } finally {
    await stop(server.child);
  }
  if (server.logs.length > 0)
    warn(ctx, `${run.target} ${run.format} logged warnings or errors, e.g.: ${server.logs[0] ?? ''}`);
}

async function measureCell(
  ctx: Context,
  run: Run,
  round: number,
  server: { child: ChildProcess; port: number },
  connections: number,
): Promise<void> {
  await ctx.redis.flush();
  const pid = server.child.pid ?? 0;
  const budget = Math.min(5, ctx.settings.quietBudgetSeconds - ctx.waited);
  if (budget > 0) ctx.waited += await waitForQuiet([pid, ctx.redis.pid], budget, 0.2);
  // Jobs that a previous run's abandoned requests added after the flush are not this run's.
  const baseline = await queuedJobs(ctx, run.target);
  const before = snapshot(pid, [ctx.redis.pid]);
  const result = await runLoad(ctx, loadSpec(ctx, server.port, run.format, connections));
  const cpu = cpuUse(before, snapshot(pid, [ctx.redis.pid]), result.cpuSeconds);
  const rss = rssMb(pid);
  const label = `${run.target}${run.processes > 1 || !run.pinned ? ` ×${run.processes}` : ''} ${run.format} c=${connections}`;
  const jobs = await checkCounts(ctx, run, label, result, connections, baseline);
  log(
    `  round ${round} ${label.padEnd(22)} ${Math.round(result.requestsPerSecond).toString().padStart(6)} req/s  ` +
      `p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  RSS ${rss.toFixed(0)} MB  ` +
      `cpu: server ${cpu.server.toFixed(2)} redis ${cpu.redis.toFixed(2)} load ${result.loadCores.toFixed(2)} ` +
      `other ${cpu.foreign.toFixed(2)}` +
      (jobs === undefined ? '' : `  2xx ${result.ok + result.warmupOk} jobs ${jobs}`),
  );
  const key = `${run.target}/${run.format}/${connections}/${run.processes}/${run.pinned}`;
  const cell = ctx.cells.get(key) ?? {
    target: run.target,
    format: run.format,
    connections,
    processes: run.processes,
    samples: [],
  };
  cell.samples.push({
    round,
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    rssMb: rss,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCores: cpu.server,
    loadCores: result.loadCores,
    foreignCores: cpu.foreign,
    redisCores: cpu.redis,
  });
  ctx.cells.set(key, cell);
}

/**
 * Every answer must be a 2xx, and every 2xx must be a job in the receiver's queue. Requests still in flight
 * when autocannon stops (at most one per connection, after the warm-up and after the measured run) may be
 * stored without their 2xx being counted, so up to 2 × connections extra jobs are expected.
 */
async function checkCounts(
  ctx: Context,
  run: Run,
  label: string,
  result: LoadResult,
  connections: number,
  baseline: number,
): Promise<number | undefined> {
  const bad = result.non2xx + result.warmupNon2xx + result.errors + result.timeouts;
  if (bad > 0)
    warn(
      ctx,
      `${label}: ${bad} answers were not 2xx or failed (status codes ${JSON.stringify(result.statusCodes)}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  if (run.target === 'bare') return undefined;
  const jobs = (await queuedJobs(ctx, run.target)) - baseline;
  const answered = result.ok + result.warmupOk;
  if (jobs < answered || jobs > answered + 2 * connections)
    warn(ctx, `${label}: ${answered} callbacks answered 2xx but the queue holds ${jobs} jobs`);
  return jobs;
}

/** Jobs in the queue the target writes to (none for the bare server). */
async function queuedJobs(ctx: Context, target: Target): Promise<number> {
  if (target === 'bare') return 0;
  return ctx.redis.jobCount(target === 'jobhook' ? 'jobhook-events' : 'naive-events');
}

/**
 * The numbers hold only when the benchmark has the machine to itself, and the ceiling only when the load
 * generator is not the bottleneck: both are measured per cell and reported here.
 */
function checkQuiet(ctx: Context): void {
  const samples = [...ctx.cells.values()].flatMap((cell) => cell.samples);
  const foreign = samples.map((s) => s.foreignCores);
  ctx.noise = { median: median(foreign), max: Math.max(...foreign), waitedSeconds: ctx.waited };
  const busy = samples.filter((s) => s.foreignCores > 0.25);
  if (busy.length > 0) {
    const worst = Math.max(...busy.map((s) => s.foreignCores));
    warn(
      ctx,
      `${busy.length} of ${samples.length} measurements ran while other processes used more than 0.25 cores ` +
        `(up to ${worst.toFixed(2)}): the machine was not idle, absolute numbers are low and noisy`,
    );
  }
  const loadBound = samples.filter((s) => s.loadCores > 0.9);
  if (loadBound.length > 0)
    warn(
      ctx,
      `the load generator used more than 0.9 cores in ${loadBound.length} measurement(s): there it, not the ` +
        `server, may be the limit (expected for the bare ceiling)`,
    );
}

/** The servers of one round, in a rotating order so that no target always runs first or last. */
function roundRuns(ctx: Context, round: number, cluster: boolean): Run[] {
  const connections = ctx.settings.connections;
  const runs: Run[] = [
    { target: 'bare', format: 'xml', processes: 1, pinned: true, connections },
    { target: 'naive', format: 'xml', processes: 1, pinned: true, connections },
    { target: 'jobhook', format: 'xml', processes: 1, pinned: true, connections },
    { target: 'naive', format: 'json', processes: 1, pinned: true, connections },
    { target: 'jobhook', format: 'json', processes: 1, pinned: true, connections },
  ];
  const shift = (round - 1) % runs.length;
  const rotated = [...runs.slice(shift), ...runs.slice(0, shift)];
  if (!cluster) return rotated;
  // Cluster scaling: the receiver may use every core, so it is not pinned (the load generator still is).
  return [
    ...rotated,
    { target: 'jobhook', format: 'xml', processes: 1, pinned: false, connections: [50] },
    { target: 'jobhook', format: 'xml', processes: 2, pinned: false, connections: [50] },
  ];
}

function startWorker(ctx: Context, spec: WorkerSpec, cpu: string | undefined): ChildProcess {
  return start(
    'node',
    [join(ctx.childDir, 'worker.js')],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
    cpu,
  );
}

/**
 * End to end: callbacks at a moderate rate through the jobhook receiver, a BullMQ worker recording when each
 * job reaches its processor; the gap between the sender's 2xx and that moment. Also returns one stored job as
 * the template for the drain measurement.
 */
async function measureHandoff(
  ctx: Context,
): Promise<{ handoff: Extras['handoff']; sample: SampleJob | undefined }> {
  const { handoffCallbacks: amount, handoffConnections: connections, handoffRate: rate } = ctx.settings;
  log(`end to end: ${amount} XML callbacks, ${connections} connections, ${rate}/s, worker concurrency 50 …`);
  await ctx.redis.flush();
  const run: Run = { target: 'jobhook', format: 'xml', processes: 1, pinned: true, connections: [] };
  const server = await startServer(ctx, run, ctx.pinning.server);
  const spec: WorkerSpec = {
    redisUrl: ctx.redis.url,
    queue: 'jobhook-events',
    concurrency: 50,
    mode: 'handoff',
    expect: amount,
  };
  const worker = startWorker(ctx, spec, ctx.pinning.other);
  try {
    await nextMessage(worker, 'ready', 15_000);
    const starts = nextMessage(worker, 'handoff', 60_000);
    starts.catch(() => undefined);
    const result = await runLoad(ctx, {
      ...loadSpec(ctx, server.port, 'xml', connections),
      amount,
      rate,
      warmupSeconds: 0,
    });
    if (result.ok !== amount) warn(ctx, `end to end: ${result.ok} of ${amount} callbacks answered 2xx`);
    const started = new Map((await starts).starts);
    const gaps = (result.arrivals ?? []).flatMap(([id, at]) => {
      const begun = started.get(id);
      return begun === undefined ? [] : [begun - at];
    });
    if (gaps.length !== amount)
      warn(ctx, `end to end: only ${gaps.length} of ${amount} 2xx answers matched a worker start`);
    const sample = await sampleJob(ctx.redis.client, result.arrivals?.[0]?.[0]);
    return {
      handoff: {
        callbacks: amount,
        matched: gaps.length,
        p50Ms: percentile(gaps, 50),
        p99Ms: percentile(gaps, 99),
      },
      sample,
    };
  } finally {
    await stop(worker);
    await stop(server.child);
  }
}

/** One worker process, concurrency 100, no-op processor, against a queue pre-loaded with `drainEvents` events. */
async function measureDrain(ctx: Context, sample: SampleJob): Promise<Extras['drain']> {
  const events = ctx.settings.drainEvents;
  log(`drain: ${events} events pre-loaded into jobhook-events, one worker process, concurrency 100 …`);
  await ctx.redis.flush();
  await preload(ctx.redis.client, sample, events);
  const spec: WorkerSpec = {
    redisUrl: ctx.redis.url,
    queue: 'jobhook-events',
    concurrency: 100,
    mode: 'drain',
    expect: events,
  };
  // The worker gets the server's core (the receiver is not running now); Redis keeps its own.
  const worker = startWorker(ctx, spec, ctx.pinning.server);
  try {
    await nextMessage(worker, 'ready', 15_000);
    const drained = nextMessage(worker, 'drained', 300_000);
    worker.send({ type: 'go' });
    const { count, seconds } = await drained;
    return { events: count, eventsPerSecond: count / seconds };
  } finally {
    await stop(worker);
  }
}

/** Cells keyed `<target>/<format>/<connections>/<processes>/<pinned>`. */
function cellsWhere(ctx: Context, pinned: boolean): Cell[] {
  return [...ctx.cells.entries()].filter(([key]) => key.endsWith(`/${pinned}`)).map(([, cell]) => cell);
}

function clusterResult(ctx: Context, supported: boolean): Extras['cluster'] {
  if (!supported) return 'cluster mode not available (src/config.ts has no JOBHOOK_HTTP_PROCESSES)';
  const rows = summarize(cellsWhere(ctx, false));
  const one = rows.find((r) => r.processes === 1);
  const two = rows.find((r) => r.processes === 2);
  return one === undefined || two === undefined ? 'cluster runs missing' : { one, two };
}

async function machine(ctx: Context): Promise<Machine> {
  const autocannon = JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as {
    version: string;
  };
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.versions.node,
    redis: await ctx.redis.version(),
    autocannon: autocannon.version,
    date: new Date().toISOString(),
    pinning: ctx.pinning.description,
  };
}

async function main(): Promise<void> {
  const began = Date.now();
  const settings = readSettings();
  build();
  const childDir = await compileChildren(BENCH, ROOT);
  const pinning = detectPinning();
  log(`pinning: ${pinning.description}`);
  const redis = await PrivateRedis.start(pinning.other);
  const dataDir = await mkdtemp(join(tmpdir(), 'jobhook-bench-data-'));
  atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const ctx: Context = {
    settings,
    pinning,
    redis,
    childDir,
    dataDir,
    token: randomBytes(16).toString('hex'),
    bodies: loadBodies(settings.fixture),
    cells: new Map(),
    warnings: [],
    waited: 0,
    noise: undefined,
  };
  try {
    await benchmark(ctx, began);
  } finally {
    await redis.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function benchmark(ctx: Context, began: number): Promise<void> {
  const { settings } = ctx;
  const cluster = clusterSupported();
  log(
    `bodies: ${bodiesLine(ctx)}; ` +
      `${settings.rounds} round(s) × ${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s per cell`,
  );
  if (!cluster) log('cluster mode not available (no JOBHOOK_HTTP_PROCESSES in src/config.ts)');
  if (settings.only === 'workers') return benchmarkWorkers(ctx);
  if (settings.only === 'chains') return benchmarkChains(ctx);
  for (let round = 1; round <= settings.rounds; round++) {
    log(`round ${round}/${settings.rounds}`);
    for (const run of roundRuns(ctx, round, cluster)) await measureServer(ctx, run, round);
  }
  checkQuiet(ctx);
  const { handoff, sample } = await measureHandoff(ctx);
  const drain = sample === undefined ? undefined : await measureDrain(ctx, sample);
  const extras: Extras = { handoff, drain, cluster: clusterResult(ctx, cluster) };
  const workers = sample === undefined ? undefined : await measureWorkers(workerDeps(ctx, sample));
  const chains = await measureChains(chainDeps(ctx));
  const results = summarize(cellsWhere(ctx, true));
  const checks = [
    ...verdict(results, RSS_LIMIT_MB),
    ...(workers === undefined ? [] : workerVerdict(workers)),
    ...chainVerdict(chains),
  ];
  const report: Report = {
    machine: await machine(ctx),
    workers,
    chains,
    settings: {
      ...settingsLine(settings),
      connections: settings.connections.join(','),
      minutes: (Date.now() - began) / 60_000,
      quietWaitSeconds: ctx.waited,
      bodies: bodiesLine(ctx),
    },
    results,
    verdict: checks,
    extras,
    noise: ctx.noise,
    warnings: ctx.warnings,
    raw: [...ctx.cells.values()],
  };
  publish(report);
  await writeJson(join(BENCH, 'results/latest.json'), report);
  await updateDoc(join(ROOT, 'docs/performance.md'), docSection(report), DOC_TEMPLATE);
  log(
    `\nwrote bench/results/latest.json and docs/performance.md in ${((Date.now() - began) / 60_000).toFixed(1)} min`,
  );
}

/** `BENCH_ONLY=workers`: the worker cells alone, printed and written nowhere (for working on the worker). */
async function benchmarkWorkers(ctx: Context): Promise<void> {
  const { sample } = await measureHandoff(ctx);
  if (sample === undefined) throw new Error('no stored event to pre-load copies of');
  const workers = await measureWorkers(workerDeps(ctx, sample));
  log(`\n${workerTable(workers)}\n`);
  for (const line of verdictLines(workerVerdict(workers))) log(line);
}

/** `BENCH_ONLY=chains`: the chain cells alone, printed and written nowhere (for working on chains). */
async function benchmarkChains(ctx: Context): Promise<void> {
  const chains = await measureChains(chainDeps(ctx));
  log(`\n${chainTable(chains)}\n`);
  for (const line of verdictLines(chainVerdict(chains))) log(line);
}

/** The settings as flat values for the report (the worker and chain settings as one line each). */
function settingsLine({
  workers,
  chains,
  ...rest
}: Settings): Omit<Settings, 'workers' | 'chains'> & { workers: string; chains: string } {
  return {
    ...rest,
    chains:
      `${chains.rounds} round(s); ${chains.chains} chains, ${chains.concurrency} in flight, simulator ` +
      `--delay ${chains.simDelayMs}`,
    workers:
      `${workers.rounds} round(s); dispatch ${workers.dispatchEvents} events; ${workers.latencyCallbacks} callbacks ` +
      `(after ${workers.warmupCallbacks}) at ${workers.rate}/s over ${workers.rateConnections} connections and at ` +
      `saturation over ${workers.saturationConnections}`,
  };
}

/** What the worker and the chain benchmarks both get: Redis, cores, directories, logs, jobhook's receiver. */
function sharedDeps(ctx: Context) {
  const receiver: Run = { target: 'jobhook', format: 'xml', processes: 1, pinned: true, connections: [] };
  return {
    redis: ctx.redis,
    pinning: ctx.pinning,
    root: ROOT,
    childDir: ctx.childDir,
    dataDir: ctx.dataDir,
    nodeFlags: startFlags(),
    log,
    warn: (message: string) => warn(ctx, message),
    startReceiver: (cpu: string | undefined) => startServer(ctx, receiver, cpu),
  };
}

function workerDeps(ctx: Context, sample: SampleJob): WorkerBenchDeps {
  return {
    ...sharedDeps(ctx),
    settings: ctx.settings.workers,
    sample,
    // Not pinned: the latency cells let the scheduler place every process (see worker-bench.ts).
    sendCallbacks: (port, connections, amount, rate) =>
      runLoad(
        ctx,
        {
          ...loadSpec(ctx, port, 'xml', connections),
          amount,
          warmupSeconds: 0,
          ...(rate === undefined ? {} : { rate }),
        },
        undefined,
      ),
  };
}

function chainDeps(ctx: Context): ChainBenchDeps {
  return {
    ...sharedDeps(ctx),
    settings: ctx.settings.chains,
    callbackUrl: (port) => `http://127.0.0.1:${port}${ROUTE}?token=${ctx.token}`,
  };
}

function bodiesLine(ctx: Context): string {
  const { xml, json } = ctx.bodies;
  return `${xml.file} (${Buffer.byteLength(xml.text)} B) and ${json.file} (${Buffer.byteLength(json.text)} B)`;
}

function publish(report: Report): void {
  log(`\n${machineLine(report.machine)}\n`);
  log(table(report.results));
  if (report.noise !== undefined) log(`\n${noiseLine(report.noise)}`);
  log('\nTargets (receiver: 50 connections, server on one core; workers: one process on the server core):');
  for (const line of verdictLines(report.verdict)) log(line);
  const perCore = perCoreLine(report.results);
  if (perCore !== undefined) log(perCore);
  log('');
  for (const line of extrasLines(report.extras)) log(line);
  if (report.workers !== undefined)
    log(`\nWorkers (3 handlers + 2 subscriptions):\n\n${workerTable(report.workers)}`);
  if (report.chains !== undefined)
    log(`\nChains (verify + submit + ledger, one worker process):\n\n${chainTable(report.chains)}`);
  if (report.warnings.length > 0) log(`\n${report.warnings.length} warning(s); see above and latest.json`);
}

function docSection(report: Report): string {
  const s = report.settings;
  return [
    `Latest run: ${machineLine(report.machine)}.`,
    `Medians of ${String(s['rounds'])} interleaved round(s) of ${String(s['durationSeconds'])} s per cell after a ` +
      `${String(s['warmupSeconds'])} s warm-up; ratios are to the bare server and to the naive receiver at the ` +
      `same connections. Bodies: ${String(s['bodies'])}. "server cores" is the CPU the server used (at most 1 when ` +
      `pinned); "req/s per core" divides by it, which other load on the machine distorts less. "Redis µs/req" is ` +
      `the CPU Redis spent per answered callback, its AOF rewrites included (on the core it shares with the load generator when pinned).`,
    '',
    table(report.results),
    '',
    ...(report.noise === undefined ? [] : [noiseLine(report.noise), '']),
    'Targets (receiver: 50 connections, server on one core; workers: one process on the server core):',
    '',
    ...verdictLines(report.verdict),
    ...[perCoreLine(report.results)].filter((line) => line !== undefined),
    '',
    'Delivery to workers and scaling:',
    '',
    ...extrasLines(report.extras),
    ...(report.workers === undefined
      ? []
      : [
          '',
          `Workers: jobhook's worker role against the naive worker, 3 handlers and 2 subscriptions (${String(s['workers'])}); ` +
            `medians over the rounds, RSS the highest peak of any worker process:`,
          '',
          workerTable(report.workers),
        ]),
    ...(report.chains === undefined
      ? []
      : [
          '',
          `Chains: jobhook's worker role (a \`submit\` rule with \`verify: true\`) against the naive chain handler ` +
            `(${String(s['chains'])}); medians over the rounds, RSS the highest peak:`,
          '',
          chainTable(report.chains),
        ]),
    ...(report.warnings.length > 0
      ? [
          '',
          `The run printed ${report.warnings.length} warning(s):`,
          '',
          ...report.warnings.map((w) => `- ${w}`),
        ]
      : []),
  ].join('\n');
}

const DOC_TEMPLATE = `# Performance

\`npm run bench\` measures the jobhook receiver against two references in one run, interleaved:

- **bare** — a \`node:http\` server that reads the whole body and answers 204 (\`bench/bare-server.ts\`): the
  ceiling of the machine and of the load generator;
- **naive** — what a team would write first (\`bench/naive-receiver.ts\`): Hono, fast-xml-parser or
  \`JSON.parse\`, \`await queue.add()\` on BullMQ, no authentication, validation or deduplication;
- **jobhook** — the built receiver, started as \`npm start\` starts it (\`node
  --max-semi-space-size=8 dist/main.js\`, \`JOBHOOK_ROLE=http\`, a token in the URL).

How: the script builds jobhook, starts a private \`redis-server\` (AOF, \`appendfsync everysec\`) and empties it
before every measurement. With two or more cores the server under test is pinned to one core and Redis, the
load generator (autocannon, in its own process) and the workers to another. Each request is the Tencent CI
\`transcode-succeeded\` fixture (XML or JSON; \`BENCH_FIXTURE\` names another pair) with a unique \`JobId\`, so
no receiver can answer a duplicate from a shortcut. Each cell (target × format × 10, 50 and 200
connections) runs after a warm-up, in several rounds that alternate between the targets; the table shows
medians, p50 and p99 of the 2xx latencies, and the resident memory of the server right after its load. After every jobhook and naive run the script checks that
each 2xx is a job in the queue.

It also measures, end to end, the time from a callback's 2xx to the moment a BullMQ worker (concurrency 50)
starts processing the event (negative when the worker had it before the sender had its answer), how many
events per second one worker process takes off \`jobhook-events\`, and — when the receiver supports
\`JOBHOOK_HTTP_PROCESSES\` — how throughput grows from one to two HTTP processes.

The worker side (\`bench/worker-bench.ts\`) puts jobhook's worker role (\`JOBHOOK_ROLE=worker\`, a configuration
file with 3 module handlers and 2 subscriptions) beside a **naive worker** (\`bench/naive-worker.ts\`): a BullMQ
\`Worker\` on \`jobhook-events\` whose processor awaits \`queue.add\` for each matching target, and one \`Worker\` per
handler queue, in one process, with jobhook's default concurrencies (32 events, 8 runs per handler). A succeeded
event matches 3 of the 5 targets, a failed one 2. Three measurements, interleaved, in every round:

- **dispatch**: 20 000 events pre-loaded into a paused \`jobhook-events\` (half succeeded, half failed: half of the
  event–target pairs match), the worker on the server core, Redis on the other; events per second from the moment
  the queue is let go until it is empty. The handler queues stay paused, so both workers only dispatch; the run
  checks that every run and copy was made.
- **2xx → handler start**: callbacks through jobhook's receiver at 1 000/s (sent open loop, evenly paced, over at most 20 connections) and as fast as it takes
  them (50 connections), after a warm-up of 1 000; the time from each callback's 2xx to the start of each handler
  run it caused (its module records it). Nothing is pinned here, Redis included: three busy processes sharing one
  core wait for each other's time slices, tens of milliseconds, which measures the pinning rather than a worker.
  The log also shows the medians of BullMQ's own times: stored → taken by the dispatcher, dispatched → taken by a
  handler worker.
- **memory**: the peak resident memory (VmHWM) of each worker process.

\`BENCH_ONLY=workers\` runs the worker cells alone and writes nothing; \`BENCH_WORKER_RATE\` and
\`BENCH_DISPATCH_CONCURRENCY\` and \`BENCH_HANDLER_CONCURRENCY\` change the rate and both workers' concurrencies; \`BENCH_PROF=<dir>\` writes a CPU
profile of each jobhook worker process there.

The chain side (\`bench/chain-bench.ts\`) measures how many chains per second one worker process sustains against
the simulator (\`jobhook sim --delay 20\`, on the other core with Redis): jobhook's worker role with one \`submit\` rule
and \`verify: true\` — the FileUncompress job described at the provider, the FileCompress follow-up submitted once
only (intent and outcome in the ledger, the marker in \`UserData\`), \`jobhook.job.submitted\` stored — beside a **naive
chain handler** (\`bench/naive-chain.ts\`): a BullMQ \`Worker\` on \`jobhook-events\` that describes the job with \`fetch\`
(signed with jobhook's COS signer), checks \`Success\` and submits the follow-up with \`fetch\`, with no ledger, no
once-only and no correlation. Both keep 32 chains in flight (the naive worker's concurrency, jobhook's handler
concurrency). In each cell 2 000 FileUncompress jobs are run at the simulator and their callbacks stored by
jobhook's receiver into a paused \`jobhook-events\`; the worker is started on the server core, the queue let go, and
the clock stops when every event (and, for jobhook, every handler run) is done. The follow-ups name no callback, so
only verification and submission are measured; the run checks at the simulator (\`GET /_sim/jobs\`) that it received
exactly one FileCompress job per chain. The table shows chains per second, the cores the worker used and chains per
second per core, and the simulator's cores (near 1, the simulator was the limit rather than the worker: it runs
on the core it shares with Redis and the load generator), medians over the rounds. \`BENCH_ONLY=chains\` runs the chain cells alone and writes nothing;
\`BENCH_CHAINS\` and \`BENCH_CHAIN_CONCURRENCY\` change the chains per cell and the chains in flight; \`BENCH_PROF=<dir>\` profiles the jobhook worker here too.

The numbers assume the benchmark has the machine to itself. For every cell the script also measures the CPU
used by the server, by the load generator and by processes that are not the benchmark's, waits briefly (15 s
in all, \`BENCH_QUIET_WAIT\`) for quiet moments, and reports how busy the machine was. On a shared machine,
trust the ratios of one run more than absolute numbers, and "req/s per core" (requests per second divided by
the CPU the server actually got) most.

\`BENCH_QUICK=1 npm run bench\` is a one-minute smoke run; \`BENCH_DURATION\` and \`BENCH_ROUNDS\` change the
defaults (5 s, 3 rounds). The full results, every round included, are in \`bench/results/latest.json\`.

## Latest results

<!-- bench:start -->
<!-- bench:end -->

## Why a custom XML reader

This section is filled in by the maintainers.

## Sizing

This section is filled in by the maintainers.
`;

let exiting = false;
function cleanupAndExit(code: number): never {
  if (!exiting) {
    exiting = true;
    killAll();
  }
  process.exit(code);
}

process.on('exit', () => killAll());
process.on('SIGINT', () => cleanupAndExit(130));
process.on('SIGTERM', () => cleanupAndExit(143));

main().then(
  () => cleanupAndExit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    cleanupAndExit(1);
  },
);
