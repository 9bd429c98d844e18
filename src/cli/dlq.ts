import type { Command } from 'commander';
import { DEAD_QUEUE } from '../queue/queues.js';
import type { CliEnvironment } from './context.js';
import type { EachOptions, ListOptions } from './dlq-run.js';
import { EXIT } from './output.js';
import type { Finish } from './program.js';

/** The commands' work, loaded when one runs (it brings BullMQ and ioredis): usage errors and --help stay quick. */
const work = () => import('./dlq-run.js');

/** `jobhook dlq list|show|retry|discard`: the dead-letter queue `jobhook-dead` (CONTRACT.md §5.6). */
export function addDlqCommand(program: Command, cli: CliEnvironment, finish: Finish): void {
  const dlq = program
    .command('dlq')
    .description(`the dead-letter queue (${DEAD_QUEUE}): runs that exhausted their attempts or were stopped`)
    .addHelpText(
      'after',
      `
An entry's id is <event id>.<handler>. Retry and discard do each entry they can, report each one, and exit 1
when any could not be done (an unknown id, a handler no longer configured).

Examples:
  $ jobhook dlq list --handler hash-archives
  $ jobhook dlq retry --all --handler hash-archives
`,
    );

  dlq
    .command('list')
    .description(
      'list the entries, oldest first: a table on a terminal, otherwise one tab-separated line each',
    )
    .option('--handler <name>', "only this handler's entries")
    .option('--json', 'an array of { id, handler, eventId, type, subject, attempts, error, failedAt }')
    .addHelpText('after', '\nExample:\n  $ jobhook dlq list --handler hash-archives --json\n')
    .action(async (options: ListOptions) => finish(await (await work()).list(cli, options)));

  dlq
    .command('show')
    .description('print one entry in full: { id, handler, event, attempts, error, failedAt } as JSON')
    .argument('<id>', 'the entry, <event id>.<handler>')
    .option('--json', 'the same JSON (accepted for symmetry with the other commands)')
    .addHelpText('after', '\nExample:\n  $ jobhook dlq show 4c1f…e9.hash-archives\n')
    .action(async (id: string, options: ListOptions) => finish(await (await work()).show(cli, id, options)));

  eachCommand(dlq, 'retry', cli, finish)
    .description(
      "run the entries' events through their handlers again (a new run with the handler's current attempts and " +
        'backoff from the configuration file), then remove the entries',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ jobhook dlq retry 4c1f…e9.hash-archives\n  $ jobhook dlq retry --all\n',
    );

  eachCommand(dlq, 'discard', cli, finish)
    .description("delete the entries and their failed runs in the handlers' queues")
    .addHelpText(
      'after',
      '\nExamples:\n  $ jobhook dlq discard 4c1f…e9.hash-archives\n  $ jobhook dlq discard --all --handler audit\n',
    );
}

/** `retry` and `discard`: ids or `--all` (optionally one handler's), never both, never neither. */
function eachCommand(dlq: Command, name: 'retry' | 'discard', cli: CliEnvironment, finish: Finish): Command {
  return dlq
    .command(name)
    .argument('[id...]', 'entries, <event id>.<handler>')
    .option('--all', 'every entry')
    .option('--handler <name>', "with --all: only this handler's entries")
    .option('--json', 'an array of { id, handler?, done, outcome, message }')
    .action(async (ids: string[], options: EachOptions, command: Command) => {
      const usage = (message: string): never => command.error(`error: ${message}`, { exitCode: EXIT.usage });
      if (options.all === true && ids.length > 0) usage('give entry ids or --all, not both');
      if (options.all !== true && ids.length === 0) usage('give the ids of the entries, or --all');
      if (options.handler !== undefined && options.all !== true) usage('--handler goes with --all');
      finish(await (await work()).each(cli, name, ids, options));
    });
}
