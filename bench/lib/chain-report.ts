/** The chain benchmark's results (chain-bench.ts): samples, medians, the verdict and the table. */
import { markdownTable, type Check } from './report.js';

export type ChainTarget = 'naive' | 'jobhook';

/** One measurement: pre-loaded events of finished FileUncompress jobs, one worker process chaining them. */
export interface ChainSample {
  readonly chains: number;
  readonly seconds: number;
  readonly chainsPerSecond: number;
  readonly workerCores: number;
  /** Cores of Redis and of the simulator meanwhile, and of processes not the benchmark's. */
  readonly redisCores: number;
  readonly simCores: number;
  readonly foreignCores: number;
  /** FileCompress jobs the simulator received (checked against `chains`). */
  readonly submitted: number;
  readonly rssMb: number;
}

export interface ChainSummary {
  readonly target: ChainTarget;
  /** Medians over the rounds. */
  readonly chainsPerSecond: number;
  readonly workerCores: number;
  readonly perCore: number;
  /** The simulator's cores meanwhile (median): near 1, it was the limit, not the worker. */
  readonly simCores: number;
  readonly rssPeakMb: number;
  readonly samples: readonly ChainSample[];
}

export interface ChainResults {
  readonly chains: number;
  readonly summaries: readonly ChainSummary[];
}

const CHAIN_RATIO = 1.0;

function find(results: ChainResults, target: ChainTarget): ChainSummary | undefined {
  return results.summaries.find((s) => s.target === target);
}

const int = (v: number): string => (Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));

/** The target of issue 13 §7. */
export function chainVerdict(results: ChainResults): Check[] {
  const jobhook = find(results, 'jobhook');
  const naive = find(results, 'naive');
  if (jobhook === undefined || naive === undefined) return [];
  const ratio = jobhook.chainsPerSecond / naive.chainsPerSecond;
  return [
    {
      name: `chains ≥ ${CHAIN_RATIO.toFixed(1)}× the naive handler (verify + submit + ledger, chains/s, one process)`,
      value: `${ratio.toFixed(2)}× (${int(jobhook.chainsPerSecond)} vs ${int(naive.chainsPerSecond)} chains/s)`,
      pass: ratio >= CHAIN_RATIO,
    },
  ];
}

/** One row per chain handler, markdown. */
export function chainTable(results: ChainResults): string {
  const naive = find(results, 'naive');
  const head = [
    'chain handler',
    'chains/s',
    '× naive',
    'worker cores',
    'chains/s per core',
    'simulator cores',
    'RSS peak MB',
  ];
  const rows = results.summaries.map((s) => [
    s.target,
    int(s.chainsPerSecond),
    naive === undefined ? '–' : `${(s.chainsPerSecond / naive.chainsPerSecond).toFixed(2)}×`,
    s.workerCores.toFixed(2),
    int(s.perCore),
    s.simCores.toFixed(2),
    s.rssPeakMb.toFixed(0),
  ]);
  return markdownTable(head, rows, 1);
}
