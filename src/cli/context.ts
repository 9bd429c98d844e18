import { ConfigError, loadConfig, type Config } from '../config.js';
import { ConfigFileError } from '../handlers/config/errors.js';
import { loadHandlers } from '../handlers/registry.js';
import type { HandlerConfig } from '../handlers/types.js';
import { createLogger, redactUrl, type Logger } from '../log.js';
import { readCloudsConfig, type CloudsConfig } from '../providers/clouds-config.js';
import { FAILED_RETENTION_SECONDS } from '../queue/bullmq-store.js';
import type { Retention } from '../queue/dispatcher.js';
import { connectRedis, createRedis, type RedisClient } from '../redis/connect.js';
import { CliFailure, EXIT, type Streams } from './output.js';

/** What a command may read of its process: given once by main, nothing below reads `process` itself. */
export interface CliEnvironment extends Streams {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** How long a command waits for Redis before it gives up (exit 1). */
export const REDIS_TIMEOUT_MS = 5000;

/** The service's own environment configuration (CONTRACT.md §4); an invalid one is bad usage (exit 2). */
export function readConfig(env: CliEnvironment['env']): Config {
  return usage(() => loadConfig(env));
}

/** The cloud credentials and endpoints (CONTRACT.md §6.1); invalid ones are bad usage (exit 2). */
export function readClouds(env: CliEnvironment['env']): CloudsConfig {
  return usage(() => readCloudsConfig(env));
}

/** Runs `check`; a ConfigError it throws is bad usage (exit 2). */
export function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliFailure(error.message, EXIT.usage);
    throw error;
  }
}

/** The configuration file, by the same rules as the service (`JOBHOOK_CONFIG`, `./jobhook.config.*`); exit 2 when unusable. */
export async function readHandlerConfig(config: Config, cli: CliEnvironment): Promise<HandlerConfig> {
  try {
    return await loadHandlers({ path: config.configFile, cwd: cli.cwd, env: cli.env });
  } catch (error) {
    if (error instanceof ConfigFileError) throw new CliFailure(error.message, EXIT.usage);
    throw error;
  }
}

/** Log lines of the parts a command uses go to stderr, so stdout stays the command's answer. */
export const cliLogger = (config: Config, cli: CliEnvironment): Logger =>
  createLogger(config.logLevel, cli.stderr);

/** How long the runs a command writes are kept once finished: the same as the worker's. */
export const retentionOf = (config: Config): Retention => ({
  completedSeconds: config.completedRetentionSeconds,
  failedSeconds: FAILED_RETENTION_SECONDS,
});

/**
 * Connects to the service's Redis, runs `use`, and closes the connection whatever happens, so the process ends by
 * itself. A Redis that does not answer within REDIS_TIMEOUT_MS is a failure (exit 1) naming the URL, without its
 * password. Never starts an embedded Redis.
 */
export async function withRedis<T>(config: Config, use: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = createRedis(config.redisUrl, {
    name: 'jobhook-cli',
    mode: 'fail-fast',
    connectTimeoutMs: REDIS_TIMEOUT_MS,
    cluster: config.redisCluster,
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => (lastError = error.message));
  try {
    await connectRedis(redis, REDIS_TIMEOUT_MS);
  } catch (error) {
    redis.disconnect();
    const reason = lastError ?? (error instanceof Error ? error.message : String(error));
    throw new CliFailure(
      `no Redis answers at ${config.redisUrl.split(',').map(redactUrl).join(',')} (${reason}); set REDIS_URL (and JOBHOOK_REDIS_PREFIX, ` +
        'JOBHOOK_REDIS_CLUSTER) as for the service',
      EXIT.failed,
    );
  }
  try {
    return await use(redis);
  } finally {
    await redis.quit().catch(() => undefined);
    redis.disconnect();
  }
}
