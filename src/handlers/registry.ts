import { handlerQueue } from '../queue/queues.js';
import { isPlainObject } from './config/env.js';
import { loadConfigFile, type LoadOptions, type LoadedEntry } from './config/load.js';
import { RetrySchema } from './config/schema.js';
import { compileFilter } from './filter.js';
import { createForward } from './forward/index.js';
import { submitHandler } from './submit/rule.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUT_MS,
  type HandleFunction,
  type HandlerConfig,
  type HandlerSpec,
  type SubscriptionSpec,
} from './types.js';

/** No configuration file: no handlers, and `jobhook-events` is left to downstream consumers. */
export const NO_HANDLERS: HandlerConfig = Object.freeze({ file: undefined, handlers: [], subscriptions: [] });

/**
 * Reads the configuration file and makes every handler and subscription ready to run: modules loaded once,
 * module and file settings merged (the file's win), defaults applied, filters compiled, all frozen.
 */
export async function loadHandlers(options: LoadOptions): Promise<HandlerConfig> {
  const loaded = await loadConfigFile(options);
  if (loaded === undefined) return NO_HANDLERS;
  const handlers = loaded.handlers.map(handlerSpec);
  const subscriptions = loaded.config.subscriptions.map((entry): SubscriptionSpec =>
    Object.freeze({
      queue: entry.queue,
      matches: compileFilter(entry.on),
      retry: entry.retry,
      verify: entry.verify ?? false,
    }),
  );
  return Object.freeze({
    file: loaded.file,
    handlers: Object.freeze(handlers),
    subscriptions: Object.freeze(subscriptions),
  });
}

const DEFAULT_RETRY = RetrySchema.parse({});

/** The runtime form of one entry (loadConfigFile checked that it has a filter and one kind of handler). */
function handlerSpec({ entry, module }: LoadedEntry): HandlerSpec {
  const own = module?.exported;
  const on = entry.on ?? own?.on;
  if (on === undefined) throw new Error(`handler ${entry.name}: no filter (loadConfigFile checks this)`);
  let handle: HandleFunction;
  let kind: HandlerSpec['kind'];
  let origin: string;
  if (entry.forward !== undefined) {
    handle = createForward(entry.forward);
    kind = 'forward';
    origin = `forward ${new URL(entry.forward.url).origin}`;
  } else if (own !== undefined && module !== undefined) {
    handle = own.handle as HandleFunction;
    kind = 'module';
    origin = `module ${module.path}`;
  } else if (entry.submit !== undefined) {
    handle = submitHandler(entry.submit);
    kind = 'submit';
    origin = `submit ${entry.submit.api}`;
  } else if (entry.handle !== undefined) {
    handle = entry.handle as HandleFunction;
    kind = 'code';
    origin = 'code';
  } else throw new Error(`handler ${entry.name}: no forward, module or handle (the schema checks this)`);
  return Object.freeze({
    name: entry.name,
    queue: handlerQueue(entry.name),
    kind,
    origin,
    matches: compileFilter(on),
    retry: Object.freeze(entry.retry ?? own?.retry ?? DEFAULT_RETRY),
    timeoutMs: entry.timeout ?? own?.timeout ?? DEFAULT_TIMEOUT_MS,
    concurrency: entry.concurrency ?? own?.concurrency ?? DEFAULT_CONCURRENCY,
    options: deepFreeze(entry.options ?? {}),
    verify: entry.verify ?? false,
    submit:
      entry.submit === undefined
        ? undefined
        : Object.freeze({ api: entry.submit.api, rate: entry.submit.rate }),
    handle,
  });
}

function deepFreeze<T>(value: T): T {
  if (Array.isArray(value)) for (const item of value) deepFreeze(item);
  else if (isPlainObject(value)) for (const item of Object.values(value)) deepFreeze(item);
  return Object.freeze(value);
}
