import { JobhookError } from '../errors.js';
import type { RedisClient } from '../redis/connect.js';
import { withDeadline } from './deadline.js';

export type ScriptArg = string | number;

/** One item of a batch: it owns `replies` consecutive replies of the script, starting at `at`. */
export interface PendingItem {
  readonly replies: number;
  resolve(replies: readonly unknown[], at: number): void;
  reject(error: Error): void;
}

export interface ScriptBatcherOptions {
  readonly redis: RedisClient;
  /** The name the script is defined under on the client (ioredis runs it with EVALSHA, loading it when needed). */
  readonly command: string;
  /** The script; its first argument is its one key (it places the call on the key's node of a cluster). */
  readonly lua: string;
  /** The script's arguments before the items'. */
  readonly header: readonly ScriptArg[];
  /** A batch is written at the latest when it holds this many items or this many characters of data. */
  readonly maxItems: number;
  readonly maxChars: number;
  /** Bound on one call; past it every item of the batch fails with StoreUnavailable. */
  readonly timeoutMs: number;
  /** For error messages: `storing events`. */
  readonly what: string;
}

interface Batch {
  readonly args: ScriptArg[];
  readonly items: PendingItem[];
  chars: number;
}

/**
 * Collects the items that arrive in one turn of the event loop into one call of a Lua script (or a few, at the
 * limits), so that many small writes cost Redis and the process one round trip. A failed or late call fails each
 * of its items; what the script wrote before failing stays written, so callers make repeated writes no-ops.
 */
export class ScriptBatcher {
  private batch: Batch | undefined;
  private readonly run: (args: ScriptArg[]) => Promise<unknown[]>;

  constructor(private readonly options: ScriptBatcherOptions) {
    const { redis, command, lua } = options;
    redis.defineCommand(command, { numberOfKeys: 1, lua });
    const client = redis as RedisClient & Record<string, (args: ScriptArg[]) => Promise<unknown[]>>;
    this.run = (args) => client[command]?.(args) ?? Promise.reject(new Error(`no command ${command}`));
  }

  /** The open batch's argument list (a new batch when none is open): push the item's arguments onto it. */
  args(): ScriptArg[] {
    return (this.batch ?? this.open()).args;
  }

  /** Registers the item whose arguments were just pushed; writes the batch when it is full. */
  added(item: PendingItem, chars: number): void {
    const batch = this.batch ?? this.open();
    batch.items.push(item);
    batch.chars += chars;
    if (batch.items.length >= this.options.maxItems || batch.chars >= this.options.maxChars)
      this.flush(batch);
  }

  /** A new batch, written after the current turn of the event loop (or as soon as it is full). */
  private open(): Batch {
    const batch: Batch = { args: [...this.options.header], items: [], chars: 0 };
    this.batch = batch;
    setImmediate(() => {
      this.flush(batch);
    });
    return batch;
  }

  private flush(batch: Batch): void {
    if (this.batch !== batch) return;
    this.batch = undefined;
    const { what, timeoutMs } = this.options;
    const written = this.run(batch.args);
    withDeadline(written, timeoutMs, what).then(
      (replies) => {
        let at = 0;
        for (const item of batch.items) {
          item.resolve(replies, at);
          at += item.replies;
        }
      },
      (error: unknown) => {
        written.catch(() => undefined);
        const failure =
          error instanceof JobhookError
            ? error
            : new JobhookError('StoreUnavailable', `${what}: Redis refused the write`, { cause: error });
        for (const item of batch.items) item.reject(failure);
      },
    );
  }
}
