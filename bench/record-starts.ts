/**
 * Records when each handler run starts, for the worker benchmark's 2xx → handler-start latency. Two users: the
 * jobhook worker loads this file as a module handler (its default export), and the naive worker imports
 * `recordStart`. Each start is a line `<event id> <handler> <epoch ms>` appended to BENCH_STARTS_FILE, written in
 * batches off the measured path (every 50 ms and at exit); the time (the system clock, comparable across processes) is taken when the run starts.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['BENCH_STARTS_FILE'];
let lines: string[] = [];

function flush(): void {
  if (file === undefined || lines.length === 0) return;
  appendFileSync(file, lines.join(''));
  lines = [];
}

setInterval(flush, 50).unref();
process.on('exit', flush);

export function recordStart(eventId: string, handler: string): void {
  if (file === undefined) return;
  lines.push(`${eventId} ${handler} ${Date.now()}\n`);
}

export default {
  handle(event: { readonly id: string }, ctx: { readonly handler: string }): void {
    recordStart(event.id, ctx.handler);
  },
};
