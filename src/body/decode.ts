import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { JobhookError } from '../errors.js';

export type BodyFormat = 'xml' | 'json';

export interface DecodedBody {
  readonly format: BodyFormat;
  /** The body as text, without a byte order mark. */
  readonly text: string;
}

const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);
const decoders = new Map<string, TextDecoder>();

/**
 * Sniffs the format from the first non-blank byte after an optional byte order mark (`<` XML, `{` JSON;
 * Content-Type is only a hint, providers send text/plain) and decodes the text: UTF-8 after a UTF-8 byte order
 * mark, else the XML declaration's encoding, else the Content-Type charset, else UTF-8. Invalid bytes are an
 * error, never replaced (as far as the platform's decoders report them).
 */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined): DecodedBody {
  if (bytes.length === 0) throw new JobhookError('EmptyBody', 'the request body is empty');
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) return decodeUtf16(bytes, b0 === 0xff);
  const start = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let i = start;
  while (i < bytes.length && isBlank(bytes[i])) i++;
  if (i === bytes.length) throw new JobhookError('EmptyBody', 'the request body holds only white space');
  const first = bytes[i];
  const format: BodyFormat | undefined = first === 0x3c ? 'xml' : first === 0x7b ? 'json' : undefined;
  if (format === undefined)
    throw new JobhookError(
      'UnsupportedBody',
      'the body must be an XML document or a JSON object (its first character is neither "<" nor "{")',
    );
  // A byte order mark is the strongest statement of the encoding; then the XML declaration, then the header.
  const charset =
    start === 3
      ? 'utf-8'
      : ((format === 'xml' ? xmlDeclaredEncoding(bytes, i) : undefined) ?? contentTypeCharset(contentType));
  const payload = bytes.subarray(start);
  return { format, text: decode(payload, charset) };
}

const isBlank = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function decode(payload: Uint8Array, charset: string | undefined): string {
  const label = charset?.toLowerCase();
  if (label === undefined || UTF8.has(label)) {
    if (!isUtf8(payload)) throw new JobhookError('InvalidEncoding', 'the body is not valid UTF-8');
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  }
  return decodeWith(label, payload);
}

function decodeWith(label: string, payload: Uint8Array): string {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label, { fatal: true });
    } catch {
      throw new JobhookError('UnsupportedCharset', `unsupported charset '${label.slice(0, 40)}'`);
    }
    decoders.set(decoder.encoding, decoder);
  }
  try {
    return decoder.decode(payload);
  } catch {
    throw new JobhookError('InvalidEncoding', `the body is not valid ${decoder.encoding}`);
  }
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): DecodedBody {
  const text = decodeWith(littleEndian ? 'utf-16le' : 'utf-16be', bytes.subarray(2));
  const trimmed = text.trimStart();
  if (trimmed === '') throw new JobhookError('EmptyBody', 'the request body holds only white space');
  const format: BodyFormat | undefined = trimmed.startsWith('<')
    ? 'xml'
    : trimmed.startsWith('{')
      ? 'json'
      : undefined;
  if (format === undefined)
    throw new JobhookError('UnsupportedBody', 'the body must be an XML document or a JSON object');
  return { format, text };
}

/** `encoding="…"` of a leading XML declaration, read as ASCII. */
function xmlDeclaredEncoding(bytes: Uint8Array, at: number): string | undefined {
  if (bytes[at + 1] !== 0x3f) return undefined; // <?
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(200, bytes.length - at)).toString(
    'latin1',
  );
  const end = head.indexOf('?>');
  if (!head.startsWith('<?xml') || end < 0) return undefined;
  return /\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.slice(0, end))?.[1];
}

function contentTypeCharset(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1];
}
