import type { Job, JobState, Queue } from 'bullmq';

/**
 * The states BullMQ keeps a queue's jobs in, in the order a job moves through them, each read newest first: a job
 * that moves on (or a new one that arrives) while the queue is read is read again rather than missed.
 */
export const STORED_STATES: readonly JobState[] = [
  'delayed',
  'prioritized',
  'waiting',
  'active',
  'completed',
  'failed',
];

/** How many jobs the queue holds in those states now. */
export async function countStored(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts(...STORED_STATES);
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** The queue's jobs, a page of at most `pageSize` at a time, state by state: never the whole queue in memory. */
export async function* storedJobs<T>(queue: Queue<T>, pageSize: number): AsyncGenerator<Job<T>[]> {
  for (const state of STORED_STATES)
    for (let start = 0; ; start += pageSize) {
      const page = await queue.getJobs([state], start, start + pageSize - 1);
      // A page may come back short when jobs were removed meanwhile; only an empty one ends the state.
      if (page.length === 0) break;
      yield page;
    }
}
