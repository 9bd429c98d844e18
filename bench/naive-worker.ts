/**
 * The naive worker of the worker benchmark, as a team would write it first: a BullMQ `Worker` on `jobhook-events`
 * whose processor awaits `queue.add` for each matching target (handler queues and subscription queues, job id =
 * event id), and one `Worker` per handler queue in the same process, whose processor records its start
 * (record-starts.ts). Started by run.ts with a NaiveWorkerSpec in BENCH_NAIVE_WORKER; says `ready` over IPC.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { NaiveWorkerSpec, WorkerMessage } from './protocol.js';
import { recordStart } from './record-starts.js';

const spec = JSON.parse(process.env['BENCH_NAIVE_WORKER'] ?? '{}') as NaiveWorkerSpec;
const url = new URL(spec.redisUrl);
const connection: ConnectionOptions = {
  host: url.hostname,
  port: Number(url.port || 6379),
  maxRetriesPerRequest: null,
};

/** A trailing `*` matches any rest (as in jobhook's filters); anything else must be equal. */
function matches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

const targets = spec.targets.map((target) => ({
  ...target,
  queue: new Queue(target.queue, { connection }),
}));
const keep = { removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };

const dispatcher = new Worker(
  'jobhook-events',
  async (job) => {
    const event = job.data as { id: string; type: string };
    for (const target of targets)
      if (matches(target.type, event.type))
        await target.queue.add(event.type, event, { jobId: event.id, ...keep });
  },
  { connection, concurrency: spec.dispatchConcurrency },
);

const runners = spec.targets
  .filter((target) => target.handler !== undefined)
  .map(
    (target) =>
      new Worker(
        target.queue,
        (job) => {
          recordStart((job.data as { id: string }).id, target.handler ?? '');
          return Promise.resolve();
        },
        { connection, concurrency: spec.handlerConcurrency },
      ),
  );

const workers = [dispatcher, ...runners];
for (const worker of workers)
  worker.on('error', (error) => process.stderr.write(`naive worker: ${error.message}\n`));
void Promise.all(workers.map((worker) => worker.waitUntilReady())).then(() =>
  process.send?.({ type: 'ready' } satisfies WorkerMessage),
);

process.on('SIGTERM', () => {
  void Promise.all(workers.map((worker) => worker.close(true)))
    .then(() => Promise.all(targets.map((target) => target.queue.close())))
    .finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
