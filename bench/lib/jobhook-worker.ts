/** jobhook's worker role as the benchmarks start it: the built service, `npm start`'s flags, one core. */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { collectLogs, freePort, nextMessage, start, waitForHttp } from './proc.js';

export interface JobhookWorkerOptions {
  readonly root: string;
  /** The Node.js flags `npm start` gives jobhook. */
  readonly nodeFlags: readonly string[];
  readonly redisUrl: string;
  readonly dataDir: string;
  /** The configuration file (JOBHOOK_CONFIG). */
  readonly config: string;
  /** More environment: what the benchmark adds to the process's own. */
  readonly env: NodeJS.ProcessEnv;
  readonly cpu: string | undefined;
}

/** `BENCH_PROF=<dir>`: a CPU profile of each jobhook worker process, written there when it stops. */
const profiling = (): string[] => {
  const dir = process.env['BENCH_PROF'];
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
};

/** Starts `node <flags> dist/main.js` with JOBHOOK_ROLE=worker; resolves once its /readyz answers 200. */
export async function startJobhookWorker(
  options: JobhookWorkerOptions,
): Promise<{ child: ChildProcess; logs: string[] }> {
  const port = await freePort();
  const child = start(
    'node',
    [...options.nodeFlags, ...profiling(), join(options.root, 'dist/main.js')],
    {
      cwd: options.root,
      env: {
        ...process.env,
        ...options.env,
        REDIS_URL: options.redisUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        JOBHOOK_ROLE: 'worker',
        JOBHOOK_CONFIG: options.config,
        LOG_LEVEL: 'warn',
        JOBHOOK_EMBEDDED_REDIS: 'never',
        JOBHOOK_DATA_DIR: options.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
    options.cpu,
  );
  const logs = collectLogs(child);
  await waitForHttp(`http://127.0.0.1:${port}/readyz`, child, 200);
  return { child, logs };
}

/**
 * A naive reference worker: `node <childDir>/<program>.js` with its spec as JSON in `specVariable`; resolves when
 * it says `ready` over IPC.
 */
export async function startNaiveWorker(options: {
  readonly root: string;
  readonly childDir: string;
  readonly program: 'naive-worker' | 'naive-chain';
  readonly specVariable: string;
  readonly spec: unknown;
  readonly env: NodeJS.ProcessEnv;
  readonly cpu: string | undefined;
}): Promise<{ child: ChildProcess; logs: string[] }> {
  const child = start(
    'node',
    [join(options.childDir, `${options.program}.js`)],
    {
      cwd: options.root,
      env: { ...process.env, ...options.env, [options.specVariable]: JSON.stringify(options.spec) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
    options.cpu,
  );
  const logs = collectLogs(child);
  await nextMessage(child, 'ready', 20_000);
  return { child, logs };
}
