import type { AnyEvent, JobhookEvent } from './types.js';

/** Whether an event is a provider's job event (the only kind that can be verified or belong to the ledger). */
export const isJobEvent = (event: AnyEvent): event is JobhookEvent =>
  typeof event.data === 'object' &&
  event.data !== null &&
  !Array.isArray(event.data) &&
  typeof (event.data as { provider?: unknown }).provider === 'string' &&
  typeof (event.data as { jobId?: unknown }).jobId === 'string';
