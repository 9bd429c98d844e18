import { constants, crc32, deflateRawSync } from 'node:zlib';

const MiB = 1024 * 1024;

/**
 * 1 MiB of zeros as raw deflate blocks that are not final, end on a byte boundary (Z_FULL_FLUSH) and refer to
 * nothing before them, so that copies of it may follow one another: about 1 KB each.
 */
const SEGMENT = deflateRawSync(Buffer.alloc(MiB), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
/** A final, empty block with fixed Huffman codes: what Z_FINISH writes at the end. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

export type BombFormat = 'gzip' | 'zlib' | 'raw';

/**
 * A valid single-stream gzip, zlib or raw deflate body of `mebibytes` MiB of zeros (1024 → 1 GiB in about 1 MB),
 * built without allocating or compressing what it decodes to.
 */
export function zerosBomb(format: BombFormat, mebibytes: number): Buffer {
  const key = `${format}/${mebibytes}`;
  let bomb = built.get(key);
  if (bomb === undefined) built.set(key, (bomb = build(format, mebibytes)));
  return bomb;
}

/** Built once per process (a gzip bomb's CRC-32 reads the zeros it stands for: about 0.3 s for 1 GiB). */
const built = new Map<string, Buffer>();

function build(format: BombFormat, mebibytes: number): Buffer {
  const deflated = Buffer.concat([...Array<Buffer>(mebibytes).fill(SEGMENT), FINAL_BLOCK]);
  const size = mebibytes * MiB;
  if (format === 'raw') return deflated;
  if (format === 'zlib') {
    // Adler-32 of n zeros: the first sum stays 1, the second is n × 1.
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE((size % 65521) * 65536 + 1);
    return Buffer.concat([Buffer.from([0x78, 0xda]), deflated, trailer]);
  }
  const zeros = Buffer.alloc(MiB);
  let crc = 0;
  for (let i = 0; i < mebibytes; i++) crc = crc32(zeros, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (max compression) OS=255 (unknown)
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff]);
  return Buffer.concat([header, deflated, trailer]);
}
