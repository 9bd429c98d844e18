import type { JobhookEvent } from '../../events/types.js';
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
export const event: JobhookEvent<'tencent.ci.job.succeeded'> = {
  specversion: '1.0',
  id: '2f7c7d0e-3b8a-5c1e-9d4f-6a2b8c0e1f3a',
  source: '/tencent-ci/ap-guangzhou/demo-1250000000',
  type: 'tencent.ci.job.succeeded',
  subject: 'j9e3f5a7b1c2d11efa4e65254003d5e6f',
  time: '2025-03-01T10:03:07+08:00',
  datacontenttype: 'application/json',
  channel: 'http',
  receivedat: '2025-03-01T02:03:08.120Z',
  data: {
    provider: 'tencent-ci',
    kind: 'job',
    jobId: 'j9e3f5a7b1c2d11efa4e65254003d5e6f',
    state: 'succeeded',
    providerState: 'Success',
    tag: 'Animation',
    input: { region: 'ap-guangzhou', bucket: 'demo-1250000000', object: 'raw/2025/03/片段-001 ☃.mov' },
    outputs: [{ region: 'ap-guangzhou', bucket: 'demo-1250000000', object: 'anim/片段-001.gif' }],
    createdAt: '2025-03-01T10:03:00+08:00',
    startedAt: '2025-03-01T10:03:01+08:00',
    endedAt: '2025-03-01T10:03:07+08:00',
    detail: { JobId: 'j9e3f5a7b1c2d11efa4e65254003d5e6f' },
  },
};

/** Runs a forward as the runtime does; a `HandleFunction` returns `unknown`, a forward's is a promise. */
export const run = (forward: HandleFunction, ctx: HandlerContext): Promise<unknown> =>
  Promise.resolve(forward(event, ctx));
