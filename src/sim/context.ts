import type { Logger } from '../log.js';
import type { SimApi } from './apis.js';
import { Deliverer } from './deliver.js';
import { FaultsSchema, strikes, type Faults } from './faults.js';
import { isTerminal, JobStore, type SimJob } from './jobs.js';
import type { SimOptions } from './options.js';
import { QueueStore } from './ci-queues.js';
import { createRandom, type Random } from './rng.js';
import { Timers } from './timers.js';

/** Everything the simulated APIs share: options, knobs, jobs, queues, and the clock of running jobs. */
export class SimContext {
  readonly random: Random;
  readonly jobs = new JobStore();
  readonly queues: QueueStore;
  readonly deliverer: Deliverer;
  /** Calls received per api, refused ones included. */
  readonly requests = new Map<SimApi, number>();
  faults: Faults;
  private readonly timers = new Timers();

  constructor(
    readonly options: SimOptions,
    readonly logger: Logger,
  ) {
    this.random = createRandom(options.seed);
    this.faults = FaultsSchema.parse(structuredClone(options.faults));
    this.queues = new QueueStore(this.random);
    this.deliverer = new Deliverer(() => this.faults, this.random, logger);
  }

  /** Runs a job: Running after half the delay, its end after the delay, then its callbacks. */
  run(job: SimJob, onEnd?: (job: SimJob) => void): void {
    const delay = this.options.delayMs;
    this.timers.later(Math.floor(delay / 2), () => {
      if (job.phase !== 'submitted') return;
      job.phase = 'running';
      job.startedAt = new Date();
    });
    this.timers.later(delay, () => {
      if (isTerminal(job.phase)) return;
      job.phase = strikes(this.faults.fail, this.random) ? 'failed' : 'succeeded';
      job.startedAt ??= new Date();
      job.endedAt = new Date();
      this.logger.info({ jobId: job.id, kind: job.kind, phase: job.phase }, 'job ended');
      onEnd?.(job);
      for (const notification of job.notifications()) this.deliverer.deliver(job, notification);
    });
  }

  count(api: SimApi): void {
    this.requests.set(api, (this.requests.get(api) ?? 0) + 1);
  }

  /** Forgets every job, queue, count and planned callback; the knobs go back to the start values. */
  reset(): void {
    this.stopTimers();
    this.deliverer.clear();
    this.jobs.clear();
    this.queues.clear();
    this.requests.clear();
    this.faults = FaultsSchema.parse(structuredClone(this.options.faults));
  }

  stopTimers(): void {
    this.timers.clear();
  }
}
