/**
 * One load-generator process (autocannon), started by run.ts on its own core. Reads a LoadSpec from BENCH_LOAD,
 * prints one LoadResult as JSON on stdout. Every request carries a unique job id, so no receiver can answer
 * from a duplicate shortcut.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon, { type Instance, type Options, type RawRequest, type Result } from 'autocannon';
import type { LoadResult, LoadSpec } from './protocol.js';

const spec = JSON.parse(process.env['BENCH_LOAD'] ?? '{}') as LoadSpec;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
const now = (): number => performance.timeOrigin + performance.now();

/** Unique ids of the fixture's id length: a random per-process prefix and a counter, both hex. */
function idFactory(length: number): () => string {
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  return () => {
    const tail = (counter++).toString(16);
    return (prefix + tail.padStart(Math.max(length - prefix.length, tail.length), '0')).slice(-length);
  };
}

const nextId = idFactory(spec.jobId.length);
const [head = '', ...rest] = spec.body.split(spec.jobId);
if (rest.length === 0) throw new Error(`the body does not contain ${spec.jobId}`);

function setupRequest(request: RawRequest): RawRequest {
  const id = nextId();
  request.body = head + rest.map((part) => id + part).join('');
  return request;
}

function options(extra: Partial<Options>): Options {
  return {
    url: spec.url,
    connections: spec.connections,
    method: 'POST',
    headers: { 'content-type': spec.contentType },
    timeout: 10,
    requests: [{ setupRequest }],
    ...extra,
  };
}

interface Tally {
  ok: number;
  non2xx: number;
  latencies: number[];
}

/** Counts answers and keeps every 2xx latency (autocannon's own histogram has 1 ms buckets). */
function tally(instance: Instance): Tally {
  const counts: Tally = { ok: 0, non2xx: 0, latencies: [] };
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) {
      counts.ok++;
      counts.latencies.push(ms);
    } else counts.non2xx++;
  });
  return counts;
}

interface Run {
  result: Result;
  counts: Tally;
  seconds: number;
  cpuSeconds: number;
}

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

function run(opts: Options): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = now();
    const cpu = process.cpuUsage();
    const instance = autocannon(opts, (error, result) => {
      if (error !== null) reject(error);
      else
        resolve({
          result,
          counts,
          seconds: (now() - started) / 1000,
          cpuSeconds: cpuSeconds(process.cpuUsage(cpu)),
        });
    });
    const counts = tally(instance);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Hand-off mode: the time each 2xx arrived, keyed by the event id in the answer. */
function arrivalRecorder(arrivals: [string, number][]): (status: number, body: string) => void {
  return (status, body) => {
    if (status < 200 || status >= 300) return;
    const at = now();
    const parsed = JSON.parse(body) as { events?: { id?: string }[] };
    const id = parsed.events?.[0]?.id;
    if (id !== undefined) arrivals.push([id, at]);
  };
}

async function main(): Promise<void> {
  let warmup: Tally = { ok: 0, non2xx: 0, latencies: [] };
  const arrivals: [string, number][] = [];
  let measured: Run;
  if (spec.amount !== undefined) {
    const onResponse = arrivalRecorder(arrivals);
    measured = await run(
      options({
        amount: spec.amount,
        ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
        requests: [{ setupRequest, onResponse }],
      }),
    );
  } else {
    if (spec.warmupSeconds > 0) warmup = (await run(options({ duration: spec.warmupSeconds }))).counts;
    measured = await run(options({ duration: spec.durationSeconds }));
  }
  const { result, counts, seconds } = measured;
  const sorted = counts.latencies.sort((a, b) => a - b);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]),
  );
  const out: LoadResult = {
    ok: counts.ok,
    non2xx: counts.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    warmupOk: warmup.ok,
    warmupNon2xx: warmup.non2xx,
    seconds,
    requestsPerSecond: counts.ok / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuSeconds: cpuSeconds(process.cpuUsage()),
    loadCores: measured.cpuSeconds / seconds,
    ...(spec.amount === undefined ? {} : { arrivals }),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
