/**
 * `npm run demo`: a chain of cloud jobs on this machine, no cloud account and no network. It starts the simulator
 * (src/sim/, in this process) and jobhook (`jobhook serve`, role all, as a child: Redis is its embedded default,
 * a private redis-server in a temporary directory) with examples/chains.config.yaml, starts a FileUncompress job at
 * the simulator whose callback goes to jobhook, and prints the event trail as jobhook stores it — FileUncompress →
 * FileCompress → FileHashCode (verified) → a COS batch copy, polled — then stops everything. Exit 0 when the
 * chain completed with one correlation id, 1 otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { createLogger } from '../src/log.js';
import { createTencentCiClient } from '../src/providers/tencent-ci/client.js';
import { startSimulator, type RunningSimulator } from '../src/sim/server.js';
import { freePort } from '../test/helpers/redis-server.js';
import { checkChain, endsChain, TrailEvent, trailHeader, trailLine } from './demo-trail.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';
const APPID = '1250000000';
const UIN = '100000000001';
/** Credentials the simulator checks and jobhook signs with; local only. */
const KEY = { secretId: 'AKIDjobhookdemo', secretKey: 'jobhook-demo-secret-key' };
const TRAIL_QUEUE = 'demo-trail';
const TIMEOUT_MS = Number(process.env['DEMO_TIMEOUT_MS'] ?? 120_000);

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jobhook exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`jobhook was not ready at ${url} after ${timeoutMs / 1000} s`);
}

function startJobhook(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env,
    // Its warnings and errors on our stderr; the callback URLs it prints are the demo's business.
    stdio: ['ignore', process.env['DEMO_DEBUG'] ? 'inherit' : 'ignore', 'inherit'],
  });
}

async function stopJobhook(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

interface Trail {
  readonly events: TrailEvent[];
  readonly done: Promise<boolean>;
  readonly worker: Worker;
}

/** Reads the subscription of `*` and prints each event as it comes; `done` resolves when the batch job ended. */
function readTrail(redisPort: number): Trail {
  const events: TrailEvent[] = [];
  let finish: (ended: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => {
    finish = resolve;
    setTimeout(() => resolve(false), TIMEOUT_MS).unref();
  });
  const worker = new Worker(
    TRAIL_QUEUE,
    (job) => {
      const parsed = TrailEvent.safeParse(job.data);
      if (!parsed.success) {
        say(`(not a CloudEvent in ${TRAIL_QUEUE}: ${job.id ?? ''})`);
        return Promise.resolve();
      }
      events.push(parsed.data);
      say(trailLine(parsed.data));
      if (endsChain(parsed.data)) finish(true);
      return Promise.resolve();
    },
    { connection: { host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: null }, concurrency: 1 },
  );
  worker.on('error', (error) => process.stderr.write(`demo: trail: ${error.message}\n`));
  return { events, done, worker };
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'jobhook-demo-'));
  const [redisPort, port] = [await freePort(), await freePort()];
  const token = randomBytes(16).toString('hex');
  const publicUrl = `http://127.0.0.1:${port}`;
  let sim: RunningSimulator | undefined;
  let jobhook: ChildProcess | undefined;
  let trail: Trail | undefined;
  try {
    sim = await startSimulator(
      { port: 0, delayMs: 500, credentials: { tencent: KEY, appId: APPID, uin: UIN } },
      createLogger(process.env['LOG_LEVEL'] ?? 'warn'),
    );
    say(`simulator at ${sim.url}`);
    jobhook = startJobhook({
      ...process.env,
      ...sim.endpoints,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      JOBHOOK_EMBEDDED_REDIS: 'auto',
      JOBHOOK_DATA_DIR: dataDir,
      JOBHOOK_ROLE: 'all',
      HOST: '127.0.0.1',
      PORT: String(port),
      JOBHOOK_CONFIG: 'examples/chains.config.yaml',
      JOBHOOK_TOKENS: token,
      JOBHOOK_PUBLIC_URL: publicUrl,
      TENCENTCLOUD_SECRET_ID: KEY.secretId,
      TENCENTCLOUD_SECRET_KEY: KEY.secretKey,
      TENCENTCLOUD_APPID: APPID,
      TENCENTCLOUD_UIN: UIN,
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    });
    await waitReady(`${publicUrl}/readyz`, jobhook, 60_000);
    say(
      `jobhook at ${publicUrl} (role all, examples/chains.config.yaml; its own redis-server on port ${redisPort})`,
    );
    trail = readTrail(redisPort);
    await trail.worker.waitUntilReady();

    const ci = createTencentCiClient({
      credentials: KEY,
      endpoint: `${sim.url}/ci/{bucket}/{region}`,
      http: { timeoutMs: 10_000 },
    });
    const started = await ci.createJob(
      'file',
      { bucket: BUCKET, region: REGION },
      {
        Tag: 'FileUncompress',
        Input: { Object: 'uploads/photos.zip' },
        Operation: { FileUncompressConfig: { Prefix: 'unpacked/photos/' } },
        CallBack: `${publicUrl}/v1/callbacks/tencent-ci?token=${token}`,
        CallBackType: 'Url',
      },
    );
    say(`started FileUncompress job ${started.job?.JobId ?? '?'} at the simulator; the trail:\n`);
    say(trailHeader());

    const ended = await trail.done;
    const check = checkChain(trail.events);
    say('');
    if (!ended) say(`the COS batch job did not end within ${TIMEOUT_MS / 1000} s`);
    for (const problem of check.problems) say(`problem: ${problem}`);
    if (ended && check.ok)
      say(`chain complete: ${trail.events.length} events, correlation id ${check.correlationId ?? ''}`);
    return ended && check.ok ? 0 : 1;
  } finally {
    await trail?.worker.close();
    if (jobhook !== undefined) await stopJobhook(jobhook);
    await sim?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
