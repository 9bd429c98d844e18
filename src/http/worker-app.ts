import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { JobhookError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { errorResponse, jsonResponse, textResponse } from './respond.js';

export interface WorkerAppOptions {
  readonly metrics: Metrics;
  /** Whether the worker role runs and its Redis connection is ready. */
  readonly ready: () => boolean;
  /** False once shutdown began. */
  readonly isAccepting: () => boolean;
}

/**
 * The worker role's own endpoints when it runs without the receiver (`JOBHOOK_ROLE=worker`): `/healthz`,
 * `/readyz` and `/metrics` on `PORT` (CONTRACT.md §7.3). With `JOBHOOK_ROLE=all` the receiver serves them.
 */
export function createWorkerApp(options: WorkerAppOptions): Hono {
  const app = new Hono();
  const answer = (body: unknown, status = 200): Response =>
    jsonResponse(body, status, { requestId: randomUUID(), closing: !options.isAccepting() });
  app.get('/healthz', () => answer({ status: 'ok' }));
  app.get('/readyz', () => {
    const worker = options.ready() && options.isAccepting();
    return answer({ status: worker ? 'ready' : 'unavailable', worker }, worker ? 200 : 503);
  });
  app.get('/metrics', async () =>
    textResponse(await options.metrics.registry.metrics(), options.metrics.registry.contentType, {
      requestId: randomUUID(),
      closing: !options.isAccepting(),
    }),
  );
  app.notFound(() =>
    errorResponse(
      new JobhookError('NotFound', 'no such endpoint (a worker serves /healthz, /readyz, /metrics)'),
      {
        requestId: randomUUID(),
        closing: !options.isAccepting(),
      },
    ),
  );
  return app;
}
