import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS } from '../src/body/parse.js';
import { DEFAULT_BODY_LIMIT_BYTES } from '../src/config.js';
import { JobhookError } from '../src/errors.js';
import { CloudEvent } from '../src/events/schema.js';
import type { JobhookEvent } from '../src/events/types.js';
import { decodeEvent, type EncodedEvent } from '../src/queue/encoded.js';
import { createProviders } from '../src/providers/index.js';
import { AUTO_ROUTE, createReceiver, type CallbackRequest } from '../src/receive/receiver.js';
import type { CallbackStore, QuarantineEntry, StoreReceipt } from '../src/queue/types.js';
import { loadFixtures } from './helpers/fixtures.js';

/**
 * Property tests of the framework-free core (decodeBody → parseDocument → provider detect/normalize), with an
 * in-memory store that records what it is given. Whatever the body, the outcome must be stored events that
 * are valid CloudEvents, a quarantine, or a JobhookError with a 4xx status: never another exception, never 5xx.
 */

/** At least 300 runs per property; set PROPERTY_RUNS for a longer hunt. */
const RUNS = Math.max(300, Number(process.env.PROPERTY_RUNS ?? 0) || 0);
/** Room for longer hunts; the default runs take well under a second each. */
const PROPERTY_TEST = { timeout: 20_000 + RUNS * 5 };

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

const fixtures = await loadFixtures();

// ---------------------------------------------------------------------------------------------------------------
// The core with a recording store

class RecordingStore implements CallbackStore {
  events: JobhookEvent[] = [];
  quarantine: QuarantineEntry[] = [];

  reset(): void {
    this.events = [];
    this.quarantine = [];
  }

  storeEvents(events: readonly EncodedEvent[]): Promise<StoreReceipt> {
    this.events.push(...events.map(decodeEvent));
    return Promise.resolve({
      events: events.map((e) => ({ id: e.id, type: e.type, duplicate: false })),
      spooled: false,
    });
  }

  storeQuarantine(entry: QuarantineEntry): Promise<{ readonly spooled: boolean }> {
    this.quarantine.push(entry);
    return Promise.resolve({ spooled: false });
  }

  isReady(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const store = new RecordingStore();
const limits = DEFAULT_DOCUMENT_LIMITS;
const receiver = createReceiver({
  providers: createProviders({ qiniuKeys: [], limits }),
  store,
  limits,
  bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
});

type Outcome =
  | { readonly kind: 'events'; readonly ids: readonly string[]; readonly types: readonly string[] }
  | { readonly kind: 'quarantined' }
  | { readonly kind: 'refused'; readonly code: string };

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);

/** Runs one request through the core and checks the outcome is one of the three allowed ones. */
async function receive(request: CallbackRequest): Promise<Outcome> {
  store.reset();
  let receipt;
  try {
    receipt = await receiver.receive(request);
  } catch (error) {
    if (!(error instanceof JobhookError))
      throw new Error(`an exception other than JobhookError: ${describeError(error)}`, { cause: error });
    expect(error.status, `${error.code}: ${error.message}`).toBeGreaterThanOrEqual(400);
    expect(error.status, `${error.code}: ${error.message}`).toBeLessThan(500);
    expect(store.events).toHaveLength(0);
    expect(store.quarantine).toHaveLength(0);
    return { kind: 'refused', code: error.code };
  }
  if (receipt.quarantined === true) {
    expect(receipt.events).toHaveLength(0);
    expect(store.events).toHaveLength(0);
    expect(store.quarantine).toHaveLength(1);
    return { kind: 'quarantined' };
  }
  expect(store.quarantine).toHaveLength(0);
  // accepted without an event and without quarantine would lose the callback
  expect(store.events.length).toBeGreaterThan(0);
  expect(receipt.events.map((e) => e.id)).toEqual(store.events.map((e) => e.id));
  for (const event of store.events) {
    // The real store writes JSON to Redis; the round trip is what consumers read.
    const checked = CloudEvent.safeParse(JSON.parse(JSON.stringify(event)));
    expect(checked.success, checked.error?.message).toBe(true);
    expect(CloudEvent.safeParse(event).success).toBe(true);
  }
  return { kind: 'events', ids: store.events.map((e) => e.id), types: store.events.map((e) => e.type) };
}

const request = (
  body: Uint8Array,
  route: string,
  headers: Readonly<Record<string, string>>,
  receivedAt = new Date(),
): CallbackRequest => ({
  route,
  method: 'POST',
  pathAndQuery: route === AUTO_ROUTE ? '/v1/callbacks' : `/v1/callbacks/${route}`,
  headers,
  body,
  receivedAt,
});

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

const routes = fc.constantFrom(AUTO_ROUTE, 'tencent-ci', 'qiniu', 'tdmq');
const contentTypes = fc.constantFrom(
  undefined,
  'application/xml',
  'application/json',
  'text/plain',
  'text/xml; charset=gbk',
  'application/json; charset=utf-16',
  'text/plain; charset=iso-8859-1',
  'text/plain; charset=x-unknown',
);
const headers = fc
  .record({
    contentType: contentTypes,
    messageId: fc.option(fc.constantFrom('1', '13510798882111492', ''), { nil: undefined }),
  })
  .map(({ contentType, messageId }) => ({
    ...(contentType === undefined ? {} : { 'content-type': contentType }),
    ...(messageId === undefined ? {} : { 'x-cmq-message-id': messageId }),
  }));

const encodings = fc.constantFrom('gzip', 'deflate', 'x-gzip', 'gzip, deflate', 'identity, gzip');
/** A Content-Encoding and what makes such a body (deflate as zlib and as raw deflate, as senders do). */
const COMPRESSORS: readonly (readonly [string, (body: Uint8Array) => Buffer])[] = [
  ['gzip', (b) => gzipSync(b)],
  ['x-gzip', (b) => gzipSync(b)],
  ['deflate', (b) => deflateSync(b)],
  ['deflate', (b) => deflateRawSync(b)],
  ['deflate, gzip', (b) => gzipSync(deflateSync(b))],
];

/** Tokens that steer random text into the parsers and the providers. */
const TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '<?xml version="1.0"?>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE',
  '<?',
  '?>',
  'Response',
  'EventName',
  'TaskFinish',
  'WorkflowFinish',
  'JobsDetail',
  'JobId',
  'State',
  'Success',
  'Failed',
  'Input',
  'Bucket',
  'Operation',
  'Output',
  'Object',
  'WorkflowExecution',
  'Tasks',
  'RunId',
  'EndTime',
  '__proto__',
  '&amp;',
  '&#x1F600;',
  '&#0;',
  '&nbsp;',
  '&',
  ';',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  '\r\n',
  'a',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"EventName"',
  '"JobsDetail"',
  '"JobId"',
  '"State"',
  '"id"',
  '"code"',
  '"items"',
  '"msgBody"',
  '"msgId"',
  '0',
  '1',
  '-',
  '2025-03-01T10:00:09+0800',
  'null',
  'true',
  '\\u0000',
  '\\"',
];
const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''));

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

// Mutations of fixture bodies, as data so a failure prints what was done.
type Mutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly from: number; readonly length: number; readonly to: number }
  | { readonly kind: 'rename'; readonly nth: number; readonly name: string; readonly everywhere: boolean }
  | { readonly kind: 'entity'; readonly at: number; readonly entity: string }
  | { readonly kind: 'value'; readonly nth: number; readonly value: string; readonly raw: boolean };

const position = fc.nat({ max: 1_000_000 });
const NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'Response',
  'JobsDetail',
  'EventName',
  'JobId',
  'State',
  'Input',
  'Operation',
  'Output',
  'MediaResult',
  'OutputFile',
  'ObjectName',
  'Workflow',
  'WorkflowExecution',
  'Tasks',
  'items',
  'code',
  'id',
  'key',
  'keys',
  'msgBody',
  'msgId',
  'x',
  '',
];
const ENTITIES = [
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x4e2d;',
  '&#x1F600;',
  '&#0;',
  '&#xD800;',
  '&#x110000;',
  '&nbsp;',
  '&foo;',
  '&',
  '&#',
  '&#x;',
  '&amp',
  '<![CDATA[&amp;]]>',
  '<!-- c -->',
  '\\u0000',
  '\\ud800',
  '\\"',
  '\u0000',
  '\uFEFF',
  '\r',
  '<',
  '>',
  '"',
  '{',
  '}',
  '[',
  ']',
];

/** Values that are well-formed but unusual for the providers' fields (times, states, codes, ids). */
const VALUES = [
  '',
  ' ',
  '-',
  '0',
  '0042',
  '-1',
  '3',
  '4',
  '5',
  '99',
  '1e400',
  '123456789012345678901234567890',
  '9007199254740991',
  'Success',
  'Failed',
  'Cancel',
  'Running',
  'Submitted',
  'Pause',
  'TaskFinish',
  'WorkflowFinish',
  'ReviewImage',
  '2025-03-01T10:00:09+0800',
  '2025-03-01T10:00:09.123456789+08:00',
  '2025-13-45T99:99:99+0800',
  '2025-03-01 10:00:09',
  '0000-00-00T00:00:00Z',
  '1700000000000',
  '${InputName}.mp4',
  'a/b/../c',
  '中文 😀',
  '\u0000',
  'x'.repeat(5000),
  'true',
  'null',
  '{}',
  '[]',
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: position,
    length: fc.integer({ min: 1, max: 400 }),
    to: position,
  }),
  fc.record({
    kind: fc.constant('rename' as const),
    nth: fc.nat({ max: 200 }),
    name: fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[A-Za-z_][\w.-]{0,12}$/)),
    everywhere: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('entity' as const), at: position, entity: fc.constantFrom(...ENTITIES) }),
  fc.record({
    kind: fc.constant('value' as const),
    nth: fc.nat({ max: 200 }),
    value: fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 20 })),
    raw: fc.boolean(),
  }),
);

const splice = (
  b: Uint8Array,
  at: number,
  remove: number,
  insert: Uint8Array = new Uint8Array(0),
): Uint8Array => new Uint8Array(Buffer.concat([b.subarray(0, at), insert, b.subarray(at + remove)]));

/** XML element names (start and end tags) and JSON object keys, with their offsets in the text. */
function names(text: string): { index: number; name: string }[] {
  const found: { index: number; name: string }[] = [];
  for (const m of text.matchAll(/<\/?([A-Za-z_][\w.:-]*)|"((?:[^"\\]|\\.)*)"\s*:/g)) {
    const name = m[1] ?? m[2] ?? '';
    const offset = m[1] !== undefined ? m[0].indexOf(name) : 1;
    found.push({ index: m.index + offset, name });
  }
  return found;
}

/** XML text between tags and JSON scalar values, with their offsets in the text. */
function values(text: string): { index: number; length: number; json: boolean }[] {
  const found: { index: number; length: number; json: boolean }[] = [];
  for (const m of text.matchAll(/>([^<]*)<|:\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g)) {
    const value = m[1] ?? m[2] ?? '';
    found.push({ index: m.index + m[0].indexOf(value, 1), length: value.length, json: m[2] !== undefined });
  }
  return found;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function mutate(body: Uint8Array, m: Mutation): Uint8Array {
  const n = body.length;
  switch (m.kind) {
    case 'truncate':
      return body.subarray(0, n === 0 ? 0 : m.at % n);
    case 'flip': {
      if (n === 0) return body;
      const copy = new Uint8Array(body);
      const at = m.at % n;
      copy[at] = (copy[at] ?? 0) ^ (1 << m.bit);
      return copy;
    }
    case 'insert':
      return splice(body, m.at % (n + 1), 0, new Uint8Array(m.bytes));
    case 'delete':
      return splice(body, n === 0 ? 0 : m.at % n, m.length);
    case 'duplicate': {
      if (n === 0) return body;
      const from = m.from % n;
      const slice = body.slice(from, from + m.length);
      return splice(body, m.to % (n + 1), 0, slice);
    }
    case 'rename': {
      const text = Buffer.from(body).toString('utf8');
      const all = names(text);
      const target = all[m.nth % Math.max(all.length, 1)];
      if (target === undefined) return body;
      const chosen = m.everywhere ? all.filter((x) => x.name === target.name) : [target];
      let out = text;
      for (const { index, name } of [...chosen].sort((a, b) => b.index - a.index))
        out = out.slice(0, index) + m.name + out.slice(index + name.length);
      return utf8(out);
    }
    case 'entity': {
      const text = Buffer.from(body).toString('utf8');
      const at = m.at % (text.length + 1);
      return utf8(text.slice(0, at) + m.entity + text.slice(at));
    }
    case 'value': {
      const text = Buffer.from(body).toString('utf8');
      const all = values(text);
      const target = all[m.nth % Math.max(all.length, 1)];
      if (target === undefined) return body;
      // `raw` writes a JSON value unquoted (a number, literal or nested document) and XML text unescaped
      const replacement = target.json
        ? m.raw
          ? m.value
          : JSON.stringify(m.value)
        : m.raw
          ? m.value
          : xmlEscape(m.value);
      return utf8(text.slice(0, target.index) + replacement + text.slice(target.index + target.length));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('the core never fails unexpectedly', () => {
  it('has fixtures to mutate', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  it('handles random Unicode text', PROPERTY_TEST, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        routes,
        headers,
        async (text, route, h) => {
          await receive(request(utf8(text), route, h));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('handles random bytes', PROPERTY_TEST, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), routes, headers, async (bytes, route, h) => {
        await receive(request(bytes, route, h));
      }),
      { numRuns: RUNS },
    );
  });

  it('handles random bytes after "<" or "{" (they reach the parsers)', PROPERTY_TEST, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('<', '{', '\uFEFF<', ' \r\n{'),
        fc.uint8Array({ maxLength: 400 }),
        routes,
        headers,
        async (start, bytes, route, h) => {
          await receive(request(new Uint8Array(Buffer.concat([Buffer.from(start), bytes])), route, h));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('handles random sequences of XML and JSON tokens', PROPERTY_TEST, async () => {
    await fc.assert(
      fc.asyncProperty(tokenText, routes, headers, async (text, route, h) => {
        await receive(request(utf8(text), route, h));
      }),
      { numRuns: RUNS },
    );
  });

  it('handles random JSON objects, also inside a TDMQ envelope', PROPERTY_TEST, async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const object = fc.dictionary(fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 8 })), json, {
      maxKeys: 6,
    });
    await fc.assert(
      fc.asyncProperty(object, fc.boolean(), routes, headers, async (o, wrap, route, h) => {
        const inner = JSON.stringify(o);
        const body = wrap ? JSON.stringify({ msgId: '1', topicName: 't', msgBody: inner }) : inner;
        await receive(request(utf8(body), route, h));
      }),
      { numRuns: RUNS },
    );
  });

  it('handles mutations of every fixture body', PROPERTY_TEST, async () => {
    let fixtureIndex = 0;
    // Each fixture is used in turn (not at random), so every one of them is mutated at least RUNS / count times.
    const runs = Math.max(RUNS, fixtures.length * 15);
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (mutations, auto) => {
          const fixture = fixtures[fixtureIndex++ % fixtures.length];
          if (fixture === undefined) return;
          const body = mutations.reduce(mutate, fixture.body);
          await receive(request(body, auto ? AUTO_ROUTE : fixture.route, fixture.headers));
        },
      ),
      { numRuns: runs },
    );
    expect(fixtureIndex).toBeGreaterThanOrEqual(fixtures.length);
  });

  it('handles random bytes declared gzip or deflate', PROPERTY_TEST, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        encodings,
        routes,
        headers,
        async (bytes, e, route, h) => {
          await receive(request(bytes, route, { ...h, 'content-encoding': e }));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('handles mutations of every fixture body, compressed', PROPERTY_TEST, async () => {
    let fixtureIndex = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COMPRESSORS),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        async ([encoding, compress], mutations) => {
          const fixture = fixtures[fixtureIndex++ % fixtures.length];
          if (fixture === undefined) return;
          const body = mutations.reduce(mutate, new Uint8Array(compress(fixture.body)));
          await receive(request(body, fixture.route, { ...fixture.headers, 'content-encoding': encoding }));
        },
      ),
      { numRuns: Math.max(RUNS, fixtures.length * 3) },
    );
  });

  it('handles every fixture body truncated at every tenth offset', PROPERTY_TEST, async () => {
    for (const fixture of fixtures) {
      const step = Math.max(1, Math.floor(fixture.body.length / 10));
      for (let at = 0; at < fixture.body.length; at += step)
        await receive(request(fixture.body.subarray(0, at), fixture.route, fixture.headers));
    }
  });
});

describe('unmodified fixtures', () => {
  it.each(fixtures.map((f) => [f.name, f] as const))(
    '%s gives the expected kind of result, stable across runs',
    async (_name, fixture) => {
      const first = await receive(
        request(fixture.body, fixture.route, fixture.headers, new Date('2026-01-01T00:00:00Z')),
      );
      const second = await receive(
        request(fixture.body, fixture.route, fixture.headers, new Date('2026-06-30T12:34:56Z')),
      );
      expect(second).toEqual(first);
      if (fixture.result === 'events') expect(first.kind).toBe('events');
      if (fixture.result === 'quarantined') expect(first.kind).toBe('quarantined');
      const auto = await receive(request(fixture.body, AUTO_ROUTE, fixture.headers));
      expect(auto.kind).not.toBe('refused');
    },
  );

  it.each(fixtures.map((f) => [f.name, f] as const))(
    '%s gives the same result compressed with every coding',
    async (_name, fixture) => {
      const receivedAt = new Date('2026-01-01T00:00:00Z');
      const plain = await receive(request(fixture.body, fixture.route, fixture.headers, receivedAt));
      for (const [encoding, compress] of COMPRESSORS) {
        const headers = { ...fixture.headers, 'content-encoding': encoding };
        const compressed = await receive(request(compress(fixture.body), fixture.route, headers, receivedAt));
        expect(compressed, encoding).toEqual(plain);
      }
    },
  );
});

describe('regressions (bugs the properties found)', () => {
  const ciJson = (input: string): Uint8Array =>
    utf8(`{"EventName":"TaskFinish","JobsDetail":{"JobId":"j1","State":"Success","Input":${input}}}`);

  // Was a bug (src/events/build.ts, eventSource): `encodeURIComponent(part)` throws URIError for a lone surrogate, which
  // JSON can carry as an escape (`"\ud800"`). A well-formed JSON callback whose Input.Bucket or Input.Region holds
  // one makes receive() throw a plain URIError, i.e. HTTP 500 (the provider retries it forever). Expected: a
  // stored event (or a quarantine / a 4xx), never a non-JobhookError.
  it.each([
    ['Input.Bucket', '{"Bucket":"\\ud800","Region":"ap-guangzhou"}'],
    ['Input.Region', '{"Bucket":"b-1250000000","Region":"\\udc00"}'],
  ])(
    'a lone surrogate in %s of a JSON CI callback does not throw a non-JobhookError',
    async (_where, input) => {
      await receive(request(ciJson(input), 'tencent-ci', { 'content-type': 'application/json' }));
    },
  );

  // The same, through src/providers/qiniu/normalize.ts (eventSource over inputBucket).
  it('a lone surrogate in a Qiniu inputBucket does not throw a non-JobhookError', async () => {
    const body = utf8(
      '{"id":"z0.abc","code":0,"desc":"ok","inputKey":"a.mp4","inputBucket":"\\ud800","items":[]}',
    );
    await receive(request(body, 'qiniu', { 'content-type': 'application/json' }));
  });

  // Was a bug (src/providers/qiniu/wire.ts, `Code`): a digit string of any length is accepted and turned into a Number,
  // so `"returnOld": "123456789012345678901234567890"` (or such an `errorIndex`) becomes 1.2345678901234568e+29.
  // The event is stored although it fails the published schema (PfopItem.returnOld / errorIndex are
  // `z.number().int()`, i.e. safe integers): consumers validating against schema/cloudevent.schema.json reject
  // it. Expected: a valid event (value kept or left out) or a quarantine.
  it.each([
    ['returnOld', '"returnOld":"123456789012345678901234567890"'],
    ['errorIndex', '"errorIndex":"99999999999999999999"'],
  ])(
    'a Qiniu item %s beyond 2^53 given as a string still gives a valid CloudEvent',
    async (_field, extra) => {
      const body = utf8(
        `{"id":"z0.abc","code":0,"inputKey":"a.mp4","inputBucket":"b","items":[{"cmd":"avthumb/mp4","code":0,"key":"o.mp4",${extra}}]}`,
      );
      await receive(request(body, 'qiniu', { 'content-type': 'application/json' }));
    },
  );
});
