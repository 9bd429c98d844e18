import { createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { JobhookError } from '../errors.js';

/** A content coding jobhook decodes (RFC 9110 §8.4.1); `identity` is no coding at all. */
export type ContentCoding = 'gzip' | 'deflate';

/** More codings than this in one header is refused: a chain of decoders multiplies the work of one body. */
export const MAX_CODINGS = 5;

const NONE: readonly ContentCoding[] = [];

/**
 * The codings of a `Content-Encoding` value in the order they must be undone (the reverse of the order the
 * sender applied them): `gzip, identity` → `['gzip']`. Names are case-insensitive, `x-gzip` is `gzip`, `identity`
 * and empty list elements are nothing; no header or an empty one is no coding. Any other coding is 415.
 */
export function contentCodings(header: string | undefined): readonly ContentCoding[] {
  if (header === undefined || header === '') return NONE;
  const codings: ContentCoding[] = [];
  for (const element of header.split(',')) {
    const name = element.trim().toLowerCase();
    if (name === '' || name === 'identity') continue;
    const coding = name === 'gzip' || name === 'x-gzip' ? 'gzip' : name === 'deflate' ? 'deflate' : undefined;
    if (coding === undefined)
      throw new JobhookError(
        'UnsupportedContentEncoding',
        `unsupported Content-Encoding '${name.slice(0, 40)}' (gzip, deflate and identity are decoded)`,
      );
    codings.push(coding);
  }
  if (codings.length > MAX_CODINGS)
    throw new JobhookError(
      'UnsupportedContentEncoding',
      `more than ${MAX_CODINGS} content codings in one Content-Encoding`,
    );
  return codings.reverse();
}

/**
 * Undoes `codings` (as `contentCodings` returns them), no stage producing more than `limit` bytes: the inflater
 * is stopped within one output chunk of passing the limit (413), so a decompression bomb costs at most `limit`
 * plus a chunk of memory. A body that is not exactly one stream of its coding — not that format, truncated, a
 * bad checksum, any byte after the end of the stream — is 400.
 */
export async function decodeContent(
  body: Uint8Array,
  codings: readonly ContentCoding[],
  limit: number,
): Promise<Uint8Array> {
  let bytes = body;
  for (const coding of codings) bytes = await inflate(coding, bytes, limit);
  return bytes;
}

/** 64 KiB of output per step on the thread pool: 64 steps for a 4 MiB body instead of zlib's default 256. */
const CHUNK_SIZE = 64 * 1024;

/**
 * One coding, on zlib's thread pool (the event loop only collects chunks). Decisions on what node's zlib lets
 * through:
 * - gzip: several members one after the other are one body (RFC 1952 §2.2, as `gzip -d` reads them); node
 *   decodes them all. Bytes after the last member that are not a member are refused: node refuses most such
 *   bytes itself, but stops silently at a NUL byte (tape padding), which is refused here too.
 * - deflate: node stops at the end of the first stream and drops what follows, a second stream included; here
 *   anything after the stream is refused, so no part of a body is silently left unread.
 * Both come down to: every byte of the input was consumed by the inflater (`bytesWritten`).
 */
function inflate(coding: ContentCoding, input: Uint8Array, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const options = { chunkSize: CHUNK_SIZE };
    const engine =
      coding === 'gzip'
        ? createGunzip(options)
        : hasZlibHeader(input)
          ? createInflate(options)
          : createInflateRaw(options);
    const chunks: Buffer[] = [];
    let size = 0;
    engine.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        engine.destroy();
        reject(
          new JobhookError('PayloadTooLarge', `the decoded body is larger than the limit of ${limit} bytes`),
        );
        return;
      }
      chunks.push(chunk);
    });
    engine.on('error', (error) => reject(invalid(coding, error.message, error)));
    engine.on('end', () => {
      if (engine.bytesWritten < input.byteLength)
        reject(
          invalid(coding, `${input.byteLength - engine.bytesWritten} bytes after the end of the stream`),
        );
      else resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
    });
    engine.end(input);
  });
}

/**
 * RFC 9110's `deflate` is the zlib format (RFC 1950), but some senders send raw deflate (RFC 1951); browsers
 * accept both, telling them apart by the zlib header: compression method 8, a window of at most 32 KiB and a
 * header checksum. A raw stream from a real encoder never passes: its first block would have to be a stored one
 * with non-zero padding bits.
 */
function hasZlibHeader(input: Uint8Array): boolean {
  const cmf = input[0];
  const flg = input[1];
  return (
    cmf !== undefined &&
    flg !== undefined &&
    (cmf & 0x0f) === 8 &&
    cmf >> 4 <= 7 &&
    ((cmf << 8) | flg) % 31 === 0
  );
}

const invalid = (coding: ContentCoding, why: string, cause?: unknown): JobhookError =>
  new JobhookError('InvalidContentEncoding', `the body does not decode as ${coding}: ${why}`, { cause });
