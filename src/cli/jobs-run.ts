import { ciListTime } from '../handlers/submit/cloud-calls.js';
import type { CiInventoryJob } from '../providers/tencent-ci/api-wire.js';
import type { CiTarget, TencentCiClient } from '../providers/tencent-ci/client.js';
import { ciClient, cloudCall } from './cloud-context.js';
import { readConfig, type CliEnvironment } from './context.js';
import { CliFailure, createOutput, EXIT, shorten, table, type ExitCode, type Output } from './output.js';

export interface JobsOptions {
  readonly inventory: true;
  readonly bucket: string;
  readonly region: string;
  readonly json?: boolean;
}

export interface JobsListOptions extends JobsOptions {
  readonly limit?: number;
  readonly states?: readonly string[];
  /** ms since the epoch */
  readonly since?: number;
  readonly until?: number;
  readonly workflowId?: string;
  readonly jobId?: string;
  readonly name?: string;
}

/** The largest page the API gives. */
export const PAGE_SIZE = 100;

function open(cli: CliEnvironment, options: JobsOptions) {
  const client = ciClient(readConfig(cli.env), cli);
  const target: CiTarget = { bucket: options.bucket, region: options.region };
  return { client, target, out: createOutput(cli, options.json === true) };
}

/** `jobs list --inventory`: every page, until `nextToken` is empty or `--limit` jobs were read. */
export async function list(cli: CliEnvironment, options: JobsListOptions): Promise<ExitCode> {
  const { client, target, out } = open(cli, options);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const filters = {
    states: options.states?.join(','),
    startCreationTime: options.since === undefined ? undefined : ciListTime(options.since),
    endCreationTime: options.until === undefined ? undefined : ciListTime(options.until),
    workflowId: options.workflowId,
    jobId: options.jobId,
    name: options.name,
  };
  const jobs: CiInventoryJob[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const size = String(Math.min(PAGE_SIZE, limit - jobs.length));
    const page = await cloudCall(`listing the inventory jobs of ${options.bucket}`, () =>
      client.listInventoryJobs(target, { ...filters, size, nextToken }),
    );
    jobs.push(...(page.JobsDetail ?? []).slice(0, limit - jobs.length));
    nextToken = page.NextToken === '' ? undefined : page.NextToken;
    if (nextToken !== undefined && seen.has(nextToken))
      throw new CliFailure(`the API gave the nextToken ${nextToken} twice: stopped`, EXIT.failed);
    if (nextToken !== undefined) seen.add(nextToken);
  } while (nextToken !== undefined && jobs.length < limit);
  printList(out, jobs, options);
  return EXIT.ok;
}

function printList(out: Output, jobs: readonly CiInventoryJob[], options: JobsOptions): void {
  if (out.json) {
    out.printJson(jobs);
    return;
  }
  if (jobs.length === 0) {
    out.note(`no inventory jobs in ${options.bucket} (${options.region}) match`);
    return;
  }
  const rows = jobs.map((job) => [
    job.JobId,
    shorten(job.Name ?? '', 32),
    job.Type ?? '',
    job.State,
    job.CreationTime ?? '',
    job.EndTime ?? '',
  ]);
  for (const line of table(['JOB ID', 'NAME', 'TYPE', 'STATE', 'CREATED', 'ENDED'], rows)) out.line(line);
}

/** The job, or exit 1 when the API does not know it. */
async function describe(client: TencentCiClient, target: CiTarget, id: string): Promise<CiInventoryJob> {
  const answer = await cloudCall(`reading inventory job ${id}`, () =>
    client.describeInventoryJob(target, id),
  );
  const job = answer.JobsDetail?.[0];
  if (job === undefined)
    throw new CliFailure(`no inventory job ${id} in ${target.bucket} (${target.region})`, EXIT.failed);
  return job;
}

/** `jobs show ID --inventory`. */
export async function show(cli: CliEnvironment, id: string, options: JobsOptions): Promise<ExitCode> {
  const { client, target, out } = open(cli, options);
  const job = await describe(client, target, id);
  if (out.json) out.printJson(job);
  else
    for (const [key, value] of Object.entries(job))
      out.line(`${`${key}:`.padEnd(14)}${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return EXIT.ok;
}

/** `jobs cancel ID --inventory`: cancels, then reads the job again to print its state. */
export async function cancel(cli: CliEnvironment, id: string, options: JobsOptions): Promise<ExitCode> {
  const { client, target, out } = open(cli, options);
  await cloudCall(`canceling inventory job ${id}`, () => client.cancelInventoryJob(target, id));
  const job = await describe(client, target, id);
  if (out.json) out.printJson({ jobId: id, canceled: true, state: job.State });
  else out.line(`canceled inventory job ${id}: its state is now ${job.State}`);
  return EXIT.ok;
}
