/** The benchmark's own redis-server: a free port, a temporary directory, AOF every second, no RDB. */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { atExit, exited, freePort, sleep, start, stop } from './proc.js';

export class PrivateRedis {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
    readonly client: Redis,
  ) {}

  static async start(cpu: string | undefined): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'jobhook-bench-redis-'));
    atExit(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
    args.push('--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec');
    const child = start('redis-server', args, { stdio: 'ignore' }, cpu);
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    const redis = new PrivateRedis(child, port, dir, client);
    await redis.waitUntilUp();
    return redis;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async waitUntilUp(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (exited(this.child)) throw new Error('redis-server exited at start (is it installed?)');
      try {
        await this.client.connect();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
        await sleep(50);
      }
    }
  }

  async version(): Promise<string> {
    const info = await this.client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  }

  /**
   * Empties Redis between runs. First waits (up to 5 s) until nothing is written any more: a receiver may
   * still be finishing requests whose sender already hung up, and their jobs must not count in the next run.
   */
  async flush(): Promise<void> {
    let last = -1;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(100)) {
      const size = await this.client.dbsize();
      if (size === last) break;
      last = size;
    }
    await this.client.flushall('SYNC');
  }

  /** Jobs of a BullMQ queue in any state. */
  async jobCount(queueName: string): Promise<number> {
    const queue = new Queue(queueName, { connection: this.client.duplicate() });
    try {
      const counts = await queue.getJobCounts();
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    } finally {
      await queue.close();
      await queue.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    await stop(this.child);
    await rm(this.dir, { recursive: true, force: true });
  }
}
