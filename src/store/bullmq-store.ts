import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { JobhookError, isJobhookError } from '../errors.js';
import type { JobhookEvent } from '../events/types.js';
import { withDeadline } from './deadline.js';
import { EVENTS_QUEUE, QUARANTINE_QUEUE } from './queues.js';
import type { CallbackStore, QuarantineEntry, StoreReceipt, StoredEvent } from './types.js';

export interface BullmqStoreOptions {
  /** A connected ioredis client for writes (offline queue off, so a down Redis fails fast). */
  readonly redis: RedisClient;
  readonly prefix: string;
  /** How long duplicates of an event collapse, also after the first copy was processed. */
  readonly dedupeWindowMs: number;
  /** Bound on one store operation; past it the request is answered 503. */
  readonly timeoutMs: number;
}

/**
 * Claims an event id for the dedupe window. Returns '1' when an earlier copy was stored, '0' when a copy was
 * claimed but not (yet) confirmed stored, 'new' otherwise. The claim is marked '1' only after BullMQ
 * acknowledged the job, so a failed store is never mistaken for a stored one.
 */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], '0', 'PX', ARGV[1])
return 'new'`;

type ClaimingRedis = RedisClient & {
  jobhookClaim(key: string, ttlMs: number): Promise<string>;
};

const hasClaim = (redis: RedisClient): redis is ClaimingRedis => 'jobhookClaim' in redis;

export class BullmqStore implements CallbackStore {
  readonly events: Queue;
  readonly quarantine: Queue;
  private readonly redis: ClaimingRedis;
  private readonly dedupePrefix: string;

  constructor(private readonly options: BullmqStoreOptions) {
    const { redis, prefix } = options;
    if (!hasClaim(redis)) redis.defineCommand('jobhookClaim', { numberOfKeys: 1, lua: CLAIM });
    if (!hasClaim(redis)) throw new Error('could not define the jobhookClaim command');
    this.redis = redis;
    this.dedupePrefix = `${prefix}:${EVENTS_QUEUE}:dedupe:`;
    this.events = new Queue(EVENTS_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } },
    });
    this.quarantine = new Queue(QUARANTINE_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: { removeOnComplete: false, removeOnFail: false },
    });
    // Connection errors are logged where the connection is made; without a listener BullMQ prints them.
    for (const queue of [this.events, this.quarantine]) queue.on('error', () => undefined);
  }

  async storeEvents(events: readonly JobhookEvent[]): Promise<StoreReceipt> {
    const stored = await this.guard(
      Promise.all(events.map((event) => this.storeEvent(event))),
      'storing events',
    );
    return { events: stored, spooled: false };
  }

  private async storeEvent(event: JobhookEvent): Promise<StoredEvent> {
    const key = this.dedupePrefix + event.id;
    const claim = await this.redis.jobhookClaim(key, this.options.dedupeWindowMs);
    if (claim === '1') return { id: event.id, type: event.type, duplicate: true };
    await this.events.add(event.type, event, { jobId: event.id });
    // Sent before the answer on the same connection, so every later claim sees it; not awaited: a lost mark
    // only leaves the claim at '0', which re-adds (a no-op while the job exists) instead of skipping.
    this.redis.set(key, '1', 'KEEPTTL', 'XX').catch(() => undefined);
    return { id: event.id, type: event.type, duplicate: false };
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
