import type { JobhookEvent } from '../../events/types.js';
import { jobEvent } from '../test-events.js';
import { createLogger } from '../../log.js';
import type { HandleFunction, HandlerContext } from '../types.js';

/** A handler context for tests: a real pino logger at debug whose lines are kept in `logs`. */
export function testContext(overrides: { attempt?: number; signal?: AbortSignal } = {}): {
  ctx: HandlerContext;
  logs: () => string;
} {
  const lines: string[] = [];
  const log = createLogger('debug', { write: (line: string) => lines.push(line) });
  const ctx: HandlerContext = {
    handler: 'notify-archive-service',
    log: log.child({ handler: 'notify-archive-service' }),
    attempt: overrides.attempt ?? 1,
    signal: overrides.signal ?? new AbortController().signal,
    options: {},
    emit: () => Promise.reject(new Error('a forward emits nothing')),
  };
  return { ctx, logs: () => lines.join('') };
}

/** A stored event as a forward gets it; its object key is not ASCII, so the body's bytes are UTF-8 for real. */
export const event: JobhookEvent<'tencent.ci.job.succeeded'> = (() => {
  const base = jobEvent();
  return jobEvent({
    id: '2f7c7d0e-3b8a-5c1e-9d4f-6a2b8c0e1f3a',
    channel: 'http',
    receivedat: '2026-10-02T00:11:59.120Z',
    data: {
      ...base.data,
      tag: 'Animation',
      input: { region: 'ap-guangzhou', bucket: 'media-1250000000', object: 'raw/2025/03/片段-001 ☃.mov' },
      outputs: [{ region: 'ap-guangzhou', bucket: 'media-1250000000', object: 'anim/片段-001.gif' }],
    },
  });
})();

/** Runs a forward as the runtime does; a `HandleFunction` returns `unknown`, a forward's is a promise. */
export const run = (forward: HandleFunction, ctx: HandlerContext): Promise<unknown> =>
  Promise.resolve(forward(event, ctx));
