import type { AnyEvent, JobhookEvent } from './types.js';

/**
 * Whether an event is a provider's job event (the only kind that can be verified or belong to the ledger): not one of
 * jobhook's own (`jobhook.job.submitted` names a provider and a job too) nor a handler's (`app.…`), with the
 * provider, job id and state of the catalog's `data`.
 */
export const isJobEvent = (event: AnyEvent): event is JobhookEvent => {
  if (event.type.startsWith('jobhook.') || event.type.startsWith('app.')) return false;
  const data = event.data as { provider?: unknown; jobId?: unknown; state?: unknown } | null;
  return (
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data) &&
    typeof data.provider === 'string' &&
    typeof data.jobId === 'string' &&
    typeof data.state === 'string'
  );
};
