/**
 * `npm run bench:instructions`: machine instructions per callback, jobhook against the naive receiver, counted by
 * valgrind's callgrind. Unlike requests per second, instruction counts do not move with other load on a shared
 * machine (they leave out cache misses and waiting, which the throughput benchmark includes), so a change of a
 * few per cent shows reliably. Each server runs under callgrind with counting off, takes a warm-up (so the JIT
 * has optimized the hot path), counts a fixed number of callbacks with unique job ids, and is stopped.
 *
 * The warm-up matters: under callgrind a server needs about 12 000 callbacks before its count per callback
 * settles (after 3 000 or 8 000, jobhook's JSON count was 20–30 % higher), so compare runs with the same settings.
 *
 * Environment: BENCH_IR_FORMATS (default `json,xml`), BENCH_IR_WARMUP (default 12000 callbacks), BENCH_IR_COUNT
 * (default 4000), BENCH_IR_CONNECTIONS (default 10), BENCH_FIXTURE (default transcode-succeeded). A few minutes per
 * server and format.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBodies } from './lib/bodies.js';
import { compileChildren } from './lib/compile.js';
import { atExit, freePort, killAll, start, stop, waitForHttp } from './lib/proc.js';
import { PrivateRedis } from './lib/redis.js';
import type { Format } from './lib/report.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const TOKEN = randomBytes(16).toString('hex');
/** valgrind names its control pipes after HOST; the server and callgrind_control must agree on it. */
const HOST = '127.0.0.1';

type Target = 'naive' | 'jobhook';

const log = (line: string): void => void process.stdout.write(`${line}\n`);

interface Settings {
  readonly formats: Format[];
  readonly warmup: number;
  readonly count: number;
  readonly connections: number;
  readonly fixture: string;
}

function settings(): Settings {
  const number = (name: string, fallback: number): number => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
    return value;
  };
  const formats = (process.env['BENCH_IR_FORMATS'] ?? 'json,xml').split(',');
  for (const format of formats)
    if (format !== 'json' && format !== 'xml')
      throw new Error(`BENCH_IR_FORMATS: unknown format '${format}'`);
  return {
    formats: formats as Format[],
    warmup: number('BENCH_IR_WARMUP', 12_000),
    count: number('BENCH_IR_COUNT', 4_000),
    connections: number('BENCH_IR_CONNECTIONS', 10),
    fixture: process.env['BENCH_FIXTURE'] ?? 'transcode-succeeded',
  };
}

/** The fixture's body with a fresh job id (same length) per call. */
function bodies(fixture: string, format: Format): () => string {
  const { text, jobId } = loadBodies(fixture)[format];
  const parts = text.split(jobId);
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  return () => {
    const id = (prefix + (counter++).toString(16).padStart(jobId.length, '0')).slice(-jobId.length);
    return parts.join(id);
  };
}

/** Sends `total` callbacks over `connections` keep-alive connections; every answer must be a 2xx. */
async function send(port: number, total: number, connections: number, next: () => string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = next();
      const outgoing = request(
        {
          host: HOST,
          port,
          path: `/v1/callbacks/tencent-ci?token=${TOKEN}`,
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`the server answered ${status}`));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  let left = total;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (left-- > 0) await post();
    }),
  );
  agent.destroy();
}

function control(pid: number, ...args: string[]): void {
  const result = spawnSync('callgrind_control', [...args, String(pid)], {
    env: { ...process.env, HOST },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${result.stderr}`);
}

/** Instructions counted in the dump callgrind_control made (the largest file: the run's part with counting on). */
function dumpedInstructions(dir: string): number {
  const files = readdirSync(dir).map((name) => join(dir, name));
  const largest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const text = largest === undefined ? '' : readFileSync(largest, 'utf8');
  const total = /^(?:summary|totals): (\d+)/m.exec(text)?.[1];
  if (total === undefined) throw new Error(`no callgrind totals in ${dir}`);
  return Number(total);
}

async function measure(
  redis: PrivateRedis,
  childDir: string,
  target: Target,
  format: Format,
  config: Settings,
): Promise<number> {
  await redis.flush();
  const port = await freePort();
  const out = mkdtempSync(join(tmpdir(), 'jobhook-callgrind-'));
  atExit(() => rmSync(out, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST, REDIS_URL: redis.url };
  const data = mkdtempSync(join(tmpdir(), 'jobhook-callgrind-data-'));
  atExit(() => rmSync(data, { recursive: true, force: true }));
  // Started as the throughput benchmark starts it: npm start's flags for jobhook.
  const program =
    target === 'jobhook'
      ? ['--max-semi-space-size=8', join(ROOT, 'dist/main.js')]
      : [join(childDir, 'naive-receiver.js')];
  if (target === 'jobhook')
    Object.assign(env, {
      JOBHOOK_ROLE: 'http',
      JOBHOOK_TOKENS: TOKEN,
      LOG_LEVEL: 'warn',
      JOBHOOK_EMBEDDED_REDIS: 'never',
      JOBHOOK_DATA_DIR: data,
    });
  const valgrind = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(out, 'callgrind.%p')}`,
    'node',
  ];
  const child: ChildProcess = start('valgrind', [...valgrind, ...program], {
    cwd: ROOT,
    env,
    stdio: 'ignore',
  });
  const pid = child.pid ?? 0;
  try {
    const ready = target === 'jobhook' ? `http://${HOST}:${port}/readyz` : `http://${HOST}:${port}/`;
    await waitForHttp(ready, child, target === 'jobhook' ? 200 : undefined, 180_000);
    const next = bodies(config.fixture, format);
    await send(port, config.warmup, config.connections, next);
    control(pid, '-i', 'on');
    await send(port, config.count, config.connections, next);
    control(pid, '-d');
  } finally {
    await stop(child, 30_000);
  }
  return dumpedInstructions(out) / config.count;
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0)
    throw new Error('valgrind is not installed (apt-get install valgrind)');
  const config = settings();
  log('building jobhook (npm run -s build) …');
  if (spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0)
    throw new Error('npm run build failed');
  const childDir = await compileChildren(join(ROOT, 'bench'), ROOT);
  const redis = await PrivateRedis.start(undefined);
  try {
    log(
      `instructions per callback (callgrind; ${config.fixture}, ${config.warmup} warm-up callbacks, ` +
        `${config.count} counted, ${config.connections} connections)`,
    );
    log('| format | naive kIr | jobhook kIr | naive ÷ jobhook |');
    log('|---|---:|---:|---:|');
    for (const format of config.formats) {
      const naive = await measure(redis, childDir, 'naive', format, config);
      const jobhook = await measure(redis, childDir, 'jobhook', format, config);
      log(
        `| ${format} | ${(naive / 1000).toFixed(1)} | ${(jobhook / 1000).toFixed(1)} | ${(naive / jobhook).toFixed(2)}× |`,
      );
    }
  } finally {
    await redis.stop();
  }
}

main()
  .then(() => killAll())
  .catch((error: unknown) => {
    killAll();
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
