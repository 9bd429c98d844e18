import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEAD_QUEUE, EVENTS_QUEUE, QUARANTINE_QUEUE, handlerQueue } from '../queue/queues.js';
import type { CliEnvironment } from './context.js';
import { EXIT } from './output.js';
import type { Finish } from './program.js';
import type { ReplayOptions } from './replay-run.js';
import { parseSince } from './since.js';

const REPLAY_HELP = `
Reads the events stored in a queue — jobhook-events, or a subscription queue — in every state BullMQ keeps
(delayed, waiting, active, completed, failed; completed ones for JOBHOOK_COMPLETED_RETENTION_SECONDS), and runs
each one that passes the filters through the configured handlers again: a new run per (event, handler) in the
handler's queue, with channel "replay", done by the workers. All filters given must match:
  --type   patterns as in handler filters, * matching any run of characters (tencent.ci.job.*, *.failed)
  --since  the event's time is at or after an RFC 3339 time, or within a duration back from now (30m, 2h, 7d)
  --id     exact event ids

Each replay picks a suffix, printed, and its runs have the job ids <event id>.<suffix>: within one replay an
event is run once per handler, even when it is read twice; running the replay again picks a new suffix and so
makes new runs again.

Examples:
  $ jobhook replay --type 'tencent.ci.job.*' --since 2h --dry-run
  $ jobhook replay --id 3f9ac2… --to-handler hash-archives
  $ jobhook replay --queue media-done --since 2026-10-02T00:00:00+08:00 --json
`;

/** `jobhook replay`: stored events through the handlers again (CONTRACT.md §7.1). */
export function addReplayCommand(program: Command, cli: CliEnvironment, finish: Finish): void {
  program
    .command('replay')
    .description('run stored events through the configured handlers again (channel replay)')
    .addOption(
      new Option('--queue <name>', 'the queue to read: jobhook-events or a subscription queue')
        .default(EVENTS_QUEUE)
        .argParser(sourceQueue),
    )
    .option('--type <pattern...>', 'only events whose type matches one of these patterns')
    .addOption(
      new Option('--since <time>', 'only events whose time is at or after this').argParser((t) =>
        parseSince(t),
      ),
    )
    .option('--id <id...>', 'only these events')
    .option('--to-handler <name...>', 'only these handlers (each must be configured)')
    .option('--json', 'print the summary as JSON, and no progress')
    .option('--dry-run', 'only count: read and filter, write no run')
    .addHelpText('after', REPLAY_HELP)
    .action(async (options: ReplayOptions, command: Command) => {
      const { replay } = await import('./replay-run.js');
      finish(
        await replay(cli, options, (message) => command.error(`error: ${message}`, { exitCode: EXIT.usage })),
      );
    });
}

/** Only queues whose jobs are stored events: jobhook's other queues hold dead letters, raw callbacks or runs. */
function sourceQueue(name: string): string {
  if (name === DEAD_QUEUE)
    throw new InvalidArgumentError(`${DEAD_QUEUE} holds dead letters, not events: use jobhook dlq retry`);
  if (name === QUARANTINE_QUEUE)
    throw new InvalidArgumentError(`${QUARANTINE_QUEUE} holds unrecognized callbacks, not events`);
  if (name.startsWith(handlerQueue('')))
    throw new InvalidArgumentError(
      "a handler's queue holds its runs: replay from jobhook-events with --to-handler, or retry its dead letters",
    );
  if (name.startsWith('jobhook-') && name !== EVENTS_QUEUE)
    throw new InvalidArgumentError(`${name} is one of jobhook's own queues, not a queue of events`);
  if (!/^[^\s:]+$/.test(name)) throw new InvalidArgumentError('not a queue name');
  return name;
}
