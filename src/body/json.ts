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
  const inexact = checkStructure(text, limits);
  let value: unknown;
  try {
    value = JSON.parse(inexact ? keepInexactNumbers(text) : text);
  } catch (error) {
    if (error instanceof RangeError)
      throw new JobhookError('BodyTooDeep', 'the JSON document is nested too deeply');
    throw new JobhookError('MalformedJSON', `the body is not valid JSON: ${describe(error)}`);
  }
  if (!isJsonObject(value)) throw new JobhookError('UnsupportedBody', 'the body must be a JSON object');
  return text.includes('"__proto__"') ? withoutPrototypes(value) : value;
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Whether a double holds the literal's value as written: a safe integer, or at most 15 significant digits (those
 * always round-trip), and no overflow to Infinity or underflow to 0.
 */
function exact(literal: string): boolean {
  const mantissa = literal
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  const number = Number(literal);
  if (!Number.isFinite(number) || (number === 0 && significant !== '')) return false;
  if (/^-?\d+$/.test(literal)) return Number.isSafeInteger(number);
  return significant.length <= 15;
}

/**
 * Rewrites number literals that a double cannot hold exactly — more than 15 significant digits, values that
 * overflow to Infinity or underflow to 0 — as strings of their exact text, so `detail` keeps what the provider
 * sent (`"12345678901234567890"` rather than 12345678901234567000). Other numbers stay numbers. Strings are
 * skipped, escapes included.
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
    if (!exact(literal)) {
      out += `${text.slice(last, i)}"${literal}"`;
      last = i + literal.length;
    }
    i += literal.length - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Bounds depth and size before JSON.parse allocates anything: one pass over the text, strings skipped, counting
 * containers and separators (an upper bound on the values) and the nesting depth. Returns whether a number
 * outside strings is long (16+ characters) or has an exponent, so that a double might not hold it.
 */
function checkStructure(text: string, limits: JsonLimits): boolean {
  const { maxDepth, maxValues } = limits;
  let depth = 0;
  let values = 1;
  let numberRun = 0;
  let inexact = false;
  // Ordered by how often each character occurs in real callbacks: strings, blanks, number characters, the rest.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      numberRun = 0;
      i = stringEnd(text, i);
      continue;
    }
    if (c <= 0x20) {
      numberRun = 0;
      continue;
    }
    // Digits . + - and the exponent letters e E.
    if (c <= 0x39 ? c >= 0x30 || c === 0x2e || c === 0x2b || c === 0x2d : c === 0x65 || c === 0x45) {
      // An exponent (after a digit; the e of true/false follows a letter) may overflow or underflow.
      if (c > 0x39 && numberRun > 0) inexact = true;
      if (++numberRun >= 16) inexact = true;
      continue;
    }
    numberRun = 0;
    if (c === 0x2c) values++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth)
        throw new JobhookError('BodyTooDeep', `JSON nested deeper than ${maxDepth} levels`);
      values++;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else continue;
    if (values > maxValues) throw new JobhookError('TooManyElements', `more than ${maxValues} JSON values`);
  }
  return inexact;
}

/** Index of the quote that closes the string opened at `open` (or the end of the text). */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
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
