import { DelayedError, WaitingError, type Job } from 'bullmq';

/**
 * Ways for a processor to give its job back without an outcome — no attempt counted, the job not failed. When
 * Redis cannot take the move either, the job simply stays active: its lock expires and BullMQ's stall check puts it
 * back (so the error thrown is BullMQ's "moved" signal either way, never one that would fail the job).
 */

/** Back to the front of the wait list, for any worker to take now (shutdown). */
export async function handBack(job: Job, token: string | undefined): Promise<never> {
  await job.moveToWait(token).catch(() => undefined);
  throw new WaitingError();
}

/** Tried again after `ms`, without counting an attempt (a write the run depends on failed). */
export async function tryAgainIn(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token).catch(() => undefined);
  throw new DelayedError();
}
