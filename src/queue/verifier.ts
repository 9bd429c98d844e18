import { UnrecoverableError, Worker } from 'bullmq';
import { verificationFailed } from '../events/jobhook.js';
import type { JobhookEvent } from '../events/types.js';
import { isNonRetryable, summarize } from '../handlers/errors.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connect.js';
import type { DeadLetters } from './dead-letters.js';
import type { Dispatcher, VerifyJob } from './dispatcher.js';
import { VERIFY_QUEUE } from './verify-queue.js';

export { VERIFY_QUEUE };
import { encodeEvent } from './encoded.js';
import type { Described } from './poller.js';
import type { CallbackStore } from './types.js';

/**
 * Verification (CONTRACT.md §5.4): an event some handler or subscription with `verify: true` matches goes to
 * `jobhook-verify` (job id = event id) besides its other jobs. Its worker asks the provider about the job once —
 * one answer for every target that asked — and then either hands the event on to those targets with
 * `data.verified = { at, state, record }`, or, when the provider does not confirm it (job unknown, another
 * outcome), stores `jobhook.verification.failed` and runs none of them. A question that fails for a retryable
 * reason is retried with backoff; when its attempts are used up, the handlers that asked get dead letters
 * (`VerificationUnavailable`), which `jobhook dlq retry` sends through verification again.
 */

export interface VerifierOptions {
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly dispatcher: Dispatcher;
  readonly describe: (event: JobhookEvent) => Promise<Described & { record?: Record<string, unknown> }>;
  readonly store: CallbackStore;
  readonly deadLetters: DeadLetters;
  readonly lockDurationMs: number;
  readonly concurrency: number;
  readonly logger: Logger;
}

export function startVerifier(options: VerifierOptions): Worker<VerifyJob> {
  const { dispatcher, logger } = options;

  /** Dead letters for every handler that asked (subscriptions that asked are logged), then a final failure. */
  async function giveUp(job: VerifyJob, attempts: number, error: unknown): Promise<never> {
    const { event } = job;
    const handlers = job.only ?? dispatcher.verifyHandlersFor(event);
    await Promise.all(
      handlers.map((handler) =>
        options.deadLetters.add(job.runJobId ?? event.id, {
          handler,
          event,
          attempts,
          error: { ...summarize(error), code: 'VerificationUnavailable' },
          failedAt: new Date().toISOString(),
        }),
      ),
    );
    logger.error(
      { eventId: event.id, handlers, err: summarize(error) },
      'verification gave up: the handlers that asked are in jobhook-dead',
    );
    throw new UnrecoverableError(`verification gave up: ${summarize(error).message}`);
  }
  const worker = new Worker<VerifyJob>(
    VERIFY_QUEUE,
    async (job) => {
      const { event } = job.data;
      if (typeof event.data !== 'object' || typeof event.data.provider !== 'string')
        throw new UnrecoverableError('only a provider’s job events can be verified');
      let described: Awaited<ReturnType<VerifierOptions['describe']>>;
      try {
        described = await options.describe(event);
      } catch (error) {
        // The last attempt, or a question the provider will never answer (refused, no credentials): the
        // handlers that asked get their dead letters before the job fails for good.
        if (isNonRetryable(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
          await giveUp(job.data, job.attemptsMade + 1, error);
        throw error;
      }
      const expected = event.data.state;
      const actual = described.found ? described.state : 'unknown';
      if (described.found && actual === expected) {
        const verified = {
          ...event,
          data: {
            ...event.data,
            verified: { at: new Date().toISOString(), state: actual, record: described.record ?? {} },
          },
        };
        await dispatcher.dispatchVerified(verified, job.data);
        return;
      }
      const reason = described.found
        ? `the provider reports ${actual}, the event says ${expected}`
        : 'the provider does not know this job';
      logger.warn(
        { eventId: event.id, type: event.type, subject: event.subject, expected, actual },
        'verification failed: nothing that asked for it runs',
      );
      await options.store.storeEvents([
        encodeEvent(
          verificationFailed({
            eventId: event.id,
            type: event.type,
            subject: event.subject,
            expected,
            actual,
            reason,
          }),
        ),
      ]);
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
  worker.on('error', (error) => logger.warn({ err: error.message }, 'verifier error'));
  return worker;
}
