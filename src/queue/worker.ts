import type { RedisClient } from '../redis/connect.js';
import type { Logger } from '../log.js';
import { EVENTS_QUEUE } from './queues.js';

export interface WorkerRole {
  stop(): Promise<void>;
}

/**
 * The worker role. Handlers come in a later release; until then the worker holds its Redis connection, says
 * that events stay in `jobhook-events` for downstream consumers, and stops cleanly. It consumes nothing, so
 * no event is taken off the queue without a handler to run.
 */
export function startWorker(redis: RedisClient, logger: Logger): WorkerRole {
  logger.info(
    { queue: EVENTS_QUEUE },
    'worker started: no handlers are registered, events stay in the queue',
  );
  return {
    async stop() {
      await redis.quit().catch(() => redis.disconnect());
      logger.info('worker stopped');
    },
  };
}
