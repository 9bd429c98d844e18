import { describe, expect, it } from 'vitest';
import { createRandom } from './rng.js';

describe('createRandom', () => {
  it('repeats its choices for the same seed', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    expect([a.hex(32), a.int(1, 6), a.next()]).toEqual([b.hex(32), b.int(1, 6), b.next()]);
    expect(createRandom(8).hex(32)).not.toBe(createRandom(7).hex(32));
  });

  it('makes hex of the asked length and integers in range', () => {
    const r = createRandom();
    expect(r.hex(32)).toMatch(/^[0-9a-f]{32}$/);
    for (let i = 0; i < 100; i++) expect(r.int(2, 4)).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 100; i++) expect(r.int(2, 4)).toBeLessThanOrEqual(4);
  });
});
