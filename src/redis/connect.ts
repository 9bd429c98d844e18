import { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** Shown in `CLIENT LIST`. */
  readonly name: string;
  /**
   * `fail-fast` for the receiver: no offline queue and no retried commands, so a request during an outage
   * fails at once (and is answered 503) instead of waiting. `blocking` for BullMQ workers.
   */
  readonly mode: 'fail-fast' | 'blocking';
  readonly connectTimeoutMs: number;
}

export function createRedis(url: string, options: RedisClientOptions): Redis {
  const retryStrategy = (attempt: number): number => Math.min(100 * 2 ** Math.min(attempt, 6), 2000);
  const common = {
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs,
    lazyConnect: true,
    retryStrategy,
  };
  return options.mode === 'fail-fast'
    ? new Redis(url, {
        ...common,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
      })
    : new Redis(url, { ...common, maxRetriesPerRequest: null });
}

/** Whether a Redis answers PING at `url` within `timeoutMs`. Never throws. */
export async function probeRedis(url: string, timeoutMs: number): Promise<boolean> {
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
export async function connectRedis(client: Redis, timeoutMs: number): Promise<void> {
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
