import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';

import { TokenVerifier } from './auth/tokens.js';
import type { Config } from './config.js';
import { createApp, type AccessOptions } from './http/app.js';
import { closeServer } from './http/close-server.js';
import { cidrList } from './auth/client-address.js';
import { RateLimiter } from './auth/rate-limit.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createProviders } from './providers/index.js';
import { createReceiver } from './receive/receiver.js';
import { connectRedis, createRedis, type RedisClient } from './redis/connect.js';
import { checkRedisSettings } from './redis/settings.js';
import { Spool } from './spool/spool.js';
import { BullmqStore } from './queue/bullmq-store.js';
import { SpoolingStore } from './queue/spooling-store.js';
import type { CallbackStore } from './queue/types.js';
import { NO_HANDLERS } from './handlers/registry.js';
import type { HandlerConfig } from './handlers/types.js';
import type { CloudsConfig } from './providers/clouds-config.js';
import { createWorkerApp } from './http/worker-app.js';
import { createWorkerMetrics } from './queue/worker-metrics.js';
import { startWorkerRole, type WorkerRole } from './queue/worker-role.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The Redis to use (REDIS_URL, or the embedded one). */
  readonly redisUrl: string;
  /** Tokens to accept (configured or generated); empty only with allowUnauthenticated. */
  readonly tokens: readonly string[];
  readonly metrics?: Metrics;
  /** The handlers and subscriptions of the configuration file (the worker role); none by default. */
  readonly handlers?: HandlerConfig;
  /** Cloud credentials and endpoints for the worker role (CONTRACT.md §6.1); none by default. */
  readonly clouds?: CloudsConfig;
  /**
   * Whether role `worker` serves /healthz, /readyz and /metrics on PORT (default true). False for the primary of
   * forked receivers (`JOBHOOK_HTTP_PROCESSES` > 1), whose receivers hold the port.
   */
  readonly workerEndpoints?: boolean;
}

export interface Service {
  /** `http://host:port` of the receiver, or of the worker's endpoints, when this process listens. */
  readonly url: string | undefined;
  readonly port: number | undefined;
  /**
   * Graceful stop, of every role at once: refuse new connections and finish in-flight requests; take no new handler
   * run and let running ones finish; each within the grace period; then close Redis.
   */
  stop(): Promise<void>;
}

/** Starts the roles of `config.role` against one Redis. Used by main and by the tests. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  let port: number | undefined;

  let worker: WorkerRole | undefined;
  if (config.role === 'all' || config.role === 'worker') {
    const redis = await connected(
      options.redisUrl,
      config.redisCluster,
      'jobhook-worker',
      'blocking',
      logger,
    );
    const role = await startWorkerRole({
      redis,
      prefix: config.redisPrefix,
      handlers: options.handlers ?? NO_HANDLERS,
      logger,
      metrics: createWorkerMetrics(metrics.registry),
      dedupeWindowMs: config.dedupeWindowMs,
      completedRetentionSeconds: config.completedRetentionSeconds,
      writeTimeoutMs: config.storeTimeoutMs,
      lockDurationMs: config.lockDurationMs,
      dispatchConcurrency: config.dispatchConcurrency,
      shutdownGraceMs: config.shutdownGraceMs,
      clouds: options.clouds,
      callback:
        config.publicUrl === undefined
          ? undefined
          : { publicUrl: config.publicUrl, token: options.tokens[0] },
      pollGiveUpMs: config.pollGiveUpMs,
    });
    worker = role;
    stops.push(async () => {
      await role.stop();
      await redis.quit().catch(() => redis.disconnect());
    });
  }

  if (config.role === 'worker' && options.workerEndpoints !== false) {
    // The worker's own /healthz, /readyz and /metrics on PORT (with role all, the receiver serves them).
    let accepting = true;
    const role = worker;
    const app = createWorkerApp({
      metrics,
      ready: () => role?.ready() === true,
      isAccepting: () => accepting,
    });
    const server = await listen(app.fetch, config);
    ({ url, port } = addressOf(server));
    logger.info({ host: config.host, port }, 'worker endpoints listening');
    stops.push(async () => {
      accepting = false;
      await closeServer(server, config.shutdownGraceMs);
    });
  }

  if (config.role === 'all' || config.role === 'http') {
    const redis = await connected(
      options.redisUrl,
      config.redisCluster,
      'jobhook-receiver',
      'fail-fast',
      logger,
    );
    await checkRedisSettings(redis, logger);
    const redisStore = new BullmqStore({
      redis,
      prefix: config.redisPrefix,
      dedupeWindowMs: config.dedupeWindowMs,
      completedRetentionSeconds: config.completedRetentionSeconds,
      timeoutMs: config.storeTimeoutMs,
      logger,
    });
    await redisStore.prepare();
    const spooling =
      config.spoolMaxBytes === 0
        ? undefined
        : new SpoolingStore({
            primary: redisStore,
            spool: await Spool.open({
              dir: join(config.dataDir, 'spool'),
              maxBytes: config.spoolMaxBytes,
              logger,
            }),
            logger,
            drainIntervalMs: 1000,
          });
    const store: CallbackStore = spooling ?? redisStore;
    if (spooling !== undefined) {
      metrics.watchSpool(() => spooling.spoolStats());
      redis.on('ready', () => void spooling.drainSoon());
      void spooling.drainSoon();
    }
    const limits = { maxDepth: config.maxDepth, maxElements: config.maxElements };
    const receiver = createReceiver({
      providers: createProviders({ qiniuKeys: config.qiniuKeys, limits }),
      store,
      limits,
      bodyLimitBytes: config.bodyLimitBytes,
    });
    let accepting = true;
    const app = createApp({
      receiver,
      store,
      tokens: options.tokens.length > 0 ? new TokenVerifier(options.tokens) : undefined,
      metrics,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      isAccepting: () => accepting,
      access: accessOptions(config),
      ...(worker === undefined ? {} : { workerReady: () => worker.ready() }),
      ...(spooling === undefined ? {} : { spoolStats: () => spooling.spoolStats() }),
    });
    const server = await listen(app.fetch, config);
    ({ url, port } = addressOf(server));
    logger.info({ host: config.host, port }, 'receiver listening');
    stops.push(async () => {
      accepting = false;
      await closeServer(server, config.shutdownGraceMs);
      await store.close();
      await redis.quit().catch(() => redis.disconnect());
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop: () =>
      (stopping ??= (async () => {
        // At once: the receiver drains its requests while the worker stops taking runs and lets its running ones
        // finish, each within the grace period (they share nothing but Redis).
        await Promise.all(stops.map((stop) => stop()));
      })()),
  };
}

function addressOf(server: Server): { url: string; port: number } {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, port: address.port };
}

function accessOptions(config: Config): AccessOptions {
  return {
    ...(config.allowCidrs.length === 0 ? {} : { allow: cidrList(config.allowCidrs) }),
    ...(config.trustedProxies.length === 0 ? {} : { trustedProxies: cidrList(config.trustedProxies) }),
    ...(config.rateLimitPerSecond === 0
      ? {}
      : {
          requests: new RateLimiter(config.rateLimitPerSecond, Math.max(10, config.rateLimitPerSecond * 2)),
        }),
    ...(config.authFailuresPerMinute === 0
      ? {}
      : { authFailures: new RateLimiter(config.authFailuresPerMinute / 60, config.authFailuresPerMinute) }),
  };
}

async function connected(
  url: string,
  cluster: boolean,
  name: string,
  mode: 'fail-fast' | 'blocking',
  logger: Logger,
): Promise<RedisClient> {
  const redis = createRedis(url, { name, mode, connectTimeoutMs: 5000, cluster });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError)
      logger.warn({ connection: name, err: error.message }, 'redis connection error');
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (lastError !== '') logger.info({ connection: name }, 'redis connection ready again');
    lastError = '';
  });
  await connectRedis(redis, 15_000);
  return redis;
}

/** How long a kept-alive connection may stay idle (node's default on Node 20). */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;

function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: Config): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({
      fetch,
      port: config.port,
      hostname: config.host,
      serverOptions: {
        // A request (headers and body) must arrive within requestTimeout; slow senders are cut with 408.
        requestTimeout: config.requestTimeoutMs,
        headersTimeout: Math.min(config.requestTimeoutMs, 20_000),
        connectionsCheckingInterval: 1000,
        // Pinned (node's default today, raised on newer releases): shutdown closes a kept-alive connection once
        // it is idle this long (src/http/close-server.ts), so the grace period must exceed it.
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
    }) as Server;
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}
