import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CallbackOutcome = 'accepted' | 'duplicate' | 'quarantined' | 'rejected' | 'unavailable';

/** The service's Prometheus metrics, created once per process and passed down. */
export interface Metrics {
  readonly registry: Registry;
  readonly callbacks: Counter<'route' | 'outcome'>;
  readonly events: Counter<'type' | 'duplicate'>;
  readonly errors: Counter<'code'>;
  readonly duration: Histogram<'route'>;
  readonly redisUp: Gauge;
  /** Hot-path shorthands: counts are plain numbers until a scrape reads them; histogram children are looked up once. */
  countCallback(route: string, outcome: CallbackOutcome): void;
  countEvent(type: string, duplicate: boolean): void;
  observeDuration(route: string, seconds: number): void;
  /** Reports the spool's depth and age at each scrape; set once a spool exists. */
  watchSpool(stats: () => { bytes: number; records: number; oldestAt: number | undefined }): void;
}

/** Memoizes `make(a, b)` by both keys (no key string per call); the keys here are few. */
function cached<T>(make: (a: string, b: string) => T): (a: string, b: string) => T {
  const children = new Map<string, Map<string, T>>();
  return (a, b) => {
    let inner = children.get(a);
    if (inner === undefined) children.set(a, (inner = new Map<string, T>()));
    let child = inner.get(b);
    if (child === undefined) inner.set(b, (child = make(a, b)));
    return child;
  };
}

/**
 * Counts by two labels in plain numbers, added to the prom-client counter when it is read (a scrape, or `get()`):
 * counting is a hot-path increment, not a label lookup and a hash per call.
 */
class Tally {
  private readonly cells: { readonly a: string; readonly b: string; count: number }[] = [];
  private readonly cell = cached((a, b) => {
    const cell = { a, b, count: 0 };
    this.cells.push(cell);
    return cell;
  });
  add(a: string, b: string): void {
    this.cell(a, b).count++;
  }

  /** Moves the counts into `counter` (the `collect` of the counter this tally feeds). */
  flush(counter: Counter): void {
    for (const cell of this.cells) {
      if (cell.count === 0) continue;
      counter.labels(cell.a, cell.b).inc(cell.count);
      cell.count = 0;
    }
  }
}

export function createMetrics(options: { defaultMetrics: boolean } = { defaultMetrics: true }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'jobhook_' });
  const callbackTally = new Tally();
  const eventTally = new Tally();
  const callbacks = new Counter({
    name: 'jobhook_callbacks_total',
    help: 'Callbacks received, by route and outcome (accepted, duplicate, quarantined, rejected, unavailable).',
    labelNames: ['route', 'outcome'],
    registers: [registry],
    collect() {
      callbackTally.flush(this);
    },
  });
  const events = new Counter({
    name: 'jobhook_events_total',
    help: 'Events made from accepted callbacks, by type and whether they were duplicates.',
    labelNames: ['type', 'duplicate'],
    registers: [registry],
    collect() {
      eventTally.flush(this);
    },
  });
  const errors = new Counter({
    name: 'jobhook_http_errors_total',
    help: 'Error responses, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'jobhook_callback_duration_seconds',
    help: 'Time from the start of a callback request to its answer.',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const durationChild = cached((route) => duration.labels(route));
  return {
    registry,
    callbacks,
    events,
    errors,
    duration,
    countCallback: (route, outcome) => callbackTally.add(route, outcome),
    countEvent: (type, duplicate) => eventTally.add(type, duplicate ? 'true' : 'false'),
    observeDuration: (route, seconds) => durationChild(route, '').observe(seconds),
    redisUp: new Gauge({
      name: 'jobhook_redis_up',
      help: '1 when Redis answered the last readiness check, else 0.',
      registers: [registry],
    }),
    watchSpool(stats) {
      const gauge = (name: string, help: string, read: (s: ReturnType<typeof stats>) => number): void => {
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            this.set(read(stats()));
          },
        });
      };
      gauge('jobhook_spool_records', 'Callbacks in the local spool, waiting for Redis.', (s) => s.records);
      gauge('jobhook_spool_bytes', 'Bytes in the local spool.', (s) => s.bytes);
      gauge('jobhook_spool_oldest_age_seconds', 'Age of the oldest spooled callback (0 when empty).', (s) =>
        s.oldestAt === undefined ? 0 : (Date.now() - s.oldestAt) / 1000,
      );
    },
  };
}
