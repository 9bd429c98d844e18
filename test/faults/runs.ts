import { readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';

/** One line of the run log that test/faults/handlers/record.mjs writes. */
export interface RunLine {
  readonly what: 'start' | 'end';
  readonly handler: string;
  readonly id: string;
  readonly attempt: number;
  readonly pid: number;
  readonly at: number;
}

/** The run log; a line torn by a kill -9 mid-write (not JSON) is skipped. */
export async function readRuns(file: string): Promise<RunLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines: RunLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      lines.push(JSON.parse(line) as RunLine);
    } catch {
      // torn by a kill
    }
  }
  return lines;
}

/** Jobs of `queues` not finished yet (waiting, active, delayed, prioritized), in all of them together. */
export async function unfinished(redisPort: number, queues: readonly string[]): Promise<number> {
  let total = 0;
  for (const name of queues) {
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redisPort } });
    queue.on('error', () => undefined);
    try {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      total += Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await queue.close();
    }
  }
  return total;
}

/** The ids of every job of a queue, whatever its state. */
export async function jobIds(redisPort: number, name: string): Promise<string[]> {
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redisPort } });
  queue.on('error', () => undefined);
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    return jobs.map((job) => job.id ?? '');
  } finally {
    await queue.close();
  }
}
