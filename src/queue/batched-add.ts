import type { Queue } from 'bullmq';
import { JobhookError } from '../errors.js';
import type { RedisClient } from '../redis/connect.js';
import {
  ADD_SCRIPT,
  ADDED,
  DUPLICATE,
  OPTIONS_JSON_SCRIPT,
  markedJobOptions,
  splitOptionsJson,
} from './add-script.js';
import { withDeadline } from './deadline.js';
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

const COMMAND = 'jobhookAddEvents';

interface Batch {
  readonly args: (string | number)[];
  /** Per event: resolves with whether the event was a duplicate. */
  readonly resolve: ((duplicate: boolean) => void)[];
  readonly reject: ((error: Error) => void)[];
  chars: number;
}

type ScriptClient = RedisClient & { [COMMAND]: (args: (string | number)[]) => Promise<unknown[]> };

export class BatchedAdd {
  private batch: Batch | undefined;
  private readonly client: ScriptClient;
  private readonly keys: readonly string[];

  /**
   * @param header the script's arguments before the events: the queue's key prefix, the deduplication TTL, the
   *   three parts of the job options' JSON
   */
  private constructor(
    private readonly options: BatchedAddOptions,
    private readonly header: readonly (string | number)[],
  ) {
    this.keys = [options.queue.keys.meta ?? ''];
    options.redis.defineCommand(COMMAND, { numberOfKeys: this.keys.length, lua: ADD_SCRIPT });
    this.client = options.redis as ScriptClient;
  }

  /**
   * A writer whose script this Redis has compiled (SCRIPT LOAD), so that a script it cannot run shows at start,
   * and whose job options are the JSON this Redis's `cjson` makes of them, as BullMQ's script stores them.
   */
  static async prepare(options: BatchedAddOptions): Promise<BatchedAdd> {
    const { redis, queue, dedupeWindowMs } = options;
    await redis.script('LOAD', ADD_SCRIPT);
    const json = await redis.eval(
      OPTIONS_JSON_SCRIPT,
      0,
      markedJobOptions(queue.defaultJobOptions, dedupeWindowMs),
    );
    if (typeof json !== 'string') throw new Error('Redis did not encode the job options');
    const header = [queue.keys[''] ?? '', dedupeWindowMs, ...splitOptionsJson(json)];
    return new BatchedAdd(options, header);
  }

  /** Adds one event as job `event.id`; resolves with whether it was a duplicate (and so not added again). */
  add(event: EncodedEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const { json } = event;
      const batch = this.batch ?? this.open();
      // The JSON as a string: ioredis writes it into the one buffer it makes for the whole call. A Buffer per
      // event saves ioredis some instructions but costs resident memory under load: one more malloc'd copy per
      // event, freed only by a later GC, fragments the process heap (docs/performance.md).
      batch.args.push(event.id, event.type, Date.now(), json);
      batch.resolve.push(resolve);
      batch.reject.push(reject);
      batch.chars += json.length;
      if (batch.resolve.length >= MAX_BATCH_EVENTS || batch.chars >= MAX_BATCH_CHARS) this.flush(batch);
    });
  }

  /** A new batch, written after the current turn of the event loop (or as soon as it is full). */
  private open(): Batch {
    const batch: Batch = { args: [...this.keys, ...this.header], resolve: [], reject: [], chars: 0 };
    this.batch = batch;
    setImmediate(() => {
      this.flush(batch);
    });
    return batch;
  }

  private flush(batch: Batch): void {
    if (this.batch !== batch) return;
    this.batch = undefined;
    const written = this.client[COMMAND](batch.args);
    withDeadline(written, this.options.timeoutMs, 'storing events').then(
      (results) => {
        for (let i = 0; i < batch.resolve.length; i++) {
          const result = results[i];
          if (result === ADDED || result === DUPLICATE) batch.resolve[i]?.(result === DUPLICATE);
          else
            batch.reject[i]?.(
              new JobhookError('StoreUnavailable', `storing events: unexpected reply ${String(result)}`),
            );
        }
      },
      (error: unknown) => {
        written.catch(() => undefined);
        const failure = unavailable(error);
        for (const reject of batch.reject) reject(failure);
      },
    );
  }
}

const unavailable = (error: unknown): Error =>
  error instanceof JobhookError
    ? error
    : new JobhookError('StoreUnavailable', 'storing events: Redis refused the write', { cause: error });
