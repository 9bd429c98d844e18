import type { JobsOptions } from 'bullmq';
import type { AnyEvent } from '../events/types.js';
import type { RetryPolicy } from '../handlers/config/schema.js';
import type { HandlerConfig, HandlerSpec } from '../handlers/types.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import { createJobWriter, type JobWriter, type TargetJob, type WriteTarget } from './job-writer.js';

/** How long finished jobs of handler and subscription queues are kept. */
export interface Retention {
  readonly completedSeconds: number;
  readonly failedSeconds: number;
}

export interface DispatcherOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly config: HandlerConfig;
  readonly dedupeWindowMs: number;
  readonly retention: Retention;
  /** Bound on one write; past it the dispatch fails (and is retried by BullMQ). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** What one event became: the handlers it runs and the queues it was copied into, and how many already were. */
export interface Dispatched {
  readonly handlers: readonly string[];
  readonly subscriptions: readonly string[];
  /** Jobs that existed already (a repeated dispatch after a worker died, or a second subscription entry). */
  readonly duplicates: number;
}

/** The backoff type of handler runs: BullMQ calls jobhook's strategy for it (src/queue/backoff.ts). */
export const backoffType = (backoff: RetryPolicy['backoff']): string => `jobhook.${backoff}`;

/** The BullMQ job options of a handler's runs. */
export function handlerJobOptions(handler: HandlerSpec, retention: Retention): JobsOptions {
  return {
    attempts: handler.retry.attempts,
    backoff: { type: backoffType(handler.retry.backoff), delay: handler.retry.delay },
    removeOnComplete: { age: retention.completedSeconds },
    removeOnFail: { age: retention.failedSeconds },
  };
}

/** The BullMQ job options of subscription copies: BullMQ's own backoff types, for any consumer. */
export function copyJobOptions(retry: RetryPolicy | undefined, retention: Retention): JobsOptions {
  return {
    ...(retry === undefined
      ? {}
      : { attempts: retry.attempts, backoff: { type: retry.backoff, delay: retry.delay } }),
    removeOnComplete: { age: retention.completedSeconds },
    removeOnFail: { age: retention.failedSeconds },
  };
}

/** Whether a handler runs an event: its filter matches, and the event is not one the handler emitted itself. */
export const handlerRuns = (handler: HandlerSpec, event: AnyEvent): boolean =>
  event.source !== `/jobhook/${handler.name}` && handler.matches(event);

interface Target {
  readonly kind: 'handler' | 'subscription';
  /** The handler's name, or the subscription's queue. */
  readonly name: string;
  readonly matches: (event: AnyEvent) => boolean;
}

/**
 * Turns each event of `jobhook-events` into its jobs: one run per matching handler (in the handler's queue, job id
 * = event id) and one copy per matching subscription queue (job id = event id), all written in one call with the
 * other events of the same moment. Ids are derived, so dispatching an event again — its worker died before
 * BullMQ recorded the dispatch as done — writes nothing twice.
 */
export class Dispatcher {
  private constructor(
    private readonly targets: readonly Target[],
    private readonly handlerTarget: ReadonlyMap<string, number>,
    private readonly writer: JobWriter,
  ) {}

  static async create(options: DispatcherOptions): Promise<Dispatcher> {
    const { config, retention } = options;
    const targets: Target[] = [];
    const writes: WriteTarget[] = [];
    const handlerTarget = new Map<string, number>();
    for (const handler of config.handlers) {
      handlerTarget.set(handler.name, targets.length);
      // An event a handler emitted is not handed back to that handler (no loop through its own filter).
      targets.push({
        kind: 'handler',
        name: handler.name,
        matches: (event) => handlerRuns(handler, event),
      });
      writes.push({ queue: handler.queue, options: handlerJobOptions(handler, retention) });
    }
    // Entries that name the same queue are one target: an event matching both is copied once.
    const byQueue = new Map<string, (typeof config.subscriptions)[number][]>();
    for (const subscription of config.subscriptions)
      byQueue.set(subscription.queue, [...(byQueue.get(subscription.queue) ?? []), subscription]);
    for (const [queue, entries] of byQueue) {
      targets.push({
        kind: 'subscription',
        name: queue,
        matches: (event) => entries.some((entry) => entry.matches(event)),
      });
      writes.push({ queue, options: copyJobOptions(entries[0]?.retry, retention) });
    }
    const writer = await createJobWriter({ ...options, targets: writes });
    return new Dispatcher(targets, handlerTarget, writer);
  }

  /** Whether any handler or subscription is configured (without any, nothing consumes `jobhook-events`). */
  get active(): boolean {
    return this.targets.length > 0;
  }

  /** Writes the jobs of one event of `jobhook-events`; an event nothing matches costs no Redis call. */
  async dispatch(event: AnyEvent): Promise<Dispatched> {
    const jobs: TargetJob[] = [];
    const handlers: string[] = [];
    const subscriptions: string[] = [];
    this.targets.forEach((target, i) => {
      if (!target.matches(event)) return;
      jobs.push({ target: i, jobId: event.id });
      (target.kind === 'handler' ? handlers : subscriptions).push(target.name);
    });
    if (jobs.length === 0) return { handlers, subscriptions, duplicates: 0 };
    const duplicates = await this.writer.add(event.type, JSON.stringify(event), jobs);
    return { handlers, subscriptions, duplicates: duplicates.filter(Boolean).length };
  }

  /**
   * New runs of a stored event for the matching handlers (all, or those named in `only`), with the channel
   * `replay` and job id `<event id>.<suffix>`: a replay with the same suffix writes nothing twice.
   */
  async replay(event: AnyEvent, suffix: string, only?: readonly string[]): Promise<Dispatched> {
    const replayed = { ...event, channel: 'replay' as const };
    const jobs: TargetJob[] = [];
    const handlers: string[] = [];
    for (const [name, index] of this.handlerTarget) {
      if (only !== undefined && !only.includes(name)) continue;
      if (this.targets[index]?.matches(replayed) !== true) continue;
      jobs.push({ target: index, jobId: `${event.id}.${suffix}` });
      handlers.push(name);
    }
    if (jobs.length === 0) return { handlers, subscriptions: [], duplicates: 0 };
    const duplicates = await this.writer.add(event.type, JSON.stringify(replayed), jobs);
    return { handlers, subscriptions: [], duplicates: duplicates.filter(Boolean).length };
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
