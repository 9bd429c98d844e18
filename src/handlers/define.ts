import type { EventType } from '../events/catalog.js';
import type { AnyEvent, AppEvent, AppEventType, JobhookEvent } from '../events/types.js';
import type { FilterSpec } from './filter.js';
import type { HandlerContext } from './types.js';

/**
 * `defineHandler` and `defineConfig` (CONTRACT.md §5.3): identity functions that give TypeScript users the event
 * type narrowed from `on.type`. `on: { type: 'tencent.ci.job.succeeded' }` hands `handle` a
 * `JobhookEvent<'tencent.ci.job.succeeded'>`; a pattern narrows to every type it can match (`qiniu.pfop.*`,
 * `*.failed`); `app.*` patterns give `AppEvent`s; no `type` gives any event.
 */

/** The template literal type a pattern stands for: `*` → any string. */
type PatternType<P extends string> = P extends `${infer Head}*${infer Rest}`
  ? `${Head}${string}${PatternType<Rest>}`
  : P;

/** The provider events a pattern can match, as a union discriminated by `type`. */
type ProviderEventsOf<P extends string> =
  Extract<EventType, PatternType<P>> extends infer T
    ? T extends EventType
      ? JobhookEvent<T>
      : never
    : never;

/**
 * The emitted events a pattern can match: every pattern whose text before its first `*` agrees with `app.` —
 * `app.thumbs.*`, `*.failed`, `*`, but also `a*` or `ap*x` — and literal `app.…` types.
 */
type AppEventsOf<P extends string> = P extends `${infer Head}*${string}`
  ? Head extends `app.${string}`
    ? AppEventOf<PatternType<P>>
    : 'app.' extends `${Head}${string}`
      ? AppEventOf<PatternType<P>>
      : never
  : P extends AppEventType
    ? AppEvent<P>
    : never;

/** `AppEvent<T>` for a pattern's template type `T`, kept readable when `T` lies within `app.…` already. */
type AppEventOf<T extends string> = T extends AppEventType ? AppEvent<T> : AppEvent<T & AppEventType>;

/** The events a type pattern (or a list of them, or none) can match. */
export type EventsMatching<P> = [P] extends [string]
  ? string extends P
    ? AnyEvent
    : ProviderEventsOf<P> | AppEventsOf<P>
  : P extends readonly (infer Q extends string)[]
    ? EventsMatching<Q>
    : AnyEvent;

/** A filter whose `type` is `P`. */
export type FilterOf<P> = Omit<FilterSpec, 'type'> & { readonly type?: P };

type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

export interface RetryInput {
  readonly attempts?: number;
  readonly backoff?: 'exponential' | 'fixed';
  readonly delay?: Duration;
}

/** A module handler's default export: `handle` and what the configuration file may override. */
export interface HandlerDefinition<P = string> {
  readonly on?: FilterOf<P>;
  readonly retry?: RetryInput;
  readonly timeout?: Duration;
  readonly concurrency?: number;
  /** A property, not a method: its parameter is checked strictly, so `handle` cannot ask for a narrower event. */
  readonly handle: (event: EventsMatching<P>, ctx: HandlerContext) => unknown;
}

export function defineHandler<const P extends string | readonly string[] = string>(
  handler: HandlerDefinition<P>,
): HandlerDefinition<P> {
  return handler;
}

export interface ForwardInput {
  readonly url: string;
  readonly secret?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeout?: Duration;
}

interface EntryCommon<P> {
  readonly name: string;
  readonly on?: FilterOf<P>;
  readonly verify?: boolean;
  readonly retry?: RetryInput;
  readonly timeout?: Duration;
  readonly concurrency?: number;
}

/** A handler entry of a configuration module: a built-in, a module path, or code. */
export type HandlerEntryInput<P = string> = EntryCommon<P> &
  (
    | { readonly forward: ForwardInput }
    | { readonly module: string; readonly options?: Readonly<Record<string, unknown>> }
    | {
        readonly handle: (event: EventsMatching<P>, ctx: HandlerContext) => unknown;
        readonly options?: Readonly<Record<string, unknown>>;
      }
  );

export interface SubscriptionInput {
  readonly queue: string;
  readonly on: FilterSpec;
  readonly verify?: boolean;
  readonly retry?: RetryInput;
}

export interface ConfigInput<P extends readonly unknown[] = readonly unknown[]> {
  readonly handlers?: { readonly [K in keyof P]: HandlerEntryInput<P[K]> };
  readonly subscriptions?: readonly SubscriptionInput[];
}

/** `export default defineConfig({ handlers: [...], subscriptions: [...] })` in `jobhook.config.mjs`. */
export function defineConfig<const P extends readonly unknown[]>(config: ConfigInput<P>): ConfigInput<P> {
  return config;
}
