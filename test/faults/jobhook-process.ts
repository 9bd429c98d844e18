import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export const FAULT_TOKEN = 'fault-token-0123456789abcdef';

export interface JobhookProcessOptions {
  readonly port: number;
  readonly redisUrl: string;
  /** Reused across restarts of one scenario: the spool of a killed process is adopted by the next one. */
  readonly dataDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<JobhookProcess>();
const dirs = new Set<string>();

/**
 * jobhook as a real separate process, started as `npm start` would (through tsx): `node --import tsx src/main.ts`.
 * Its stdout and stderr are kept for the report when a test fails.
 */
export class JobhookProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly options: JobhookProcessOptions,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve(this.exit);
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Spawns the process and waits until it answers GET /healthz. */
  static async start(options: JobhookProcessOptions): Promise<JobhookProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(options.port),
        HOST: '127.0.0.1',
        REDIS_URL: options.redisUrl,
        JOBHOOK_ROLE: 'http',
        JOBHOOK_TOKENS: FAULT_TOKEN,
        JOBHOOK_DATA_DIR: options.dataDir,
        JOBHOOK_EMBEDDED_REDIS: 'never',
        LOG_LEVEL: 'info',
        JOBHOOK_STORE_TIMEOUT_MS: '1000',
        JOBHOOK_SHUTDOWN_GRACE_MS: '5000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const jobhook = new JobhookProcess(child, options);
    running.add(jobhook);
    await jobhook.waitHealthy();
    return jobhook;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  private async waitHealthy(timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exit !== undefined)
        throw new Error(
          `jobhook exited (${describeExit(this.exit)}) before it was healthy\n${this.report()}`,
        );
      try {
        const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        this.child.kill('SIGKILL');
        throw new Error(`jobhook did not answer /healthz within ${timeoutMs} ms\n${this.report()}`);
      }
      await sleep(100);
    }
  }

  /** Sends a signal and, for SIGKILL, waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill(signal);
    return this.exited;
  }

  /** Waits (bounded) until a line of stdout contains `needle`; returns those lines (empty when none came). */
  async waitForLines(needle: string, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.linesWith(needle).length === 0 && Date.now() < deadline) await sleep(50);
    return this.linesWith(needle);
  }

  /** Log lines (pino JSON and anything else) that contain `needle`. */
  linesWith(needle: string): string[] {
    return this.stdout.split('\n').filter((line) => line.includes(needle));
  }

  /** The end of the output, for a failure report. */
  report(lines = 60): string {
    const tail = (text: string): string => text.split('\n').slice(-lines).join('\n');
    return (
      `--- jobhook pid ${this.pid ?? '?'} (port ${this.options.port}) ${this.exit === undefined ? 'running' : describeExit(this.exit)}\n` +
      `--- stdout (last ${lines} lines):\n${tail(this.stdout)}\n--- stderr:\n${tail(this.stderr)}`
    );
  }
}

export const describeExit = (exit: Exit): string =>
  exit.signal === null ? `exit code ${exit.code ?? '?'}` : `signal ${exit.signal}`;

/** A temporary data directory, removed by `removeDir()` or at the latest by `cleanUp()`. */
export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobhook-faults-'));
  dirs.add(dir);
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  dirs.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

/** The safety net of a test file: SIGKILLs every jobhook process still running, removes the temporary dirs. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...running].map((jobhook) => jobhook.kill('SIGKILL')));
  for (const dir of [...dirs]) await removeDir(dir);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
