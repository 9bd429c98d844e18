import { setMaxListeners } from 'node:events';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { AnyEvent } from '../events/types.js';
import { emitter } from '../handlers/emit.js';
import type { HandlerConfig } from '../handlers/types.js';
import type { Logger } from '../log.js';
import type { CloudsConfig } from '../providers/clouds-config.js';
import type { RedisClient } from '../redis/connect.js';
import { BullmqStore, FAILED_RETENTION_SECONDS } from './bullmq-store.js';
import { DeadLetters } from './dead-letters.js';
import { Dispatcher } from './dispatcher.js';
import { CloudRole, checkCloudNeeds, cloudsOf, type CallbackTarget } from './cloud-role.js';
import { startHandlerWorker } from './handler-worker.js';
import { tryAgainIn } from './hand-back.js';
import { EVENTS_QUEUE } from './queues.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface WorkerRoleOptions {
  /** A connection in BullMQ's blocking mode (commands wait for a reconnect instead of failing). */
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly handlers: HandlerConfig;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly dedupeWindowMs: number;
  readonly completedRetentionSeconds: number;
  /** Bound on one dispatch or emit write. */
  readonly writeTimeoutMs: number;
  /** BullMQ's lock duration and stall-check interval: a dead worker's runs are taken over within about twice it. */
  readonly lockDurationMs: number;
  /** Events of jobhook-events dispatched at once by this process. */
  readonly dispatchConcurrency: number;
  readonly shutdownGraceMs: number;
  /** Cloud credentials and endpoints; without any credentials there are no clients, ledger or polling. */
  readonly clouds?: CloudsConfig | undefined;
  /** jobhook's own URL for the callbacks of follow-up jobs (`JOBHOOK_PUBLIC_URL`), with a token. */
  readonly callback?: CallbackTarget | undefined;
  /** `JOBHOOK_POLL_GIVE_UP`. */
  readonly pollGiveUpMs?: number;
}

/** The ledger and poll jobs are kept at least this long, and as long as polling may go on plus a day. */
const MIN_LEDGER_RETENTION_MS = 7 * 86_400_000;
const DEFAULT_POLL_GIVE_UP_MS = 7 * 86_400_000;

/** A dispatch whose write failed is tried again after this long. */
const DISPATCH_RETRY_MS = 1000;

/** Whether a job of jobhook-events has what dispatching reads: a string id, type and source. */
function isEvent(data: unknown): data is AnyEvent {
  if (typeof data !== 'object' || data === null) return false;
  const { id, type, source } = data as Record<string, unknown>;
  return typeof id === 'string' && typeof type === 'string' && typeof source === 'string';
}

export interface WorkerRole {
  /** False when no handler or subscription is configured: then nothing consumes jobhook-events. */
  readonly consuming: boolean;
  /** True while every worker runs and the connection is ready. */
  ready(): boolean;
  /**
   * Stops taking new runs, lets running ones finish within the grace period, cuts the rest (they go back to
   * their queues, not counted as attempts) and closes the workers.
   */
  stop(): Promise<void>;
}

/**
 * The worker role (CONTRACT.md §5): a BullMQ worker on `jobhook-events` that dispatches every event into the
 * queues of its matching handlers and subscriptions, and one BullMQ worker per handler that runs it. Any number
 * of processes may run it against one Redis; BullMQ shares the jobs out.
 */
export async function startWorkerRole(options: WorkerRoleOptions): Promise<WorkerRole> {
  const { redis, prefix, handlers, logger, metrics } = options;
  if (handlers.handlers.length === 0 && handlers.subscriptions.length === 0) {
    logger.info(
      { queue: EVENTS_QUEUE, file: handlers.file },
      handlers.file === undefined
        ? 'worker started: no configuration file, so no handlers; events stay in jobhook-events for downstream consumers'
        : 'worker started: the configuration file has no handlers or subscriptions; events stay in jobhook-events',
    );
    return {
      consuming: false,
      ready: () => redis.status === 'ready',
      stop: () => {
        logger.info('worker stopped');
        return Promise.resolve();
      },
    };
  }

  const retention = {
    completedSeconds: options.completedRetentionSeconds,
    failedSeconds: FAILED_RETENTION_SECONDS,
  };
  checkCloudNeeds(handlers, options.clouds);
  // Emitted events (and jobhook's own) go to jobhook-events through the receiver's own writer.
  const store = new BullmqStore({
    redis,
    prefix,
    dedupeWindowMs: options.dedupeWindowMs,
    completedRetentionSeconds: options.completedRetentionSeconds,
    timeoutMs: options.writeTimeoutMs,
    logger,
  });
  await store.prepare();
  const deadLetters = new DeadLetters(redis, prefix);
  const clouds = cloudsOf(options.clouds, logger);
  const pollGiveUpMs = options.pollGiveUpMs ?? DEFAULT_POLL_GIVE_UP_MS;
  const cloudRole =
    clouds === undefined
      ? undefined
      : new CloudRole({
          clouds,
          redis,
          prefix,
          handlers,
          store,
          deadLetters,
          callback: options.callback,
          pollGiveUpMs,
          retentionMs: Math.max(MIN_LEDGER_RETENTION_MS, pollGiveUpMs + 86_400_000),
          lockDurationMs: options.lockDurationMs,
          writeTimeoutMs: options.writeTimeoutMs,
          logger,
        });
  const dispatcher = await Dispatcher.create({
    redis,
    prefix,
    config: handlers,
    dedupeWindowMs: options.dedupeWindowMs,
    retention,
    timeoutMs: options.writeTimeoutMs,
    logger,
    ledger: cloudRole?.ledger,
  });
  const cloud = cloudRole?.start(dispatcher);
  const shutdown = new AbortController();
  // Every handler run in flight listens on it (runtime.ts): more than 10 at once is the configured concurrency,
  // not a leak, so no MaxListenersExceededWarning.
  setMaxListeners(0, shutdown.signal);
  const emit = emitter(store);

  const workers: Worker[] = handlers.handlers.map((spec) =>
    startHandlerWorker({
      spec,
      redis,
      prefix,
      lockDurationMs: options.lockDurationMs,
      deadLetters,
      metrics,
      logger,
      shutdown: shutdown.signal,
      emit,
      cloud,
    }),
  );
  const events = new Worker<AnyEvent>(
    EVENTS_QUEUE,
    async (job, token) => {
      if (!isEvent(job.data))
        throw new UnrecoverableError('not a jobhook event (no string id, type and source): not dispatched');
      let dispatched;
      try {
        dispatched = await dispatcher.dispatch(job.data, job.id);
      } catch (error) {
        // Redis did not take the runs (or not in time): the event is dispatched again shortly, not failed.
        logger.warn(
          { eventId: job.data.id, err: error instanceof Error ? error.message : String(error) },
          'dispatch failed: tried again in 1 s',
        );
        return tryAgainIn(job, token, DISPATCH_RETRY_MS);
      }
      metrics.dispatchedEvents.inc();
      if (dispatched.handlers.length > 0)
        metrics.dispatchedJobs.inc({ kind: 'handler' }, dispatched.handlers.length);
      if (dispatched.subscriptions.length > 0)
        metrics.dispatchedJobs.inc({ kind: 'subscription' }, dispatched.subscriptions.length);
      if (dispatched.duplicates > 0) {
        metrics.dispatchDuplicates.inc(dispatched.duplicates);
        logger.info(
          { eventId: job.data.id, duplicates: dispatched.duplicates },
          'dispatched again: jobs existed',
        );
      }
    },
    {
      connection: redis,
      prefix,
      concurrency: options.dispatchConcurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      // A dispatch is idempotent and quick: an event of a killed worker is dispatched again, however often.
      maxStalledCount: 1000,
      autorun: false,
    },
  );
  events.on('error', (error) => logger.warn({ err: error.message }, 'dispatcher worker error'));
  const all = [events, ...workers, ...(cloudRole?.running ?? [])];
  for (const worker of all)
    void worker.run().catch((error: unknown) => logger.error({ err: error }, 'worker stopped'));

  const watched = [
    EVENTS_QUEUE,
    ...handlers.handlers.map((h) => h.queue),
    ...new Set(handlers.subscriptions.map((s) => s.queue)),
    ...(cloudRole?.running ?? []).map((worker) => worker.name),
  ].map((name) => {
    const queue = new Queue(name, { connection: redis, prefix });
    queue.on('error', () => undefined);
    return queue;
  });
  metrics.watchQueues([...watched, deadLetters.queue], deadLetters.queue);
  logger.info(
    {
      handlers: handlers.handlers.map((h) => ({ name: h.name, kind: h.kind, concurrency: h.concurrency })),
      subscriptions: [...new Set(handlers.subscriptions.map((s) => s.queue))],
      file: handlers.file,
    },
    'worker started',
  );

  let closed = false;
  let stopping: Promise<void> | undefined;
  return {
    consuming: true,
    ready: () => !closed && redis.status === 'ready' && all.every((worker) => worker.isRunning()),
    stop: () =>
      (stopping ??= (async () => {
        closed = true;
        const cut = setTimeout(() => shutdown.abort(), options.shutdownGraceMs);
        await Promise.all(all.map((worker) => worker.close()));
        clearTimeout(cut);
        await Promise.allSettled([
          dispatcher.close(),
          cloudRole?.close(),
          store.close(),
          deadLetters.close(),
          ...watched.map((q) => q.close()),
        ]);
        logger.info('worker stopped');
      })()),
  };
}
