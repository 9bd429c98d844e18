import { z } from 'zod';
import { isJobhookError } from '../errors.js';
import { CloudEvent } from '../events/schema.js';
import type { Logger } from '../log.js';
import type { Spool, SpoolStats } from '../spool/spool.js';
import type { JobhookEvent } from '../events/types.js';
import { encodeEvent, type EncodedEvent } from './encoded.js';
import type { CallbackStore, QuarantineEntry, StoreReceipt } from './types.js';

const SpooledEvents = z.object({ t: z.literal('events'), events: z.array(CloudEvent).min(1) });
const SpooledQuarantine = z.object({
  t: z.literal('quarantine'),
  entry: z.object({
    id: z.string(),
    route: z.string(),
    reason: z.string(),
    receivedAt: z.string(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
  }),
});
const Spooled = z.discriminatedUnion('t', [SpooledEvents, SpooledQuarantine]);

export interface SpoolingStoreOptions {
  readonly primary: CallbackStore;
  readonly spool: Spool;
  readonly logger: Logger;
  /** How often to try draining while the spool holds records. */
  readonly drainIntervalMs: number;
}

/**
 * Redis first; when Redis cannot take a callback (StoreUnavailable), the local spool, durable before the 2xx.
 * A drainer moves spooled callbacks into Redis, in order, as soon as Redis answers again; event ids make a
 * repeated add a no-op, so a drain interrupted by a crash is simply run again.
 */
export class SpoolingStore implements CallbackStore {
  private draining: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SpoolingStoreOptions) {
    this.timer = setInterval(() => {
      if (options.spool.stats().records > 0) void this.drainSoon();
    }, options.drainIntervalMs);
    this.timer.unref();
  }

  storeEvents(events: readonly EncodedEvent[]): Promise<StoreReceipt> {
    // No async frame on the way: this sits on every callback's path. A store that throws instead of rejecting
    // is spooled from too.
    let stored: Promise<StoreReceipt>;
    try {
      stored = this.options.primary.storeEvents(events);
    } catch (error) {
      return this.spoolEvents(events, error);
    }
    return stored.catch((error: unknown) => this.spoolEvents(events, error));
  }

  private async spoolEvents(events: readonly EncodedEvent[], error: unknown): Promise<StoreReceipt> {
    if (!unavailable(error)) throw error;
    // The record `{ t: 'events', events: [...] }`, from the events' JSON as it is.
    const record = `{"t":"events","events":[${events.map((e) => e.json).join(',')}]}`;
    await this.options.spool.append(Buffer.from(record));
    this.options.logger.warn(
      { events: events.map((e) => e.id), err: messageOf(error) },
      'Redis unavailable: callback spooled',
    );
    return { events: events.map((e) => ({ id: e.id, type: e.type, duplicate: false })), spooled: true };
  }

  async storeQuarantine(entry: QuarantineEntry): Promise<{ spooled: boolean }> {
    try {
      return await this.options.primary.storeQuarantine(entry);
    } catch (error) {
      if (!unavailable(error)) throw error;
      await this.options.spool.append(Buffer.from(JSON.stringify({ t: 'quarantine', entry })));
      return { spooled: true };
    }
  }

  isReady(): Promise<boolean> {
    return this.options.primary.isReady();
  }

  spoolStats(): SpoolStats {
    return this.options.spool.stats();
  }

  /** Starts a drain unless one is running; never rejects. */
  drainSoon(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.draining;
    await this.options.spool.close();
    await this.options.primary.close();
  }

  private async drain(): Promise<void> {
    const { spool, primary, logger } = this.options;
    if (spool.stats().records === 0 || !(await primary.isReady())) return;
    try {
      const moved = await spool.drain(async (payload) => {
        const record = parse(payload);
        if (record === undefined) {
          logger.error({ bytes: payload.length }, 'spool: skipping a record that is not a spooled callback');
          return;
        }
        // Validated against the CloudEvent schema; JobhookEvent only narrows `data` by `type`.
        if (record.t === 'events')
          await primary.storeEvents(record.events.map((event) => encodeEvent(event as JobhookEvent)));
        else await primary.storeQuarantine(record.entry);
      });
      if (moved > 0)
        logger.info({ records: moved, left: spool.stats().records }, 'spool: drained into Redis');
    } catch (error) {
      logger.warn({ err: messageOf(error), left: spool.stats().records }, 'spool: drain stopped, will retry');
    }
  }
}

function parse(payload: Buffer): z.infer<typeof Spooled> | undefined {
  try {
    const result = Spooled.safeParse(JSON.parse(payload.toString('utf8')));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

const unavailable = (error: unknown): boolean => isJobhookError(error) && error.code === 'StoreUnavailable';
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
