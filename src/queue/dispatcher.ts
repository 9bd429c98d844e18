import type { JobsOptions } from 'bullmq';
import type { AnyEvent, JobhookEvent } from '../events/types.js';
import type { RetryPolicy } from '../handlers/config/schema.js';
import type { HandlerConfig, HandlerSpec } from '../handlers/types.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import { createJobWriter, type JobWriter, type TargetJob, type WriteTarget } from './job-writer.js';
import { isMarker, type Ledger } from './ledger.js';
import { EVENTS_QUEUE } from './queues.js';
import { VERIFY_QUEUE } from './verify-queue.js';

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
  /** The job ledger, when cloud clients are configured (jobs jobhook submitted can exist only then). */
  readonly ledger?: Ledger | undefined;
}

/** What one event became: the handlers it runs and the queues it was copied into, and how many already were. */
export interface Dispatched {
  readonly handlers: readonly string[];
  readonly subscriptions: readonly string[];
  /** Jobs that existed already (a repeated dispatch after a worker died, or a second subscription entry). */
  readonly duplicates: number;
  /** The event is older than, or pending after, its ledger job's terminal state: it runs nothing. */
  readonly stale?: true;
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
  /** Whether it gets the event only once the provider confirmed it (`verify: true`). */
  readonly verify: boolean;
  readonly matches: (event: AnyEvent) => boolean;
}

/** A job of `jobhook-verify`: the event, and (for replays and retries) which runs to make once it is confirmed. */
export interface VerifyJob {
  readonly event: JobhookEvent;
  /** The run job id of the runs it makes: the event id, or `<event id>.<suffix>` for a replay. */
  readonly runJobId?: string;
  /** Only these handlers (a replay's `--to-handler`, a retried dead letter); undefined: every verify target. */
  readonly only?: readonly string[];
}

/** Whether an event is a provider's job event (the only kind that can be verified or belong to the ledger). */
const isJobEvent = (event: AnyEvent): event is JobhookEvent =>
  typeof event.data === 'object' &&
  event.data !== null &&
  !Array.isArray(event.data) &&
  typeof (event.data as { provider?: unknown }).provider === 'string' &&
  typeof (event.data as { jobId?: unknown }).jobId === 'string';

/**
 * Turns each event of `jobhook-events` into its jobs: one run per matching handler (in the handler's queue, job id
 * = event id) and one copy per matching subscription queue (job id = event id), all written in one call with the
 * other events of the same moment. Ids are derived, so dispatching an event again — its worker died before
 * BullMQ recorded the dispatch as done — writes nothing twice.
 *
 * Targets with `verify: true` get the event only through `jobhook-verify` (src/queue/verifier.ts): one job per
 * event, whatever number of them match. With a ledger, an event of a job jobhook submitted carries the chain's
 * `causationid` and `correlationid`, and one that is stale (older than, or pending after, the job's terminal
 * state) runs nothing.
 */
export class Dispatcher {
  private constructor(
    private readonly targets: readonly Target[],
    private readonly handlerTarget: ReadonlyMap<string, number>,
    /** The index of the `jobhook-verify` write target, when any target verifies. */
    private readonly verifyTarget: number | undefined,
    private readonly writer: JobWriter,
    private readonly ledger: Ledger | undefined,
    /** `<prefix>:jobhook-events:`, the key prefix of the events' own jobs. */
    private readonly eventsKey: string,
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
        verify: handler.verify,
        matches: (event) => handlerRuns(handler, event),
      });
      writes.push({ queue: handler.queue, options: handlerJobOptions(handler, retention) });
    }
    // Entries that name the same queue are one target: an event matching both is copied once (verified when the
    // first entry says so).
    const byQueue = new Map<string, (typeof config.subscriptions)[number][]>();
    for (const subscription of config.subscriptions)
      byQueue.set(subscription.queue, [...(byQueue.get(subscription.queue) ?? []), subscription]);
    for (const [queue, entries] of byQueue) {
      targets.push({
        kind: 'subscription',
        name: queue,
        verify: entries.some((entry) => entry.verify),
        matches: (event) => entries.some((entry) => entry.matches(event)),
      });
      writes.push({ queue, options: copyJobOptions(entries[0]?.retry, retention) });
    }
    let verifyTarget: number | undefined;
    if (targets.some((target) => target.verify)) {
      verifyTarget = writes.length;
      writes.push({ queue: VERIFY_QUEUE, options: verifyJobOptions(config, retention) });
    }
    const writer = await createJobWriter({ ...options, targets: writes });
    const eventsKey = `${options.prefix}:${EVENTS_QUEUE}:`;
    return new Dispatcher(targets, handlerTarget, verifyTarget, writer, options.ledger, eventsKey);
  }

  /** Whether any handler or subscription is configured (without any, nothing consumes `jobhook-events`). */
  get active(): boolean {
    return this.targets.length > 0;
  }

  /**
   * Writes the jobs of one event of `jobhook-events`; an event nothing matches costs no Redis call. `jobId`: the
   * event's job there, whose data the jobs get copied inside Redis when they get the event as it was stored.
   */
  async dispatch(event: AnyEvent, jobId?: string): Promise<Dispatched> {
    const handed = await this.withLineage(event);
    if (handed === undefined) return { handlers: [], subscriptions: [], duplicates: 0, stale: true };
    const jobs: TargetJob[] = [];
    const handlers: string[] = [];
    const subscriptions: string[] = [];
    let verify = false;
    this.targets.forEach((target, i) => {
      if (!target.matches(handed)) return;
      if (target.verify) verify = true;
      else jobs.push({ target: i, jobId: event.id });
      (target.kind === 'handler' ? handlers : subscriptions).push(target.name);
    });
    const writes: Promise<boolean[]>[] = [];
    if (jobs.length > 0) {
      const json = (): string => JSON.stringify(handed);
      const data =
        handed === event && jobId !== undefined ? { copyOf: `${this.eventsKey}${jobId}`, json } : json();
      writes.push(this.writer.add(event.type, data, jobs));
    }
    // Only a provider's job events can be confirmed by the provider; targets that ask for it get no other event.
    if (verify && this.verifyTarget !== undefined && isJobEvent(handed))
      writes.push(this.writeVerify({ event: handed }, event.id));
    if (writes.length === 0) return { handlers, subscriptions, duplicates: 0 };
    const duplicates = (await Promise.all(writes)).flat();
    return { handlers, subscriptions, duplicates: duplicates.filter(Boolean).length };
  }

  /**
   * The runs and copies of a confirmed event (with `data.verified`) for the targets that asked for verification:
   * all that match, or the job's `only` handlers, with the job's run job id.
   */
  async dispatchVerified(event: JobhookEvent, job: Omit<VerifyJob, 'event'> = {}): Promise<Dispatched> {
    const jobs: TargetJob[] = [];
    const handlers: string[] = [];
    const subscriptions: string[] = [];
    this.targets.forEach((target, i) => {
      if (!target.verify || !target.matches(event)) return;
      if (job.only !== undefined && (target.kind !== 'handler' || !job.only.includes(target.name))) return;
      jobs.push({ target: i, jobId: job.runJobId ?? event.id });
      (target.kind === 'handler' ? handlers : subscriptions).push(target.name);
    });
    if (jobs.length === 0) return { handlers, subscriptions, duplicates: 0 };
    const duplicates = await this.writer.add(event.type, JSON.stringify(event), jobs);
    return { handlers, subscriptions, duplicates: duplicates.filter(Boolean).length };
  }

  /** The handlers with `verify: true` that run this event (for dead letters when verification gives up). */
  verifyHandlersFor(event: AnyEvent): string[] {
    return this.targets
      .filter((t) => t.kind === 'handler' && t.verify && t.matches(event))
      .map((t) => t.name);
  }

  /** Whether a configured handler verifies the events it gets. */
  verifies(handler: string): boolean {
    const index = this.handlerTarget.get(handler);
    return index !== undefined && this.targets[index]?.verify === true;
  }

  /**
   * New runs of a stored event for the matching handlers (all, or those named in `only`), with the channel
   * `replay` and job id `<event id>.<suffix>`: a replay with the same suffix writes nothing twice. Handlers that
   * verify get theirs through verification again.
   */
  async replay(event: AnyEvent, suffix: string, only?: readonly string[]): Promise<Dispatched> {
    const replayed = { ...event, channel: 'replay' as const };
    const runJobId = `${event.id}.${suffix}`;
    const jobs: TargetJob[] = [];
    const handlers: string[] = [];
    const verified: string[] = [];
    for (const [name, index] of this.handlerTarget) {
      if (only !== undefined && !only.includes(name)) continue;
      const target = this.targets[index];
      if (target?.matches(replayed) !== true) continue;
      if (target.verify) verified.push(name);
      else jobs.push({ target: index, jobId: runJobId });
      handlers.push(name);
    }
    const writes: Promise<boolean[]>[] = [];
    if (jobs.length > 0) writes.push(this.writer.add(event.type, JSON.stringify(replayed), jobs));
    if (verified.length > 0 && isJobEvent(replayed))
      writes.push(this.writeVerify({ event: replayed, runJobId, only: verified }, runJobId));
    if (writes.length === 0) return { handlers, subscriptions: [], duplicates: 0 };
    const duplicates = (await Promise.all(writes)).flat();
    return { handlers, subscriptions: [], duplicates: duplicates.filter(Boolean).length };
  }

  /** Sends one handler's run of an event through verification again (a retried dead letter). */
  async reverify(event: JobhookEvent, handler: string, runJobId: string): Promise<boolean> {
    const [duplicate] = await this.writeVerify(
      { event, runJobId, only: [handler] },
      `${runJobId}.${handler}`,
    );
    return duplicate === true;
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  private writeVerify(job: VerifyJob, jobId: string): Promise<boolean[]> {
    if (this.verifyTarget === undefined) return Promise.resolve([]);
    return this.writer.add(job.event.type, JSON.stringify(job), [{ target: this.verifyTarget, jobId }]);
  }

  /** The event as handed on: with its chain's lineage when it belongs to a ledger job; undefined when stale. */
  private async withLineage(event: AnyEvent): Promise<AnyEvent | undefined> {
    if (this.ledger === undefined || !isJobEvent(event)) return event;
    const lineage = await this.ledger.lineage({
      provider: event.data.provider,
      jobId: event.data.jobId,
      marker: isMarker(event.data.userData) ? event.data.userData : undefined,
      state: event.data.state,
      at: Date.parse(event.time),
    });
    if (lineage === undefined) return event;
    if (lineage.stale) return undefined;
    return { ...event, causationid: lineage.causationId, correlationid: lineage.correlationId };
  }
}

/** The options of verification jobs: as patient as the most patient handler that asks (at least 5 attempts). */
function verifyJobOptions(config: HandlerConfig, retention: Retention): JobsOptions {
  const policies = config.handlers.filter((h) => h.verify).map((h) => h.retry);
  const attempts = Math.max(5, ...policies.map((p) => p.attempts));
  const delay = Math.max(1000, ...policies.map((p) => p.delay));
  return {
    attempts,
    backoff: { type: 'exponential', delay },
    removeOnComplete: { age: retention.completedSeconds },
    removeOnFail: { age: retention.failedSeconds },
  };
}
