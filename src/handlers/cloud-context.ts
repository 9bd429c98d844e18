import { isJobEvent } from '../events/job-event.js';
import type { AnyEvent } from '../events/types.js';
import type { Clouds } from '../providers/clouds.js';
import type { Describer } from '../providers/describe.js';
import { parseDuration } from './duration.js';
import { NonRetryableError } from './errors.js';
import type { Submitter } from './submit/submitter.js';
import { DEFAULT_DEADLINE_MS, defaultTarget } from './submit/rule.js';
import type { HandlerContext } from './types.js';

/** What the worker has of the clouds: the clients whose credentials are set, re-query, and once-only submission. */
export interface CloudRuntime {
  readonly clouds: Clouds;
  readonly describer: Describer;
  readonly submit: Submitter;
}

/** `ctx.clouds`, `ctx.describe` and `ctx.submit` of one run of `handler` on `event` (CONTRACT.md §5.3). */
export function cloudContext(
  cloud: CloudRuntime,
  event: AnyEvent,
  handler: string,
  signal: AbortSignal,
): Pick<HandlerContext, 'clouds' | 'describe' | 'submit'> {
  return {
    clouds: cloud.clouds,
    describe: () => {
      if (!isJobEvent(event))
        return Promise.reject(
          new NonRetryableError(`${event.type} is not a provider's job event: there is no job to describe`, {
            code: 'NotAJob',
          }),
        );
      return cloud.describer.describeEvent(event, signal);
    },
    submit: (api, request, options = {}) => {
      const deadline = options.deadline === undefined ? DEFAULT_DEADLINE_MS : parseDuration(options.deadline);
      if (deadline === undefined || deadline < 1000)
        return Promise.reject(
          new NonRetryableError(
            `submit: deadline ${String(options.deadline)} is not a duration of 1s or more`,
          ),
        );
      const fallback = defaultTarget(event);
      return cloud.submit(event, handler, api, request, {
        target: { bucket: options.bucket ?? fallback.bucket, region: options.region ?? fallback.region },
        deadlineMs: deadline,
        key: options.key,
        signal,
      });
    },
  };
}
