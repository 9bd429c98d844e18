import type { Logger } from '../log.js';
import type { AnyEvent, AppEventType, JsonValue } from '../events/types.js';
import type { RetryPolicy } from './config/schema.js';
import type { Matcher } from './filter.js';
import type { Clouds } from '../providers/clouds.js';
import type { DescribeResult } from '../providers/describe.js';
import type { SubmitApi } from './submit/apis.js';
import type { SubmitRate } from './submit/rule.js';
import type { Submitted } from './submit/submitter.js';

/** What `ctx.emit` stored: the derived event's id, and whether an earlier run had already stored it. */
export interface Emitted {
  readonly id: string;
  readonly duplicate: boolean;
}

export interface EmitOptions {
  /** Tells apart several events of one type emitted by one run; part of the derived id. */
  readonly key?: string;
}

/** Where and how `ctx.submit` makes a follow-up job; bucket and region default to the event's own. */
export interface SubmitRequestOptions {
  readonly bucket?: string | undefined;
  readonly region?: string | undefined;
  /** No terminal event by then: `jobhook.job.overdue`, then polling. Milliseconds or a duration (`30m`); default 1h. */
  readonly deadline?: number | string | undefined;
  /** Tells apart several submissions of one run; each (event, handler, key) submits at most one job. */
  readonly key?: string | undefined;
}

/** The second argument of `handle` (CONTRACT.md §5.3). */
export interface HandlerContext<Options = Readonly<Record<string, unknown>>> {
  /** The handler's name. */
  readonly handler: string;
  /** A pino logger whose lines carry the event id, the handler and the attempt. */
  readonly log: Logger;
  /** 1 on the first run of this (event, handler), 2 on the first retry, … */
  readonly attempt: number;
  /** Aborted when the run's timeout passes and when the shutdown grace period ends. */
  readonly signal: AbortSignal;
  /** The handler entry's `options`, frozen. */
  readonly options: Options;
  /**
   * Stores a derived event in `jobhook-events` (type `app.…`). Its id comes from the causing event, the handler,
   * the type and `key`, so a run that is retried emits no second copy.
   */
  emit(type: AppEventType, data: JsonValue, options?: EmitOptions): Promise<Emitted>;
  /** The signed cloud clients whose credentials are set (CONTRACT.md §6.1); absent when none are. */
  readonly clouds?: Clouds;
  /** The provider's current record of the event's job (CONTRACT.md §6.2); absent without credentials. */
  describe?(): Promise<DescribeResult>;
  /**
   * Submits a follow-up job once only (CONTRACT.md §6.3): through retries, duplicates and a worker killed at any
   * moment, each (event, handler, key) makes at most one job. Absent without credentials.
   */
  submit?(
    api: SubmitApi,
    request: Record<string, unknown>,
    options?: SubmitRequestOptions,
  ): Promise<Submitted>;
}

export type HandleFunction<E = AnyEvent, Options = Readonly<Record<string, unknown>>> = (
  event: E,
  ctx: HandlerContext<Options>,
) => unknown;

export type HandlerKind = 'forward' | 'module' | 'code' | 'submit';

/** A handler as the runtime uses it: validated, merged with its module, its filter compiled. Frozen. */
export interface HandlerSpec {
  readonly name: string;
  /** Its BullMQ queue: one job per (event, handler). */
  readonly queue: string;
  readonly kind: HandlerKind;
  /** Where it comes from, for logs: `forward https://…`, `module /srv/handlers/audit.mjs`, `code`. */
  readonly origin: string;
  readonly matches: Matcher;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly options: Readonly<Record<string, unknown>>;
  /** Whether it gets events only once the provider confirmed them (CONTRACT.md §5.4). */
  readonly verify: boolean;
  /** A `submit` rule's api (its provider's credentials are needed at start) and rate over every worker. */
  readonly submit?: { readonly api: SubmitApi; readonly rate: SubmitRate | undefined } | undefined;
  readonly handle: HandleFunction;
}

/** A subscription: matching events are copied into `queue` (job id = event id). */
export interface SubscriptionSpec {
  readonly queue: string;
  readonly matches: Matcher;
  /** Attempts and backoff the copies carry for the consumer; undefined: BullMQ's default of one attempt. */
  readonly retry: RetryPolicy | undefined;
  /** Whether only events the provider confirmed are copied. */
  readonly verify: boolean;
}

/** Everything the configuration file says, ready to run. */
export interface HandlerConfig {
  /** The file it came from; undefined when there is none (no handlers, events stay in jobhook-events). */
  readonly file: string | undefined;
  readonly handlers: readonly HandlerSpec[];
  readonly subscriptions: readonly SubscriptionSpec[];
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_FORWARD_TIMEOUT_MS = 15_000;
