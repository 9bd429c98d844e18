import { describe, expect, it } from 'vitest';
import { applyPatch, FaultsSchema, strikes, takeCount, takeSpoof } from './faults.js';
import { createRandom } from './rng.js';

describe('fault knobs', () => {
  it('default to no faults and refuse unknown knobs and apis', () => {
    expect(FaultsSchema.parse({})).toMatchObject({
      drop: { probability: 0, next: 0 },
      errors: {},
      slowMs: 0,
    });
    expect(FaultsSchema.safeParse({ dorp: {} }).success).toBe(false);
    expect(FaultsSchema.safeParse({ errors: { 'ci.nothing': 1 } }).success).toBe(false);
    expect(FaultsSchema.safeParse({ callbackDelayMs: [5, 1] }).success).toBe(false);
  });

  it('merge a patch: named knobs replaced, error counts per api', () => {
    const faults = FaultsSchema.parse({ errors: { 'ci.create-job': 2 }, slowMs: 5 });
    const next = applyPatch(faults, { errors: { 'qiniu.pfop': 1 }, drop: { probability: 0.5, next: 0 } });
    expect(next.errors).toEqual({ 'ci.create-job': 2, 'qiniu.pfop': 1 });
    expect(next.drop.probability).toBe(0.5);
    expect(next.slowMs).toBe(5);
  });

  it('use up `next` first, then draw with the probability (seeded: the same draws)', () => {
    const chance = { probability: 0, next: 2 };
    const random = createRandom(1);
    expect([strikes(chance, random), strikes(chance, random), strikes(chance, random)]).toEqual([
      true,
      true,
      false,
    ]);
    const draws = (seed: number) => {
      const r = createRandom(seed);
      return Array.from({ length: 20 }, () => strikes({ probability: 0.5, next: 0 }, r));
    };
    expect(draws(3)).toEqual(draws(3));
    expect(draws(3)).toContain(true);
    expect(draws(3)).toContain(false);
  });

  it('count 5xx per api, then from `*`', () => {
    const counts = { 'ci.create-job': 1, '*': 1 };
    expect(takeCount(counts, 'ci.create-job')).toBe(true);
    expect(takeCount(counts, 'qiniu.pfop')).toBe(true);
    expect(takeCount(counts, 'ci.create-job')).toBe(false);
  });

  it('spoof the next n describes, then tell the truth', () => {
    const faults = FaultsSchema.parse({ spoofDescribe: { as: 'unknown', next: 2 } });
    expect([takeSpoof(faults), takeSpoof(faults), takeSpoof(faults)]).toEqual([
      'unknown',
      'unknown',
      undefined,
    ]);
  });
});
