import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import type { CliEnvironment } from './context.js';
import { addDlqCommand } from './dlq.js';
import { addDoctorCommand } from './doctor.js';
import { addJobsCommand } from './jobs.js';
import { CliFailure, EXIT, type ExitCode } from './output.js';
import { addRegisterCommand } from './register.js';
import { addReplayCommand } from './replay.js';
import { addServeCommand } from './serve.js';
import { addSimCommand } from './sim.js';

/** Tells the program how a command ended; commands that keep running (serve) never call it. */
export type Finish = (code: ExitCode) => void;

const ROOT_HELP = `
Without a command, jobhook runs the service (jobhook serve). Commands read the same environment as the service
(REDIS_URL, JOBHOOK_REDIS_PREFIX, JOBHOOK_REDIS_CLUSTER, JOBHOOK_CONFIG, LOG_LEVEL). Exit status: 0 done, 1 what
was asked for failed, 2 bad usage. Each command has --help.

Examples:
  $ jobhook                                  # the service, as npm start
  $ jobhook dlq list --json
  $ jobhook replay --type 'tencent.ci.job.*' --since 2h --dry-run
  $ jobhook register tencent-ci --bucket media-1250000000 --region ap-guangzhou --queue p0123…
  $ jobhook jobs list --inventory --bucket media-1250000000 --region ap-guangzhou --since 1d
  $ jobhook doctor                           # configuration, Redis, credentials, the public URL
  $ jobhook sim --port 9000                  # a local stand-in for the cloud APIs (docs/simulator.md)
`;

/** The version of the package this file belongs to (src/cli/ and dist/cli/ are both two levels down). */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return z.object({ version: z.string() }).parse(JSON.parse(text)).version;
}

/**
 * The `jobhook` program (CONTRACT.md §7.1). A command-line program must never start the service by accident:
 * every usage error — an unknown command or flag, a missing or extra argument — exits 2 before any command runs.
 */
export function buildProgram(cli: CliEnvironment, finish: Finish): Command {
  const program = new Command('jobhook')
    .description(
      'receives cloud job callbacks, stores them as CloudEvents on BullMQ and runs handlers on them',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show the help of a command')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.stdout.write(text),
      writeErr: (text) => cli.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .addHelpText('after', ROOT_HELP);
  addServeCommand(program, cli);
  addDlqCommand(program, cli, finish);
  addReplayCommand(program, cli, finish);
  addRegisterCommand(program, cli, finish);
  addJobsCommand(program, cli, finish);
  addDoctorCommand(program, cli, finish);
  addSimCommand(program, cli);
  return program;
}

/**
 * Runs one command line; resolves with the exit code, or undefined for a command that keeps the process running.
 * Without arguments it is `serve`.
 */
export async function runCli(argv: readonly string[], cli: CliEnvironment): Promise<ExitCode | undefined> {
  let code: ExitCode | undefined;
  const program = buildProgram(cli, (c) => (code = c));
  try {
    await program.parseAsync(argv.length === 0 ? ['serve'] : [...argv], { from: 'user' });
  } catch (error) {
    // Commander has written its message (and the help, for --help); help and version are a success.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const failure =
      error instanceof CliFailure
        ? error
        : new CliFailure(error instanceof Error ? error.message : String(error), EXIT.failed);
    cli.stderr.write(`jobhook: ${failure.message}\n`);
    return failure.exitCode;
  }
  return code;
}
