import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AnyEvent } from '../events/types.js';
import { isNonRetryable, summarize } from '../handlers/errors.js';
import { RunInterrupted, runHandler, type RunOptions } from '../handlers/runtime.js';
import type { HandlerSpec } from '../handlers/types.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import { handlerBackoff } from './backoff.js';
import { handBack, tryAgainIn } from './hand-back.js';
import type { DeadLetters } from './dead-letters.js';
import type { WorkerMetrics } from './worker-metrics.js';

/**
 * A run started this many times without an outcome (its worker killed or stopped each time) is not started again:
 * it goes to the dead-letter queue with code `WorkerLost`.
 */
export const MAX_UNFINISHED_STARTS = 25;

/** When the dead-letter entry cannot be written, the run waits this long and is tried again (not an attempt). */
const DEAD_LETTER_RETRY_MS = 5000;

export interface HandlerWorkerOptions {
  readonly spec: HandlerSpec;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly lockDurationMs: number;
  readonly deadLetters: DeadLetters;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  /** Aborted when the shutdown grace period ends. */
  readonly shutdown: AbortSignal;
  readonly emit: RunOptions['emit'];
  readonly cloud?: RunOptions['cloud'];
}

/**
 * The BullMQ worker of one handler's queue, with the handler's own concurrency. Each job is one attempt of one
 * (event, handler) run: `runHandler` does the work; this maps its outcome onto BullMQ — done, retried with the
 * handler's backoff, stopped into `jobhook-dead`, or handed back to the queue when shutdown cut it.
 */
export function startHandlerWorker(options: HandlerWorkerOptions): Worker<AnyEvent> {
  const { spec, metrics, logger } = options;
  const log = logger.child({ handler: spec.name });
  const worker = new Worker<AnyEvent>(
    spec.queue,
    async (job, token) => {
      const attempt = job.attemptsMade + 1;
      if (attempt > 1) metrics.retries.inc({ handler: spec.name });
      // attemptsStarted counts this start too; a start without an outcome left it ahead of attemptsMade.
      const unfinished = job.attemptsStarted - job.attemptsMade - 1;
      if (unfinished >= MAX_UNFINISHED_STARTS) {
        const lost = Object.assign(
          new Error(
            `the run was started ${unfinished + 1} times without finishing (its worker died or was stopped)`,
          ),
          { name: 'WorkerLost', code: 'WorkerLost' },
        );
        await stop(job, token, attempt, lost);
      }
      const started = performance.now();
      try {
        await runHandler(spec, job.data, {
          attempt,
          shutdown: options.shutdown,
          logger,
          emit: options.emit,
          cloud: options.cloud,
        });
      } catch (error) {
        const seconds = (performance.now() - started) / 1000;
        if (error instanceof RunInterrupted) {
          metrics.runs.inc({ handler: spec.name, outcome: 'interrupted' });
          log.info(
            { eventId: job.data.id, attempt },
            'run cut by shutdown: back to the queue, not counted as an attempt',
          );
          await handBack(job, token);
        }
        metrics.duration.observe({ handler: spec.name }, seconds);
        const limit = job.opts.attempts ?? spec.retry.attempts;
        if (isNonRetryable(error) || attempt >= limit) await stop(job, token, attempt, error);
        metrics.runs.inc({ handler: spec.name, outcome: 'retrying' });
        log.warn(
          { eventId: job.data.id, attempt, of: limit, err: summarize(error) },
          'run failed: will retry',
        );
        throw error;
      }
      metrics.duration.observe({ handler: spec.name }, (performance.now() - started) / 1000);
      metrics.runs.inc({ handler: spec.name, outcome: 'succeeded' });
      // A start that ended without an outcome may have written a dead letter before its worker died: a run that
      // succeeds now has none.
      if (unfinished > 0) await options.deadLetters.removeFor(job.id ?? '', spec.name);
      log.debug({ eventId: job.data.id, attempt }, 'run succeeded');
    },
    {
      connection: options.redis,
      prefix: options.prefix,
      concurrency: spec.concurrency,
      // A submit rule's rate holds over every worker process: BullMQ's limiter counts in Redis.
      ...(spec.submit?.rate === undefined
        ? {}
        : { limiter: { max: spec.submit.rate.max, duration: spec.submit.rate.durationMs } }),
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      // Runs of a killed worker come back through the stall check; MAX_UNFINISHED_STARTS bounds them instead.
      maxStalledCount: 1000,
      settings: { backoffStrategy: handlerBackoff },
      autorun: false,
    },
  );

  /** The run ends here: its dead letter first, then the job fails for good. */
  async function stop(
    job: Job<AnyEvent>,
    token: string | undefined,
    attempt: number,
    error: unknown,
  ): Promise<never> {
    const letter = {
      handler: spec.name,
      event: job.data,
      attempts: attempt,
      error: summarize(error),
      failedAt: new Date().toISOString(),
    };
    try {
      await options.deadLetters.add(job.id ?? job.data.id, letter);
    } catch (writeError) {
      log.error(
        { eventId: job.data.id, err: summarize(writeError) },
        'could not write the dead letter: the run is tried again',
      );
      await tryAgainIn(job, token, DEAD_LETTER_RETRY_MS);
    }
    metrics.runs.inc({ handler: spec.name, outcome: 'dead' });
    log.error({ eventId: job.data.id, attempt, err: letter.error }, 'run stopped: in jobhook-dead');
    throw new UnrecoverableError(letter.error.message);
  }

  worker.on('error', (error) => log.warn({ err: error.message }, 'handler worker error'));
  return worker;
}
