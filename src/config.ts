import { resolve } from 'node:path';
import { z } from 'zod';
import { cidrList } from './auth/client-address.js';
import type { QiniuKey } from './providers/qiniu/signature.js';

/** `none` only internally: the primary of forked receivers that runs no role itself. */
export type Role = 'all' | 'http' | 'worker' | 'none';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** The base URL printed for registration; derived from host and port unless set. */
  readonly publicUrl: string | undefined;
  /** The Redis URL, or with `redisCluster` the comma-separated seed nodes of a Redis Cluster. */
  readonly redisUrl: string;
  readonly redisCluster: boolean;
  readonly redisPrefix: string;
  /** `auto`: start a private redis-server when nothing answers at REDIS_URL and the binary exists. */
  readonly embeddedRedis: 'auto' | 'never';
  readonly tokens: readonly string[];
  readonly allowUnauthenticated: boolean;
  readonly role: Role;
  /** Receiver processes sharing the port (node:cluster); 1 runs the receiver in this process. */
  readonly httpProcesses: number;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly storeTimeoutMs: number;
  readonly dedupeWindowMs: number;
  /** How long completed jobs stay in jobhook-events (seconds); BullMQ removes older ones as jobs complete. */
  readonly completedRetentionSeconds: number;
  readonly shutdownGraceMs: number;
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly qiniuKeys: readonly QiniuKey[];
  /** Client addresses allowed to send callbacks (undefined: any). */
  readonly allowCidrs: readonly string[];
  /** Proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies: readonly string[];
  /** Failed authentications allowed per client address and minute before 429 (0: no limit). */
  readonly authFailuresPerMinute: number;
  /** Callback requests allowed per client address and second (0: no limit). */
  readonly rateLimitPerSecond: number;
  /** Largest size of the local spool used while Redis cannot take callbacks; 0 turns the spool off. */
  readonly spoolMaxBytes: number;
  /** `JOBHOOK_CONFIG`: the handler configuration file; undefined: `./jobhook.config.*` when present. */
  readonly configFile: string | undefined;
  /** BullMQ's lock duration and stall-check interval for workers (a dead worker's runs return within ~2×). */
  readonly lockDurationMs: number;
  /** Events of jobhook-events one worker process dispatches at once. */
  readonly dispatchConcurrency: number;
}

/** `JOBHOOK_BODY_LIMIT` when unset: 4 MiB, on the wire and once decoded. */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()))
  .transform((items) => items.filter((s) => s !== ''));

const Env = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  JOBHOOK_PUBLIC_URL: z.url().optional(),
  REDIS_URL: z
    .string()
    .regex(
      /^rediss?:\/\/[^,]+(,rediss?:\/\/[^,]+)*$/,
      'must be redis:// or rediss:// URLs (comma-separated for a cluster)',
    )
    .default('redis://127.0.0.1:6379'),
  JOBHOOK_REDIS_CLUSTER: flag.default(false),
  JOBHOOK_REDIS_PREFIX: z.string().min(1).default('bull'),
  JOBHOOK_EMBEDDED_REDIS: z.enum(['auto', 'never']).default('auto'),
  JOBHOOK_TOKENS: list.default([]),
  JOBHOOK_ALLOW_UNAUTHENTICATED: flag.default(false),
  JOBHOOK_ROLE: z.enum(['all', 'http', 'worker']).default('all'),
  JOBHOOK_HTTP_PROCESSES: int(1, 64).default(1),
  JOBHOOK_DATA_DIR: z.string().min(1).default('./.jobhook'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JOBHOOK_BODY_LIMIT: int(1024, 256 * 1024 * 1024).default(DEFAULT_BODY_LIMIT_BYTES),
  JOBHOOK_REQUEST_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  JOBHOOK_STORE_TIMEOUT_MS: int(50, 60_000).default(2000),
  JOBHOOK_DEDUPE_WINDOW_SECONDS: int(1, 365 * 24 * 3600).default(7 * 24 * 3600),
  JOBHOOK_COMPLETED_RETENTION_SECONDS: int(0, 365 * 24 * 3600).default(24 * 3600),
  JOBHOOK_SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  JOBHOOK_MAX_DEPTH: int(4, 1000).default(64),
  JOBHOOK_MAX_ELEMENTS: int(10, 10_000_000).default(50_000),
  JOBHOOK_QINIU_KEYS: list.default([]),
  JOBHOOK_SPOOL_MAX_BYTES: int(0, 1024 ** 4).default(256 * 1024 * 1024),
  JOBHOOK_ALLOW_CIDRS: list.default([]),
  JOBHOOK_TRUSTED_PROXIES: list.default([]),
  JOBHOOK_AUTH_FAILURES_PER_MINUTE: int(0, 1_000_000).default(30),
  JOBHOOK_RATE_LIMIT_PER_SECOND: int(0, 1_000_000).default(0),
  JOBHOOK_CONFIG: z.string().min(1).optional(),
  JOBHOOK_LOCK_DURATION_MS: int(1000, 600_000).default(30_000),
  JOBHOOK_DISPATCH_CONCURRENCY: int(1, 1000).default(32),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The variables of `schema` from `env` (unset and empty ones left out), or a `ConfigError` that names each variable
 * and what is wrong with it — never its value, which may be a secret.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<S> {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Reads and validates the environment once; the result is frozen and passed down. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const e = parseEnv(Env, env);
  // Redis hashes what stands between the first '{' and the next '}', when that is not empty.
  if (e.JOBHOOK_REDIS_CLUSTER && !/^[^{]*\{[^}]+\}/.test(e.JOBHOOK_REDIS_PREFIX))
    throw new ConfigError(
      'invalid configuration: JOBHOOK_REDIS_PREFIX: on a Redis Cluster it must hold a hash tag such as {jobhook}, ' +
        "so that each queue's keys share one slot (BullMQ's scripts need that)",
    );
  if (!e.JOBHOOK_REDIS_CLUSTER && e.REDIS_URL.includes(','))
    throw new ConfigError(
      'invalid configuration: REDIS_URL: several URLs are only for JOBHOOK_REDIS_CLUSTER=true',
    );
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.JOBHOOK_PUBLIC_URL?.replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL,
    redisCluster: e.JOBHOOK_REDIS_CLUSTER,
    redisPrefix: e.JOBHOOK_REDIS_PREFIX,
    embeddedRedis: e.JOBHOOK_EMBEDDED_REDIS,
    tokens: Object.freeze(e.JOBHOOK_TOKENS),
    allowUnauthenticated: e.JOBHOOK_ALLOW_UNAUTHENTICATED,
    role: e.JOBHOOK_ROLE,
    httpProcesses: e.JOBHOOK_HTTP_PROCESSES,
    dataDir: resolve(e.JOBHOOK_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.JOBHOOK_BODY_LIMIT,
    requestTimeoutMs: e.JOBHOOK_REQUEST_TIMEOUT_MS,
    storeTimeoutMs: e.JOBHOOK_STORE_TIMEOUT_MS,
    dedupeWindowMs: e.JOBHOOK_DEDUPE_WINDOW_SECONDS * 1000,
    completedRetentionSeconds: e.JOBHOOK_COMPLETED_RETENTION_SECONDS,
    shutdownGraceMs: e.JOBHOOK_SHUTDOWN_GRACE_MS,
    maxDepth: e.JOBHOOK_MAX_DEPTH,
    maxElements: e.JOBHOOK_MAX_ELEMENTS,
    qiniuKeys: Object.freeze(e.JOBHOOK_QINIU_KEYS.map(parseQiniuKey)),
    spoolMaxBytes: e.JOBHOOK_SPOOL_MAX_BYTES,
    allowCidrs: Object.freeze(checkCidrs('JOBHOOK_ALLOW_CIDRS', e.JOBHOOK_ALLOW_CIDRS)),
    trustedProxies: Object.freeze(checkCidrs('JOBHOOK_TRUSTED_PROXIES', e.JOBHOOK_TRUSTED_PROXIES)),
    authFailuresPerMinute: e.JOBHOOK_AUTH_FAILURES_PER_MINUTE,
    rateLimitPerSecond: e.JOBHOOK_RATE_LIMIT_PER_SECOND,
    configFile: e.JOBHOOK_CONFIG,
    lockDurationMs: e.JOBHOOK_LOCK_DURATION_MS,
    dispatchConcurrency: e.JOBHOOK_DISPATCH_CONCURRENCY,
  });
}

function checkCidrs(variable: string, entries: string[]): string[] {
  try {
    cidrList(entries);
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: ${variable}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return entries;
}

function parseQiniuKey(pair: string): QiniuKey {
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1)
    throw new ConfigError(
      'invalid configuration: JOBHOOK_QINIU_KEYS: each entry must be <accessKey>:<secretKey>',
    );
  return { accessKey: pair.slice(0, colon), secretKey: pair.slice(colon + 1) };
}
