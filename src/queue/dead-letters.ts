import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { AnyEvent } from '../events/types.js';
import type { ErrorSummary } from '../handlers/errors.js';
import type { RedisClient } from '../redis/connect.js';
import { intentKeyOf, markersIn } from './ledger.js';
import { DEAD_QUEUE, handlerQueue } from './queues.js';

/** A run that exhausted its attempts or was stopped (CONTRACT.md §5.6): the data of its `jobhook-dead` job. */
export interface DeadLetter {
  readonly handler: string;
  readonly event: AnyEvent;
  /** Attempts made, the last included. */
  readonly attempts: number;
  readonly error: ErrorSummary;
  /** RFC 3339. */
  readonly failedAt: string;
}

/** A dead letter's job id: `<run job id>.<handler>`; the run job id of an event's own run is the event id. */
export const deadLetterId = (runJobId: string, handler: string): string => `${runJobId}.${handler}`;

/** The run job id of a dead letter (its id without `.<handler>`). */
export const runJobIdOf = (deadId: string, handler: string): string =>
  deadId.endsWith(`.${handler}`) ? deadId.slice(0, -handler.length - 1) : deadId;

/**
 * The dead-letter queue: written by workers, read and emptied by `jobhook dlq`. Its jobs wait for nobody: they
 * stay until they are retried or discarded. Its name is the event type, like every jobhook queue's jobs.
 */
export class DeadLetters {
  readonly queue: Queue<DeadLetter>;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.queue = new Queue<DeadLetter>(DEAD_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: false, removeOnFail: false },
    });
    this.queue.on('error', () => undefined);
  }

  /** Adds the entry of a run; a second add for the same run is a no-op (the job id exists). */
  async add(runJobId: string, letter: DeadLetter): Promise<void> {
    await this.queue.add(letter.event.type, letter, { jobId: deadLetterId(runJobId, letter.handler) });
  }

  /** Removes the entry of a run if there is one (a run that ended after its entry was written: see the worker). */
  async removeFor(runJobId: string, handler: string): Promise<boolean> {
    return (await this.queue.remove(deadLetterId(runJobId, handler))) === 1;
  }

  async get(id: string): Promise<Job<DeadLetter> | undefined> {
    return (await this.queue.getJob(id)) ?? undefined;
  }

  /** Every entry, oldest first (optionally only a handler's). */
  async list(handler?: string): Promise<Job<DeadLetter>[]> {
    const jobs = await this.queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    return jobs.filter((job) => handler === undefined || job.data.handler === handler);
  }

  async count(): Promise<number> {
    return this.queue.count();
  }

  /** Deletes an entry, and the failed run it stands for in the handler's queue. */
  async discard(job: Job<DeadLetter>): Promise<void> {
    const queue = this.handlerQueue(job.data.handler);
    try {
      await queue.remove(runJobIdOf(job.id ?? '', job.data.handler));
    } finally {
      await queue.close();
    }
    await job.remove();
  }

  /**
   * Runs the entry's event again through its handler: the failed run is removed from the handler's queue (with
   * its deduplication key), a new run with the same job id and the handler's current options is added, then the
   * entry is removed. Repeating it after a crash half-way adds no second run while the first waits.
   */
  /**
   * Runs a dead run again, as a new first attempt. A `SubmitOutcomeUnknown` entry's submission intent is forgotten
   * first: retrying it says that the provider has no such job (checked by whoever retries), so it is submitted again.
   */
  async retry(job: Job<DeadLetter>, options: JobsOptions): Promise<void> {
    const { handler, event } = job.data;
    if (job.data.error.code === 'SubmitOutcomeUnknown') {
      const markers = markersIn(job.data.error.message);
      if (markers.length > 0)
        await this.redis.del(...markers.map((marker) => intentKeyOf(this.prefix, marker)));
    }
    const runJobId = runJobIdOf(job.id ?? '', handler);
    const queue = this.handlerQueue(handler);
    try {
      const old = await queue.getJob(runJobId);
      if (old !== undefined && (await old.isFailed())) await old.remove();
      else if (old === undefined)
        await this.redis.del(`${this.prefix}:${handlerQueue(handler)}:de:${runJobId}`);
      await queue.add(event.type, event, { ...options, jobId: runJobId });
    } finally {
      await queue.close();
    }
    await job.remove();
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private handlerQueue(handler: string): Queue {
    const queue = new Queue(handlerQueue(handler), { connection: this.redis, prefix: this.prefix });
    queue.on('error', () => undefined);
    return queue;
  }
}
