import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { JobhookError, isJobhookError } from '../errors.js';
import type { Logger } from '../log.js';
import { checkBullmq } from './add-script.js';
import { BatchedAdd } from './batched-add.js';
import { decodeEvent, type EncodedEvent } from './encoded.js';
import { withDeadline } from './deadline.js';
import { EVENTS_QUEUE, QUARANTINE_QUEUE } from './queues.js';
import type { CallbackStore, QuarantineEntry, StoreReceipt, StoredEvent } from './types.js';

export interface BullmqStoreOptions {
  /** A connected ioredis client for writes (offline queue off, so a down Redis fails fast). */
  readonly redis: RedisClient;
  readonly prefix: string;
  /** How long duplicates of an event collapse, also after the first copy was processed. */
  readonly dedupeWindowMs: number;
  /** How long completed events stay in the queue (seconds). */
  readonly completedRetentionSeconds: number;
  /** Bound on one store operation; past it the request is answered 503. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** How long failed jobs stay in jobhook's queues (seconds). */
export const FAILED_RETENTION_SECONDS = 7 * 24 * 3600;

export class BullmqStore implements CallbackStore {
  readonly events: Queue;
  readonly quarantine: Queue;
  private readonly redis: RedisClient;
  /** BullMQ's deduplication key of an event id: `<prefix>:jobhook-events:de:<id>`. */
  private readonly dedupePrefix: string;
  /** The batched write path; undefined until {@link prepare} found BullMQ's script usable. */
  private batched: BatchedAdd | undefined;

  constructor(private readonly options: BullmqStoreOptions) {
    const { redis, prefix } = options;
    this.redis = redis;
    this.dedupePrefix = `${prefix}:${EVENTS_QUEUE}:de:`;
    this.events = new Queue(EVENTS_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: {
        removeOnComplete: { age: options.completedRetentionSeconds },
        removeOnFail: { age: FAILED_RETENTION_SECONDS },
      },
    });
    this.quarantine = new Queue(QUARANTINE_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: false, removeOnFail: false },
    });
    // Connection errors are logged where the connection is made; without a listener BullMQ prints them.
    for (const queue of [this.events, this.quarantine]) queue.on('error', () => undefined);
  }

  /**
   * Sets up the batched write path (src/queue/batched-add.ts) when the installed BullMQ is one jobhook's add script
   * was checked against and this Redis compiles the script; otherwise events are added one by one with
   * `Queue.add`, and a warning says why.
   */
  async prepare(): Promise<void> {
    const bullmq = checkBullmq();
    if ('unavailable' in bullmq) {
      this.options.logger.warn({ reason: bullmq.unavailable }, 'store: adding events one by one (slower)');
      return;
    }
    try {
      this.batched = await BatchedAdd.prepare({
        redis: this.redis,
        queue: this.events,
        dedupeWindowMs: this.options.dedupeWindowMs,
        timeoutMs: this.options.timeoutMs,
      });
    } catch (error) {
      this.options.logger.warn(
        { reason: error instanceof Error ? error.message : String(error), bullmq: bullmq.version },
        'store: Redis did not load the batched add script; adding events one by one (slower)',
      );
    }
  }

  storeEvents(events: readonly EncodedEvent[]): Promise<StoreReceipt> {
    const { batched } = this;
    if (batched === undefined) return this.storeOneByOne(events);
    const [only] = events;
    // One callback, one event: the common case, without Promise.all.
    if (events.length === 1 && only !== undefined)
      return batched.add(only).then((existed) => ({
        events: [{ id: only.id, type: only.type, duplicate: existed }],
        spooled: false,
      }));
    return Promise.all(events.map((event) => batched.add(event))).then((existed) => ({
      events: events.map((event, i) => ({ id: event.id, type: event.type, duplicate: existed[i] === true })),
      spooled: false,
    }));
  }

  private async storeOneByOne(events: readonly EncodedEvent[]): Promise<StoreReceipt> {
    const stored = await this.guard(
      Promise.all(events.map((event) => this.storeEvent(event))),
      'storing events',
    );
    return { events: stored, spooled: false };
  }

  /**
   * The path without the batched script. One round trip: `EXISTS` on the event's deduplication key, then BullMQ's add with job id = event id and
   * deduplication by event id for the window (BullMQ sets the key atomically with the job, keeps it for the
   * whole window also after the job completed and was removed, and adds nothing while it exists). Both are
   * written to the one connection in this order, so `EXISTS` reports whether an earlier copy was stored.
   */
  private async storeEvent(event: EncodedEvent): Promise<StoredEvent> {
    const existed = this.redis.exists(this.dedupePrefix + event.id);
    const added = this.events.add(event.type, decodeEvent(event), {
      jobId: event.id,
      deduplication: { id: event.id, ttl: this.options.dedupeWindowMs },
    });
    const [before] = await Promise.all([existed, added]);
    return { id: event.id, type: event.type, duplicate: before === 1 };
  }

  async storeQuarantine(entry: QuarantineEntry): Promise<{ spooled: boolean }> {
    await this.guard(
      this.quarantine.add('quarantine', entry, { jobId: entry.id }),
      'storing a quarantined body',
    );
    return { spooled: false };
  }

  async isReady(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    try {
      return (await withDeadline(this.redis.ping(), this.options.timeoutMs, 'ping')) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.quarantine.close()]);
  }

  private async guard<T>(work: Promise<T>, what: string): Promise<T> {
    try {
      return await withDeadline(work, this.options.timeoutMs, what);
    } catch (error) {
      work.catch(() => undefined);
      if (isJobhookError(error)) throw error;
      throw new JobhookError('StoreUnavailable', `${what}: Redis refused the write`, { cause: error });
    }
  }
}
