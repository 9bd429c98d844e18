/** Queue names of CONTRACT.md §3. */
export const EVENTS_QUEUE = 'jobhook-events';
export const QUARANTINE_QUEUE = 'jobhook-quarantine';

/** BullMQ's default key prefix; use a hash tag such as `{jobhook}` on Redis Cluster. */
export const DEFAULT_PREFIX = 'bull';
