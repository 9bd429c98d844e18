import { readStoredToken } from '../auth/token-file.js';
import type { Config } from '../config.js';
import { CiQueueRecord, findQueue, notifyRequest, queueView, type QueueView } from './queue-notify.js';
import type { CiQueueKind } from '../providers/tencent-ci/client.js';
import { ciClient, cloudCall } from './cloud-context.js';
import { readConfig, type CliEnvironment } from './context.js';
import { CliFailure, createOutput, EXIT, table, type ExitCode, type Output } from './output.js';

export interface RegisterOptions {
  readonly bucket: string;
  readonly region: string;
  readonly queue: string;
  readonly kind: CiQueueKind;
  readonly format?: 'XML' | 'JSON';
  readonly json?: boolean;
}

/** `register tencent-ci`: reads the queue, sets its NotifyConfig, prints both. */
export async function register(cli: CliEnvironment, options: RegisterOptions): Promise<ExitCode> {
  const config = readConfig(cli.env);
  if (config.publicUrl === undefined)
    throw new CliFailure(
      'JOBHOOK_PUBLIC_URL is not set: it is the base of the callback URL the queue is given',
      EXIT.usage,
    );
  const url = `${config.publicUrl}/v1/callbacks/tencent-ci${await tokenQuery(config)}`;
  const client = ciClient(config, cli);
  const target = { bucket: options.bucket, region: options.region };
  const where = `${options.kind} queue ${options.queue} of ${options.bucket} (${options.region})`;
  const listing = await cloudCall(`reading the ${where}`, () =>
    client.describeQueues(options.kind, target, { queueIds: options.queue }),
  );
  const queue = findQueue(listing.record, options.queue);
  if (queue === undefined) throw new CliFailure(`there is no ${where}`, EXIT.failed);
  const request = notifyRequest(options.kind, queue, url, options.format);
  const updated = await cloudCall(`updating the ${where}`, () =>
    client.updateQueue(options.kind, target, options.queue, request),
  );
  const answered = CiQueueRecord.safeParse(updated.record.Queue);
  // An answer without the queue: what was sent is what it now is.
  const sent = { QueueId: request.QueueID, Name: request.Name, State: request.State };
  const after = queueView(answered.success ? answered.data : { ...sent, NotifyConfig: request.NotifyConfig });
  print(createOutput(cli, options.json === true), options, queueView(queue), after);
  return EXIT.ok;
}

/** `?token=<first token>`: JOBHOOK_TOKENS, else the token file; '' when authentication is explicitly off. */
async function tokenQuery(config: Config): Promise<string> {
  const token = config.tokens[0] ?? (await readStoredToken(config.dataDir));
  if (token !== undefined) return `?token=${encodeURIComponent(token)}`;
  if (config.allowUnauthenticated) return '';
  throw new CliFailure(
    `no token: set JOBHOOK_TOKENS, or start the service once so that it writes ${config.dataDir}/token`,
    EXIT.usage,
  );
}

function print(out: Output, options: RegisterOptions, before: QueueView, after: QueueView): void {
  const queue = { id: options.queue, kind: options.kind, bucket: options.bucket, region: options.region };
  if (out.json) {
    out.printJson({ queue, before, after });
    return;
  }
  out.line(`${options.kind} queue ${options.queue} of ${options.bucket} (${options.region}):`);
  const row = (label: string, pick: (view: QueueView) => string | undefined) => [
    label,
    pick(before) ?? '-',
    pick(after) ?? '-',
  ];
  const rows = [
    row('Name', (v) => v.name),
    row('State', (v) => v.state),
    row('NotifyConfig.State', (v) => v.notify.state),
    row('NotifyConfig.Url', (v) => v.notify.url || '-'),
    row('NotifyConfig.Type', (v) => v.notify.type),
    row('NotifyConfig.Event', (v) => v.notify.event),
    ...(options.kind === 'doc' ? [] : [row('NotifyConfig.ResultFormat', (v) => v.notify.resultFormat)]),
  ];
  for (const line of table(['', 'BEFORE', 'AFTER'], rows)) out.line(`  ${line}`);
}
