import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger } from '../log.js';
import { probeRedis } from './connect.js';

export interface EmbeddedRedis {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** The redis-server binary on PATH (or in the usual system places), if any. */
export async function findRedisServer(path = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...path.split(delimiter).filter((d) => d !== ''), '/usr/bin', '/usr/local/bin', '/usr/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Starts a private redis-server as a child process, data in `<dataDir>/redis`, with settings that keep
 * acknowledged callbacks: append-only file on, fsync on every write, no eviction, no RDB snapshots.
 */
export async function startEmbeddedRedis(options: {
  readonly binary: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}): Promise<EmbeddedRedis> {
  const dir = join(options.dataDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const args = [
    '--port',
    String(options.port),
    '--bind',
    options.host,
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
  ];
  const child = spawn(options.binary, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://${options.host}:${options.port}`;
  const deadline = Date.now() + 15_000;
  while (!(await probeRedis(url, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the embedded redis-server did not start (see ${join(dir, 'redis.log')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  options.logger.info({ pid: child.pid, url, dir }, 'started an embedded redis-server (append-only file on)');
  return { url, pid: child.pid, stop: () => stop(child, exited, options.logger) };
}

async function stop(child: ChildProcess, exited: Promise<void>, logger: Logger): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  logger.info({ pid: child.pid }, 'stopped the embedded redis-server');
}
