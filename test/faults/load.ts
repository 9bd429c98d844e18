import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FAULT_TOKEN, sleep, type JobhookProcess } from './jobhook-process.js';

const fixtures = join(import.meta.dirname, '..', '..', 'src', 'providers', 'tencent-ci', 'fixtures');
const FIXTURE_JOB_ID = 'j4b1e7c2a9f3d11efa6c05254001a2b3c';
const XML = readFileSync(join(fixtures, 'transcode-succeeded.xml'), 'utf8');
const JSON_BODY = readFileSync(join(fixtures, 'transcode-succeeded.json'), 'utf8');

export type Format = 'xml' | 'json';

/** A real CI TaskFinish callback (transcode succeeded) for `jobId`, as CI sends it in either format. */
export function ciCallback(jobId: string, format: Format): string {
  if (!XML.includes(FIXTURE_JOB_ID) || !JSON_BODY.includes(FIXTURE_JOB_ID))
    throw new Error('the transcode-succeeded fixture no longer holds its JobId');
  const clip = jobId.slice(-8);
  return (format === 'xml' ? XML : JSON_BODY)
    .replaceAll(FIXTURE_JOB_ID, jobId)
    .replaceAll('clip-001', `clip-${clip}`);
}

/** The CMQ topic push envelope TDMQ posts to an HTTP subscription, with the CI callback as `msgBody`. */
export function tdmqEnvelope(msgBody: string, msgId: string): string {
  return JSON.stringify({
    TopicOwner: 1250000000,
    topicName: 'ci',
    subscriptionName: 's',
    msgId,
    msgBody,
    publishTime: 1740794400,
  });
}

/** A CI-like job id (`j` + 32 hex digits), unique per test run and sequence number. */
export function jobIdFactory(): (seq: number) => string {
  const run = randomBytes(12).toString('hex');
  return (seq) => `j${run}${seq.toString(16).padStart(8, '0')}`;
}

export const callbackUrl = (base: string, route = '/v1/callbacks/tencent-ci'): string =>
  `${base}${route}?token=${FAULT_TOKEN}`;

/** One POST and what came back. */
export interface Delivery {
  readonly jobId: string;
  readonly route: string;
  readonly variant: string;
  readonly startedAt: number;
  endedAt: number | undefined;
  /** The HTTP status, when a complete answer arrived. */
  status: number | undefined;
  /** Why no (complete) answer arrived: connection refused, reset, timeout. */
  error: string | undefined;
  /** 2xx with a complete body: the callback is acknowledged. */
  acknowledged: boolean;
  eventIds: string[];
  spooled: boolean;
}

interface Answer {
  events?: { id?: unknown }[];
  spooled?: unknown;
}

/** A delivery about to be sent, nothing known of its outcome yet. */
export function newDelivery(jobId: string, route: string, variant: string): Delivery {
  return {
    jobId,
    route,
    variant,
    startedAt: Date.now(),
    endedAt: undefined,
    status: undefined,
    error: undefined,
    acknowledged: false,
    eventIds: [],
    spooled: false,
  };
}

/** Records a complete answer: a 2xx acknowledges the callback, with the event ids and spool flag of its body. */
export function recordAnswer(delivery: Delivery, status: number, text: string): void {
  delivery.status = status;
  if (status < 200 || status >= 300) return;
  delivery.acknowledged = true;
  try {
    const answer = JSON.parse(text) as Answer;
    delivery.eventIds = (answer.events ?? []).map((e) => (typeof e.id === 'string' ? e.id : ''));
    delivery.spooled = answer.spooled === true;
  } catch {
    delivery.error = `2xx with a body that is not JSON: ${text.slice(0, 200)}`;
  }
}

/** POSTs `body` and records the outcome; never rejects. */
export async function deliver(
  url: string,
  body: string,
  meta: { jobId: string; route: string; variant: string; headers?: Record<string, string> },
): Promise<Delivery> {
  const delivery = newDelivery(meta.jobId, meta.route, meta.variant);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': body.startsWith('<') ? 'application/xml' : 'application/json',
        ...meta.headers,
      },
      signal: AbortSignal.timeout(15_000),
    });
    recordAnswer(delivery, response.status, await response.text());
  } catch (error) {
    delivery.error = describeError(error);
  }
  delivery.endedAt = Date.now();
  return delivery;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  const code =
    cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  return code === undefined ? `${error.name}: ${error.message}` : `${error.message} (${code})`;
}

export interface LoadOptions {
  /** The jobhook base URL, read for each request (a restarted process may listen elsewhere). */
  readonly target: () => string;
  /** Stop after this many requests… */
  readonly count: number;
  /** …or after this long, whichever comes first. */
  readonly durationMs: number;
  readonly concurrency?: number;
  /** Spread the requests to at most this many per second (all senders together). */
  readonly ratePerSecond?: number;
}

/**
 * A bounded load: `concurrency` senders POST CI TaskFinish callbacks (XML and JSON alternating), each with a
 * unique JobId, to /v1/callbacks/tencent-ci until the count or the time is used up. A failed request is not
 * retried (it is "sent, not acknowledged"); its sender pauses briefly so a refused port is not hammered.
 */
export class Load {
  readonly deliveries: Delivery[] = [];
  readonly done: Promise<void>;
  readonly startedAt = Date.now();
  private next = 0;
  private stopped = false;
  private active = 0;
  private readonly jobId = jobIdFactory();

  constructor(private readonly options: LoadOptions) {
    const senders = Array.from({ length: options.concurrency ?? 20 }, () => this.sender());
    this.done = Promise.all(senders).then(() => undefined);
  }

  /** Stops starting new requests (those in flight finish). */
  stop(): void {
    this.stopped = true;
  }

  get inFlight(): number {
    return this.active;
  }

  get acknowledged(): number {
    return this.deliveries.filter((d) => d.acknowledged).length;
  }

  /** How far the load is, 0…1, by count or by time, whichever is further. */
  progress(): number {
    return Math.min(
      1,
      Math.max(this.next / this.options.count, (Date.now() - this.startedAt) / this.options.durationMs),
    );
  }

  async waitProgress(fraction: number): Promise<void> {
    while (this.progress() < fraction && !this.stopped) await sleep(20);
  }

  private async sender(): Promise<void> {
    const { count, durationMs, ratePerSecond } = this.options;
    for (;;) {
      if (this.stopped || this.next >= count || Date.now() - this.startedAt >= durationMs) return;
      const seq = this.next++;
      if (ratePerSecond !== undefined) {
        const wait = this.startedAt + (seq * 1000) / ratePerSecond - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.stopped || Date.now() - this.startedAt >= durationMs) return;
      }
      const jobId = this.jobId(seq);
      const format: Format = seq % 2 === 0 ? 'xml' : 'json';
      this.active++;
      const delivery = await deliver(callbackUrl(this.options.target()), ciCallback(jobId, format), {
        jobId,
        route: '/v1/callbacks/tencent-ci',
        variant: format,
      });
      this.active--;
      this.deliveries.push(delivery);
      if (!delivery.acknowledged) await sleep(100);
    }
  }
}

/** One job of `jobhook-events`. */
export interface StoredJob {
  readonly jobId: string;
  readonly eventId: string | undefined;
  readonly subject: string | undefined;
}

/** Every job of `jobhook-events`, whatever its state. */
export async function readEvents(redisPort: number): Promise<StoredJob[]> {
  const queue = new Queue('jobhook-events', { connection: { host: '127.0.0.1', port: redisPort } });
  queue.on('error', () => undefined);
  try {
    const jobs = await queue.getJobs([
      'wait',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
      'waiting-children',
    ]);
    const seen = new Map<string, StoredJob>();
    for (const job of jobs) {
      if (job.id === undefined) continue;
      const data = job.data as { id?: unknown; subject?: unknown } | null;
      seen.set(job.id, {
        jobId: job.id,
        eventId: typeof data?.id === 'string' ? data.id : undefined,
        subject: typeof data?.subject === 'string' ? data.subject : undefined,
      });
    }
    return [...seen.values()];
  } finally {
    await queue.close();
  }
}

export interface Tally {
  readonly sent: number;
  readonly acknowledged: number;
  readonly spooled: number;
  /** Acknowledged deliveries whose every event id is a job in jobhook-events (about the right job). */
  readonly found: number;
  readonly lost: number;
  /** Job ids (event subjects) that appear in more than one job. */
  readonly duplicated: number;
  readonly jobs: number;
  readonly lostDeliveries: readonly Delivery[];
  readonly duplicatedSubjects: readonly string[];
  /** Whether /readyz reported Redis up and an empty spool before the count. */
  readonly drained: boolean;
  readonly lastReady: string;
  /** How long `settle` waited for the spool to drain and the events to show up. */
  readonly waitedMs: number;
}

export function tally(
  deliveries: readonly Delivery[],
  jobs: readonly StoredJob[],
  drained = true,
  lastReady = '',
  waitedMs = 0,
): Tally {
  const byId = new Map(jobs.map((job) => [job.jobId, job]));
  const lostDeliveries: Delivery[] = [];
  let found = 0;
  for (const delivery of deliveries) {
    if (!delivery.acknowledged) continue;
    const ok =
      delivery.eventIds.length > 0 &&
      delivery.eventIds.every((id) => {
        const job = byId.get(id);
        return job !== undefined && job.eventId === id && job.subject === delivery.jobId;
      });
    if (ok) found++;
    else lostDeliveries.push(delivery);
  }
  const perSubject = new Map<string, number>();
  for (const job of jobs) {
    const subject = job.subject ?? `<no subject in job ${job.jobId}>`;
    perSubject.set(subject, (perSubject.get(subject) ?? 0) + 1);
  }
  const duplicatedSubjects = [...perSubject].filter(([, n]) => n > 1).map(([subject]) => subject);
  const acknowledged = deliveries.filter((d) => d.acknowledged).length;
  return {
    sent: deliveries.length,
    acknowledged,
    spooled: deliveries.filter((d) => d.acknowledged && d.spooled).length,
    found,
    lost: acknowledged - found,
    duplicated: duplicatedSubjects.length,
    jobs: jobs.length,
    lostDeliveries,
    duplicatedSubjects,
    drained,
    lastReady,
    waitedMs,
  };
}

interface Ready {
  redis?: unknown;
  spool?: { records?: unknown };
}

/**
 * Waits (bounded) until jobhook reports Redis up and an empty spool, then until every acknowledged callback is
 * in jobhook-events (or the time is up), and counts.
 */
export async function settle(
  jobhook: JobhookProcess,
  redisPort: number,
  deliveries: readonly Delivery[],
  timeoutMs = 30_000,
): Promise<Tally> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let drained = false;
  let lastReady = '';
  while (!drained && Date.now() < deadline) {
    try {
      const response = await fetch(`${jobhook.url}/readyz`, { signal: AbortSignal.timeout(3000) });
      lastReady = `${response.status} ${await response.text()}`;
      const ready = JSON.parse(lastReady.slice(4)) as Ready;
      drained = ready.redis === true && ready.spool?.records === 0;
    } catch (error) {
      lastReady = `no answer: ${describeError(error)}`;
    }
    if (!drained) await sleep(250);
  }
  for (;;) {
    const jobs = await readEvents(redisPort);
    const counted = tally(deliveries, jobs, drained, lastReady, Date.now() - started);
    if (counted.lost === 0 || Date.now() >= deadline) return counted;
    await sleep(500);
  }
}

/** The line each scenario prints; `counts` (say, refused and reset requests) go after acknowledged. */
export const faultLine = (name: string, t: Tally, counts: Readonly<Record<string, number>> = {}): string =>
  `fault ${name}: sent ${t.sent}, acknowledged ${t.acknowledged}, ` +
  Object.entries(counts)
    .map(([what, n]) => `${what} ${n}, `)
    .join('') +
  `spooled ${t.spooled}, found ${t.found}, lost ${t.lost}, duplicated ${t.duplicated}`;

/** What to show when a count is wrong: the missing callbacks, what jobhook logged about them, its output. */
export function diagnose(t: Tally, processes: readonly JobhookProcess[]): string {
  const out: string[] = [
    `drained before counting: ${t.drained}; last /readyz: ${t.lastReady}; jobs in jobhook-events: ${t.jobs}`,
  ];
  for (const d of t.lostDeliveries.slice(0, 15)) {
    out.push(
      `lost: job ${d.jobId} (${d.variant} → ${d.route}) status ${d.status ?? '-'} spooled ${d.spooled} events ${d.eventIds.join(',') || '-'} ` +
        `sent at ${d.startedAt} answered at ${d.endedAt ?? '-'} (ms since the epoch, as in the log lines)` +
        (d.error === undefined ? '' : ` error ${d.error}`),
    );
    for (const p of processes)
      for (const id of d.eventIds)
        for (const line of p.linesWith(id).slice(0, 5)) out.push(`  pid ${p.pid ?? '?'}: ${line}`);
  }
  if (t.duplicatedSubjects.length > 0)
    out.push(`duplicated subjects: ${t.duplicatedSubjects.slice(0, 15).join(', ')}`);
  for (const p of processes) out.push(p.report(40));
  return out.join('\n');
}
