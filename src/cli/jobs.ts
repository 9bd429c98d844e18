import { Option, type Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { bucketOption, jobIdFlag, limitFlag, regionOption, statesFlag, textFlag } from './cloud-flags.js';
import type { JobsListOptions, JobsOptions } from './jobs-run.js';
import type { Finish } from './program.js';
import { parseSince } from './since.js';

const work = () => import('./jobs-run.js');

const JOBS_HELP = `
Tencent CI inventory (batch) trigger jobs of a bucket (GET /inventorytriggerjob…), signed with
TENCENTCLOUD_SECRET_ID/KEY (JOBHOOK_TENCENT_CI_ENDPOINT for another endpoint). --inventory is required: it is the
kind of job these commands manage.

Examples:
  $ jobhook jobs list --inventory --bucket media-1250000000 --region ap-guangzhou --states Running,Failed --since 1d
  $ jobhook jobs show b0123456789abcdef0123456789abcdef --inventory --bucket media-1250000000 --region ap-guangzhou
  $ jobhook jobs cancel b0123456789abcdef0123456789abcdef --inventory --bucket media-1250000000 --region ap-guangzhou
`;

/** The options every `jobs` command takes. */
function target(command: Command): Command {
  return command
    .addOption(new Option('--inventory', 'CI inventory trigger jobs').makeOptionMandatory())
    .addOption(bucketOption())
    .addOption(regionOption())
    .option('--json', 'machine-readable output');
}

/** `jobhook jobs list|show|cancel --inventory` (CONTRACT.md §7.1). */
export function addJobsCommand(program: Command, cli: CliEnvironment, finish: Finish): void {
  const jobs = program
    .command('jobs')
    .description('cloud jobs: Tencent CI inventory trigger jobs (list, show, cancel)')
    .addHelpText('after', JOBS_HELP);

  target(jobs.command('list'))
    .description('list the jobs, newest first, following nextToken to the end (pages of at most 100)')
    .addOption(new Option('--limit <n>', 'at most n jobs').argParser(limitFlag))
    .addOption(
      new Option(
        '--states <list>',
        'only these states: Submitted,Running,Success,Failed,Pause,Cancel',
      ).argParser(statesFlag),
    )
    .addOption(
      new Option(
        '--since <time>',
        'created at or after: RFC 3339, or a duration back (30m, 2h, 7d)',
      ).argParser((t) => parseSince(t)),
    )
    .addOption(
      new Option('--until <time>', 'created at or before: RFC 3339, or a duration back').argParser((t) =>
        parseSince(t),
      ),
    )
    .addOption(new Option('--workflow-id <id>', 'only jobs of this workflow').argParser(textFlag))
    .addOption(new Option('--job-id <id>', 'only this job').argParser(jobIdFlag))
    .addOption(new Option('--name <name>', 'only jobs of this name').argParser(textFlag))
    .addHelpText(
      'after',
      '\nExample:\n  $ jobhook jobs list --inventory --bucket media-1250000000 --region ap-guangzhou --limit 20 --json\n',
    )
    .action(async (options: JobsListOptions) => finish(await (await work()).list(cli, options)));

  target(jobs.command('show'))
    .description('print one job: its state, times, input and operation')
    .argument('<id>', 'the job id (b…)', jobIdFlag)
    .addHelpText(
      'after',
      '\nExample:\n  $ jobhook jobs show b0123… --inventory --bucket media-1250000000 --region ap-guangzhou\n',
    )
    .action(async (id: string, options: JobsOptions) => finish(await (await work()).show(cli, id, options)));

  target(jobs.command('cancel'))
    .description('cancel a job that has not ended (PUT /inventorytriggerjob/<id>?cancel)')
    .argument('<id>', 'the job id (b…)', jobIdFlag)
    .addHelpText(
      'after',
      '\nExample:\n  $ jobhook jobs cancel b0123… --inventory --bucket media-1250000000 --region ap-guangzhou\n',
    )
    .action(async (id: string, options: JobsOptions) =>
      finish(await (await work()).cancel(cli, id, options)),
    );
}
