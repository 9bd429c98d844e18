import { Queue } from 'bullmq';
import { z } from 'zod';
import type { AnyEvent } from '../events/types.js';
import { compilePatterns } from '../handlers/filter.js';
import type { HandlerConfig, HandlerSpec } from '../handlers/types.js';
import { Dispatcher, handlerRuns } from '../queue/dispatcher.js';
import {
  cliLogger,
  readConfig,
  readHandlerConfig,
  retentionOf,
  withRedis,
  type CliEnvironment,
} from './context.js';
import { CliFailure, createOutput, EXIT, type ExitCode, type Output } from './output.js';
import { startProgress, type ReplayCounts } from './progress.js';
import { countStored, storedJobs } from './stored-jobs.js';

/** Jobs read from the queue at once. */
export const PAGE_SIZE = 500;
/** Bound on one batch of run writes (not in a request path: generous). */
const WRITE_TIMEOUT_MS = 30_000;

export interface ReplayOptions {
  readonly queue: string;
  readonly type?: string[];
  readonly since?: number;
  readonly id?: string[];
  readonly toHandler?: string[];
  readonly json?: boolean;
  readonly dryRun?: boolean;
}

/**
 * `jobhook replay`: checks the handlers asked for (`usage` reports bad usage, exit 2), then reads the queue page by
 * page and writes the runs. Resolves with the exit code.
 */
export async function replay(
  cli: CliEnvironment,
  options: ReplayOptions,
  usage: (message: string) => never,
): Promise<ExitCode> {
  const config = readConfig(cli.env);
  const handlers = await readHandlerConfig(config, cli);
  for (const name of options.toHandler ?? [])
    if (!handlers.handlers.some((h) => h.name === name))
      usage(
        `--to-handler ${name}: no such handler in ${handlers.file ?? 'the configuration (there is no configuration file)'}` +
          (handlers.handlers.length === 0
            ? ''
            : ` (configured: ${handlers.handlers.map((h) => h.name).join(', ')})`),
      );
  if (handlers.handlers.length === 0)
    throw new CliFailure(
      handlers.file === undefined
        ? 'no handlers to replay into: there is no configuration file (set JOBHOOK_CONFIG, or add ./jobhook.config.*)'
        : `no handlers to replay into: ${handlers.file} configures none`,
      EXIT.failed,
    );
  const out = createOutput(cli, options.json === true);
  return withRedis(config, async (redis) => {
    const source = new Queue<AnyEvent>(options.queue, {
      connection: redis,
      prefix: config.redisPrefix,
    });
    source.on('error', () => undefined);
    const dispatcher =
      options.dryRun === true
        ? undefined
        : await Dispatcher.create({
            redis,
            prefix: config.redisPrefix,
            config: handlers,
            dedupeWindowMs: config.dedupeWindowMs,
            retention: retentionOf(config),
            timeoutMs: WRITE_TIMEOUT_MS,
            logger: cliLogger(config, cli),
          });
    try {
      await replayQueue(source, dispatcher, handlers, options, out);
    } finally {
      await dispatcher?.close();
      await source.close();
    }
    return EXIT.ok;
  });
}

/** What a replay needs of a stored job to be an event; anything else in the queue is counted and left alone. */
const StoredEvent = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.string().min(1),
});

async function replayQueue(
  source: Queue<AnyEvent>,
  dispatcher: Dispatcher | undefined,
  handlers: HandlerConfig,
  options: ReplayOptions,
  out: Output,
): Promise<void> {
  const suffix = `replay-${Date.now().toString(36)}`;
  const only = options.toHandler;
  const targets = handlers.handlers.filter((h) => only === undefined || only.includes(h.name));
  const matches = eventFilter(options);
  const total = await countStored(source);
  if (total === 0)
    out.note(`${source.name} holds no jobs (are the queue name and JOBHOOK_REDIS_PREFIX right?)`);
  else if (dispatcher !== undefined && !out.json)
    out.note(`replay ${suffix}: new runs get the job ids <event id>.${suffix}`);
  const dryRun = dispatcher === undefined;
  const progress = startProgress(out, total, dryRun ? 'runs to create' : 'runs');
  let counts = { read: 0, matched: 0, runs: 0, created: 0, existed: 0, skipped: 0 };
  try {
    for await (const page of storedJobs(source, PAGE_SIZE)) {
      const events = page.map((job) => job.data).filter((data) => StoredEvent.safeParse(data).success);
      const matched = events.filter(matches);
      const step = dryRun ? plan(matched, targets) : await write(dispatcher, matched, suffix, only);
      counts = {
        read: counts.read + page.length,
        matched: counts.matched + matched.length,
        skipped: counts.skipped + page.length - events.length,
        runs: counts.runs + step.runs,
        created: counts.created + step.created,
        existed: counts.existed + step.existed,
      };
      progress.update(counts);
    }
  } finally {
    progress.stop();
  }
  summarize(out, { queue: source.name, suffix, dryRun, ...counts });
}

function eventFilter(options: ReplayOptions): (event: AnyEvent) => boolean {
  const type = options.type === undefined ? undefined : compilePatterns(options.type);
  const ids = options.id === undefined ? undefined : new Set(options.id);
  const { since } = options;
  return (event) =>
    (type === undefined || type(event.type)) &&
    (ids === undefined || ids.has(event.id)) &&
    (since === undefined || Date.parse(event.time) >= since);
}

interface Step {
  readonly runs: number;
  readonly created: number;
  readonly existed: number;
}

/** A dry run: the runs the events would get, by the rule the dispatcher applies. */
function plan(events: readonly AnyEvent[], targets: readonly HandlerSpec[]): Step {
  let runs = 0;
  for (const event of events) {
    const replayed = { ...event, channel: 'replay' as const };
    runs += targets.filter((handler) => handlerRuns(handler, replayed)).length;
  }
  return { runs, created: 0, existed: 0 };
}

/** One page's runs, written together (the dispatcher batches concurrent writes into few script calls). */
async function write(
  dispatcher: Dispatcher,
  events: readonly AnyEvent[],
  suffix: string,
  only: readonly string[] | undefined,
): Promise<Step> {
  const results = await Promise.all(events.map((event) => dispatcher.replay(event, suffix, only)));
  const runs = results.reduce((n, r) => n + r.handlers.length, 0);
  const existed = results.reduce((n, r) => n + r.duplicates, 0);
  return { runs, created: runs - existed, existed };
}

interface Summary extends ReplayCounts {
  readonly queue: string;
  readonly suffix: string;
  readonly dryRun: boolean;
  readonly skipped: number;
  readonly created: number;
  readonly existed: number;
}

function summarize(out: Output, summary: Summary): void {
  if (out.json) {
    out.printJson(summary);
    return;
  }
  const { queue, suffix, read, matched, runs, created, existed, skipped } = summary;
  const head = `${read} events read from ${queue}, ${matched} matched`;
  out.line(
    summary.dryRun
      ? `dry run: ${head}, ${runs} runs would be created (none was)`
      : `replay ${suffix}: ${head}, ${created} runs created, ${existed} already existed`,
  );
  if (skipped > 0) out.note(`${skipped} jobs of ${queue} are not CloudEvents: left alone`);
}
