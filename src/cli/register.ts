import { Argument, Option, type Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { bucketOption, queueIdFlag, queueKindFlag, regionOption, resultFormatFlag } from './cloud-flags.js';
import { EXIT } from './output.js';
import type { Finish } from './program.js';
import type { RegisterOptions } from './register-run.js';

const REGISTER_HELP = `
Reads the CI queue (GET /queue, /file_queue, /docqueue or /picqueue on the bucket) and sets its NotifyConfig to
jobhook's callback URL: Url = JOBHOOK_PUBLIC_URL/v1/callbacks/tencent-ci?token=<the first of JOBHOOK_TOKENS, or
the token in JOBHOOK_DATA_DIR/token>, State On, Type Url, Event TaskFinish,WorkflowFinish (TaskFinish for doc
queues, which have no ResultFormat). The queue keeps its name and its Active/Paused state. The result format is
--format, else the queue's own, else XML. Prints the queue before and after; the token is never printed.
Needs JOBHOOK_PUBLIC_URL and TENCENTCLOUD_SECRET_ID/KEY (JOBHOOK_TENCENT_CI_ENDPOINT for another endpoint).

Examples:
  $ JOBHOOK_PUBLIC_URL=https://hooks.example.com jobhook register tencent-ci \\
      --bucket media-1250000000 --region ap-guangzhou --queue p0123456789abcdef0123456789abcdef
  $ jobhook register tencent-ci --bucket docs-1250000000 --region ap-shanghai --queue p… --kind doc --json
`;

/** `jobhook register tencent-ci`: a CI queue's notifications to jobhook (CONTRACT.md §7.1). */
export function addRegisterCommand(program: Command, cli: CliEnvironment, finish: Finish): void {
  program
    .command('register')
    .description("point a cloud's notifications at jobhook: a Tencent CI queue's NotifyConfig")
    .addArgument(new Argument('<provider>', 'the cloud').choices(['tencent-ci']))
    .addOption(bucketOption())
    .addOption(regionOption())
    .addOption(
      new Option('--queue <id>', 'the queue id (QueueId)').makeOptionMandatory().argParser(queueIdFlag),
    )
    .addOption(
      new Option('--kind <kind>', 'the kind of queue: media, file, doc or pic')
        .default('media')
        .argParser(queueKindFlag),
    )
    .addOption(
      new Option('--format <format>', 'callbacks as XML or JSON (not for doc queues)').argParser(
        resultFormatFlag,
      ),
    )
    .option('--json', 'print { queue, before, after } as JSON')
    .addHelpText('after', REGISTER_HELP)
    .action(async (_provider: string, options: RegisterOptions, command: Command) => {
      if (options.kind === 'doc' && options.format !== undefined)
        command.error('error: --format is not for doc queues: their NotifyConfig has no ResultFormat', {
          exitCode: EXIT.usage,
        });
      finish(await (await import('./register-run.js')).register(cli, options));
    });
}
