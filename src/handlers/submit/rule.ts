import { z } from 'zod';
import type { AnyEvent } from '../../events/types.js';
import { durationBetween } from '../duration.js';
import { NonRetryableError } from '../errors.js';
import type { HandleFunction } from '../types.js';
import { SUBMIT_APIS, type SubmitApi } from './apis.js';
import type { SubmitTarget } from './submitter.js';
import { compileTemplates } from './template.js';

/** Without a `deadline`, a follow-up job is overdue an hour after its submission (CONTRACT.md §6.3). */
export const DEFAULT_DEADLINE_MS = 3_600_000;

const RATE = /^(\d+)\s*\/\s*(s|m|h)$/;
const RATE_UNITS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A submission rate, `20/s`, `600/m`, `1000/h`: at most `max` jobs per `durationMs`, over every worker. */
export interface SubmitRate {
  readonly max: number;
  readonly durationMs: number;
}

const Rate = z.string().transform((text, ctx): SubmitRate => {
  const match = RATE.exec(text.trim());
  const max = Number(match?.[1]);
  if (match === null || !Number.isSafeInteger(max) || max < 1 || max > 100_000) {
    ctx.addIssue({ code: 'custom', message: 'a rate such as 20/s, 600/m or 1000/h (1 to 100000 per unit)' });
    return z.NEVER;
  }
  return { max, durationMs: RATE_UNITS[match[2] as keyof typeof RATE_UNITS] };
});

/** A `submit` rule of the configuration file (CONTRACT.md §6.3). */
export const SubmitRuleSchema = z
  .strictObject({
    api: z.enum(SUBMIT_APIS, { error: `must be one of ${SUBMIT_APIS.join(', ')}` }),
    bucket: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    request: z.record(z.string(), z.unknown()),
    deadline: durationBetween(1000, 30 * 86_400_000).optional(),
    rate: Rate.optional(),
  })
  .superRefine((rule, ctx) => {
    for (const key of ['bucket', 'region', 'request'] as const) {
      const { problems } = compileTemplates(rule[key]);
      for (const message of problems) ctx.addIssue({ code: 'custom', path: [key], message });
    }
    if (rule.api === 'tencent-cos-batch.job' && rule.region === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        message: 'a COS batch job needs its region in the rule',
      });
    if (rule.api === 'tencent-ci.workflow')
      for (const key of ['workflowId', 'object'])
        if (typeof rule.request[key] !== 'string' || rule.request[key] === '')
          ctx.addIssue({
            code: 'custom',
            path: ['request', key],
            message: 'a triggered workflow needs workflowId and object',
          });
  });

export type SubmitRule = z.output<typeof SubmitRuleSchema>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Where a follow-up job goes when neither the rule nor the handler says: the event's `data.input`, then its first
 * output, then its `source` (`/<provider>/<region>/<bucket>`; Qiniu: `/qiniu/<bucket>`).
 */
export function defaultTarget(event: AnyEvent): SubmitTarget {
  const data: Record<string, unknown> = isObject(event.data) ? event.data : {};
  const input = isObject(data['input']) ? data['input'] : {};
  const outputs = Array.isArray(data['outputs']) ? (data['outputs'] as unknown[]) : [];
  const first = isObject(outputs[0]) ? outputs[0] : {};
  const parts = event.source.split('/').map((part) => (part === '-' ? '' : decodeURIComponent(part)));
  const [, provider, ...rest] = parts;
  const fromSource =
    provider === 'qiniu'
      ? { bucket: text(rest[0]), region: undefined }
      : { region: text(rest[0]), bucket: text(rest[1]) };
  return {
    bucket: text(input['bucket']) ?? text(first['bucket']) ?? fromSource.bucket,
    region: text(input['region']) ?? text(first['region']) ?? fromSource.region,
  };
}

/** The handler of a `submit` rule: the request rendered over the event, then `ctx.submit` (once only). */
export function submitHandler(rule: SubmitRule): HandleFunction {
  const request = compileTemplates(rule.request).render;
  const bucket = rule.bucket === undefined ? undefined : compileTemplates(rule.bucket).render;
  const region = rule.region === undefined ? undefined : compileTemplates(rule.region).render;
  const api: SubmitApi = rule.api;
  return async (event, ctx) => {
    if (ctx.submit === undefined)
      throw new NonRetryableError(`${api}: no cloud credentials for it are set`, { code: 'NoCredentials' });
    await ctx.submit(api, request(event), {
      bucket: bucket?.(event),
      region: region?.(event),
      deadline: rule.deadline ?? DEFAULT_DEADLINE_MS,
    });
  };
}
