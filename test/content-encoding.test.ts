import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES } from '../src/config.js';
import { PROVIDERS_DIR } from './helpers/fixtures.js';
import {
  flush,
  quarantined,
  startJobhook,
  storedEvents,
  withToken,
  type RunningJobhook,
} from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';
import { zerosBomb } from './helpers/zip-bomb.js';

/**
 * Content-Encoding on callbacks (CONTRACT §1), through the real server: gzip and deflate bodies are decoded, the
 * body limit applying to the decoded bytes; a body that does not decode is 400, another coding 415, and a body is
 * never parsed as if its declared coding were absent. Nothing is stored for any refusal.
 */

const LIMIT = DEFAULT_BODY_LIMIT_BYTES;
const CI = withToken('/v1/callbacks/tencent-ci');
const fixture = (name: string): Promise<Buffer> => readFile(join(PROVIDERS_DIR, 'tencent-ci/fixtures', name));

let redis: RedisServer;
let jobhook: RunningJobhook;
let xml: Buffer;
let json: Buffer;
/** The event ids each body gives when sent without a coding. */
const plainIds = new Map<Buffer, string[]>();

interface Answer {
  events?: { id: string; type: string; duplicate: boolean }[];
  quarantined?: boolean;
  error?: { code: string };
}

const send = async (
  body: Uint8Array,
  encoding: string | undefined,
  path = CI,
): Promise<{ status: number; body: Answer }> => {
  const response = await jobhook.post(
    path,
    body,
    encoding === undefined ? {} : { 'content-encoding': encoding },
  );
  return { status: response.status, body: (await response.json()) as Answer };
};

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis);
  xml = await fixture('transcode-succeeded.xml');
  json = await fixture('transcode-succeeded.json');
  for (const body of [xml, json]) {
    await flush(redis);
    const plain = await send(body, undefined);
    expect(plain.status).toBe(200);
    plainIds.set(
      body,
      (plain.body.events ?? []).map((e) => e.id),
    );
  }
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});
beforeEach(() => flush(redis));

/** Sends `encoded` and checks it is stored as the plain body is: 200, new events, the same ids. */
async function expectStoredAsPlain(plain: Buffer, encoded: Uint8Array, encoding: string): Promise<void> {
  const { status, body } = await send(encoded, encoding);
  expect(status, JSON.stringify(body)).toBe(200);
  const ids = plainIds.get(plain);
  expect(ids).toHaveLength(1);
  expect(body.events?.map((e) => e.id)).toEqual(ids);
  expect(body.events?.every((e) => !e.duplicate)).toBe(true);
  expect((await storedEvents(redis)).map((e) => e.id)).toEqual(ids);
}

/** Sends `encoded` and checks the refusal, and that neither an event nor a quarantine entry was stored. */
async function expectRefused(
  encoded: Uint8Array,
  encoding: string,
  status: number,
  code: string,
): Promise<void> {
  const answer = await send(encoded, encoding);
  expect(answer.status).toBe(status);
  expect(answer.body.error?.code).toBe(code);
  expect(await storedEvents(redis)).toHaveLength(0);
  expect(await quarantined(redis)).toHaveLength(0);
}

describe('decoded codings', () => {
  const codings = [
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
  ] as const;
  it.each(['xml', 'json'] as const)(
    'stores gzip, x-gzip, zlib and raw deflate %s like the plain body',
    async (format) => {
      const plain = format === 'xml' ? xml : json;
      for (const [encoding, encode] of codings) {
        await flush(redis);
        await expectStoredAsPlain(plain, encode(plain), encoding);
      }
    },
  );

  it.each([
    ['gzip, identity', gzipSync],
    ['identity, gzip', gzipSync],
    ['GZIP', gzipSync],
    ['Deflate', deflateSync],
    ['X-GZIP', gzipSync],
    ['deflate, gzip', (b: Buffer) => gzipSync(deflateSync(b))],
  ] as const)('honours Content-Encoding: %s', async (encoding, encode) => {
    await expectStoredAsPlain(json, encode(json), encoding);
  });

  it.each(['', 'identity', 'Identity'])('reads Content-Encoding: %j as no coding', async (encoding) => {
    await expectStoredAsPlain(xml, xml, encoding);
  });

  it('keeps a quarantined body as received, next to its Content-Encoding', async () => {
    const unknown = Buffer.from('{"someone":"else","status":"done"}');
    const encoded = gzipSync(unknown);
    const { status, body } = await send(encoded, 'gzip', withToken('/v1/callbacks'));
    expect(status).toBe(200);
    expect(body.quarantined).toBe(true);
    const [entry] = await quarantined(redis);
    expect(entry?.headers['content-encoding']).toBe('gzip');
    expect(Buffer.from(entry?.body ?? '', 'base64')).toEqual(encoded);
  });
});

describe('refused bodies', () => {
  it('answers 400 for a body that is not what its Content-Encoding says, never parsing it as plain', async () => {
    await expectRefused(json, 'gzip', 400, 'InvalidContentEncoding');
    await expectRefused(xml, 'deflate', 400, 'InvalidContentEncoding');
  });

  it('answers 400 for truncated gzip and deflate', async () => {
    await expectRefused(gzipSync(json).subarray(0, -8), 'gzip', 400, 'InvalidContentEncoding');
    await expectRefused(deflateSync(xml).subarray(0, -4), 'deflate', 400, 'InvalidContentEncoding');
  });

  it('answers 400 for bytes after the end of the stream', async () => {
    await expectRefused(
      Buffer.concat([gzipSync(json), Buffer.alloc(8)]),
      'gzip',
      400,
      'InvalidContentEncoding',
    );
    await expectRefused(
      Buffer.concat([deflateSync(json), deflateSync(xml)]),
      'deflate',
      400,
      'InvalidContentEncoding',
    );
  });

  it.each(['br', 'zstd', 'compress', 'gzip, br', 'whatever'])(
    'answers 415 for Content-Encoding: %s',
    async (encoding) => {
      await expectRefused(json, encoding, 415, 'UnsupportedContentEncoding');
    },
  );

  it('counts refused codings in jobhook_http_errors_total', async () => {
    await send(json, 'br');
    await send(json, 'gzip');
    const metrics = await (await fetch(`${jobhook.url}/metrics`)).text();
    expect(metrics).toMatch(/jobhook_http_errors_total\{code="UnsupportedContentEncoding"\} [1-9]/);
    expect(metrics).toMatch(/jobhook_http_errors_total\{code="InvalidContentEncoding"\} [1-9]/);
  });
});

describe('the body limit applies to the decoded bytes', () => {
  /** The JSON callback padded with blanks to exactly `size` bytes (the same document, the same event). */
  const padded = (size: number): Buffer => {
    const padding = size - json.length;
    return Buffer.concat([Buffer.from('{'), Buffer.alloc(padding, 0x20), json.subarray(1)]);
  };

  it('accepts a decoded body of exactly the limit and refuses one byte more with 413', async () => {
    await expectStoredAsPlain(json, gzipSync(padded(LIMIT)), 'gzip');
    await flush(redis);
    await expectRefused(gzipSync(padded(LIMIT + 1)), 'gzip', 413, 'PayloadTooLarge');
    await expectRefused(deflateSync(padded(LIMIT + 1)), 'deflate', 413, 'PayloadTooLarge');
  });

  it.each(['gzip', 'zlib'] as const)('answers 413 for a 1 GiB %s bomb of about 1 MB', async (format) => {
    const bomb = zerosBomb(format, 1024);
    expect(bomb.length).toBeLessThan(LIMIT);
    await expectRefused(bomb, format === 'gzip' ? 'gzip' : 'deflate', 413, 'PayloadTooLarge');
  });
});
