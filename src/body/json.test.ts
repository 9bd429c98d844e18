import { describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/thrown.js';
import type { JobhookError } from '../errors.js';
import { type ErrorCode } from '../errors.js';
import {
  CHECK_TEXT_FIRST_ABOVE,
  DEFAULT_JSON_LIMITS,
  isJsonObject,
  keepInexactNumbers,
  parseJsonObject,
  type JsonLimits,
} from './json.js';

const expectCode = (text: string, code: ErrorCode, status: number, limits?: JsonLimits): JobhookError => {
  const error = thrown(() => parseJsonObject(text, limits));
  expect(error.code).toBe(code);
  expect(error.status).toBe(status);
  return error;
};

/** `{"a":{"a":…1…}}` with `depth` objects. */
const nestedObjects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const ownValue = (object: object, key: string): unknown =>
  Object.getOwnPropertyDescriptor(object, key)?.value;

const isPolluted = (): boolean => {
  const probe: Record<string, unknown> = {};
  return probe.polluted !== undefined || Object.hasOwn(Object.prototype, 'polluted');
};

describe('parseJsonObject: objects only', () => {
  it('parses an object, keeping values as JSON gives them', () => {
    expect(parseJsonObject('{"a":"0042","b":42,"c":[1,{"d":null}],"e":true,"f":{}}')).toEqual({
      a: '0042',
      b: 42,
      c: [1, { d: null }],
      e: true,
      f: {},
    });
  });

  it('accepts surrounding white space', () => {
    expect(parseJsonObject(' \r\n {"a":1} \n')).toEqual({ a: 1 });
  });

  it.each([
    ['an array', '[{"a":1}]'],
    ['an empty array', '[]'],
    ['a string', '"a"'],
    ['a number', '42'],
    ['true', 'true'],
    ['null', 'null'],
  ])('refuses %s with 415 UnsupportedBody', (_what, text) => {
    expectCode(text, 'UnsupportedBody', 415);
  });

  it.each([
    ['an empty text', ''],
    ['an unterminated object', '{"a":1'],
    ['a missing value', '{"a":}'],
    ['single quotes', "{'a':1}"],
    ['a trailing comma', '{"a":1,}'],
    ['a comment', '{"a":1 /* c */}'],
    ['two objects', '{}{}'],
    ['a raw control character in a string', '{"a":"x\u0001"}'],
    ['a raw NUL in a string', '{"a":"x\u0000"}'],
    ['an invalid escape', '{"a":"\\x41"}'],
    ['NaN', '{"a":NaN}'],
  ])('refuses %s with 400 MalformedJSON', (_what, text) => {
    expectCode(text, 'MalformedJSON', 400);
  });

  it('keeps the parser message short', () => {
    const error = expectCode(`{"a":${'1'.repeat(10_000)}x}`, 'MalformedJSON', 400);
    expect(error.message.length).toBeLessThan(300);
  });

  it('isJsonObject accepts objects only', () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject(Object.create(null))).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
    expect(isJsonObject('x')).toBe(false);
  });
});

describe('parseJsonObject: limits', () => {
  it('allows exactly maxDepth levels and refuses one more with BodyTooDeep', () => {
    const limits = { maxDepth: 3, maxValues: 100 };
    expect(parseJsonObject(nestedObjects(3), limits)).toEqual({ a: { a: { a: 1 } } });
    expectCode(nestedObjects(4), 'BodyTooDeep', 400, limits);
    // arrays are levels too
    expect(parseJsonObject('{"a":[[1]]}', limits)).toEqual({ a: [[1]] });
    expectCode('{"a":[[[1]]]}', 'BodyTooDeep', 400, limits);
  });

  it('defaults to 64 levels', () => {
    expect(DEFAULT_JSON_LIMITS.maxDepth).toBe(64);
    expect(() => parseJsonObject(nestedObjects(64))).not.toThrow();
    expectCode(nestedObjects(65), 'BodyTooDeep', 400);
  });

  it.each([10_000, 200_000])('refuses %i levels of objects with BodyTooDeep without crashing', (depth) => {
    expectCode(nestedObjects(depth), 'BodyTooDeep', 400);
    expectCode(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`, 'BodyTooDeep', 400);
  });

  it('refuses truncated deep nesting by its depth, before parsing, not as a crash', () => {
    expectCode('{"a":'.repeat(10_000), 'BodyTooDeep', 400);
  });

  it('allows exactly maxValues values and refuses one more with TooManyElements', () => {
    const limits = { maxDepth: 64, maxValues: 5 };
    // the object itself, the array and three numbers
    expect(parseJsonObject('{"a":[1,2,3]}', limits)).toEqual({ a: [1, 2, 3] });
    expectCode('{"a":[1,2,3,4]}', 'TooManyElements', 400, limits);
    expectCode('{"a":1,"b":2,"c":3,"d":4,"e":5}', 'TooManyElements', 400, limits);
  });

  it('refuses more values than the default limit with TooManyElements', () => {
    expectCode(
      `{"a":[${new Array<string>(DEFAULT_JSON_LIMITS.maxValues).fill('0').join(',')}]}`,
      'TooManyElements',
      400,
    );
  });

  it('counts values, not bytes: a long string is one value', () => {
    expect(parseJsonObject(`{"a":"${'x'.repeat(1_000_000)}"}`, { maxDepth: 2, maxValues: 2 }).a).toHaveLength(
      1_000_000,
    );
  });
});

describe('parseJsonObject: prototype pollution', () => {
  it('keeps a top-level "__proto__" key a plain own key and does not pollute', () => {
    const parsed = parseJsonObject('{"__proto__": {"polluted": 1}, "a": 2}');
    expect(isPolluted()).toBe(false);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(ownValue(parsed, '__proto__')).toEqual({ polluted: 1 });
    const proto: unknown = Object.getPrototypeOf(parsed);
    expect(proto === null || proto === Object.prototype).toBe(true);
    expect(proto).not.toBe(ownValue(parsed, '__proto__'));
    expect('polluted' in parsed).toBe(false);
    expect(parsed.a).toBe(2);
  });

  it('keeps nested "__proto__" keys, also inside arrays, as plain keys', () => {
    const parsed = parseJsonObject(
      '{"a": {"__proto__": {"polluted": 1}}, "b": [{"__proto__": {"polluted": 2}}]}',
    );
    expect(isPolluted()).toBe(false);
    const a = parsed.a;
    expect(isJsonObject(a)).toBe(true);
    if (!isJsonObject(a)) return;
    expect(ownValue(a, '__proto__')).toEqual({ polluted: 1 });
    expect('polluted' in a).toBe(false);
    const [b] = Array.isArray(parsed.b) ? parsed.b : [];
    expect(isJsonObject(b) && ownValue(b, '__proto__')).toEqual({ polluted: 2 });
  });

  it('treats an escaped "\\u005f_proto__" key the same way', () => {
    const parsed = parseJsonObject('{"\\u005f_proto__": {"polluted": 1}}');
    expect(isPolluted()).toBe(false);
    expect(ownValue(parsed, '__proto__')).toEqual({ polluted: 1 });
    const proto: unknown = Object.getPrototypeOf(parsed);
    expect(proto === null || proto === Object.prototype).toBe(true);
    expect('polluted' in parsed).toBe(false);
  });

  it('keeps "constructor" and "prototype" keys as plain data', () => {
    const parsed = parseJsonObject(
      '{"constructor": {"prototype": {"polluted": 1}}, "__proto__": {"toString": 1}}',
    );
    expect(isPolluted()).toBe(false);
    expect(ownValue(parsed, 'constructor')).toEqual({ prototype: { polluted: 1 } });
    expect(Object.hasOwn(Object.prototype, 'toString')).toBe(true);
    expect(typeof Object.prototype.toString).toBe('function');
  });
});

describe('numbers a double cannot hold', () => {
  it('keeps integers beyond 2^53 and overflowing values as their exact digits', () => {
    const parsed = parseJsonObject(
      '{"a":12345678901234567890,"b":[1e400,-98765432109876543210],"c":"99999999999999999999","d":1.5,"e":42}',
    );
    expect(parsed).toEqual({
      a: '12345678901234567890',
      b: ['1e400', '-98765432109876543210'],
      c: '99999999999999999999',
      d: 1.5,
      e: 42,
    });
  });

  it('leaves strings with digits and escaped quotes alone', () => {
    const text = '{"k":"say \\"12345678901234567890\\"","n":12345678901234567890}';
    expect(keepInexactNumbers(text)).toBe(
      '{"k":"say \\"12345678901234567890\\"","n":"12345678901234567890"}',
    );
  });
});

describe('numbers found by the structure pass', () => {
  it('keeps a lone overflowing or underflowing exponent, and leaves true, false and short numbers alone', () => {
    expect(parseJsonObject('{"a":1e400,"b":true,"c":false,"d":2.5e3,"e":-0.5}')).toEqual({
      a: '1e400',
      b: true,
      c: false,
      d: 2500,
      e: -0.5,
    });
    expect(parseJsonObject('{"t":1e-400}')).toEqual({ t: '1e-400' });
    expect(parseJsonObject('{"s":"a-e-E-","t":[0,2E-400]}')).toEqual({ s: 'a-e-E-', t: [0, '2E-400'] });
    expect(parseJsonObject('{"s":"1e-5","t":0}')).toEqual({ s: '1e-5', t: 0 });
  });
});

describe('small bodies (parsed first, checked on the tree) and large ones (checked on the text first)', () => {
  /** The same document, padded with blanks past the size where the text is checked first. */
  const large = (text: string): string => `${' '.repeat(CHECK_TEXT_FIRST_ABOVE)}${text}`;
  const outcome = (text: string, limits?: JsonLimits): unknown => {
    try {
      return parseJsonObject(text, limits);
    } catch (error) {
      return (error as JobhookError).code;
    }
  };

  it.each([
    ['{"a":{"b":[1,2,{"c":null}]},"d":"x"}', undefined],
    ['{"a":{"a":{"a":1}}}', { maxDepth: 3, maxValues: 100 }],
    ['{"a":{"a":{"a":{"a":1}}}}', { maxDepth: 3, maxValues: 100 }],
    ['{"a":[1,2,3]}', { maxDepth: 64, maxValues: 5 }],
    ['{"a":[1,2,3,4]}', { maxDepth: 64, maxValues: 5 }],
    ['{"a":[],"b":{},"c":[[]]}', { maxDepth: 64, maxValues: 6 }],
    ['{"a":[],"b":{},"c":[[]]}', { maxDepth: 64, maxValues: 5 }],
    [
      '{"n":12345678901234567890,"m":[1e400,-1E+400,1e-400],"z":0,"f":0.5,"g":0.12345678901234567}',
      undefined,
    ],
    ['{"z":0,"s":"1e-5"}', undefined],
    ['{"z":0,"t":1e-5}', undefined],
    ['{"__proto__":{"x":1},"a":1}', undefined],
    ['{"a":1,}', undefined],
    ['{"a":[[[[', { maxDepth: 3, maxValues: 100 }],
    ['[1,2]', undefined],
    ['{"a":5e-324,"b":2.2250738585072014e-308}', undefined],
    ['{"a":0.10000000000000001,"b":1.0000000000000001,"c":1e21,"d":1.5e300}', undefined],
  ] as const)('%s gives the same result both ways', (text, limits) => {
    expect(outcome(text, limits)).toEqual(outcome(large(text), limits));
  });

  it('keeps a fraction as its digits when its nearest double needs 16 or more of them', () => {
    expect(parseJsonObject('{"g":0.12345678901234567,"h":0.1}')).toEqual({
      g: '0.12345678901234567',
      h: 0.1,
    });
  });

  it('reads a literal with more digits than its double needs as that double (what a 17-digit printer sent)', () => {
    expect(parseJsonObject('{"a":0.10000000000000001,"b":1.0000000000000001}')).toEqual({ a: 0.1, b: 1 });
  });

  it('keeps exactly representable large values as numbers', () => {
    expect(parseJsonObject('{"c":1e21,"d":1.5e300}')).toEqual({ c: 1e21, d: 1.5e300 });
  });
});
