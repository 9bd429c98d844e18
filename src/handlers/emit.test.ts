import { describe, expect, it } from 'vitest';
import { uuidV5 } from '../events/id.js';
import { AppCloudEvent } from '../events/schema.js';
import type { AppEventType, JsonValue } from '../events/types.js';
import type { EncodedEvent } from '../queue/encoded.js';
import type { CallbackStore } from '../queue/types.js';
import { derivedEvent, emitter } from './emit.js';
import { NonRetryableError } from './errors.js';
import { appEvent, jobEvent } from './test-events.js';

const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
const anyString: unknown = expect.any(String);
const now = new Date('2026-10-02T00:12:34.567Z');
const cause = jobEvent();

describe('derivedEvent', () => {
  it('is an app event of the handler, caused by the event, that validates against AppCloudEvent', () => {
    const event = derivedEvent(cause, 'thumbs', 'app.thumbs.ready', { count: 3, keys: ['a', null] }, {}, now);
    expect(event).toEqual({
      specversion: '1.0',
      id: matching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      source: '/jobhook/thumbs',
      type: 'app.thumbs.ready',
      subject: cause.subject,
      time: '2026-10-02T00:12:34.567Z',
      datacontenttype: 'application/json',
      data: { count: 3, keys: ['a', null] },
      causationid: cause.id,
      correlationid: cause.id,
    });
    expect(AppCloudEvent.parse(event)).toEqual(event);
  });

  it('keeps the correlation of a chain, and has no subject when its cause has none', () => {
    const withoutSubject = appEvent({ correlationid: 'first-of-chain' });
    const event = derivedEvent(withoutSubject, 'next', 'app.next', null, {}, now);
    expect(event.causationid).toBe(withoutSubject.id);
    expect(event.correlationid).toBe('first-of-chain');
    expect(event).not.toHaveProperty('subject');
    expect(AppCloudEvent.parse(event)).toEqual(event);
  });

  it('has an id derived from (cause, handler, type, key) only: the same on every run, not from time or data', () => {
    const id = (c = cause, handler = 'thumbs', type: AppEventType = 'app.thumbs.ready', key?: string) =>
      derivedEvent(c, handler, type, 1, key === undefined ? {} : { key }, now).id;
    expect(id()).toBe(
      derivedEvent(cause, 'thumbs', 'app.thumbs.ready', { other: 'data' }, {}, new Date(0)).id,
    );
    expect(id()).toBe(uuidV5(`emit/${JSON.stringify([cause.id, 'thumbs', 'app.thumbs.ready', null])}`));
    const others = [
      id(jobEvent({ id: 'another-event' })),
      id(cause, 'thumbs-2'),
      id(cause, 'thumbs', 'app.thumbs.failed'),
      id(cause, 'thumbs', 'app.thumbs.ready', 'page-1'),
      id(cause, 'thumbs', 'app.thumbs.ready', ''),
    ];
    expect(new Set([id(), ...others]).size).toBe(6);
  });

  it('tells apart ids and keys that a plain join would run together', () => {
    const a = derivedEvent(jobEvent({ id: 'c/h/app.t/x' }), 'h2', 'app.u', 1, { key: 'k' }, now);
    const b = derivedEvent(jobEvent({ id: 'c' }), 'h', 'app.t', 1, { key: 'x/h2/app.u/k' }, now);
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    'app',
    'app.',
    'app..x',
    'app.x.',
    'application.x',
    'app.x y',
    'app.x/y',
    'tencent.ci.job.succeeded',
    '',
  ])('refuses the type %j for good', (type) => {
    const emit = () => derivedEvent(cause, 'h', type as AppEventType, 1, {}, now);
    expect(emit).toThrow(NonRetryableError);
    expect(emit).toThrow(expect.objectContaining({ code: 'InvalidEmit', retryable: false }));
  });

  it.each([
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', { a: Number.POSITIVE_INFINITY }],
    ['a function', { f: () => 1 }],
    ['a Date', new Date(0)],
    [
      'a class instance',
      new (class Thing {
        readonly kind = 'thing';
      })(),
    ],
    ['undefined in an array', [1, undefined]],
  ])('refuses %s as data for good', (_, data) => {
    const emit = () => derivedEvent(cause, 'h', 'app.x', data as JsonValue, {}, now);
    expect(emit).toThrow(expect.objectContaining({ name: 'NonRetryableError', code: 'InvalidEmit' }));
  });
});

describe('emitter', () => {
  function store(duplicate: boolean) {
    const stored: EncodedEvent[][] = [];
    const events: CallbackStore = {
      storeEvents: (batch) => {
        stored.push([...batch]);
        return Promise.resolve({
          events: batch.map((e) => ({ id: e.id, type: e.type, duplicate })),
          spooled: false,
        });
      },
      storeQuarantine: () => Promise.reject(new Error('not in these tests')),
      isReady: () => Promise.resolve(true),
      close: () => Promise.resolve(),
    };
    return { stored, store: events };
  }

  it('stores the derived event in jobhook-events, and says whether it was there already', async () => {
    for (const duplicate of [false, true]) {
      const { stored, store: events } = store(duplicate);
      const emitted = await emitter(events)(cause, 'thumbs', 'app.thumbs.ready', { n: 1 }, { key: 'k' });
      const expected = derivedEvent(cause, 'thumbs', 'app.thumbs.ready', { n: 1 }, { key: 'k' });
      expect(emitted).toEqual({ id: expected.id, duplicate });
      expect(stored).toHaveLength(1);
      expect(stored[0]).toEqual([{ id: expected.id, type: 'app.thumbs.ready', json: anyString }]);
      const json = JSON.parse(stored[0]?.[0]?.json ?? '') as unknown;
      expect(AppCloudEvent.parse(json)).toMatchObject({
        id: expected.id,
        data: { n: 1 },
        causationid: cause.id,
      });
    }
  });

  it('refuses data it cannot write as JSON for good, storing nothing', async () => {
    const { stored, store: events } = store(false);
    const cyclic: Record<string, JsonValue> = {};
    cyclic.self = cyclic;
    await expect(emitter(events)(cause, 'h', 'app.x', cyclic)).rejects.toMatchObject({
      name: 'NonRetryableError',
      code: 'InvalidEmit',
    });
    await expect(emitter(events)(cause, 'h', 'x.y' as AppEventType, 1)).rejects.toBeInstanceOf(
      NonRetryableError,
    );
    expect(stored).toEqual([]);
  });
});
