/** Messages between the orchestrator (run.ts) and its child processes (load.ts, worker.ts). Types only. */

/** What one load-generator process does; passed as JSON in the BENCH_LOAD environment variable. */
export interface LoadSpec {
  /** Full URL, path and query included. */
  readonly url: string;
  /** The request body; every occurrence of `jobId` is replaced by a unique id of the same length. */
  readonly body: string;
  readonly jobId: string;
  readonly contentType: string;
  readonly connections: number;
  /** Throughput mode: a warm-up, then the measured run. */
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Hand-off mode: send exactly this many requests and record when each 2xx arrived; with `rate`, open loop (request i
   * leaves at start + i / rate), else as fast as `connections` allow. */
  readonly amount?: number;
  readonly rate?: number;
}

export interface LoadResult {
  /** Counted over the measured run only. */
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** 2xx and other answers of the warm-up (their jobs are in Redis too). */
  readonly warmupOk: number;
  readonly warmupNon2xx: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Latency of 2xx answers, from autocannon's per-response timing (not its 1 ms histogram). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds of this whole process, and cores it used during the measured run (≈ 1: it was the bottleneck). */
  readonly cpuSeconds: number;
  readonly loadCores: number;
  /** Hand-off mode: [event id from the answer, epoch ms (Date.now) when the 2xx arrived]. */
  readonly arrivals?: readonly (readonly [string, number])[];
}

export interface WorkerSpec {
  readonly redisUrl: string;
  readonly queue: string;
  readonly concurrency: number;
  /** `handoff`: record when each job starts; `drain`: time how long `expect` no-op jobs take. */
  readonly mode: 'handoff' | 'drain';
  readonly expect: number;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'handoff'; readonly starts: readonly (readonly [string, number])[] }
  | { readonly type: 'drained'; readonly count: number; readonly seconds: number };

/** Orchestrator → worker: start taking jobs (drain mode waits for it so the clock starts with the worker). */
export interface WorkerCommand {
  readonly type: 'go';
}

/** One target of the worker benchmark's mix: a handler queue (with its handler's name) or a subscription queue. */
export interface MixTarget {
  readonly queue: string;
  /** An event type, or a prefix ending in `*`. */
  readonly type: string;
  readonly handler?: string;
}

/** What the naive worker (naive-worker.ts) runs; passed as JSON in BENCH_NAIVE_WORKER. */
export interface NaiveWorkerSpec {
  readonly redisUrl: string;
  readonly dispatchConcurrency: number;
  readonly handlerConcurrency: number;
  readonly targets: readonly MixTarget[];
}

/** What the naive chain handler (naive-chain.ts) runs; passed as JSON in BENCH_NAIVE_CHAIN. */
export interface NaiveChainSpec {
  readonly redisUrl: string;
  /** The simulator's base URL (`http://127.0.0.1:<port>`). */
  readonly simUrl: string;
  readonly concurrency: number;
  readonly credentials: { readonly secretId: string; readonly secretKey: string };
}
