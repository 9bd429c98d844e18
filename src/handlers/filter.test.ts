import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, compilePatterns, FilterSchema, type Filterable } from './filter.js';

/** A filter as the file would give it: validated first, as at start. */
const filter = (spec: unknown) => compileFilter(FilterSchema.parse(spec));

/** A Qiniu pfop event's parts a filter reads (after src/providers/qiniu/fixtures/pfop-failed-mixed.json). */
const pfop: Filterable = {
  type: 'qiniu.pfop.failed',
  source: '/qiniu/media-src',
  subject: 'z2.01jnb4c8rw2m0000hfemx1cc93',
  data: {
    provider: 'qiniu',
    kind: 'pfop',
    state: 'failed',
    code: '3',
    queueId: '1380000000.transcode-hq',
    input: { bucket: 'media-src', object: 'uploads/2025/03/01/clip-004.mkv' },
    outputs: [
      { bucket: 'archive-cold', object: 'videos/clip-004.mp4' },
      { bucket: 'media-out', object: 'hls/clip-004/index.m3u8' },
    ],
    items: [
      { code: 0, state: 'succeeded', key: 'videos/clip-004.mp4', returnOld: 0 },
      { code: 3, state: 'failed', keys: ['hls/a.ts', 'hls/b.ts'], nested: [['x', ['y']]] },
    ],
    detail: { retried: false, weight: 1.5, empty: '', nothing: null, tags: [] },
  },
};

describe('type, source and subject patterns', () => {
  it.each([
    ['qiniu.pfop.failed', true],
    ['qiniu.pfop.*', true],
    ['*.failed', true],
    ['*', true],
    ['qiniu.*.failed', true],
    ['q*', true],
    ['*d', true],
    ['qiniu.pfop.fail', false],
    ['qiniu.pfop', false],
    ['tencent.ci.job.*', false],
    ['*.succeeded', false],
    ['qiniu.pfop.failed.*', false],
    ['Qiniu.pfop.failed', false],
  ])('type %j matches: %s', (type, expected) => {
    expect(filter({ type })(pfop)).toBe(expected);
  });

  it('matches a list when any of its patterns does', () => {
    expect(filter({ type: ['tencent.ci.job.*', 'qiniu.pfop.failed'] })(pfop)).toBe(true);
    expect(filter({ type: ['tencent.ci.job.*', '*.succeeded'] })(pfop)).toBe(false);
    expect(filter({ type: ['x', 'y', 'qiniu.*'] })(pfop)).toBe(true);
  });

  it('has * match any run of characters: none, dots, slashes and newlines', () => {
    const matches = compilePatterns('a*b');
    for (const value of ['ab', 'a.b', 'a/b/b', 'a\nb', 'a\r\n\u2028b', 'a**b', 'abab', 'a😀b'])
      expect(matches(value)).toBe(true);
    for (const value of ['a', 'b', 'ba', 'abc', 'xab', 'a\nb\n']) expect(matches(value)).toBe(false);
  });

  it.each([
    ['*', '', true],
    ['**', '\n', true],
    ['a*a', 'a', false],
    ['ab*bc', 'abc', false],
    ['ab*bc', 'abbc', true],
    ['*ab*ab*', 'abab', true],
    ['*ab*ab*', 'aba', false],
    // Text, not an expression: no any-character, anchor or alternative.
    ['a.b', 'aXb', false],
    ['a.b*', 'aXbc', false],
    ['a|b*', 'b', false],
    ['a|b*', 'a|bc', true],
    ['^a*', 'a', false],
    ['*a$', 'xa', false],
    ['x(*', 'x(y', true],
  ])('%j on %j: %s', (pattern, value, expected) => {
    expect(compilePatterns(pattern)(value)).toBe(expected);
  });

  it.each([
    '.',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '+',
    '?',
    '\\',
    '$',
    '^',
    '|',
    '/',
    '-',
    '\\d',
    '.*',
    '(?:x)',
    '[^a]',
  ])('takes %j as itself, with a * and without', (literal) => {
    expect(compilePatterns(`a${literal}b`)(`a${literal}b`)).toBe(true);
    expect(compilePatterns(`a${literal}b`)('aXb')).toBe(false);
    for (const pattern of [`a${literal}*`, `*${literal}b`, `a*${literal}*b`]) {
      const matches = compilePatterns(pattern);
      expect(matches(`a${literal}b`)).toBe(true);
      for (const other of [
        'aXb',
        'ab',
        'a1b',
        'a\nb',
        'a.b',
        'a\\b',
        `a${literal}${literal}b`,
        `a${literal}`,
      ])
        expect(matches(other)).toBe(matchesGlob(pattern, other));
    }
  });

  it('matches source and subject the same way; a missing subject never matches', () => {
    expect(filter({ source: '/qiniu/*' })(pfop)).toBe(true);
    expect(filter({ source: ['/tencent-ci/*', '/qiniu/media-src'] })(pfop)).toBe(true);
    expect(filter({ source: '/qiniu' })(pfop)).toBe(false);
    expect(filter({ subject: 'z2.*' })(pfop)).toBe(true);
    expect(filter({ subject: 'z1.*' })(pfop)).toBe(false);
    const withoutSubject: Filterable = { type: pfop.type, source: pfop.source, data: pfop.data };
    for (const subject of ['*', ['*'], '', 'z2.*']) {
      const spec = compileFilter({ subject });
      expect(spec(withoutSubject)).toBe(false);
      expect(spec({ ...withoutSubject, subject: undefined })).toBe(false);
    }
    expect(filter({ subject: '*' })({ ...pfop, subject: '' })).toBe(true);
  });

  it('takes a long value without backtracking over the stars', () => {
    // A backtracking expression for this pattern takes seconds on 48 characters: a bound far from either.
    const matches = compilePatterns('*a*a*a*a*a*a*a*b');
    const started = performance.now();
    expect(matches('a'.repeat(48))).toBe(false);
    expect(matches(`${'a'.repeat(10_000)}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('data', () => {
  it.each([
    [{ state: 'failed' }, true],
    [{ state: ['succeeded', 'failed'] }, true],
    [{ state: 'succeeded' }, false],
    [{ 'input.bucket': 'media-src' }, true],
    [{ 'input.bucket': 'media' }, false],
    [{ 'outputs[1].bucket': 'media-out' }, true],
    [{ 'outputs[0].bucket': 'media-out' }, false],
    [{ 'outputs[2].bucket': 'media-out' }, false],
    [{ 'items[1].keys[1]': 'hls/b.ts' }, true],
    [{ 'items[1].keys[0]': 'hls/b.ts' }, false],
    [{ 'items[1].nested[0][1][0]': 'y' }, true],
  ])('%j matches: %s', (data, expected) => {
    expect(filter({ data })(pfop)).toBe(expected);
  });

  it('compares as strings: numbers and booleans of the file match their text in the event, and back', () => {
    expect(filter({ data: { code: 3 } })(pfop)).toBe(true);
    expect(filter({ data: { code: '3' } })(pfop)).toBe(true);
    expect(filter({ data: { 'items[0].code': 0 } })(pfop)).toBe(true);
    expect(filter({ data: { 'items[0].code': '0' } })(pfop)).toBe(true);
    expect(filter({ data: { 'items[0].code': '00' } })(pfop)).toBe(false);
    expect(filter({ data: { 'detail.retried': false } })(pfop)).toBe(true);
    expect(filter({ data: { 'detail.retried': 'false' } })(pfop)).toBe(true);
    expect(filter({ data: { 'detail.retried': 0 } })(pfop)).toBe(false);
    expect(filter({ data: { 'detail.weight': 1.5 } })(pfop)).toBe(true);
    expect(filter({ data: { 'detail.empty': '' } })(pfop)).toBe(true);
    expect(filter({ data: { 'detail.nothing': 'null' } })(pfop)).toBe(false);
    expect(filter({ data: { code: [1, 2, 3] } })(pfop)).toBe(true);
  });

  it('does not match a missing path, nor one that runs through a value that is not an object', () => {
    for (const path of [
      'tag',
      'input.region',
      'input.bucket.name',
      'code.length',
      'outputs[5]',
      'queueId[0]',
      'nope.deeper',
    ])
      expect(filter({ data: { [path]: 'x' } })(pfop)).toBe(false);
    expect(filter({ data: { tag: 'x' } })({ ...pfop, data: undefined })).toBe(false);
    expect(filter({ data: { tag: 'x' } })({ ...pfop, data: 'tag' })).toBe(false);
  });

  it('matches through an array met by a name when any element does (any output, any item)', () => {
    expect(filter({ data: { 'outputs.bucket': 'media-out' } })(pfop)).toBe(true);
    expect(filter({ data: { 'outputs.bucket': 'archive-cold' } })(pfop)).toBe(true);
    expect(filter({ data: { 'outputs.bucket': 'media-src' } })(pfop)).toBe(false);
    expect(filter({ data: { 'items.state': 'failed', 'items.key': 'videos/clip-004.mp4' } })(pfop)).toBe(
      true,
    );
    // Any element for each path on its own: not one element that satisfies both.
    expect(filter({ data: { 'items.code': 0, 'items.state': 'failed' } })(pfop)).toBe(true);
    expect(filter({ data: { 'items.keys': 'hls/a.ts' } })(pfop)).toBe(true);
    expect(filter({ data: { 'items.nested': 'y' } })(pfop)).toBe(true);
    expect(filter({ data: { 'detail.tags': '' } })(pfop)).toBe(false);
  });

  it('never takes an object or an array itself as a value', () => {
    for (const [path, text] of [
      ['input', '[object Object]'],
      ['items[1].keys', 'hls/a.ts,hls/b.ts'],
      ['outputs', ''],
      ['detail.tags', ''],
      ['items[1].nested', 'x,y'],
    ])
      expect(filter({ data: { [path as string]: text } })(pfop)).toBe(false);
  });

  it('reads own properties only: never constructor, toString, __proto__ or length through a prototype', () => {
    for (const path of [
      'constructor',
      'toString',
      'hasOwnProperty',
      'input.constructor.name',
      'outputs.length',
      'code.length',
    ])
      for (const value of ['function Object() { [native code] }', 'Object', '2', '1', 'true'])
        expect(compileFilter({ data: { [path]: value } })(pfop)).toBe(false);
    expect(compileFilter({ data: { '__proto__.x': 'y' } })({ ...pfop, data: {} })).toBe(false);
    // Nor what a prototype holds, when data has one that is not Object.prototype (or that was polluted).
    const inherited = Object.create({ tag: 'FileCompress', input: { bucket: 'b' } }) as object;
    expect(compileFilter({ data: { tag: 'FileCompress' } })({ ...pfop, data: inherited })).toBe(false);
    expect(compileFilter({ data: { 'input.bucket': 'b' } })({ ...pfop, data: inherited })).toBe(false);
    // Own properties of those names are data like any other.
    const own = JSON.parse('{"constructor": "c", "__proto__": {"x": "y"}}') as unknown;
    expect(compileFilter({ data: { constructor: 'c' } })({ ...pfop, data: own })).toBe(true);
    expect(compileFilter({ data: { '__proto__.x': 'y' } })({ ...pfop, data: own })).toBe(true);
  });
});

describe('a filter', () => {
  it('matches when every part given does; with none, anything', () => {
    const spec = {
      type: 'qiniu.pfop.*',
      source: '/qiniu/*',
      subject: 'z2.*',
      data: { code: 3, 'outputs.bucket': 'media-out' },
    };
    expect(filter(spec)(pfop)).toBe(true);
    for (const wrong of [
      { type: 'qiniu.pfop.succeeded' },
      { source: '/tencent-ci/*' },
      { subject: 'z1.*' },
      { data: { ...spec.data, code: 4 } },
      { data: { ...spec.data, 'outputs.bucket': 'x' } },
    ])
      expect(filter({ ...spec, ...wrong })(pfop)).toBe(false);
    expect(filter({})(pfop)).toBe(true);
    expect(filter({})({ type: 'app.x', source: '/jobhook/h' })).toBe(true);
  });

  it('runs no regular expression per event, and builds none through RegExp', () => {
    const matchers = [
      filter({
        type: ['qiniu.pfop.*', 'x'],
        source: '*/media-*',
        subject: '*.01*',
        data: { 'outputs.bucket': 'media-out' },
      }),
      filter({ type: '*.(failed)|[x]' }),
      compileFilter({ data: { 'items[1].keys[0]': ['hls/a.ts', 1, true] } }),
    ];
    expect(watchingRegExp(() => matchers.map((matches) => matches(pfop)))).toEqual({
      built: 0,
      ran: 0,
      result: [true, false, true],
    });
  });

  it('(the watch sees what it is for: a literal run, and one built through the global)', () => {
    expect(watchingRegExp(() => /^qiniu\..*$/s.test(pfop.type))).toEqual({ built: 0, ran: 1, result: true });
    // split and a match by a string build their expressions past the global, and run them: seen by exec only.
    for (const run of [() => 'a.b'.split(/\./), () => 'x.y'.match('y')]) {
      const watched = watchingRegExp(run);
      expect(watched.built).toBe(0);
      expect(watched.ran).toBeGreaterThan(0);
    }
    expect(() => watchingRegExp(() => new RegExp('x'))).toThrow('a RegExp built while watched');
  });
});

/**
 * Runs `run` with RegExp watched: how many were built through the global `RegExp` (which throws), and how many times
 * one ran. Sound in one direction only, so both are counted. Replacing globalThis.RegExp catches `new RegExp(…)` and
 * `RegExp(…)` reached through the global, but not regex literals nor what the engine builds itself
 * (`'x'.match('y')`), so alone it would prove little. Counting calls of RegExp.prototype.exec catches every run of
 * any regular expression however made: test, match, matchAll, replace, split and search call exec (ECMA-262
 * RegExpExec), and V8 leaves its fast paths once exec is replaced. Both are put back before anything else can run
 * (`run` is synchronous), so vitest's own regular expressions are not counted.
 */
function watchingRegExp<T>(run: () => T): { built: number; ran: number; result: T } {
  const original = globalThis.RegExp;
  const exec = Object.getOwnPropertyDescriptor(original.prototype, 'exec');
  if (exec === undefined) throw new Error('RegExp.prototype.exec is not an own property');
  const execute = exec.value as (this: RegExp, text: string) => RegExpExecArray | null;
  let built = 0;
  let ran = 0;
  const refuse = (): never => {
    built++;
    throw new Error('a RegExp built while watched');
  };
  globalThis.RegExp = new Proxy(original, { construct: refuse, apply: refuse });
  Object.defineProperty(original.prototype, 'exec', {
    ...exec,
    value(this: RegExp, text: string) {
      ran++;
      return execute.call(this, text);
    },
  });
  try {
    const result = run();
    return { built, ran, result };
  } finally {
    globalThis.RegExp = original;
    Object.defineProperty(original.prototype, 'exec', exec);
  }
}

/** The reference: `*` as any run of characters, by dynamic programming over (pattern, value) positions. */
function matchesGlob(pattern: string, value: string): boolean {
  let row: boolean[] = Array.from({ length: value.length + 1 }, (_, j) => j === 0);
  for (const char of pattern) {
    const next: boolean[] = new Array<boolean>(value.length + 1).fill(false);
    if (char === '*') {
      next[0] = row[0] === true;
      for (let j = 1; j <= value.length; j++) next[j] = row[j] === true || next[j - 1] === true;
    } else for (let j = 1; j <= value.length; j++) next[j] = row[j - 1] === true && value[j - 1] === char;
    row = next;
  }
  return row[value.length] === true;
}

describe('properties', () => {
  /** Strings over few characters (metacharacters among them), so that values and patterns often meet. */
  const text = fc.string({
    unit: fc.constantFrom('a', 'b', '.', '\\', '(', '[', '$', '^', '|', '+', '?', '\n', 'é'),
    maxLength: 12,
  });

  it('a string with any of its substrings replaced by * is matched by that pattern', () => {
    fc.assert(
      fc.property(text, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }), (value, cuts) => {
        let pattern = value;
        for (const [a, b] of cuts) {
          const start = a % (pattern.length + 1);
          const end = start + (b % (pattern.length - start + 1));
          pattern = `${pattern.slice(0, start)}*${pattern.slice(end)}`;
        }
        expect(compilePatterns(pattern)(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a pattern matches exactly what the reference matcher does: every character but * is itself', () => {
    const pattern = fc.string({
      unit: fc.constantFrom('a', 'b', '.', '\\', '(', '$', '*', '|', '\n'),
      maxLength: 10,
    });
    fc.assert(
      fc.property(pattern, text, (p, value) => {
        expect(compilePatterns(p)(value)).toBe(matchesGlob(p, value));
      }),
      { numRuns: 5000 },
    );
  });

  it('a pattern without * matches only itself', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (p, value) => {
        fc.pre(!p.includes('*') && p !== '');
        expect(compilePatterns(p)(value)).toBe(p === value);
        expect(compilePatterns(p)(p)).toBe(true);
      }),
    );
  });

  it('a list matches when any of its patterns does', () => {
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), text, (list, value) => {
        expect(compilePatterns(list)(value)).toBe(list.some((p) => matchesGlob(p, value)));
      }),
      { numRuns: 2000 },
    );
  });
});
