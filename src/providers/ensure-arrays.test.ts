import { describe, expect, it } from 'vitest';
import { arrayPaths, ensureArrays } from './ensure-arrays.js';
import { CI_ARRAY_PATHS } from './tencent-ci/arrays.js';

/** The rule, path by path from the root, written as plainly as possible: what the compiled walk must equal. */
function reference(doc: unknown, paths: readonly string[]): void {
  const visit = (node: unknown, keys: readonly string[], at: number): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, keys, at);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const key = keys[at] as string;
    if (!Object.hasOwn(node, key)) return;
    const record = node as Record<string, unknown>;
    if (at === keys.length - 1) {
      if (!Array.isArray(record[key])) record[key] = [record[key]];
      return;
    }
    visit(record[key], keys, at + 1);
  };
  for (const path of paths) visit(doc, path.split('.'), 0);
}

const PATHS = ['A', 'A.B', 'A.B.C', 'A.D', 'E.F', 'E.F.G.H'];

/** A small random document over the keys of PATHS and a few others, with single values, arrays and nulls. */
function randomDoc(random: () => number, depth = 0): unknown {
  const roll = random();
  if (depth > 4 || roll < 0.2) return roll < 0.1 ? null : `v${Math.floor(random() * 10)}`;
  if (roll < 0.35)
    return Array.from({ length: Math.floor(random() * 3) }, () => randomDoc(random, depth + 1));
  const doc: Record<string, unknown> = {};
  for (const key of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'X'])
    if (random() < 0.4) doc[key] = randomDoc(random, depth + 1);
  return doc;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('ensureArrays', () => {
  it('wraps single elements at every path, under arrays too, and leaves the rest alone', () => {
    const doc = {
      A: [{ B: { C: 'one' }, D: 'd' }, { B: [{ C: ['x', 'y'] }] }],
      E: { F: { G: { H: null } } },
      X: { B: 'not on a path' },
    };
    ensureArrays(doc, arrayPaths(PATHS));
    expect(doc).toEqual({
      A: [{ B: [{ C: ['one'] }], D: ['d'] }, { B: [{ C: ['x', 'y'] }] }],
      E: { F: [{ G: { H: [null] } }] },
      X: { B: 'not on a path' },
    });
  });

  it('does what the path-by-path rule does on 3 000 random documents', () => {
    const random = seeded(42);
    const compiled = arrayPaths(PATHS);
    for (let i = 0; i < 3000; i++) {
      const doc = randomDoc(random);
      const expected: unknown = structuredClone(doc);
      reference(expected, PATHS);
      const actual: unknown = structuredClone(doc);
      if (typeof actual === 'object' && actual !== null) ensureArrays(actual, compiled);
      expect(actual).toEqual(expected);
    }
  });

  it('refuses paths it could not walk safely', () => {
    expect(() => arrayPaths(['A..B'])).toThrow(/bad key/);
    expect(() => arrayPaths(['A.constructor'])).toThrow(/bad key/);
    expect(() => arrayPaths(['__proto__'])).toThrow(/bad key/);
  });

  it('compiles the CI paths into one tree per top-level element', () => {
    expect(CI_ARRAY_PATHS.map((path) => path.key)).toEqual(['JobsDetail', 'WorkflowExecution']);
  });
});
