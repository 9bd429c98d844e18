import { Queue, Worker, type Job } from 'bullmq';
import { jobOverdue } from '../events/jobhook.js';
import type { JobhookEvent } from '../events/types.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import { encodeEvent } from './encoded.js';
import { tryAgainIn } from './hand-back.js';
import { isTerminal, type Ledger, type LedgerJob, type LedgerState } from './ledger.js';
import type { CallbackStore } from './types.js';

/**
 * Reconciliation (CONTRACT.md §6.5): a delayed BullMQ job per ledger job in `jobhook-poll` (job id
 * `<provider>.<job id>`). For a job that sends a callback it fires at the deadline: no terminal event yet →
 * `jobhook.job.overdue`, then polling. Jobs that send none (COS batch, CI inventory) are polled from submission.
 * A poll asks the provider (`describe`) and stores what it says as the provider's events with `channel: "poll"` and
 * the ids a callback would have had — so a late callback is a duplicate — until the job is terminal; between polls
 * the wait doubles from 5 s up to 5 min; after the give-up time a last `jobhook.job.overdue` with `final: true`.
 * BullMQ shares the polls between workers and brings back those of a worker that died.
 */

export const POLL_QUEUE = 'jobhook-poll';
export const FIRST_POLL_DELAY_MS = 5000;
export const MAX_POLL_DELAY_MS = 300_000;

/** What a poll learned. */
export type Described =
  | { readonly found: true; readonly state: LedgerState; readonly events: readonly JobhookEvent[] }
  | { readonly found: false };

export interface PollData {
  readonly provider: string;
  readonly jobId: string;
  /** `deadline`: the first check of a job that sends callbacks; `poll`: asking the provider. */
  readonly phase: 'deadline' | 'poll';
  /** The wait before the next poll. */
  readonly delayMs: number;
}

export interface PollerOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly ledger: Ledger;
  /** `jobhook-events`, for the polled events and `jobhook.job.overdue`. */
  readonly store: CallbackStore;
  /** Asks the provider about a ledger job. */
  readonly describe: (job: LedgerJob) => Promise<Described>;
  /** Polling gives up this long after submission. */
  readonly giveUpMs: number;
  readonly lockDurationMs: number;
  readonly concurrency: number;
  readonly logger: Logger;
}

export const pollJobId = (provider: string, jobId: string): string => `${provider}.${jobId}`;

/** Plans checks: used by submissions. */
export class PollSchedule {
  readonly queue: Queue<PollData>;

  constructor(redis: RedisClient, prefix: string, retentionSeconds: number) {
    this.queue = new Queue<PollData>(POLL_QUEUE, {
      connection: redis,
      prefix,
      defaultJobOptions: {
        removeOnComplete: { age: retentionSeconds },
        removeOnFail: { age: retentionSeconds },
        attempts: 1,
      },
    });
    this.queue.on('error', () => undefined);
  }

  /** The first check of a job, `delayMs` from now; a second call for the same job changes nothing. */
  async schedule(job: LedgerJob, delayMs: number, polled: boolean): Promise<void> {
    await this.queue.add(
      'poll',
      {
        provider: job.provider,
        jobId: job.jobId,
        phase: polled ? 'poll' : 'deadline',
        delayMs: FIRST_POLL_DELAY_MS,
      },
      { jobId: pollJobId(job.provider, job.jobId), delay: delayMs },
    );
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

export function startPoller(options: PollerOptions): Worker<PollData> {
  const { ledger, store, logger } = options;
  const later = async (job: Job<PollData>, token: string | undefined, data: PollData): Promise<never> => {
    await job.updateData(data);
    return tryAgainIn(job, token, data.delayMs);
  };
  const worker = new Worker<PollData>(
    POLL_QUEUE,
    async (job, token) => {
      const entry = await ledger.get(job.data.provider, job.data.jobId);
      // Gone (past retention), or its terminal event came: nothing to do.
      if (entry === undefined || isTerminal(entry.state)) return;
      const overdue = (final: boolean) =>
        encodeEvent(
          jobOverdue({
            provider: entry.provider,
            kind: entry.kind,
            jobId: entry.jobId,
            handler: entry.handler,
            causationId: entry.causationId,
            correlationId: entry.correlationId,
            deadline: entry.deadline,
            final,
          }),
        );
      if (Date.now() - Date.parse(entry.submittedAt) > options.giveUpMs) {
        await store.storeEvents([overdue(true)]);
        logger.warn(
          { provider: entry.provider, jobId: entry.jobId },
          'polling gave up on a job that never ended',
        );
        return;
      }
      if (job.data.phase === 'deadline') {
        await store.storeEvents([overdue(false)]);
        logger.info({ provider: entry.provider, jobId: entry.jobId }, 'job overdue: polling it');
        return later(job, token, { ...job.data, phase: 'poll', delayMs: FIRST_POLL_DELAY_MS });
      }
      let described: Described;
      try {
        described = await options.describe(entry);
      } catch (error) {
        logger.warn(
          {
            provider: entry.provider,
            jobId: entry.jobId,
            err: error instanceof Error ? error.message : String(error),
          },
          'poll failed: trying again later',
        );
        return later(job, token, next(job.data));
      }
      if (described.found && described.events.length > 0)
        await store.storeEvents(described.events.map(encodeEvent));
      if (described.found && isTerminal(described.state)) {
        // At the polled events' own time: their dispatch asks the ledger with it, and a terminal state recorded
        // later than that would make them stale (no handler run, no subscription copy).
        await ledger.advance(entry.provider, entry.jobId, described.state, eventsTime(described.events));
        return;
      }
      return later(job, token, next(job.data));
    },
    {
      connection: options.redis,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.lockDurationMs,
      maxStalledCount: 1000,
      autorun: false,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error.message }, 'poller error'));
  return worker;
}

/** The latest `time` of the polled events; now when they have none. */
function eventsTime(events: readonly JobhookEvent[]): number {
  const times = events.map((event) => Date.parse(event.time)).filter(Number.isFinite);
  return times.length === 0 ? Date.now() : Math.max(...times);
}

const next = (data: PollData): PollData => ({
  ...data,
  delayMs: Math.min(data.delayMs * 2, MAX_POLL_DELAY_MS),
});
