import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { loadConfig, type Config } from '../../src/config.js';
import type { JobhookEvent } from '../../src/events/types.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { readCloudsConfig } from '../../src/providers/clouds-config.js';
import { loadHandlers } from '../../src/handlers/registry.js';
import type { HandlerConfig } from '../../src/handlers/types.js';
import { startService, type Service } from '../../src/service.js';
import { EVENTS_QUEUE, QUARANTINE_QUEUE } from '../../src/queue/queues.js';
import type { QuarantineEntry } from '../../src/queue/types.js';
import type { RedisServer } from './redis-server.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface RunningJobhook {
  readonly url: string;
  readonly service: Service;
  readonly dataDir: string;
  readonly config: Config;
  /** Every log line written so far (JSON strings). */
  readonly logs: string[];
  post(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the real service (real HTTP server, real Redis) in this process, logs captured. `redis.url` may be a
 * comma-separated list of cluster seeds (with JOBHOOK_REDIS_CLUSTER=true in `env`). */
export async function startJobhook(
  redis: { readonly url: string },
  env: Record<string, string> = {},
  options: { readonly handlers?: HandlerConfig } = {},
): Promise<RunningJobhook> {
  const dataDir = await mkdtemp(join(tmpdir(), 'jobhook-data-'));
  const config = loadConfig({
    PORT: '0',
    JOBHOOK_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    JOBHOOK_TOKENS: TEST_TOKEN,
    JOBHOOK_ROLE: 'http',
    JOBHOOK_STORE_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const { sink, lines: logs } = lineSink();
  const logger = createLogger(config.logLevel, sink);
  const handlers =
    options.handlers ??
    (config.configFile === undefined
      ? undefined
      : await loadHandlers({ path: config.configFile, cwd: process.cwd(), env: { ...process.env, ...env } }));
  const service = await startService({
    config,
    logger,
    redisUrl: config.redisUrl,
    tokens: config.tokens,
    metrics: createMetrics({ defaultMetrics: false }),
    // Cloud credentials and endpoints from `env` only (CONTRACT.md §6.1): none unless the test gives them.
    clouds: readCloudsConfig(env),
    ...(handlers === undefined ? {} : { handlers }),
  });
  const url = service.url ?? '';
  return {
    url,
    service,
    logs,
    dataDir: config.dataDir,
    config,
    post: (path, body, headers = {}) => fetch(`${url}${path}`, { method: 'POST', body, headers }),
    stop: async () => {
      await service.stop();
      assertNoSecrets(logs, config);
      if (env.JOBHOOK_DATA_DIR === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A stream that keeps each line written to it (pino's JSON lines). */
export function lineSink(): { sink: Writable; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { sink, lines };
}

export const withToken = (path: string): string =>
  `${path}${path.includes('?') ? '&' : '?'}token=${TEST_TOKEN}`;

/** Every event in `jobhook-events`, whatever its state. */
export async function storedEvents(redis: RedisServer, prefix = 'bull'): Promise<JobhookEvent[]> {
  const queue = new Queue(EVENTS_QUEUE, { connection: { host: '127.0.0.1', port: redis.port }, prefix });
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map((job) => job.data as JobhookEvent);
  } finally {
    await queue.close();
  }
}

export async function quarantined(redis: RedisServer, prefix = 'bull'): Promise<QuarantineEntry[]> {
  const queue = new Queue(QUARANTINE_QUEUE, { connection: { host: '127.0.0.1', port: redis.port }, prefix });
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map((job) => job.data as QuarantineEntry);
  } finally {
    await queue.close();
  }
}

/** Empties the database between tests. */
export async function flush(redis: RedisServer): Promise<void> {
  const client = redis.client();
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}

/**
 * Every secret the instance was configured with; none may appear in its logs, at any level. Checked on every
 * stop, so each test file that starts jobhook scans all of its log output.
 */
export function assertNoSecrets(logs: readonly string[], config: Config): void {
  const secrets = [...config.tokens, ...config.qiniuKeys.map((k) => k.secretKey)];
  const password = new URL(config.redisUrl.split(',')[0] ?? config.redisUrl).password;
  if (password !== '') secrets.push(decodeURIComponent(password));
  const text = logs.join('\n');
  const leaked = secrets.filter((secret) => secret.length >= 4 && text.includes(secret));
  if (leaked.length > 0) throw new Error(`${leaked.length} configured secret(s) appeared in the log output`);
}
