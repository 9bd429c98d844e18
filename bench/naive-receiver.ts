/**
 * The comparison point: the receiver a team would write in an afternoon. Hono on @hono/node-server, the body
 * as text, fast-xml-parser (or JSON.parse), then `await queue.add()` on BullMQ before answering. No auth, no
 * validation, no dedupe. Port from PORT, Redis from REDIS_URL.
 */
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { XMLParser } from 'fast-xml-parser';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const port = Number(process.env['PORT'] ?? 8080);
const host = process.env['HOST'] ?? '127.0.0.1';
const connection = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const queue = new Queue('naive-events', { connection });
const parser = new XMLParser();

const app = new Hono();
app.post('*', async (c) => {
  const text = await c.req.text();
  const parsed: unknown = text.trimStart().startsWith('{') ? JSON.parse(text) : parser.parse(text);
  const job = await queue.add('callback', parsed);
  return c.json({ id: job.id }, 200);
});

const server = serve({ fetch: app.fetch, port, hostname: host });
process.on('SIGTERM', () => {
  server.close(() => {
    void queue.close().then(() => process.exit(0));
  });
});
