import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { AnyEvent } from '../../src/events/types.js';
import type { HandlerContext } from '../../src/handlers/types.js';
import { startJobhook, type RunningJobhook } from './jobhook.js';
import type { RedisServer } from './redis-server.js';

/** One handler run as the test handlers record it. */
export interface Run {
  readonly handler: string;
  readonly id: string;
  readonly type: string;
  readonly attempt: number;
  readonly channel: string | undefined;
  readonly startedAt: number;
}

/** What a test makes a handler do, after its run was recorded. */
export type Hook = (event: AnyEvent, ctx: HandlerContext) => unknown;

interface Shared {
  runs: Run[];
  hooks: Record<string, Hook | undefined>;
}

const KEY = Symbol.for('jobhook.test.handlers');

/** The state the configuration modules of these tests share with the test (same process). */
export function shared(): Shared {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  return (holder[KEY] ??= { runs: [], hooks: {} });
}

export interface HandlerEntry {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly retry?: Record<string, unknown>;
  readonly timeout?: number | string;
  readonly concurrency?: number;
  readonly options?: Record<string, unknown>;
  /** A built-in forward instead of the recording handler. */
  readonly forward?: Record<string, unknown>;
}

export interface HarnessConfig {
  readonly handlers: readonly HandlerEntry[];
  readonly subscriptions?: readonly Record<string, unknown>[];
}

/**
 * A `jobhook.config.mjs` whose handlers record every run in the shared state and then do what the test's hook
 * for that handler says: real configuration file, real loader, real runtime.
 */
function configModule(config: HarnessConfig): string {
  return `
const key = Symbol.for('jobhook.test.handlers');
const state = (globalThis[key] ??= { runs: [], hooks: {} });
async function handle(event, ctx) {
  state.runs.push({ handler: ctx.handler, id: event.id, type: event.type, attempt: ctx.attempt, channel: event.channel, startedAt: Date.now() });
  const hook = state.hooks[ctx.handler];
  if (hook) return hook(event, ctx);
}
export default {
  handlers: ${JSON.stringify(config.handlers)}.map((entry) => (entry.forward ? entry : { ...entry, handle })),
  subscriptions: ${JSON.stringify(config.subscriptions ?? [])},
};
`;
}

export interface Harness {
  readonly jobhook: RunningJobhook;
  readonly runs: Run[];
  readonly hooks: Record<string, Hook | undefined>;
  readonly dir: string;
  queue(name: string): Queue;
  stop(): Promise<void>;
}

/** jobhook in this process (role `all` unless `env` says otherwise) with a configuration file made of `config`. */
/**
 * Writes the configuration module of `config` into a new temporary folder (a new URL per start: ES modules are
 * cached by URL) and clears the shared runs and hooks.
 */
export async function writeHarnessConfig(config: HarnessConfig): Promise<{ dir: string; file: string }> {
  const state = shared();
  state.runs.length = 0;
  for (const name of Object.keys(state.hooks)) state.hooks[name] = undefined;
  const dir = await mkdtemp(join(tmpdir(), 'jobhook-handlers-'));
  const file = join(dir, 'jobhook.config.mjs');
  await writeFile(file, configModule(config));
  return { dir, file };
}

export async function startHarness(
  redis: RedisServer,
  config: HarnessConfig,
  env: Record<string, string> = {},
): Promise<Harness> {
  const state = shared();
  const { dir, file } = await writeHarnessConfig(config);
  const jobhook = await startJobhook(redis, {
    JOBHOOK_ROLE: 'all',
    JOBHOOK_CONFIG: file,
    JOBHOOK_LOCK_DURATION_MS: '2000',
    ...env,
  });
  const queues: Queue[] = [];
  return {
    jobhook,
    runs: state.runs,
    hooks: state.hooks,
    dir,
    queue(name) {
      const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
      queues.push(queue);
      return queue;
    },
    async stop() {
      await jobhook.stop();
      await Promise.all(queues.map((q) => q.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds or `timeoutMs` passed; returns whether it held. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
