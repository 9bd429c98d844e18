/** The worker benchmark's results (worker-bench.ts): samples, medians, the verdict and the table. */
import { markdownTable, type Check } from './report.js';

export type WorkerTarget = 'naive' | 'jobhook';

/** One dispatch measurement: pre-loaded events, one worker process. */
export interface DispatchSample {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly workerCores: number;
  readonly redisCores: number;
  readonly foreignCores: number;
  /** Runs and copies the dispatch made (checked against the mix). */
  readonly jobs: number;
  readonly rssMb: number;
}

/** One latency measurement: callbacks through the receiver, 2xx → handler start of every run they caused. */
export interface LatencySample {
  readonly callbacks: number;
  readonly callbacksPerSecond: number;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Cores the worker used from the first callback to the last run's start, and other processes meanwhile. */
  readonly workerCores: number;
  readonly foreignCores: number;
  /** Medians from BullMQ's job times: stored → taken by the dispatcher, dispatched → taken by a handler worker. */
  readonly dispatchWaitMs: number;
  readonly runWaitMs: number;
  readonly rssMb: number;
}

export interface LatencySummary {
  readonly callbacksPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Runs measured, over every round. */
  readonly runs: number;
}

export interface WorkerSummary {
  readonly target: WorkerTarget;
  /** Medians over the rounds. */
  readonly eventsPerSecond: number;
  readonly workerCores: number;
  readonly perCore: number;
  readonly atRate: LatencySummary;
  readonly saturation: LatencySummary;
  /** The highest VmHWM of any of its worker processes. */
  readonly rssPeakMb: number;
  readonly samples: {
    readonly dispatch: readonly DispatchSample[];
    readonly atRate: readonly LatencySample[];
    readonly saturated: readonly LatencySample[];
  };
}

export interface WorkerResults {
  readonly rate: number;
  readonly summaries: readonly WorkerSummary[];
  readonly quietWaitSeconds: number;
}

const RSS_LIMIT_MB = 150;
const P99_LIMIT_MS = 50;
const DISPATCH_RATIO = 1.5;

function find(results: WorkerResults, target: WorkerTarget): WorkerSummary | undefined {
  return results.summaries.find((s) => s.target === target);
}

/** The targets of issue 12 §6, worker side. */
export function workerVerdict(results: WorkerResults): Check[] {
  const jobhook = find(results, 'jobhook');
  const naive = find(results, 'naive');
  if (jobhook === undefined || naive === undefined) return [];
  const ratio = jobhook.eventsPerSecond / naive.eventsPerSecond;
  return [
    {
      name: `dispatch ≥ ${DISPATCH_RATIO}× the naive worker (events/s, one process)`,
      value: `${ratio.toFixed(2)}× (${int(jobhook.eventsPerSecond)} vs ${int(naive.eventsPerSecond)} events/s)`,
      pass: ratio >= DISPATCH_RATIO,
    },
    {
      name: `2xx → handler start p99 ≤ ${P99_LIMIT_MS} ms at ${results.rate}/s`,
      value: `${ms(jobhook.atRate.p99Ms)} ms (naive ${ms(naive.atRate.p99Ms)} ms)`,
      pass: jobhook.atRate.p99Ms <= P99_LIMIT_MS,
    },
    {
      name: `worker RSS ≤ ${RSS_LIMIT_MB} MB (peak, VmHWM)`,
      value: `${jobhook.rssPeakMb.toFixed(0)} MB (naive ${naive.rssPeakMb.toFixed(0)} MB)`,
      pass: jobhook.rssPeakMb <= RSS_LIMIT_MB,
    },
  ];
}

const ms = (v: number): string => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const int = (v: number): string => (Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));

/** One row per worker, markdown. */
export function workerTable(results: WorkerResults): string {
  const naive = find(results, 'naive');
  const head = [
    'worker',
    'dispatch events/s',
    '× naive',
    'worker cores',
    'events/s per core',
    `p50 ms at ${results.rate}/s`,
    `p99 ms at ${results.rate}/s`,
    'saturation callbacks/s',
    'p50 ms sat.',
    'p99 ms sat.',
    'RSS peak MB',
  ];
  const rows = results.summaries.map((s) => [
    s.target,
    int(s.eventsPerSecond),
    naive === undefined ? '–' : `${(s.eventsPerSecond / naive.eventsPerSecond).toFixed(2)}×`,
    s.workerCores.toFixed(2),
    int(s.perCore),
    ms(s.atRate.p50Ms),
    ms(s.atRate.p99Ms),
    int(s.saturation.callbacksPerSecond),
    ms(s.saturation.p50Ms),
    ms(s.saturation.p99Ms),
    s.rssPeakMb.toFixed(0),
  ]);
  return markdownTable(head, rows, 1);
}
