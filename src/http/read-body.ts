import { IncomingMessage } from 'node:http';
import { JobhookError } from '../errors.js';

const tooLarge = (limit: number): JobhookError =>
  new JobhookError('PayloadTooLarge', `the body is larger than the limit of ${limit} bytes`);

/**
 * Reads the raw body, never more than `limit` bytes: a declared Content-Length over the limit is refused
 * before reading, a streamed body is cut off as soon as it passes the limit.
 */
export async function readBody(source: IncomingMessage | Request, limit: number): Promise<Uint8Array> {
  if (source instanceof IncomingMessage) {
    checkDeclared(source.headers['content-length'], limit);
    return readIncoming(source, limit);
  }
  checkDeclared(source.headers.get('content-length'), limit);
  return readStream(source.body, limit);
}

function checkDeclared(contentLength: string | null | undefined, limit: number): void {
  if (contentLength != null && Number(contentLength) > limit) throw tooLarge(limit);
}

function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        incoming.pause();
        reject(tooLarge(limit));
        return;
      }
      // Most bodies arrive in one chunk: no list for them.
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks === undefined ? (first ?? Buffer.alloc(0)) : Buffer.concat(chunks, size));
    };
    // node:http emits 'error' (after the deprecated 'aborted') when the client goes away mid-body.
    const onError = (error: Error): void => {
      cleanup();
      reject(new JobhookError('BodyTimeout', 'the request body could not be read', { cause: error }));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
  });
}

async function readStream(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
