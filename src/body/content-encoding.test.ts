import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { settledBufferMemory } from '../../test/helpers/gc.js';
import { thrown } from '../../test/helpers/thrown.js';
import { zerosBomb } from '../../test/helpers/zip-bomb.js';
import { contentCodings, decodeContent, MAX_CODINGS, type ContentCoding } from './content-encoding.js';

const LIMIT = 4 * 1024 * 1024;
const text = Buffer.from('{"EventName":"TaskFinish","JobsDetail":{"JobId":"j1","State":"Success"}}');

const decoded = async (body: Uint8Array, codings: readonly ContentCoding[], limit = LIMIT): Promise<string> =>
  Buffer.from(await decodeContent(body, codings, limit)).toString('utf8');

const refusal = (body: Uint8Array, codings: readonly ContentCoding[], limit = LIMIT): Promise<unknown> =>
  decodeContent(body, codings, limit);

describe('contentCodings', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['identity', []],
    ['gzip', ['gzip']],
    ['x-gzip', ['gzip']],
    ['GZIP', ['gzip']],
    ['X-Gzip', ['gzip']],
    ['deflate', ['deflate']],
    ['Deflate', ['deflate']],
    ['gzip, identity', ['gzip']],
    ['identity,gzip', ['gzip']],
    [' gzip\t', ['gzip']],
    [', gzip,,', ['gzip']],
    // Applied left to right by the sender, so undone right to left.
    ['deflate, gzip', ['gzip', 'deflate']],
    ['gzip, deflate, gzip', ['gzip', 'deflate', 'gzip']],
  ] as const)('reads %j as %j', (header, codings) => {
    expect(contentCodings(header)).toEqual(codings);
  });

  it.each(['br', 'zstd', 'compress', 'x-compress', 'exi', 'pack200-gzip', 'gzip;q=1', 'gzip, br', 'bogus'])(
    'refuses %j with 415 UnsupportedContentEncoding',
    (header) => {
      const error = thrown(() => contentCodings(header));
      expect(error.code).toBe('UnsupportedContentEncoding');
      expect(error.status).toBe(415);
    },
  );

  it(`refuses more than ${MAX_CODINGS} codings`, () => {
    expect(contentCodings(Array<string>(MAX_CODINGS).fill('gzip').join(','))).toHaveLength(MAX_CODINGS);
    expect(
      thrown(() =>
        contentCodings(
          Array<string>(MAX_CODINGS + 1)
            .fill('gzip')
            .join(','),
        ),
      ).status,
    ).toBe(415);
  });
});

describe('decodeContent', () => {
  it('decodes gzip, zlib deflate and raw deflate', async () => {
    expect(await decoded(gzipSync(text), ['gzip'])).toBe(text.toString());
    expect(await decoded(deflateSync(text), ['deflate'])).toBe(text.toString());
    expect(await decoded(deflateRawSync(text), ['deflate'])).toBe(text.toString());
  });

  it('undoes stacked codings in the order given', async () => {
    expect(await decoded(gzipSync(deflateSync(text)), ['gzip', 'deflate'])).toBe(text.toString());
    await expect(refusal(gzipSync(deflateSync(text)), ['deflate', 'gzip'])).rejects.toMatchObject({
      code: 'InvalidContentEncoding',
    });
  });

  it('reads gzip members one after the other as one body (RFC 1952 §2.2)', async () => {
    const half = text.length >> 1;
    const members = Buffer.concat([gzipSync(text.subarray(0, half)), gzipSync(text.subarray(half))]);
    expect(await decoded(members, ['gzip'])).toBe(text.toString());
  });

  it.each([
    ['a body that is not gzip', text, 'gzip'],
    ['a body that is not deflate', text, 'deflate'],
    ['a zlib body declared gzip', deflateSync(text), 'gzip'],
    ['a gzip body declared deflate', gzipSync(text), 'deflate'],
    ['an empty body', Buffer.alloc(0), 'gzip'],
    ['truncated gzip', gzipSync(text).subarray(0, -4), 'gzip'],
    ['gzip cut inside the data', gzipSync(text).subarray(0, 20), 'gzip'],
    ['truncated zlib', deflateSync(text).subarray(0, -2), 'deflate'],
    ['truncated raw deflate', deflateRawSync(text).subarray(0, -2), 'deflate'],
    ['a bad gzip CRC', corrupt(gzipSync(text), -8), 'gzip'],
    ['a bad gzip length', corrupt(gzipSync(text), -1), 'gzip'],
    ['a bad zlib Adler-32', corrupt(deflateSync(text), -1), 'deflate'],
    ['garbage after a gzip member', Buffer.concat([gzipSync(text), Buffer.from('garbage')]), 'gzip'],
    // node's gunzip stops silently at a NUL byte after a member (tape padding)
    ['NUL padding after a gzip member', Buffer.concat([gzipSync(text), Buffer.alloc(16)]), 'gzip'],
    [
      'a truncated second gzip member',
      Buffer.concat([gzipSync(text), gzipSync(text).subarray(0, 12)]),
      'gzip',
    ],
    // node's inflate stops at the end of the first stream and drops the rest silently
    ['garbage after a zlib stream', Buffer.concat([deflateSync(text), Buffer.from('x')]), 'deflate'],
    ['a second zlib stream', Buffer.concat([deflateSync(text), deflateSync(text)]), 'deflate'],
    [
      'garbage after a raw deflate stream',
      Buffer.concat([deflateRawSync(text), Buffer.from('x')]),
      'deflate',
    ],
  ] as const)('refuses %s with 400 InvalidContentEncoding', async (_what, body, coding) => {
    await expect(refusal(body, [coding])).rejects.toMatchObject({
      code: 'InvalidContentEncoding',
      status: 400,
    });
  });

  it('accepts a decoded body of exactly the limit and refuses one byte more with 413', async () => {
    const exact = Buffer.alloc(64 * 1024, 0x20);
    expect((await decodeContent(gzipSync(exact), ['gzip'], exact.length)).byteLength).toBe(exact.length);
    const over = Buffer.alloc(exact.length + 1, 0x20);
    await expect(refusal(gzipSync(over), ['gzip'], exact.length)).rejects.toMatchObject({
      code: 'PayloadTooLarge',
      status: 413,
    });
    await expect(refusal(deflateSync(over), ['deflate'], exact.length)).rejects.toMatchObject({
      code: 'PayloadTooLarge',
    });
  });

  it('bounds every stage of stacked codings by the limit, not only the last', async () => {
    // The first stage inflates to 64 MiB of zeros, which would then fail as gzip: 413 means it was stopped first.
    await expect(refusal(zerosBomb('gzip', 64), ['gzip', 'gzip'])).rejects.toMatchObject({
      code: 'PayloadTooLarge',
    });
    // And the last stage: a small gzip of a gzip of 8 MiB of zeros.
    const nested = gzipSync(gzipSync(Buffer.alloc(8 * 1024 * 1024)));
    await expect(refusal(nested, ['gzip', 'gzip'])).rejects.toMatchObject({ code: 'PayloadTooLarge' });
  });

  it.each(['gzip', 'zlib', 'raw'] as const)(
    'refuses a 1 GiB %s bomb (about 1 MB) with 413 without inflating it',
    async (format) => {
      const bomb = zerosBomb(format, 1024);
      expect(bomb.length).toBeLessThan(1.1 * 1024 * 1024);
      const before = await settledBufferMemory();
      let peak = before;
      const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
      try {
        await expect(refusal(bomb, [format === 'gzip' ? 'gzip' : 'deflate'])).rejects.toMatchObject({
          code: 'PayloadTooLarge',
        });
      } finally {
        clearInterval(sample);
      }
      // At most the limit and a chunk were held (generously bounded: the whole bomb would be 1 GiB).
      expect(Math.max(peak, process.memoryUsage().arrayBuffers) - before).toBeLessThan(4 * LIMIT);
    },
  );
});

function corrupt(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  const i = at < 0 ? copy.length + at : at;
  copy[i] = (copy[i] ?? 0) ^ 0x01;
  return copy;
}
