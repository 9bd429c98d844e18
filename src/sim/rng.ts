import { randomBytes } from 'node:crypto';

/** The simulator's source of chance: ids and fault decisions. Seeded, the same run makes the same choices. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/** mulberry32 over a 32-bit seed; without a seed, Node's CSPRNG. */
export function createRandom(seed?: number): Random {
  let state = (seed ?? 0) >>> 0;
  const next =
    seed === undefined
      ? (): number => randomBytes(4).readUInt32BE(0) / 2 ** 32
      : (): number => {
          state = (state + 0x6d2b79f5) >>> 0;
          let t = state;
          t = Math.imul(t ^ (t >>> 15), t | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
        };
  return {
    next,
    hex: (length) => {
      let out = '';
      while (out.length < length) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}
