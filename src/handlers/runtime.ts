import type { AnyEvent } from '../events/types.js';
import { cloudContext, type CloudRuntime } from './cloud-context.js';
import type { Logger } from '../log.js';
import type { Emitted, EmitOptions, HandlerContext, HandlerSpec } from './types.js';
import type { AppEventType, JsonValue } from '../events/types.js';

/** A run cut because the worker is shutting down: not a failed attempt, the run goes back to its queue. */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
}

/** A run that passed its handler's `timeout`: a failed attempt, retried like any other failure. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
  readonly code = 'Timeout';
  constructor(timeoutMs: number) {
    super(`the handler did not finish within its timeout of ${timeoutMs} ms`);
  }
}

export interface RunOptions {
  readonly attempt: number;
  /** Aborted when the shutdown grace period ends: the run is cut (RunInterrupted). */
  readonly shutdown: AbortSignal;
  readonly logger: Logger;
  /** Stores a derived event on behalf of this run (`ctx.emit`). */
  readonly emit: (
    cause: AnyEvent,
    handler: string,
    type: AppEventType,
    data: JsonValue,
    options?: EmitOptions,
  ) => Promise<Emitted>;
  /** The clouds, when credentials are set: `ctx.clouds`, `ctx.describe` and `ctx.submit`. */
  readonly cloud?: CloudRuntime | undefined;
}

/**
 * Runs one attempt of a handler on an event: `handle(event, ctx)` with the context of CONTRACT.md §5.3. Resolves
 * when the handler does; rejects with what it threw, with HandlerTimeoutError when it outlives its timeout (its
 * signal is aborted then, and what it does after is not awaited), or with RunInterrupted when the shutdown grace
 * period ends first. The framework-free core of a handler run: the BullMQ processor is one call into it.
 */
export async function runHandler(spec: HandlerSpec, event: AnyEvent, options: RunOptions): Promise<void> {
  if (options.shutdown.aborted) throw new RunInterrupted('the worker is shutting down');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new HandlerTimeoutError(spec.timeoutMs)), spec.timeoutMs);
  const onShutdown = (): void => controller.abort(new RunInterrupted('the shutdown grace period ended'));
  options.shutdown.addEventListener('abort', onShutdown, { once: true });
  const ctx: HandlerContext = {
    handler: spec.name,
    log: options.logger.child({ eventId: event.id, handler: spec.name, attempt: options.attempt }),
    attempt: options.attempt,
    signal: controller.signal,
    options: spec.options,
    emit: (type, data, emitOptions) => options.emit(event, spec.name, type, data, emitOptions),
    ...(options.cloud === undefined ? {} : cloudContext(options.cloud, event, spec.name, controller.signal)),
  };
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
      once: true,
    });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([Promise.resolve().then(() => spec.handle(event, ctx)), aborted]);
  } catch (error) {
    // Whatever the handler threw once its signal was aborted, the abort is the reason the run ended.
    if (controller.signal.aborted) throw controller.signal.reason as Error;
    throw asError(error);
  } finally {
    clearTimeout(timer);
    options.shutdown.removeEventListener('abort', onShutdown);
  }
}

/**
 * What a handler threw, as an Error (BullMQ and the dead-letter entry read `name`, `message`, `code`): an Error as
 * it is; a thrown object's `name`, `message`, `code` and `retryable` kept (so `throw { retryable: false }` still
 * stops the run); anything else as the message. The thrown value is the cause.
 */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const fields = typeof thrown === 'object' && thrown !== null ? (thrown as Record<string, unknown>) : {};
  const message = typeof fields.message === 'string' ? fields.message : describeThrown(thrown);
  const error = new Error(`the handler threw a non-Error: ${message}`, { cause: thrown });
  if (typeof fields.name === 'string') error.name = fields.name;
  for (const key of ['code', 'retryable'] as const)
    if (fields[key] !== undefined)
      Object.defineProperty(error, key, { value: fields[key], enumerable: true });
  return error;
}

function describeThrown(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}
