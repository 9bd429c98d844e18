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

/**
 * Bodies up to this many characters are parsed first and checked on the parsed tree, which is cheaper than a
 * pass over the text; larger ones are checked on the text before JSON.parse allocates anything. Either way the
 * same limits hold with the same errors.
 */
export const CHECK_TEXT_FIRST_ABOVE = 64 * 1024;

/** Parses a JSON object (not an array or scalar) with bounded depth and size; `__proto__` keys stay plain keys. */
export function parseJsonObject(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): JsonObject {
  const value = text.length > CHECK_TEXT_FIRST_ABOVE ? undefined : tryParse(text);
  // Malformed, too large to parse first, or holding a number a double may not hold exactly: the text first.
  if (value === undefined || !checkTree(value, limits, text)) return parseCheckedText(text, limits);
  if (!isJsonObject(value)) throw new JobhookError('UnsupportedBody', 'the body must be a JSON object');
  // Found by the walk: a `"__proto__"` written with escapes is a `__proto__` key too.
  return tree.proto ? withoutPrototypes(value) : value;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The text is checked before it is parsed: limits, then numbers a double cannot hold are kept as their digits. */
function parseCheckedText(text: string, limits: JsonLimits): JsonObject {
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

/**
 * The limits of {@link checkStructure}, on a parsed tree (values are counted the same way: one per container, or
 * one per element of a non-empty container, plus the root). Returns false when a number in it may not be what the
 * text says — an unsafe integer, Infinity, a fraction whose nearest double needs 16 or more digits, a subnormal, or
 * a zero in a text with a negative exponent (an underflow) —, so that the text is read again exactly.
 */
function checkTree(root: unknown, limits: JsonLimits, text: string): boolean {
  tree.maxDepth = limits.maxDepth;
  tree.maxValues = limits.maxValues;
  tree.values = 1;
  tree.exact = true;
  tree.zero = false;
  tree.proto = false;
  if (typeof root === 'object' && root !== null) visit(root, 1);
  return tree.exact && !(tree.zero && mayUnderflow(text));
}

/** The state of the one walk at a time (walks are synchronous): fields of one object, so no walk allocates. */
const tree = { maxDepth: 0, maxValues: 0, values: 0, exact: true, zero: false, proto: false };

function visit(node: object, depth: number): void {
  if (depth > tree.maxDepth)
    throw new JobhookError('BodyTooDeep', `JSON nested deeper than ${tree.maxDepth} levels`);
  let count = 0;
  if (Array.isArray(node)) {
    const items = node as unknown[];
    count = items.length;
    for (let i = 0; i < count; i++) {
      const value = items[i];
      if (typeof value === 'object') {
        if (value !== null) visit(value, depth + 1);
      } else if (typeof value === 'number') checkNumber(value);
    }
  } else {
    const members = node as Record<string, unknown>;
    for (const key in members) {
      count++;
      if (key === '__proto__') tree.proto = true;
      const value = members[key];
      if (typeof value === 'object') {
        if (value !== null) visit(value, depth + 1);
      } else if (typeof value === 'number') checkNumber(value);
    }
  }
  tree.values += count === 0 ? 1 : count;
  if (tree.values > tree.maxValues)
    throw new JobhookError('TooManyElements', `more than ${tree.maxValues} JSON values`);
}

function checkNumber(value: number): void {
  if (value === 0) tree.zero = true;
  else if (tree.exact && !plainNumber(value)) tree.exact = false;
}

/** A double that surely is the value of its literal: a safe integer, or a normal fraction of at most 15 digits. */
function plainNumber(value: number): boolean {
  if (Number.isSafeInteger(value)) return true;
  if (!Number.isFinite(value) || Number.isInteger(value) || Math.abs(value) < 2.2250738585072014e-308)
    return false;
  const digits = String(value).replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '');
  return digits.length <= 15;
}

/** Whether the text has a negative exponent after a digit (`1e-400` parses to 0). */
function mayUnderflow(text: string): boolean {
  return negativeExponent(text, 'e-') || negativeExponent(text, 'E-');
}

function negativeExponent(text: string, marker: string): boolean {
  for (let at = text.indexOf(marker, 1); at >= 0; at = text.indexOf(marker, at + 2)) {
    const digit = text.charCodeAt(at - 1);
    if (digit >= 0x30 && digit <= 0x39) return true;
  }
  return false;
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Whether the double JSON.parse makes of a number literal can stand for it. A safe integer or a normal fraction
 * of at most 15 significant digits can (a literal with more digits that rounds to it is what a 17-digit float
 * printer sends for that double). Otherwise the literal must be exactly what a double holds: a zero that is a
 * zero (not an underflow), no Infinity, an integer literal within 2^53, or at most 15 significant digits.
 */
function exact(literal: string): boolean {
  const number = Number(literal);
  if (number !== 0 && plainNumber(number)) return true;
  const mantissa = literal
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  if (!Number.isFinite(number) || (number === 0 && significant !== '')) return false;
  if (/^-?\d+$/.test(literal)) return Number.isSafeInteger(number);
  return significant.length <= 15;
}

/**
 * Rewrites number literals whose double would misstate them (see {@link exact}: integers beyond 2^53, values that
 * overflow to Infinity or underflow to 0, fractions needing 16 or more digits) as strings of their exact text, so `detail` keeps what the provider
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
