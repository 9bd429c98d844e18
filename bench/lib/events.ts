/** Stored events as the benchmark's workers get them: one taken from the receiver, copies of it pre-loaded. */
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

/** A job of jobhook-events as the receiver stored it. */
export interface SampleJob {
  readonly name: string;
  readonly data: Record<string, unknown>;
  readonly opts: JobsOptions;
}

export async function sampleJob(redis: Redis, id: string | undefined): Promise<SampleJob | undefined> {
  if (id === undefined) return undefined;
  const queue = new Queue('jobhook-events', { connection: redis.duplicate() });
  try {
    const job = await queue.getJob(id);
    if (job === undefined) return undefined;
    return { name: job.name, data: job.data as Record<string, unknown>, opts: job.opts };
  } finally {
    await queue.close();
    await queue.disconnect();
  }
}

/**
 * Adds `events` events shaped like the stored sample (same name, data and job options, fresh ids) in batches;
 * `vary` may change the data of the i-th copy (its type, say).
 */
export async function preload(
  redis: Redis,
  sample: SampleJob,
  events: number,
  vary: (data: Record<string, unknown>, index: number) => Record<string, unknown> = (data) => data,
): Promise<void> {
  const queue = new Queue('jobhook-events', { connection: redis.duplicate() });
  try {
    for (let added = 0; added < events; added += 1000) {
      const batch = Array.from({ length: Math.min(1000, events - added) }, (_, i) => {
        const id = randomUUID();
        // jobhook's job options carry BullMQ deduplication by event id: each copy needs its own id there too.
        const deduplication =
          sample.opts.deduplication === undefined
            ? {}
            : { deduplication: { ...sample.opts.deduplication, id } };
        return {
          name: sample.name,
          data: vary({ ...sample.data, id }, added + i),
          opts: { ...sample.opts, jobId: id, ...deduplication },
        };
      });
      await queue.addBulk(batch);
    }
  } finally {
    await queue.close();
    await queue.disconnect();
  }
}
