import type { Queue } from 'bullmq';
import { JobhookError } from '../errors.js';
import type { RedisClient } from '../redis/connect.js';
import { ADD_SCRIPT, ADDED, DUPLICATE, storedOptionsJson } from './add-script.js';
import { ScriptBatcher, type ScriptArg } from './script-batcher.js';
import type { EncodedEvent } from './encoded.js';

/**
 * Adds events to a BullMQ queue in batches: the events that reach the store in one turn of the event loop are
 * written by one Redis call (or a few, at most {@link MAX_BATCH_EVENTS} events each) of jobhook's add script
 * (src/queue/add-script.ts). The jobs it creates are the jobs `Queue.add(type, event, { jobId, deduplication })`
 * creates (test/batched-add.test.ts compares them field by field); what it saves is the per-call work of
 * `Queue.add`, of ioredis and of BullMQ's general-purpose script, which is most of a callback's cost when every
 * event is a separate call.
 */

/**
 * A batch is written at the latest when it holds this many events or this many characters of event JSON (UTF-16
 * code units, counted without a pass over the text: at most three UTF-8 bytes each, so at most 12 MB).
 */
export const MAX_BATCH_EVENTS = 16;
export const MAX_BATCH_CHARS = 4 * 1024 * 1024;

export interface BatchedAddOptions {
  readonly redis: RedisClient;
  /** The queue the events go to; its default job options are the jobs' options, as with `Queue.add`. */
  readonly queue: Queue;
  readonly dedupeWindowMs: number;
  /** Bound on one batch; past it every event of the batch fails with StoreUnavailable. */
  readonly timeoutMs: number;
}

export class BatchedAdd {
  private readonly batcher: ScriptBatcher;

  /**
   * @param header the script's arguments before the events: the queue's meta key, its key prefix, the
   *   deduplication TTL, the three parts of the job options' JSON
   */
  private constructor(options: BatchedAddOptions, header: readonly ScriptArg[]) {
    this.batcher = new ScriptBatcher({
      redis: options.redis,
      command: 'jobhookAddEvents',
      lua: ADD_SCRIPT,
      header,
      maxItems: MAX_BATCH_EVENTS,
      maxChars: MAX_BATCH_CHARS,
      timeoutMs: options.timeoutMs,
      what: 'storing events',
    });
  }

  /**
   * A writer whose script this Redis has compiled (SCRIPT LOAD), so that a script it cannot run shows at start,
   * and whose job options are the JSON this Redis's `cjson` makes of them, as BullMQ's script stores them.
   */
  static async prepare(options: BatchedAddOptions): Promise<BatchedAdd> {
    const { redis, queue, dedupeWindowMs } = options;
    await redis.script('LOAD', ADD_SCRIPT);
    const parts = await storedOptionsJson(redis, queue.defaultJobOptions, dedupeWindowMs);
    const header = [queue.keys.meta ?? '', queue.keys[''] ?? '', dedupeWindowMs, ...parts];
    return new BatchedAdd(options, header);
  }

  /** Adds one event as job `event.id`; resolves with whether it was a duplicate (and so not added again). */
  add(event: EncodedEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const { json } = event;
      // The JSON as a string: ioredis writes it into the one buffer it makes for the whole call. A Buffer per
      // event saves ioredis some instructions but costs resident memory under load: one more malloc'd copy per
      // event, freed only by a later GC, fragments the process heap (docs/performance.md).
      this.batcher.args().push(event.id, event.type, Date.now(), json);
      this.batcher.added(
        {
          replies: 1,
          resolve: (replies, at) => {
            const reply = replies[at];
            if (reply === ADDED || reply === DUPLICATE) resolve(reply === DUPLICATE);
            else reject(unexpected(reply));
          },
          reject,
        },
        json.length,
      );
    });
  }
}

export const unexpected = (reply: unknown): JobhookError =>
  new JobhookError('StoreUnavailable', `storing events: unexpected reply ${String(reply)}`);
