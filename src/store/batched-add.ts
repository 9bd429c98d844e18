import { createRequire } from 'node:module';
import type { Queue } from 'bullmq';
import { JobhookError } from '../errors.js';
import type { RedisClient } from '../redis/connect.js';
import { withDeadline } from './deadline.js';
import type { EncodedEvent } from './encoded.js';
import { JobPacker } from './job-packer.js';

/**
 * Adds events to a BullMQ queue in batches: the events that reach the store in one turn of the event loop are
 * written by one Redis call (or a few, at most {@link MAX_BATCH_EVENTS} events each). The call runs BullMQ's own `addStandardJob` Lua script — the one installed with the
 * bullmq package, read at start — once per event, inside a small wrapper script that first checks the event's
 * deduplication key. The jobs it creates are the jobs `Queue.add(type, event, { jobId, deduplication })` creates
 * (test/batched-add.test.ts compares them field by field); what it saves is the per-call work of `Queue.add` and
 * of ioredis, which is most of a callback's cost when every event is a separate call.
 */

/** BullMQ's script module: `{ name, content, keys }` (bullmq/dist/cjs/scripts/addStandardJob-9.js). */
interface BullmqScript {
  readonly name: string;
  readonly content: string;
  readonly keys: number;
}

/** The queue keys `addStandardJob` takes, in its order (its header comment lists them). */
const SCRIPT_KEYS = ['wait', 'paused', 'meta', 'id', 'completed', 'delayed', 'active', 'events', 'marker'];

/** Arguments per event in the wrapper: deduplication key, then the script's own ARGV[1..3]. */
const ARGS_PER_EVENT = 4;

/**
 * A batch is written at the latest when it holds this many events or this many characters of event JSON (UTF-16
 * code units, counted without a pass over the text: at most three UTF-8 bytes each, so at most 12 MB).
 */
export const MAX_BATCH_EVENTS = 16;
export const MAX_BATCH_CHARS = 4 * 1024 * 1024;

/**
 * The wrapper: `addStandardJob`'s chunk becomes a function of KEYS and ARGV, called once per event. Returns
 * `[existed₁, result₁, existed₂, result₂, …]`: whether the deduplication key existed before, and the script's own
 * result (the job id, or a negative error code).
 */
export function wrapperScript(addStandardJob: string): string {
  return [
    'local function addStandardJob(KEYS, ARGV)',
    addStandardJob,
    'end',
    'local results = {}',
    `for i = 1, #ARGV, ${ARGS_PER_EVENT} do`,
    "  results[#results + 1] = redis.call('EXISTS', ARGV[i])",
    '  results[#results + 1] = addStandardJob(KEYS, { ARGV[i + 1], ARGV[i + 2], ARGV[i + 3] })',
    'end',
    'return results',
    '',
  ].join('\n');
}

/**
 * The installed BullMQ's `addStandardJob` script, or a reason it cannot be used (then the store falls back to
 * `Queue.add`). The checks are on what the wrapper relies on: nine keys, and ARGV[1..3] read as msgpacked
 * arguments, job data and msgpacked options.
 */
export function loadAddStandardJob(): { script: string; version: string } | { unavailable: string } {
  const require = createRequire(import.meta.url);
  let module: { addStandardJob?: BullmqScript };
  let version: string;
  try {
    module = require('bullmq/dist/cjs/scripts/addStandardJob-9.js') as { addStandardJob?: BullmqScript };
    version = (require('bullmq/dist/cjs/version.js') as { version: string }).version;
  } catch (error) {
    return { unavailable: `bullmq's addStandardJob script was not found (${(error as Error).message})` };
  }
  const script = module.addStandardJob;
  if (script?.keys !== SCRIPT_KEYS.length || typeof script.content !== 'string')
    return { unavailable: `bullmq ${version}: addStandardJob does not take ${SCRIPT_KEYS.length} keys` };
  const expected = ['cmsgpack.unpack(ARGV[1])', 'ARGV[2]', 'cmsgpack.unpack(ARGV[3])'];
  const missing = expected.filter((part) => !script.content.includes(part));
  if (missing.length > 0)
    return { unavailable: `bullmq ${version}: addStandardJob no longer reads ${missing.join(', ')}` };
  return { script: wrapperScript(script.content), version };
}

export interface BatchedAddOptions {
  readonly redis: RedisClient;
  readonly queue: Queue;
  /** The Lua of {@link wrapperScript}. */
  readonly script: string;
  readonly dedupeWindowMs: number;
  readonly completedRetentionSeconds: number;
  readonly failedRetentionSeconds: number;
  /** Bound on one batch; past it every event of the batch fails with StoreUnavailable. */
  readonly timeoutMs: number;
}

const COMMAND = 'jobhookAddEvents';

interface Batch {
  readonly args: (string | Buffer)[];
  /** Per event: resolves with whether the event's deduplication key existed before. */
  readonly resolve: ((existed: boolean) => void)[];
  readonly reject: ((error: Error) => void)[];
  chars: number;
}

type ScriptClient = RedisClient & { [COMMAND]: (args: (string | Buffer)[]) => Promise<unknown[]> };

export class BatchedAdd {
  private batch: Batch | undefined;
  private readonly client: ScriptClient;
  private readonly keys: readonly string[];
  /** `<prefix>:<queue>:de:` — BullMQ's deduplication keys. */
  private readonly dedupePrefix: string;
  private readonly packer: JobPacker;

  constructor(private readonly options: BatchedAddOptions) {
    const keys = options.queue.keys;
    this.keys = SCRIPT_KEYS.map((name) => keys[name] ?? '');
    this.dedupePrefix = `${keys.de ?? ''}:`;
    this.packer = new JobPacker({
      queueKey: keys[''] ?? '',
      dedupePrefix: this.dedupePrefix,
      dedupeWindowMs: options.dedupeWindowMs,
      completedRetentionSeconds: options.completedRetentionSeconds,
      failedRetentionSeconds: options.failedRetentionSeconds,
    });
    options.redis.defineCommand(COMMAND, { numberOfKeys: this.keys.length, lua: options.script });
    this.client = options.redis as ScriptClient;
  }

  /** Compiles the script in Redis (SCRIPT LOAD), so that a script this Redis cannot run shows at start. */
  async check(): Promise<void> {
    await this.options.redis.script('LOAD', this.options.script);
  }

  /** Adds one event as job `event.id`; resolves with whether its deduplication key existed before. */
  add(event: EncodedEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const { id, json } = event;
      const batch = this.batch ?? this.open();
      // The JSON as a string: ioredis writes it into the one buffer it makes for the whole call. A Buffer per
      // event saves ioredis some instructions but costs resident memory under load: one more malloc'd copy per
      // event, freed only by a later GC, fragments the process heap (docs/performance.md).
      batch.args.push(
        this.dedupePrefix + id,
        this.packer.args(id, event.type, Date.now()),
        json,
        this.packer.opts(id),
      );
      batch.resolve.push(resolve);
      batch.reject.push(reject);
      batch.chars += json.length;
      if (batch.resolve.length >= MAX_BATCH_EVENTS || batch.chars >= MAX_BATCH_CHARS) this.flush(batch);
    });
  }

  /** A new batch, written after the current turn of the event loop (or as soon as it is full). */
  private open(): Batch {
    const batch: Batch = { args: [...this.keys], resolve: [], reject: [], chars: 0 };
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
          const result = results[2 * i + 1];
          if (typeof result === 'string') batch.resolve[i]?.(results[2 * i] === 1);
          else
            batch.reject[i]?.(
              new JobhookError('StoreUnavailable', `BullMQ refused the job (code ${String(result)})`),
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
