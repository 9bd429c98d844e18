import { Queue, type JobsOptions } from 'bullmq';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import {
  ADDED,
  DISPATCH_SCRIPT,
  DUPLICATE,
  SOURCE_MISSING,
  checkBullmq,
  storedOptionsJson,
} from './add-script.js';
import { unexpected } from './batched-add.js';
import { ScriptBatcher, type ScriptArg } from './script-batcher.js';

/** A queue jobs are written to, with the options its jobs carry (as `Queue.add` takes them). */
export interface WriteTarget {
  readonly queue: string;
  readonly options: JobsOptions;
}

/** One job of an event: the target's index and the job id. */
export interface TargetJob {
  readonly target: number;
  readonly jobId: string;
}

/**
 * The data of an event's jobs: its JSON, or the stored job it came from (`copyOf`: the job's full key, in the
 * targets' slot), whose data Redis copies without it being sent again; `json` makes it when that job is gone.
 */
export type JobData = string | { readonly copyOf: string; readonly json: () => string };

/**
 * Writes an event into several queues at once: one job per target, all with the same name and data, each
 * deduplicated by its id for the dedupe window (a repeated write is a no-op, also after the job was processed and
 * removed). Resolves with one duplicate flag per job.
 */
export interface JobWriter {
  add(name: string, data: JobData, jobs: readonly TargetJob[]): Promise<boolean[]>;
  close(): Promise<void>;
}

const jsonOf = (data: JobData): string => (typeof data === 'string' ? data : data.json());

export interface JobWriterOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly targets: readonly WriteTarget[];
  readonly dedupeWindowMs: number;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** Written at the latest at this many jobs (the script's LPUSH per queue takes at most a few thousand ids). */
export const MAX_BATCH_JOBS = 512;
const MAX_BATCH_CHARS = 4 * 1024 * 1024;

/**
 * jobhook's dispatch script (src/queue/add-script.ts) when the installed BullMQ is one it was checked against and
 * Redis compiles it; otherwise `Queue.add` per job, with a warning.
 */
export async function createJobWriter(options: JobWriterOptions): Promise<JobWriter> {
  const bullmq = checkBullmq();
  if ('unavailable' in bullmq) {
    options.logger.warn({ reason: bullmq.unavailable }, 'dispatch: adding jobs one by one (slower)');
    return new QueueAddWriter(options);
  }
  try {
    return await ScriptedWriter.prepare(options);
  } catch (error) {
    options.logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      'dispatch: Redis did not load the dispatch script; adding jobs one by one (slower)',
    );
    return new QueueAddWriter(options);
  }
}

/** The targets' BullMQ queues: they write each queue's meta (version, event stream length) as BullMQ does. */
function openQueues(options: JobWriterOptions): Queue[] {
  return options.targets.map((target) => {
    const queue = new Queue(target.queue, { connection: options.redis, prefix: options.prefix });
    queue.on('error', () => undefined);
    return queue;
  });
}

class ScriptedWriter implements JobWriter {
  private readonly batcher: ScriptBatcher;

  private constructor(
    options: JobWriterOptions,
    header: readonly ScriptArg[],
    private readonly queues: readonly Queue[],
  ) {
    this.batcher = new ScriptBatcher({
      redis: options.redis,
      command: 'jobhookDispatch',
      lua: DISPATCH_SCRIPT,
      header,
      maxItems: MAX_BATCH_JOBS,
      maxChars: MAX_BATCH_CHARS,
      timeoutMs: options.timeoutMs,
      what: 'dispatching events',
    });
  }

  static async prepare(options: JobWriterOptions): Promise<ScriptedWriter> {
    const { redis, prefix, targets, dedupeWindowMs } = options;
    const queues = openQueues(options);
    await Promise.all(queues.map((queue) => queue.waitUntilReady()));
    await redis.script('LOAD', DISPATCH_SCRIPT);
    // KEYS[1]: any key of the queues' slot; then the targets' table.
    const header: ScriptArg[] = [`${prefix}:${targets[0]?.queue ?? ''}:meta`, targets.length];
    for (const target of targets)
      header.push(
        `${prefix}:${target.queue}:`,
        dedupeWindowMs,
        ...(await storedOptionsJson(redis, target.options, dedupeWindowMs)),
      );
    return new ScriptedWriter(options, header, queues);
  }

  add(name: string, data: JobData, jobs: readonly TargetJob[]): Promise<boolean[]> {
    const copy = typeof data !== 'string';
    return new Promise((resolve, reject) => {
      const args = this.batcher.args();
      if (copy) args.push(name, Date.now(), data.copyOf, '', jobs.length);
      else args.push(name, Date.now(), '', data, jobs.length);
      // Targets are numbered from 1 in the script.
      for (const job of jobs) args.push(job.target + 1, job.jobId);
      this.batcher.added(
        {
          replies: jobs.length,
          resolve: (replies, at) => {
            const duplicates: boolean[] = [];
            for (let i = at; i < at + jobs.length; i++) {
              const reply = replies[i];
              if (reply === SOURCE_MISSING && copy) {
                // The job to copy from is gone (removed meanwhile): the data is sent after all.
                this.add(name, data.json(), jobs).then(resolve, reject);
                return;
              }
              if (reply !== ADDED && reply !== DUPLICATE) {
                reject(unexpected(reply));
                return;
              }
              duplicates.push(reply === DUPLICATE);
            }
            resolve(duplicates);
          },
          reject,
        },
        copy ? data.copyOf.length : data.length,
      );
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.queues.map((queue) => queue.close()));
  }
}

/** `Queue.add` per job: what the script does, one call each (with a bullmq the script was not checked against). */
export class QueueAddWriter implements JobWriter {
  private readonly queues: Queue[];

  constructor(private readonly options: JobWriterOptions) {
    this.queues = openQueues(options);
  }

  add(name: string, data: JobData, jobs: readonly TargetJob[]): Promise<boolean[]> {
    const event = JSON.parse(jsonOf(data)) as unknown;
    const { redis, prefix, targets, dedupeWindowMs } = this.options;
    return Promise.all(
      jobs.map(async ({ target, jobId }) => {
        const queue = this.queues[target];
        const spec = targets[target];
        if (queue === undefined || spec === undefined) throw new Error(`no dispatch target ${target}`);
        const existed = redis.exists(`${prefix}:${spec.queue}:de:${jobId}`);
        const added = queue.add(name, event, {
          ...spec.options,
          jobId,
          deduplication: { id: jobId, ttl: dedupeWindowMs },
        });
        const [before] = await Promise.all([existed, added]);
        return before === 1;
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.queues.map((queue) => queue.close()));
  }
}
