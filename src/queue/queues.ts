/** Queue names of CONTRACT.md §3 and §5.6. */
export const EVENTS_QUEUE = 'jobhook-events';
export const QUARANTINE_QUEUE = 'jobhook-quarantine';
/** Runs that exhausted their attempts or were stopped; job id `<run job id>.<handler>`. */
export const DEAD_QUEUE = 'jobhook-dead';

/** The queue of a handler's runs: one job per (event, handler), job id = event id. */
export const handlerQueue = (handler: string): string => `jobhook-handler-${handler}`;

/** BullMQ's default key prefix; use a hash tag such as `{jobhook}` on Redis Cluster. */
export const DEFAULT_PREFIX = 'bull';
