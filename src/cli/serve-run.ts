import { loadOrCreateToken } from '../auth/token-file.js';
import type { Config } from '../config.js';
import { NO_HANDLERS } from '../handlers/registry.js';
import type { HandlerConfig } from '../handlers/types.js';
import { createLogger, redactUrl, type Logger } from '../log.js';
import { probeRedis } from '../redis/connect.js';
import { findRedisServer, startEmbeddedRedis, type EmbeddedRedis } from '../redis/embedded.js';
import { startService } from '../service.js';
import { checkCloudNeeds } from '../queue/cloud-role.js';
import { readClouds, readConfig, readHandlerConfig, usage, type CliEnvironment } from './context.js';
import { forkReceivers } from './serve-receivers.js';

/**
 * `jobhook serve`, the process edge of the service: reads the environment once, resolves Redis and tokens, starts
 * the roles, handles signals. A configuration that cannot be used throws `CliFailure` (exit 2) before anything
 * starts; once started, the process runs until a signal and exits by itself.
 */
export async function serve(cli: CliEnvironment): Promise<void> {
  const config = readConfig(cli.env);
  const handlers = await readHandlers(config, cli);
  const clouds = readClouds(cli.env);
  usage(() => checkCloudNeeds(handlers, clouds));
  const logger = createLogger(config.logLevel);
  const tokens = await resolveTokens(config, logger);
  const redis = await resolveRedis(config, logger);
  if (redis === undefined) process.exit(1);

  const http = config.role !== 'worker';
  const forked = http && config.httpProcesses > 1;
  const service = await startService({
    config: forked ? { ...config, role: config.role === 'all' ? 'worker' : 'none' } : config,
    logger,
    redisUrl: redis.url,
    tokens,
    handlers,
    clouds,
    workerEndpoints: !forked,
  });
  const receivers = forked ? await forkReceivers(config, redis.url, tokens, logger) : undefined;
  const port = receivers?.port ?? service.port;
  if (port !== undefined) printCallbackUrls(config, port, tokens);

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    void (async () => {
      await receivers?.stop();
      await service.stop();
      await redis.embedded?.stop();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** The configuration file, for the roles that run handlers; a file that cannot be used stops the start (exit 2). */
async function readHandlers(config: Config, cli: CliEnvironment): Promise<HandlerConfig> {
  if (config.role !== 'all' && config.role !== 'worker') return NO_HANDLERS;
  return readHandlerConfig(config, cli);
}

interface Tokens extends Array<string> {
  generated?: string;
}

async function resolveTokens(config: Config, logger: Logger): Promise<Tokens> {
  if (config.tokens.length > 0) return [...config.tokens];
  if (config.allowUnauthenticated) {
    logger.warn('JOBHOOK_ALLOW_UNAUTHENTICATED is set: callbacks are accepted without a token');
    return [];
  }
  const stored = await loadOrCreateToken(config.dataDir);
  logger.info({ file: stored.path, created: stored.created }, 'no JOBHOOK_TOKENS set: using the token file');
  const tokens: Tokens = [stored.token];
  if (stored.created) tokens.generated = stored.token;
  return tokens;
}

async function resolveRedis(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded?: EmbeddedRedis } | undefined> {
  if (await probeRedis(config.redisUrl, 2000)) return { url: config.redisUrl };
  const target = new URL(config.redisUrl.split(',')[0] ?? config.redisUrl);
  const local = !config.redisCluster && ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(target.hostname);
  const binary = config.embeddedRedis === 'auto' && local ? await findRedisServer() : undefined;
  if (binary === undefined) {
    process.stderr.write(
      `jobhook: no Redis answers at ${redactUrl(config.redisUrl)}` +
        (local && config.embeddedRedis === 'auto' ? ' and no redis-server binary is installed' : '') +
        '.\nProvide Redis: set REDIS_URL to a reachable Redis or Valkey (redis:// or rediss://), or install ' +
        'redis-server (e.g. `apt-get install redis-server`) and jobhook starts a private one.\n',
    );
    return undefined;
  }
  const port = Number(target.port === '' ? 6379 : target.port);
  const host = target.hostname === 'localhost' ? '127.0.0.1' : target.hostname.replace(/^\[|\]$/g, '');
  const embedded = await startEmbeddedRedis({ binary, dataDir: config.dataDir, host, port, logger });
  return { url: config.redisUrl, embedded };
}

/** The URLs to register with each provider; the token is shown only when this start generated it. */
function printCallbackUrls(config: Config, port: number, tokens: Tokens): void {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = config.publicUrl ?? `http://${host}:${port}`;
  const token =
    tokens.generated ??
    (config.tokens.length > 0
      ? '<one of JOBHOOK_TOKENS>'
      : tokens.length > 0
        ? `<the token in ${config.dataDir}/token>`
        : '');
  const query = token === '' ? '' : `?token=${token}`;
  const heading =
    tokens.generated === undefined
      ? 'jobhook callback URLs:'
      : `jobhook generated a token (stored in ${config.dataDir}/token). Register these callback URLs:`;
  process.stdout.write(
    [
      '',
      heading,
      `  Tencent CI (CallBack, NotifyConfig.Url):  ${base}/v1/callbacks/tencent-ci${query}`,
      `  TDMQ topic HTTP subscription:             ${base}/v1/callbacks/tdmq${query}`,
      `  Qiniu pfop notifyURL:                     ${base}/v1/callbacks/qiniu${query}`,
      `  any of them, auto-detected:               ${base}/v1/callbacks${query}`,
      '',
      '',
    ].join('\n'),
  );
}
