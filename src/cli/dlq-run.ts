import type { Job } from 'bullmq';
import type { Config } from '../config.js';
import type { HandlerConfig } from '../handlers/types.js';
import { DeadLetters, type DeadLetter } from '../queue/dead-letters.js';
import { handlerJobOptions } from '../queue/dispatcher.js';
import { DEAD_QUEUE, handlerQueue } from '../queue/queues.js';
import { readConfig, readHandlerConfig, retentionOf, withRedis, type CliEnvironment } from './context.js';
import { createOutput, EXIT, shorten, table, type ExitCode, type Output } from './output.js';

export interface ListOptions {
  readonly handler?: string;
  readonly json?: boolean;
}

export interface EachOptions extends ListOptions {
  readonly all?: boolean;
}

/** `dlq list`. */
export function list(cli: CliEnvironment, options: ListOptions): Promise<ExitCode> {
  return withLetters(cli, readConfig(cli.env), options, (letters, out) => listed(letters, out, options));
}

/** `dlq show ID`. */
export function show(cli: CliEnvironment, id: string, options: ListOptions): Promise<ExitCode> {
  return withLetters(cli, readConfig(cli.env), options, (letters, out) => shown(letters, out, id));
}

/** `dlq retry|discard ID…|--all`: every entry asked for is done if it can be, and reported; exit 1 if any was not. */
export async function each(
  cli: CliEnvironment,
  name: 'retry' | 'discard',
  ids: readonly string[],
  options: EachOptions,
): Promise<ExitCode> {
  const config = readConfig(cli.env);
  // Retry needs the handlers' current options; the file is read before Redis, so a bad file is exit 2 at once.
  const handlers = name === 'retry' ? await readHandlerConfig(config, cli) : undefined;
  return withLetters(cli, config, options, async (letters, out) => {
    const jobs: (Job<DeadLetter> | string)[] =
      options.all === true
        ? await letters.list(options.handler)
        : await Promise.all([...new Set(ids)].map(async (id) => (await letters.get(id)) ?? id));
    const outcomes: Outcome[] = [];
    for (const job of jobs)
      outcomes.push(
        typeof job === 'string'
          ? { id: job, done: false, outcome: 'not-found', message: `no such entry in ${DEAD_QUEUE}` }
          : await settle(job, () =>
              handlers === undefined ? discard(letters, job) : retry(letters, job, handlers, config),
            ),
      );
    report(out, outcomes, options.all === true);
    return outcomes.every((o) => o.done) ? EXIT.ok : EXIT.failed;
  });
}

/** Connects, runs one action against `jobhook-dead`, and closes everything. */
function withLetters(
  cli: CliEnvironment,
  config: Config,
  options: ListOptions,
  action: (letters: DeadLetters, out: Output) => Promise<ExitCode>,
): Promise<ExitCode> {
  const out = createOutput(cli, options.json === true);
  return withRedis(config, async (redis) => {
    const letters = new DeadLetters(redis, config.redisPrefix);
    try {
      return await action(letters, out);
    } finally {
      await letters.close();
    }
  });
}

async function listed(letters: DeadLetters, out: Output, options: ListOptions): Promise<ExitCode> {
  const jobs = await letters.list(options.handler);
  const rows = jobs.map(({ id, data }) => ({
    id: id ?? '',
    handler: data.handler,
    eventId: data.event.id,
    type: data.event.type,
    subject: data.event.subject,
    attempts: data.attempts,
    error: data.error,
    failedAt: data.failedAt,
  }));
  if (out.json) {
    out.printJson(rows);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    out.note(`no entries in ${DEAD_QUEUE}${options.handler === undefined ? '' : ` for ${options.handler}`}`);
    return EXIT.ok;
  }
  // A terminal gets a table with long cells cut; a pipe gets every field, tab-separated, one entry a line.
  const width = out.tty ? { subject: 40, error: 48 } : { subject: 200, error: 200 };
  const cells = rows.map((r) => [
    r.id,
    r.handler,
    r.type,
    shorten(r.subject ?? '', width.subject),
    String(r.attempts),
    shorten(`${r.error.name}: ${r.error.message}`, width.error),
    r.failedAt,
  ]);
  if (out.tty)
    for (const line of table(['ID', 'HANDLER', 'TYPE', 'SUBJECT', 'ATTEMPTS', 'ERROR', 'FAILED AT'], cells))
      out.line(line);
  else for (const row of cells) out.line(row.join('\t'));
  return EXIT.ok;
}

async function shown(letters: DeadLetters, out: Output, id: string): Promise<ExitCode> {
  const job = await letters.get(id);
  if (job === undefined) {
    out.note(`jobhook: no entry ${id} in ${DEAD_QUEUE}`);
    return EXIT.failed;
  }
  out.printJson({ id: job.id, ...job.data });
  return EXIT.ok;
}

type OutcomeName = 'retried' | 'discarded' | 'not-found' | 'not-configured' | 'failed';

interface Outcome {
  readonly id: string;
  readonly handler?: string;
  /** Whether what was asked was done for this entry. */
  readonly done: boolean;
  readonly outcome: OutcomeName;
  /** What was done, or why not, in words. */
  readonly message: string;
}

/** One entry's outcome; an error (the entry went away meanwhile, Redis failed) is that entry's failure only. */
async function settle(job: Job<DeadLetter>, act: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await act();
  } catch (error) {
    return {
      id: job.id ?? '',
      handler: job.data.handler,
      done: false,
      outcome: 'failed',
      message: `failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function retry(
  letters: DeadLetters,
  job: Job<DeadLetter>,
  handlers: HandlerConfig,
  config: Config,
): Promise<Outcome> {
  const { handler } = job.data;
  const spec = handlers.handlers.find((h) => h.name === handler);
  const id = job.id ?? '';
  if (spec === undefined)
    return {
      id,
      handler,
      done: false,
      outcome: 'not-configured',
      message:
        handlers.file === undefined
          ? `not retried: handler ${handler} is not configured (no configuration file)`
          : `not retried: handler ${handler} is not in ${handlers.file} (configure it again, or discard the entry)`,
    };
  await letters.retry(job, handlerJobOptions(spec, retentionOf(config)));
  return {
    id,
    handler,
    done: true,
    outcome: 'retried',
    message: `retried: a new run in ${handlerQueue(handler)}`,
  };
}

async function discard(letters: DeadLetters, job: Job<DeadLetter>): Promise<Outcome> {
  await letters.discard(job);
  const { handler } = job.data;
  return {
    id: job.id ?? '',
    handler,
    done: true,
    outcome: 'discarded',
    message: `discarded, with its failed run in ${handlerQueue(handler)}`,
  };
}

function report(out: Output, outcomes: readonly Outcome[], all: boolean): void {
  if (out.json) out.printJson(outcomes);
  else if (outcomes.length === 0 && all) out.note(`no entries in ${DEAD_QUEUE}`);
  else for (const o of outcomes) (o.done ? out.line : out.note)(`${o.id}: ${o.message}`);
}
