import type { Worker } from 'bullmq';
import { ConfigError } from '../config.js';
import { API_INFO, SUBMIT_APIS, type SubmitApi } from '../handlers/submit/apis.js';
import { createCloudCalls } from '../handlers/submit/cloud-calls.js';
import { createSubmitter } from '../handlers/submit/submitter.js';
import type { CloudRuntime } from '../handlers/cloud-context.js';
import type { HandlerConfig } from '../handlers/types.js';
import type { Logger } from '../log.js';
import { createClouds, type Clouds } from '../providers/clouds.js';
import type { CloudsConfig } from '../providers/clouds-config.js';
import { createDescriber } from '../providers/describe.js';
import type { RedisClient } from '../redis/connect.js';
import type { DeadLetters } from './dead-letters.js';
import type { Dispatcher } from './dispatcher.js';
import { Ledger } from './ledger.js';
import { PollSchedule, startPoller } from './poller.js';
import type { CallbackStore } from './types.js';
import { startVerifier } from './verifier.js';

/** Where a follow-up job's callback goes: jobhook's own URL for its provider, with a token (CONTRACT.md §6.3). */
export interface CallbackTarget {
  /** `JOBHOOK_PUBLIC_URL`, without a trailing slash. */
  readonly publicUrl: string;
  /** The first configured (or generated) token; undefined when authentication is off. */
  readonly token: string | undefined;
}

/** The receiver's route of each provider whose jobs call back (COS batch jobs are polled). */
const CALLBACK_ROUTES: Partial<Record<string, string>> = { 'tencent-ci': 'tencent-ci', qiniu: 'qiniu' };

export function callbackUrls(target: CallbackTarget | undefined): (api: SubmitApi) => string | undefined {
  return (api) => {
    const route = CALLBACK_ROUTES[API_INFO[api].provider];
    if (target === undefined || route === undefined) return undefined;
    const query = target.token === undefined ? '' : `?token=${encodeURIComponent(target.token)}`;
    return `${target.publicUrl}/v1/callbacks/${route}${query}`;
  };
}

/** Jobs that send no callback (COS batch, inventory) are polled from submission. */
const isPolled = (api: string): boolean =>
  (SUBMIT_APIS as readonly string[]).includes(api) && API_INFO[api as SubmitApi].polled;

const PROVIDER_CREDENTIALS: Readonly<Record<string, string>> = {
  'tencent-ci': 'TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY',
  'tencent-cos-batch':
    'TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_APPID and TENCENTCLOUD_UIN',
  qiniu: 'QINIU_ACCESS_KEY and QINIU_SECRET_KEY',
};

function hasProvider(config: CloudsConfig | undefined, provider: string): boolean {
  switch (provider) {
    case 'tencent-ci':
      return config?.tencent !== undefined;
    case 'tencent-cos-batch':
      return config?.tencent?.appId !== undefined && config.tencent.uin !== undefined;
    case 'qiniu':
      return config?.qiniu !== undefined;
    default:
      return false;
  }
}

/**
 * A configured handler that needs credentials that are not set is a start error (CONTRACT.md §6.1): a `submit` rule
 * needs its api's provider; `verify: true` needs the credentials of at least one provider.
 */
export function checkCloudNeeds(handlers: HandlerConfig, config: CloudsConfig | undefined): void {
  const problems: string[] = [];
  for (const handler of handlers.handlers) {
    const api = handler.submit?.api;
    if (api === undefined) continue;
    const { provider } = API_INFO[api];
    if (!hasProvider(config, provider))
      problems.push(
        `handler ${handler.name} submits ${api}, which needs ${PROVIDER_CREDENTIALS[provider] ?? provider}`,
      );
  }
  const verifying = [
    ...handlers.handlers.filter((h) => h.verify).map((h) => `handler ${h.name}`),
    ...handlers.subscriptions.filter((s) => s.verify).map((s) => `subscription ${s.queue}`),
  ];
  if (
    verifying.length > 0 &&
    !['tencent-ci', 'tencent-cos-batch', 'qiniu'].some((p) => hasProvider(config, p))
  )
    problems.push(`${verifying.join(', ')} verify events, which needs the credentials of their provider`);
  if (problems.length > 0)
    throw new ConfigError(
      `cloud credentials missing (${handlers.file ?? 'configuration'}): ${problems.join('; ')}`,
    );
}

/** The clients whose credentials are set, or undefined when none are. */
export function cloudsOf(config: CloudsConfig | undefined, logger: Logger): Clouds | undefined {
  if (config === undefined) return undefined;
  const clouds = createClouds(config, { logger });
  return Object.keys(clouds).length === 0 ? undefined : clouds;
}

export interface CloudRoleOptions {
  readonly clouds: Clouds;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly handlers: HandlerConfig;
  readonly store: CallbackStore;
  readonly deadLetters: DeadLetters;
  readonly callback: CallbackTarget | undefined;
  readonly pollGiveUpMs: number;
  /** Ledger entries and poll jobs are kept this long. */
  readonly retentionMs: number;
  readonly lockDurationMs: number;
  readonly writeTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The worker's cloud side (CONTRACT.md §5.4, §6): the ledger (made before the dispatcher, which reads lineage from
 * it), then, once the dispatcher exists, the submitter behind `ctx.submit`, the poller of ledger jobs, and the
 * verifier when a target asks for verification.
 */
export class CloudRole {
  readonly ledger: Ledger;
  private readonly schedule: PollSchedule;
  private workers: Worker[] = [];

  constructor(private readonly options: CloudRoleOptions) {
    this.ledger = new Ledger({
      redis: options.redis,
      prefix: options.prefix,
      retentionMs: options.retentionMs,
      timeoutMs: options.writeTimeoutMs,
    });
    this.schedule = new PollSchedule(options.redis, options.prefix, Math.ceil(options.retentionMs / 1000));
  }

  /** Starts the poller and the verifier; returns what runs need (`ctx.clouds`, `describe`, `submit`). */
  start(dispatcher: Dispatcher): CloudRuntime {
    const { options, ledger } = this;
    const { clouds, redis, prefix, logger } = options;
    const describer = createDescriber(clouds);
    const submit = createSubmitter({
      calls: createCloudCalls(clouds),
      ledger,
      store: options.store,
      schedule: (job, firstCheckMs) => this.schedule.schedule(job, firstCheckMs, isPolled(job.api)),
      callbackUrl: callbackUrls(options.callback),
      logger,
    });
    const poller = startPoller({
      redis,
      prefix,
      ledger,
      store: options.store,
      describe: (job) => describer.describeJob(job),
      giveUpMs: options.pollGiveUpMs,
      lockDurationMs: options.lockDurationMs,
      concurrency: 8,
      logger,
    });
    this.workers.push(poller);
    const verifying =
      options.handlers.handlers.some((h) => h.verify) || options.handlers.subscriptions.some((s) => s.verify);
    if (verifying)
      this.workers.push(
        startVerifier({
          redis,
          prefix,
          dispatcher,
          describe: (event) => describer.describeEvent(event),
          store: options.store,
          deadLetters: options.deadLetters,
          lockDurationMs: options.lockDurationMs,
          concurrency: 16,
          logger,
        }),
      );
    return { clouds, describer, submit };
  }

  /** The poller and verifier workers (closed with the others at shutdown). */
  get running(): readonly Worker[] {
    return this.workers;
  }

  async close(): Promise<void> {
    await this.schedule.close();
  }
}
