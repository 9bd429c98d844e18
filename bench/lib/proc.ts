/** Child processes of the benchmark: spawned pinned to a core, measured, and always cleaned up. */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { WorkerMessage } from '../protocol.js';

export interface Pinning {
  /** The core for the server under test, and the one for Redis and the load generator; undefined: unpinned. */
  readonly server: string | undefined;
  readonly other: string | undefined;
  readonly description: string;
}

/** Server on one core, everything else on another, when there are two cores and `taskset` exists. */
export function detectPinning(): Pinning {
  const cores = availableParallelism();
  const unpinned = (why: string): Pinning => ({ server: undefined, other: undefined, description: why });
  if (cores < 2) return unpinned(`not pinned: only ${cores} core available`);
  const probe = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0)
    return unpinned('not pinned: `taskset` is not installed (util-linux)');
  const cpus = expandCpuList(probe.stdout.split(':').pop()?.trim() ?? '');
  const [server, other] = cpus;
  if (server === undefined || other === undefined) return unpinned('not pinned: fewer than two usable cpus');
  return {
    server,
    other,
    description: `server on cpu ${server}; Redis, load generator and workers on cpu ${other} (taskset)`,
  };
}

/** `0-2,5` → ['0', '1', '2', '5']. */
function expandCpuList(list: string): string[] {
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) return [];
    const last = to ?? from;
    return Array.from({ length: last - from + 1 }, (_, i) => String(from + i));
  });
}

/** Moves a running process (and its threads) to `cpus` (taskset's list syntax, e.g. `0,1`). */
export function setAffinity(pid: number, cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`taskset -a -cp ${cpus} ${pid} failed`);
}

const children = new Set<ChildProcess>();

/** Spawns a tracked child; `cpu` pins it with taskset (which execs, so the pid is the command's own). */
export function start(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  cpu?: string,
): ChildProcess {
  const [file, argv] = cpu === undefined ? [command, args] : ['taskset', ['-c', cpu, command, ...args]];
  const child = spawn(file, argv, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs`; descendants (cluster workers) that outlive it are killed by pid. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.pid === undefined || exited(child)) return;
  const family = descendants(child.pid);
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
  for (const pid of family) killPid(pid);
}

const exitTasks: (() => void)[] = [];

/** Registers synchronous clean-up (e.g. removing a temporary directory) for killAll. */
export function atExit(task: () => void): void {
  exitTasks.push(task);
}

/** Synchronous last resort for process exit: every tracked child and its descendants get SIGKILL. */
export function killAll(): void {
  for (const child of children) {
    if (child.pid === undefined || exited(child)) continue;
    for (const pid of descendants(child.pid)) killPid(pid);
    child.kill('SIGKILL');
  }
  for (const task of exitTasks.splice(0)) {
    try {
      task();
    } catch {
      // best effort on the way out
    }
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** All descendants of `pid`, from the parent ids in /proc/<pid>/stat. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === undefined) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of parents.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function parentOf(pid: string): number | undefined {
  try {
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
    return ppid === undefined ? undefined : Number(ppid);
  } catch {
    return undefined;
  }
}

/** Resident memory of a process and its descendants, in MB (VmRSS from /proc). */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

export { freePort } from '../../test/helpers/redis-server.js';

/** Polls `url` until it answers `status` (any status when undefined); throws if `child` exits first. */
export async function waitForHttp(
  url: string,
  child: ChildProcess,
  status?: number,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child))
      throw new Error(`${url}: the server exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (status === undefined || response.status === status) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects a child's stdout; resolves when it exits (rejects on a non-zero exit, with its stderr). */
export function output(child: ChildProcess, what: string): Promise<string> {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${what} exited with ${code ?? signal}: ${err.trim().slice(-2000)}`));
    });
  });
}

/** Keeps the lines a server logs at warn level or above (pino JSON level ≥ 40) and anything on stderr. */
export function collectLogs(child: ChildProcess): string[] {
  const lines: string[] = [];
  const keep = (chunk: string, always: boolean): void => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '' || lines.length >= 20) continue;
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (always || (level !== undefined && Number(level) >= 40)) lines.push(line.slice(0, 300));
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => keep(chunk, false));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => keep(chunk, true));
  return lines;
}

/** The next IPC message of `type` from a child, or a rejection when it exits first or sends none in time. */
export function nextMessage<T extends WorkerMessage['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the worker sent no '${type}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as Extract<WorkerMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code ?? 'a signal'}`)));
  });
}

/** The peak resident memory of one process (VmHWM from /proc), in MB; 0 once it has exited. */
export function peakRssMb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(match?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}
