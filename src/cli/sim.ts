import { Option, type Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { EXIT, exitFailedStart } from './output.js';
import {
  countsFlag,
  formatFlag,
  integerFlag,
  probabilityFlag,
  rangeFlag,
  simOptions,
  spoofFlag,
  urlFlag,
  type SimFlags,
} from './sim-flags.js';

const SIM_HELP = `
A local stand-in for the Tencent CI, COS batch and Qiniu APIs jobhook calls (docs/simulator.md): it checks their
signatures, runs the jobs it is given and sends their callbacks. Credentials are those of the service's
environment (TENCENTCLOUD_SECRET_ID/KEY, TENCENTCLOUD_APPID, TENCENTCLOUD_UIN, QINIU_ACCESS_KEY/SECRET_KEY)
unless given as flags; a provider without credentials refuses every call. The fault knobs given here are the
start values; GET/PUT /_sim/faults reads and changes them while it runs, GET /_sim/jobs lists the jobs and
counts, POST /_sim/reset forgets everything. It prints the endpoints to give jobhook and runs until SIGINT or
SIGTERM.

Example:
  $ jobhook sim --port 9000 --delay 500 --callback-format json --drop 0.1 --seed 7
`;

/** `jobhook sim`: the cloud simulator. Flags are checked (exit 2) before anything is loaded or listens. */
export function addSimCommand(program: Command, cli: CliEnvironment): void {
  program
    .command('sim')
    .description('run a local simulator of the Tencent CI, COS batch and Qiniu APIs, with fault knobs')
    .addOption(
      new Option('--port <n>', 'port to listen on (0: any free one)')
        .default(9000)
        .argParser(integerFlag(0, 65535)),
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option(
        '--callback-format <format>',
        'CI callbacks whose request and queue name none: xml or json',
      ).argParser(formatFlag),
    )
    .addOption(
      new Option('--delay <ms>', 'from submission to the end of a job (1000)').argParser(integerFlag(0)),
    )
    .addOption(
      new Option('--callback-delay <ms>', 'extra wait before each callback: ms or min-max').argParser(
        rangeFlag,
      ),
    )
    .addOption(
      new Option('--seed <n>', 'make ids and fault decisions repeatable').argParser(
        integerFlag(0, 2 ** 32 - 1),
      ),
    )
    .addOption(
      new Option(
        '--tdmq-url <url>',
        'where CallBackType TDMQ callbacks are pushed (a CMQ topic subscription)',
      ).argParser(urlFlag),
    )
    .addOption(new Option('--drop <p>', 'probability that a callback is not sent').argParser(probabilityFlag))
    .addOption(
      new Option('--duplicate <p>', 'probability that a callback is sent twice').argParser(probabilityFlag),
    )
    .addOption(
      new Option('--reorder <n>', 'hold n callbacks, then send them newest first').argParser(integerFlag(0)),
    )
    .addOption(new Option('--fail <p>', 'probability that a job fails').argParser(probabilityFlag))
    .addOption(
      new Option('--spoof-describe <as>', 'describe reports: other (state), running, unknown').argParser(
        spoofFlag,
      ),
    )
    .addOption(
      new Option('--errors <api=n,...>', 'answer the next n calls of an api (* any) with a 5xx').argParser(
        countsFlag,
      ),
    )
    .addOption(new Option('--slow <ms>', 'every API answer waits this long').argParser(integerFlag(0)))
    .addOption(
      new Option('--max-batch-jobs <n>', 'COS batch jobs running at once before TooManyJobs (100)').argParser(
        integerFlag(1),
      ),
    )
    .option('--secret-id <id>', 'Tencent SecretId (default TENCENTCLOUD_SECRET_ID)')
    .option('--secret-key <key>', 'Tencent SecretKey (default TENCENTCLOUD_SECRET_KEY)')
    .option(
      '--appid <appid>',
      'the x-cos-appid COS batch expects (default TENCENTCLOUD_APPID; any when unset)',
    )
    .option('--uin <uin>', 'the account UIN (default TENCENTCLOUD_UIN)')
    .option('--qiniu-access-key <ak>', 'Qiniu AccessKey (default QINIU_ACCESS_KEY)')
    .option('--qiniu-secret-key <sk>', 'Qiniu SecretKey (default QINIU_SECRET_KEY)')
    .addHelpText('after', SIM_HELP)
    .action(async (flags: SimFlags, command: Command) => {
      let options;
      try {
        options = simOptions(flags, cli.env);
      } catch (error) {
        command.error(`error: ${error instanceof Error ? error.message : String(error)}`, {
          exitCode: EXIT.usage,
        });
      }
      try {
        // The simulator's modules are loaded only when it runs: usage errors and --help stay quick.
        const { runSimulator } = await import('./sim-run.js');
        await runSimulator(cli, options);
      } catch (error) {
        exitFailedStart(cli, error);
      }
    });
}
