import { Option, type Command } from 'commander';
import type { CliEnvironment } from './context.js';
import { bucketFlag, regionFlag } from './cloud-flags.js';
import { EXIT } from './output.js';
import type { DoctorOptions } from './doctor-run.js';
import type { Finish } from './program.js';

const DOCTOR_HELP = `
Checks, reading the same environment as the service:
  environment         JOBHOOK_* and the cloud variables parse (CONTRACT.md §4, §6.1); the token
  configuration file  JOBHOOK_CONFIG or ./jobhook.config.*, and that its handlers' credentials are set
  redis               REDIS_URL answers; appendonly yes, appendfsync always|everysec, maxmemory-policy noeviction
  tencent-ci          one signed read-only call: GET /queue?pageSize=1 on --bucket in --region (not checked
                      without a bucket: the CI host is per bucket)
  tencent-cos-batch   GET /jobs?maxResults=1 on the control host of --region, else of ap-guangzhou (the
                      environment names no region; the signature is the same in every region)
  qiniu               GET /status/get/prefop of a made-up id: 612 "no such id" means the signature was accepted
  public-url          GET JOBHOOK_PUBLIC_URL/healthz answers 200
What is not configured is a warning. Exit 0 when nothing failed, 1 naming what failed. Secrets are never printed.

Examples:
  $ jobhook doctor
  $ jobhook doctor --bucket media-1250000000 --region ap-guangzhou --json
`;

/** `jobhook doctor` (CONTRACT.md §7.1). */
export function addDoctorCommand(program: Command, cli: CliEnvironment, finish: Finish): void {
  program
    .command('doctor')
    .description('check the configuration, Redis, the cloud credentials and the public URL')
    .addOption(
      new Option('--bucket <bucket>', 'a CI bucket to check the Tencent key on').argParser(bucketFlag),
    )
    .addOption(
      new Option('--region <region>', "the bucket's region; also the COS batch region checked").argParser(
        regionFlag,
      ),
    )
    .option('--json', 'print { ok, checks: [{ check, status, message }] }')
    .addHelpText('after', DOCTOR_HELP)
    .action(async (options: DoctorOptions, command: Command) => {
      if (options.bucket !== undefined && options.region === undefined)
        command.error('error: --bucket goes with --region', { exitCode: EXIT.usage });
      finish(await (await import('./doctor-run.js')).doctor(cli, options));
    });
}
