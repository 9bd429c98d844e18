// A handler module for the fault tests: appends one JSON line per run to `options.file` — `start` when the run
// begins, `end` when it finished its work (after `options.ms` milliseconds) — so a test in another process can
// see which (event, handler) pairs ran, how often, on which attempt and in which process.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const line = (options, what, event, ctx) =>
  appendFileSync(
    options.file,
    `${JSON.stringify({ what, handler: ctx.handler, id: event.id, attempt: ctx.attempt, pid: process.pid, at: Date.now() })}\n`,
  );

export default {
  async handle(event, ctx) {
    const options = ctx.options;
    if (options.starts === true) line(options, 'start', event, ctx);
    const ms = Number(options.ms ?? 0);
    if (ms > 0) await sleep(ms);
    line(options, 'end', event, ctx);
  },
};
