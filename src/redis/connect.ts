import { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST`. */
  readonly name: string;
  /**
   * `fail-fast` for the receiver: no offline queue and no retried commands, so a request during an outage
   * fails at once (and is spooled or answered 503) instead of waiting. `blocking` for BullMQ workers.
   */
  readonly mode: 'fail-fast' | 'blocking';
  readonly connectTimeoutMs: number;
  /** Treat `url` as the comma-separated seed nodes of a Redis Cluster. */
  readonly cluster?: boolean;
}

const retryStrategy = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 6), 2000);

export function createRedis(url: string, options: RedisClientOptions): RedisClient {
  const common = {
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs,
    lazyConnect: true,
  };
  const failFast = {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Events are batched by the store itself (src/queue/batched-add.ts); a second batching layer would only
    // delay each batch by one more turn of the event loop.
    enableAutoPipelining: false,
  };
  if (options.cluster === true) {
    const nodes = url.split(',').map((u) => {
      const parsed = new URL(u);
      return {
        host: parsed.hostname.replace(/^\[|\]$/g, ''),
        port: Number(parsed.port === '' ? 6379 : parsed.port),
      };
    });
    const first = new URL(url.split(',')[0] ?? url);
    const auth = {
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    };
    return options.mode === 'fail-fast'
      ? new Cluster(nodes, {
          lazyConnect: true,
          enableOfflineQueue: false,
          clusterRetryStrategy: retryStrategy,
          redisOptions: { ...common, ...auth, ...failFast },
        })
      : new Cluster(nodes, {
          lazyConnect: true,
          clusterRetryStrategy: retryStrategy,
          redisOptions: { ...common, ...auth, maxRetriesPerRequest: null },
        });
  }
  return options.mode === 'fail-fast'
    ? new Redis(url, { ...common, retryStrategy, enableOfflineQueue: false, ...failFast })
    : new Redis(url, { ...common, retryStrategy, maxRetriesPerRequest: null });
}

/** Whether a Redis answers PING at `url` — for a list of cluster seeds, at any of them — within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs: number): Promise<boolean> {
  for (const seed of url.split(',')) if (await probeOne(seed, timeoutMs)) return true;
  return false;
}

async function probeOne(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Connects and waits until the client is ready; rejects after `timeoutMs`. */
export async function connectRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
