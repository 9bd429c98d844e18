import { JobhookError } from '../errors.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxValues: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxValues: 100_000 };

/** Parses a JSON object (not an array or scalar) with bounded depth and size; `__proto__` keys stay plain keys. */
export function parseJsonObject(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(MAYBE_INEXACT.test(text) ? keepInexactNumbers(text) : text);
  } catch (error) {
    if (error instanceof RangeError)
      throw new JobhookError('BodyTooDeep', 'the JSON document is nested too deeply');
    throw new JobhookError('MalformedJSON', `the body is not valid JSON: ${describe(error)}`);
  }
  if (!isJsonObject(value)) throw new JobhookError('UnsupportedBody', 'the body must be a JSON object');
  const count = { values: 0 };
  checkShape(value, 1, limits, count);
  return text.includes('"__proto__"') ? withoutPrototypes(value) : value;
}

/** A quick test for numbers JSON.parse could not keep exactly: 16+ digits in a row, or a 3-digit exponent. */
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{3}/;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Rewrites number literals that a double cannot hold exactly — integers beyond 2^53, values that overflow to
 * Infinity — as strings of their exact digits, so `detail` keeps what the provider sent (`"12345678901234567890"`
 * rather than 12345678901234567000). Other numbers stay numbers. Strings are skipped, escapes included.
 */
export function keepInexactNumbers(text: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) continue;
    const literal = match[0];
    const number = Number(literal);
    const integer = match[1] === undefined && match[2] === undefined;
    if (!Number.isFinite(number) || (integer && !Number.isSafeInteger(number))) {
      out += `${text.slice(last, i)}"${literal}"`;
      last = i + literal.length;
    }
    i += literal.length - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkShape(value: unknown, depth: number, limits: JsonLimits, count: { values: number }): void {
  if (++count.values > limits.maxValues)
    throw new JobhookError('TooManyElements', `more than ${limits.maxValues} JSON values`);
  if (typeof value !== 'object' || value === null) return;
  if (depth > limits.maxDepth)
    throw new JobhookError('BodyTooDeep', `JSON nested deeper than ${limits.maxDepth} levels`);
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) checkShape(child, depth + 1, limits, count);
}

/** Rebuilds objects without a prototype, so a `__proto__` key can never reach an object's prototype slot. */
function withoutPrototypes<T extends JsonValue>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutPrototypes(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out = Object.create(null) as JsonObject;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child !== undefined) out[key] = withoutPrototypes(child);
  }
  return out as T;
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message.slice(0, 200) : 'parse error';
