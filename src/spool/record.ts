import { crc32 } from 'node:zlib';

/**
 * Spool records: `MAGIC | length (u32 BE) | crc32 of payload (u32 BE) | payload`. The magic lets a reader
 * resynchronise after a corrupted record; the checksum catches torn and damaged payloads.
 */
export const MAGIC = Buffer.from('JHS1', 'latin1');
export const HEADER_BYTES = 12;

export function encodeRecord(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(payload.length, 4);
  header.writeUInt32BE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

export type Decoded =
  | { readonly kind: 'record'; readonly payload: Buffer; readonly offset: number; readonly end: number }
  /** Bytes that are no record (a damaged record); reading goes on at the next magic. */
  | { readonly kind: 'damaged'; readonly offset: number; readonly end: number }
  /** An incomplete last record: a write cut short by a crash. */
  | { readonly kind: 'torn'; readonly offset: number; readonly end: number };

/** Reads every record of a segment, reporting damaged stretches and a torn tail instead of throwing. */
export function* decodeRecords(data: Buffer): Generator<Decoded> {
  let at = 0;
  while (at < data.length) {
    const next = readRecord(data, at);
    if (next !== undefined) {
      yield next;
      at = next.end;
      continue;
    }
    const resync = data.indexOf(MAGIC, at + 1);
    if (resync < 0) {
      yield { kind: 'torn', offset: at, end: data.length };
      return;
    }
    yield { kind: 'damaged', offset: at, end: resync };
    at = resync;
  }
}

function readRecord(data: Buffer, at: number): Extract<Decoded, { kind: 'record' }> | undefined {
  if (at + HEADER_BYTES > data.length || !data.subarray(at, at + 4).equals(MAGIC)) return undefined;
  const length = data.readUInt32BE(at + 4);
  const end = at + HEADER_BYTES + length;
  if (end > data.length) return undefined;
  const payload = data.subarray(at + HEADER_BYTES, end);
  if (crc32(payload) !== data.readUInt32BE(at + 8)) return undefined;
  return { kind: 'record', payload, offset: at, end };
}
