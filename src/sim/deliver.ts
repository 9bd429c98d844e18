import { redactUrl, type Logger } from '../log.js';
import { strikes, type Faults } from './faults.js';
import type { Notification, SimJob } from './jobs.js';
import type { Random } from './rng.js';
import { Timers } from './timers.js';

/** CMQ's documented limit; the simulator gives a receiver as long. */
const SEND_TIMEOUT_MS = 15_000;

interface Held {
  readonly job: SimJob;
  readonly notification: Notification;
}

/** Sends job callbacks through the fault knobs: drop, duplicate, delay, reorder. */
export class Deliverer {
  private readonly timers = new Timers();
  private readonly inFlight = new Set<Promise<void>>();
  private held: Held[] = [];
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly faults: () => Faults,
    private readonly random: Random,
    private readonly logger: Logger,
  ) {}

  deliver(job: SimJob, notification: Notification): void {
    const faults = this.faults();
    job.callbacks.planned += 1;
    const log = { jobId: job.id, what: notification.what, url: redactUrl(notification.url) };
    if (strikes(faults.drop, this.random)) {
      job.callbacks.dropped += 1;
      this.logger.info(log, 'callback dropped (fault knob drop)');
      return;
    }
    const copies = strikes(faults.duplicate, this.random) ? 2 : 1;
    job.callbacks.duplicated += copies - 1;
    const [min, max] = faults.callbackDelayMs;
    this.timers.later(this.random.int(min, max), () => {
      for (let i = 0; i < copies; i++) this.hold({ job, notification });
    });
  }

  /** Waits until every callback planned so far was sent (or given up). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.inFlight.size > 0 || this.held.length > 0) {
      await Promise.all([...this.inFlight]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Forgets everything not yet sent. */
  clear(): void {
    this.timers.clear();
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.held = [];
  }

  private hold(item: Held): void {
    const { reorder, reorderMaxWaitMs } = this.faults();
    if (reorder <= 1) {
      this.track(this.send(item));
      return;
    }
    this.held.push(item);
    if (this.held.length >= reorder) this.flush();
    else this.holdTimer ??= setTimeout(() => this.flush(), reorderMaxWaitMs);
  }

  /** The held callbacks, newest first, one after the other (so they also arrive in that order). */
  private flush(): void {
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const items = this.held.reverse();
    this.held = [];
    this.track(
      (async () => {
        for (const item of items) await this.send(item);
      })(),
    );
  }

  private track(sending: Promise<void>): void {
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** One POST; never rejects (a failure is counted and logged). */
  private async send({ job, notification }: Held): Promise<void> {
    const log = { jobId: job.id, what: notification.what, url: redactUrl(notification.url) };
    try {
      const response = await fetch(notification.url, {
        method: 'POST',
        headers: notification.headers,
        body: notification.body,
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.ok) job.callbacks.delivered += 1;
      else job.callbacks.failed += 1;
      this.logger.info({ ...log, status: response.status }, 'callback sent');
    } catch (error) {
      job.callbacks.failed += 1;
      this.logger.warn(
        { ...log, err: error instanceof Error ? error.message : String(error) },
        'callback failed',
      );
    }
  }
}
