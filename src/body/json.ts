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
    value = JSON.parse(text);
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
