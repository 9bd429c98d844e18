/**
 * A plain BullMQ consumer of `jobhook-events`, as a user would write it, started by run.ts over IPC.
 * `handoff`: records when each job reaches the processor (the "handed to a worker" moment) and reports once
 * `expect` jobs arrived. `drain`: a processor that does nothing; reports how long `expect` jobs took.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'bullmq';
import type { WorkerCommand, WorkerMessage, WorkerSpec } from './protocol.js';

const spec = JSON.parse(process.env['BENCH_WORKER'] ?? '{}') as WorkerSpec;
const now = (): number => performance.timeOrigin + performance.now();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function connection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(spec.redisUrl);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

function handoff(): Worker {
  const starts: [string, number][] = [];
  const worker = new Worker(
    spec.queue,
    (job) => {
      starts.push([job.id ?? '', Date.now()]);
      if (starts.length === spec.expect) send({ type: 'handoff', starts });
      return Promise.resolve();
    },
    { connection: connection(), concurrency: spec.concurrency },
  );
  return worker;
}

function drain(): Worker {
  let started = 0;
  let count = 0;
  const worker = new Worker(spec.queue, () => Promise.resolve(), {
    connection: connection(),
    concurrency: spec.concurrency,
    autorun: false,
  });
  worker.on('completed', () => {
    if (++count === spec.expect) send({ type: 'drained', count, seconds: (now() - started) / 1000 });
  });
  process.on('message', (command: WorkerCommand) => {
    if (command.type !== 'go') return;
    started = now();
    void worker.run();
  });
  return worker;
}

const worker = spec.mode === 'handoff' ? handoff() : drain();
worker.on('error', (error) => process.stderr.write(`worker: ${error.message}\n`));
void worker.waitUntilReady().then(() => send({ type: 'ready' }));
process.on('SIGTERM', () => {
  void worker.close(true).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
