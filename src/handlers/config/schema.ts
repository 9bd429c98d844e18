import { z } from 'zod';
import { Duration, durationBetween } from '../duration.js';
import { FilterSchema } from '../filter.js';
import { SubmitRuleSchema } from '../submit/rule.js';

/**
 * The configuration file (CONTRACT.md §5.1): what is written in it, checked in full at start. Every object is
 * strict — an unknown key is an error, so a misspelt option never passes silently. The checks across keys run
 * even when a key's own value is wrong (`when: always`), so every problem is listed at once; they read the value
 * defensively, since it is then only partly checked.
 */

const always = (): boolean => true;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export const HANDLER_NAME = /^[a-z0-9-]{1,64}$/;

/** BullMQ queue names: no `:` (it separates key parts); `jobhook-` is jobhook's own. */
const QUEUE_NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

export const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(1000).default(5),
  backoff: z.enum(['exponential', 'fixed']).default('exponential'),
  delay: durationBetween(0, 7 * 86_400_000).default(1000),
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers a forward sets itself; a configured one would break the signature or the body's meaning. */
export const FORWARD_OWN_HEADERS = [
  'content-type',
  'content-length',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];

/** A Standard Webhooks secret: base64, optionally after `whsec_`. */
const WebhookSecret = z.string().refine((secret) => {
  const body = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  return body.length >= 4 && body.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(body);
}, 'must be base64 (optionally after whsec_), as Standard Webhooks secrets are');

export const ForwardSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  secret: WebhookSecret.optional(),
  headers: z
    .record(
      z
        .string()
        .regex(HEADER_NAME, 'not a header name')
        .refine((name) => !FORWARD_OWN_HEADERS.includes(name.toLowerCase()), 'set by jobhook itself'),
      z.string(),
    )
    .optional(),
  timeout: durationBetween(1, 600_000).optional(),
});

const HandleFunction = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'must be a function',
);

/** What a handler entry of the file may hold; exactly one of forward, module, handle and submit. */
export const HandlerEntrySchema = z
  .strictObject({
    name: z.string().regex(HANDLER_NAME, 'must be 1 to 64 characters of a-z, 0-9 and -'),
    on: FilterSchema.optional(),
    verify: z.boolean().optional(),
    submit: SubmitRuleSchema.optional(),
    forward: ForwardSchema.optional(),
    module: z.string().min(1).optional(),
    handle: HandleFunction.optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    retry: RetrySchema.optional(),
    timeout: durationBetween(1, 24 * 3_600_000).optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
  })
  .superRefine(
    (entry, ctx) => {
      if (!isObject(entry)) return;
      const kinds = (['forward', 'module', 'handle', 'submit'] as const).filter(
        (k) => entry[k] !== undefined,
      );
      if (kinds.length !== 1)
        ctx.addIssue({
          code: 'custom',
          message:
            kinds.length === 0
              ? 'a handler needs one of forward, module, handle or submit'
              : `a handler has one of forward, module, handle or submit, not ${kinds.join(' and ')}`,
        });
      if (entry.options !== undefined && entry.module === undefined && entry.handle === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['options'],
          message: 'options are for module and handle handlers (forward and submit take none)',
        });
    },
    { when: always },
  );

export const SubscriptionSchema = z.strictObject({
  queue: z
    .string()
    .regex(QUEUE_NAME, 'a queue name: letters, digits, _, . and -, at most 100, no :')
    .refine((name) => !name.startsWith('jobhook-'), 'queue names starting with jobhook- are jobhook’s own'),
  on: FilterSchema,
  verify: z.boolean().optional(),
  /** Attempts and backoff the copies carry, for the consumer's BullMQ worker (default: one attempt). */
  retry: RetrySchema.optional(),
});

export const ConfigFileSchema = z
  .strictObject({
    handlers: z.array(HandlerEntrySchema).default([]),
    subscriptions: z.array(SubscriptionSchema).default([]),
  })
  .superRefine(
    (file, ctx) => {
      const handlers = isObject(file) ? file.handlers : undefined;
      if (!Array.isArray(handlers)) return;
      const seen = new Map<string, number>();
      handlers.forEach((handler: unknown, i) => {
        const name = isObject(handler) ? handler.name : undefined;
        if (typeof name !== 'string') return;
        const first = seen.get(name);
        if (first !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['handlers', i, 'name'],
            message: `the name ${name} is taken by handlers[${first}]`,
          });
        else seen.set(name, i);
      });
    },
    { when: always },
  );

/** What a module handler's default export may hold (CONTRACT.md §5.3). */
export const ModuleExportSchema = z.strictObject({
  on: FilterSchema.optional(),
  retry: RetrySchema.optional(),
  timeout: durationBetween(1, 24 * 3_600_000).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
  handle: HandleFunction,
});

export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type HandlerEntry = z.output<typeof HandlerEntrySchema>;
export type SubscriptionEntry = z.output<typeof SubscriptionSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;
export type ForwardOptions = z.output<typeof ForwardSchema>;
export { Duration };
