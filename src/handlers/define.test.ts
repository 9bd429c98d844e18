import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventType } from '../events/catalog.js';
import type { AnyEvent, AppEvent, JobhookEvent } from '../events/types.js';
import { defineConfig, defineHandler, type EventsMatching } from './define.js';
import type { HandlerContext } from './types.js';

/**
 * Type tests: `npm run typecheck` enforces them (tsc reads test files), vitest only runs the identity checks. Each
 * `@ts-expect-error` line is an access that must not compile; if narrowing broke, the line would compile and tsc
 * would report the directive as unused.
 */

type PfopEvent = JobhookEvent<
  'qiniu.pfop.succeeded' | 'qiniu.pfop.failed' | 'qiniu.pfop.canceled' | 'qiniu.pfop.pending'
>;
/** Reads a value, for lines that only have to compile (or not). */
const use = (value: unknown): unknown => value;

type Distributed<T extends EventType> = T extends EventType ? JobhookEvent<T> : never;

describe('EventsMatching', () => {
  it('narrows literals, patterns and lists of them', () => {
    expectTypeOf<EventsMatching<'tencent.ci.job.succeeded'>>().toEqualTypeOf<
      JobhookEvent<'tencent.ci.job.succeeded'>
    >();
    expectTypeOf<EventsMatching<'qiniu.pfop.*'>>().toEqualTypeOf<
      Distributed<'qiniu.pfop.succeeded' | 'qiniu.pfop.failed' | 'qiniu.pfop.canceled' | 'qiniu.pfop.pending'>
    >();
    expectTypeOf<EventsMatching<'tencent.*.canceled'>>().toEqualTypeOf<
      Distributed<
        | 'tencent.ci.job.canceled'
        | 'tencent.ci.workflow.canceled'
        | 'tencent.cos.batch.canceled'
        | 'tencent.ci.inventory.canceled'
      >
    >();
    expectTypeOf<
      EventsMatching<readonly ['qiniu.pfop.failed', 'tencent.ci.workflow.succeeded']>
    >().toEqualTypeOf<JobhookEvent<'qiniu.pfop.failed'> | JobhookEvent<'tencent.ci.workflow.succeeded'>>();
    expectTypeOf<EventsMatching<'app.thumbs.ready'>>().toEqualTypeOf<AppEvent<'app.thumbs.ready'>>();
    expectTypeOf<EventsMatching<'app.thumbs.*'>>().toEqualTypeOf<AppEvent<`app.thumbs.${string}`>>();
  });

  it('includes emitted events for every pattern that can match app.…', () => {
    expectTypeOf<EventsMatching<'*.failed'>>().toEqualTypeOf<
      | Distributed<
          | 'tencent.ci.job.failed'
          | 'tencent.ci.workflow.failed'
          | 'qiniu.pfop.failed'
          | 'tencent.cos.batch.failed'
          | 'tencent.ci.inventory.failed'
        >
      | AppEvent<`${string}.failed` & `app.${string}`>
    >();
    expectTypeOf<EventsMatching<'*'>>().toEqualTypeOf<Distributed<EventType> | AppEvent>();
    expectTypeOf<AppEvent<'app.x'>>().toExtend<EventsMatching<'ap*'>>();
    expectTypeOf<AppEvent<'app.x'>>().toExtend<EventsMatching<'a*x'>>();
    expectTypeOf<AppEvent<'app.x'>>().not.toExtend<EventsMatching<'tencent.*'>>();
  });

  it('is any event without a type', () => {
    expectTypeOf<EventsMatching<string>>().toEqualTypeOf<AnyEvent>();
    expectTypeOf<EventsMatching<unknown>>().toEqualTypeOf<AnyEvent>();
    expectTypeOf<EventsMatching<undefined>>().toEqualTypeOf<AnyEvent>();
  });
});

describe('defineHandler', () => {
  it('hands handle the event narrowed from on.type, and returns its argument', () => {
    const handler = {
      on: { type: 'tencent.ci.job.succeeded' },
      handle(event: JobhookEvent<'tencent.ci.job.succeeded'>) {
        return event.id;
      },
    } as const;
    expect(defineHandler(handler)).toBe(handler);

    defineHandler({
      on: { type: 'tencent.ci.job.succeeded' },
      handle(event, ctx) {
        expectTypeOf(event).toEqualTypeOf<JobhookEvent<'tencent.ci.job.succeeded'>>();
        expectTypeOf(event.data.provider).toEqualTypeOf<'tencent-ci'>();
        expectTypeOf(event.data.kind).toEqualTypeOf<'job'>();
        expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
        // @ts-expect-error a job event's tasks are optional: not a list to index without a check
        use(event.data.tasks.length);
        // @ts-expect-error the pattern excludes every other type
        use(event.type === 'tencent.ci.job.failed');
      },
    });
  });

  it('narrows patterns, lists and app.* patterns', () => {
    defineHandler({
      on: { type: 'qiniu.pfop.*' },
      handle(event) {
        expectTypeOf(event).toEqualTypeOf<
          Distributed<
            'qiniu.pfop.succeeded' | 'qiniu.pfop.failed' | 'qiniu.pfop.canceled' | 'qiniu.pfop.pending'
          >
        >();
        expectTypeOf(event).toExtend<PfopEvent>();
        expectTypeOf(event.data.provider).toEqualTypeOf<'qiniu'>();
        // @ts-expect-error no pfop type is a CI type
        use(event.type === 'tencent.ci.job.succeeded');
      },
    });
    defineHandler({
      on: { type: ['tencent.ci.workflow.succeeded', 'qiniu.pfop.failed'] },
      handle(event) {
        expectTypeOf(event.type).toEqualTypeOf<'tencent.ci.workflow.succeeded' | 'qiniu.pfop.failed'>();
        if (event.type === 'tencent.ci.workflow.succeeded') expectTypeOf(event.data.tasks).toBeArray();
        else expectTypeOf(event.data.provider).toEqualTypeOf<'qiniu'>();
        // @ts-expect-error not in the list
        use(event.type === 'qiniu.pfop.succeeded');
      },
    });
    defineHandler({
      on: { type: 'app.thumbs.*', data: { size: 'large' } },
      handle(event) {
        expectTypeOf(event).toEqualTypeOf<AppEvent<`app.thumbs.${string}`>>();
        // @ts-expect-error an emitted event's data is any JSON, not a provider's record
        use(event.data.provider);
      },
    });
    defineHandler({
      on: { type: '*.failed' },
      handle(event) {
        expectTypeOf(event.type).toExtend<`${string}.failed`>();
        // @ts-expect-error *.failed matches no succeeded event
        use(event.type === 'qiniu.pfop.succeeded');
      },
    });
  });

  it('hands any event without a type', () => {
    defineHandler({
      handle(event) {
        expectTypeOf(event).toEqualTypeOf<AnyEvent>();
      },
    });
    defineHandler({
      on: { source: '/qiniu/*' },
      handle(event) {
        expectTypeOf(event).toEqualTypeOf<AnyEvent>();
      },
    });
  });

  it('refuses a handle that asks for a narrower event than the pattern gives', () => {
    defineHandler({
      on: { type: 'qiniu.pfop.*' },
      // @ts-expect-error handle would get canceled and pending pfop events too
      handle(event: JobhookEvent<'qiniu.pfop.failed'>) {
        return event;
      },
    });
    // @ts-expect-error a type is a pattern or a list of them
    defineHandler({ on: { type: 5 }, handle: () => undefined });
  });
});

describe('defineConfig', () => {
  it('narrows each handler entry on its own, and returns its argument', () => {
    const config = defineConfig({
      handlers: [
        {
          name: 'pfop',
          on: { type: 'qiniu.pfop.*' },
          handle(event) {
            expectTypeOf(event.data.provider).toEqualTypeOf<'qiniu'>();
            expectTypeOf(event.type).toEqualTypeOf<
              'qiniu.pfop.succeeded' | 'qiniu.pfop.failed' | 'qiniu.pfop.canceled' | 'qiniu.pfop.pending'
            >();
          },
        },
        {
          name: 'ci',
          on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
          options: { table: 'audit' },
          handle(event, ctx) {
            expectTypeOf(event).toEqualTypeOf<JobhookEvent<'tencent.ci.job.succeeded'>>();
            expectTypeOf(ctx.options).toEqualTypeOf<Readonly<Record<string, unknown>>>();
            // @ts-expect-error this entry's pattern excludes pfop events
            use(event.type === 'qiniu.pfop.failed');
          },
        },
        {
          name: 'emitted',
          on: { type: ['app.a', 'app.b.*'] },
          handle(event) {
            expectTypeOf(event).toEqualTypeOf<AppEvent<'app.a'> | AppEvent<`app.b.${string}`>>();
          },
        },
        { name: 'all', handle: (event) => expectTypeOf(event).toEqualTypeOf<AnyEvent>() },
        { name: 'hook', on: { type: '*' }, forward: { url: 'https://example.com', timeout: '5s' } },
        { name: 'audit', on: { type: '*' }, module: './audit.mjs', options: { table: 'audit' } },
      ],
      subscriptions: [{ queue: 'media-done', on: { type: 'tencent.ci.job.succeeded' } }],
    });
    expect(config.handlers).toHaveLength(6);
    expect(defineConfig(config)).toBe(config);
  });

  it('refuses entries that are not a handler', () => {
    defineConfig({
      handlers: [
        // @ts-expect-error a handler has one of forward, module or handle
        { name: 'none', on: { type: '*' } },
      ],
    });
    defineConfig({
      handlers: [
        {
          name: 'narrow',
          on: { type: 'qiniu.pfop.*' },
          // @ts-expect-error handle would get canceled and pending pfop events too
          handle: (event: JobhookEvent<'qiniu.pfop.failed'>) => event,
        },
      ],
    });

    defineConfig({
      handlers: [
        {
          name: 'bad',
          on: { type: 'tencent.ci.job.*' },
          handle(event) {
            // @ts-expect-error this entry's pattern excludes app events
            use(event.type === 'app.x');
          },
        },
      ],
    });
  });
});
