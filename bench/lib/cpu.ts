/**
 * CPU accounting from /proc, to tell how much of a measurement the machine spent on other work: the benchmark
 * assumes it has the machine to itself, and other processes on the server's core lower every number.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendants } from './proc.js';

const TICKS_PER_SECOND = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU seconds all cores spent busy since boot (everything but idle and iowait). */
export function machineBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return (total - (fields[3] ?? 0) - (fields[4] ?? 0)) / TICKS_PER_SECOND;
}

/**
 * User and system CPU seconds of a process and its descendants: the live ones, and the ones it has waited for
 * (Redis's AOF rewrites run in a forked child, which Redis reaps when the rewrite is done).
 */
export function processCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 to 17 of stat (utime, stime, cutime, cstime); the slice starts at field 3.
      for (let i = 11; i <= 14; i++) ticks += Number(fields[i] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}

export interface CpuSnapshot {
  readonly at: number;
  readonly busy: number;
  readonly own: number;
  readonly server: number;
  /** CPU seconds of the first of `others` (the benchmark's Redis). */
  readonly redis: number;
}

/** `server`: the process under test; `others`: the benchmark's other long-lived processes (Redis). */
export function snapshot(server: number, others: readonly number[]): CpuSnapshot {
  const self = process.cpuUsage();
  const seconds = others.map((pid) => processCpuSeconds(pid));
  return {
    at: performance.now(),
    busy: machineBusySeconds(),
    own: seconds.reduce((sum, s) => sum + s, (self.user + self.system) / 1e6),
    server: processCpuSeconds(server),
    redis: seconds[0] ?? 0,
  };
}

export interface CpuUse {
  /** Cores used by the server under test, on average over the interval. */
  readonly server: number;
  /** Cores used by the benchmark's Redis. */
  readonly redis: number;
  /** Cores used by processes that are not the benchmark's. */
  readonly foreign: number;
}

/** `childSeconds`: CPU of benchmark processes that exited within the interval (the load generator). */
export function cpuUse(before: CpuSnapshot, after: CpuSnapshot, childSeconds: number): CpuUse {
  const wall = (after.at - before.at) / 1000;
  const server = after.server - before.server;
  const ours = server + (after.own - before.own) + childSeconds;
  return {
    server: server / wall,
    redis: (after.redis - before.redis) / wall,
    foreign: Math.max(0, (after.busy - before.busy - ours) / wall),
  };
}

/**
 * Waits (up to `maxSeconds`) until processes other than the benchmark's use less than `thresholdCores`,
 * sampling every quarter second. Returns the seconds waited. On a shared machine this moves measurements into
 * the quiet moments instead of the middle of somebody's test run; it cannot make a busy machine idle.
 */
export async function waitForQuiet(
  pids: readonly number[],
  maxSeconds: number,
  thresholdCores: number,
): Promise<number> {
  const began = performance.now();
  const [first = 0, ...others] = pids;
  while ((performance.now() - began) / 1000 < maxSeconds) {
    const before = snapshot(first, others);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (cpuUse(before, snapshot(first, others), 0).foreign < thresholdCores) break;
  }
  return (performance.now() - began) / 1000;
}
