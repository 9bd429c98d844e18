// A downstream service reading the `media-done` subscription queue with plain BullMQ (docs/handlers.md,
// "Reading a subscription from another service"). Run: node examples/consumer.mjs
import { Worker } from 'bullmq';

const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const worker = new Worker(
  'media-done',
  async (job) => {
    // job.name is the event type, job.id the event id, job.data the CloudEvent.
    console.log(`${job.name} ${job.id}: ${job.data.data.outputs.map((o) => o.object).join(', ')}`);
  },
  {
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
    prefix: process.env.JOBHOOK_REDIS_PREFIX ?? 'bull',
  },
);
worker.on('error', (error) => console.error(error.message));
process.on('SIGINT', () => void worker.close().then(() => process.exit(0)));
console.log('waiting for jobs in media-done (Ctrl-C to stop)');
