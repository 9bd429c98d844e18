import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Queue } from 'bullmq';

export type RunOutcome = 'succeeded' | 'retrying' | 'dead' | 'interrupted';

/** The worker role's Prometheus metrics, registered on the process's registry (CONTRACT.md §5, issue 12). */
export interface WorkerMetrics {
  /** Handler runs by handler and outcome: succeeded, retrying (failed, another attempt follows), dead, interrupted. */
  readonly runs: Counter<'handler' | 'outcome'>;
  /** Runs that were a retry (attempt > 1), by handler. */
  readonly retries: Counter<'handler'>;
  readonly duration: Histogram<'handler'>;
  /** Events of jobhook-events dispatched, the jobs they became by kind, and jobs that existed already. */
  readonly dispatchedEvents: Counter;
  readonly dispatchedJobs: Counter<'kind'>;
  readonly dispatchDuplicates: Counter;
  /** Reports the depth of these queues at each scrape (one Redis call per queue). */
  watchQueues(queues: readonly Queue[], deadLetters: Queue): void;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    runs: new Counter({
      name: 'jobhook_handler_runs_total',
      help: 'Handler runs (attempts) by handler and outcome: succeeded, retrying, dead, interrupted (cut by shutdown, not an attempt).',
      labelNames: ['handler', 'outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'jobhook_handler_retries_total',
      help: 'Handler runs that were a retry of an earlier failed attempt, by handler.',
      labelNames: ['handler'],
      registers,
    }),
    duration: new Histogram({
      name: 'jobhook_handler_duration_seconds',
      help: 'Duration of handler runs, by handler.',
      labelNames: ['handler'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    dispatchedEvents: new Counter({
      name: 'jobhook_dispatched_events_total',
      help: 'Events of jobhook-events the dispatcher handled (also those no handler or subscription matched).',
      registers,
    }),
    dispatchedJobs: new Counter({
      name: 'jobhook_dispatched_jobs_total',
      help: 'Jobs the dispatcher made of events, by kind: handler (a run) or subscription (a copy).',
      labelNames: ['kind'],
      registers,
    }),
    dispatchDuplicates: new Counter({
      name: 'jobhook_dispatch_duplicates_total',
      help: 'Jobs the dispatcher found already written (an event dispatched again after its worker died).',
      registers,
    }),
    watchQueues(queues, deadLetters) {
      new Gauge({
        name: 'jobhook_queue_jobs',
        help: 'Jobs in jobhook queues by state (waiting, active, delayed, failed), read at each scrape.',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          const counts = await Promise.all(
            queues.map((queue) =>
              queue.getJobCounts('waiting', 'active', 'delayed', 'failed').catch(() => undefined),
            ),
          );
          this.reset();
          queues.forEach((queue, i) => {
            const count = counts[i];
            if (count !== undefined)
              for (const [state, n] of Object.entries(count)) this.labels(queue.name, state).set(n);
          });
        },
      });
      new Gauge({
        name: 'jobhook_dead_letters',
        help: 'Entries in jobhook-dead (runs that exhausted their attempts or were stopped), read at each scrape.',
        registers,
        async collect() {
          const count = await deadLetters.count().catch(() => undefined);
          if (count !== undefined) this.set(count);
        },
      });
    },
  };
}
