/**
 * One load-generator process (autocannon), started by run.ts on its own core. Reads a LoadSpec from BENCH_LOAD,
 * prints one LoadResult as JSON on stdout. Every request carries a unique job id, so no receiver can answer
 * from a duplicate shortcut.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon, { type Instance, type Options, type RawRequest, type Result } from 'autocannon';
import type { LoadResult, LoadSpec } from './protocol.js';

const spec = JSON.parse(process.env['BENCH_LOAD'] ?? '{}') as LoadSpec;

/** Monotonic milliseconds with sub-millisecond precision, for durations within this process. */
const now = (): number => performance.now();

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
  counts: Tally;
  seconds: number;
  cpuSeconds: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
}

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

function run(opts: Options): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = now();
    const cpu = process.cpuUsage();
    const instance = autocannon(opts, (error, result: Result) => {
      if (error !== null) reject(error);
      else
        resolve({
          counts,
          seconds: (now() - started) / 1000,
          cpuSeconds: cpuSeconds(process.cpuUsage(cpu)),
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]),
          ),
          errors: result.errors,
          timeouts: result.timeouts,
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
    // The system clock, which every process reads alike (performance.timeOrigin + now() is anchored once per
    // process), and which BullMQ's own job times use too.
    const at = Date.now();
    const parsed = JSON.parse(body) as { events?: { id?: string }[] };
    const id = parsed.events?.[0]?.id;
    if (id !== undefined) arrivals.push([id, at]);
  };
}

/**
 * Open loop: request i leaves at start + i / rate, whatever the answers, over at most `connections` kept-alive
 * connections (a request waits for a free one, and its latency counts from when it was due). autocannon's own rate
 * sends each second's whole budget at once, at the start of the second: bursts, not a rate.
 */
function paced(
  amount: number,
  rate: number,
  onResponse: (status: number, body: string) => void,
): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  const counts: Tally = { ok: 0, non2xx: 0, latencies: [] };
  const statusCodes: Record<string, number> = {};
  let sent = 0;
  let done = 0;
  let errors = 0;
  let timeouts = 0;
  const started = now();
  const cpu = process.cpuUsage();
  return new Promise((resolve) => {
    const settle = (): void => {
      if (++done < amount) return;
      agent.destroy();
      resolve({
        counts,
        seconds: (now() - started) / 1000,
        cpuSeconds: cpuSeconds(process.cpuUsage(cpu)),
        statusCodes,
        errors,
        timeouts,
      });
    };
    const send = (due: number): void => {
      const id = nextId();
      const body = head + rest.map((part) => id + part).join('');
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': spec.contentType, 'content-length': Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statusCodes[String(status)] = (statusCodes[String(status)] ?? 0) + 1;
            if (status >= 200 && status < 300) {
              counts.ok++;
              counts.latencies.push(now() - due);
              onResponse(status, text);
            } else counts.non2xx++;
            settle();
          });
        },
      );
      req.on('timeout', () => {
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        errors++;
        settle();
      });
      req.end(body);
    };
    const tick = (): void => {
      const due = Math.min(amount, Math.floor(((now() - started) * rate) / 1000) + 1);
      for (; sent < due; sent++) send(started + (sent * 1000) / rate);
      if (sent < amount) setTimeout(tick, 1);
    };
    tick();
  });
}

async function main(): Promise<void> {
  let warmup: Tally = { ok: 0, non2xx: 0, latencies: [] };
  const arrivals: [string, number][] = [];
  let measured: Run;
  if (spec.amount !== undefined) {
    const onResponse = arrivalRecorder(arrivals);
    measured =
      spec.rate === undefined
        ? await run(options({ amount: spec.amount, requests: [{ setupRequest, onResponse }] }))
        : await paced(spec.amount, spec.rate, onResponse);
  } else {
    if (spec.warmupSeconds > 0) warmup = (await run(options({ duration: spec.warmupSeconds }))).counts;
    measured = await run(options({ duration: spec.durationSeconds }));
  }
  const { counts, seconds } = measured;
  const sorted = counts.latencies.sort((a, b) => a - b);
  const out: LoadResult = {
    ok: counts.ok,
    non2xx: counts.non2xx,
    errors: measured.errors,
    timeouts: measured.timeouts,
    statusCodes: measured.statusCodes,
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
