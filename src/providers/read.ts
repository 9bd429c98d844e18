/**
 * Reading the parts of a parsed provider document that jobhook uses, without a schema library: each helper
 * narrows one value and never throws or copies. Used on the hot path (Tencent CI), where building a validated
 * copy of every callback cost more than the rest of normalization (docs/performance.md). A value of an
 * unexpected shape reads as absent; the document itself stays whole in the event's `detail`.
 */

export type Doc = Readonly<Record<string, unknown>>;

/** Scalars as text: strings as they are, numbers and booleans (some JSON renderings) as `String()` gives them. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Non-empty text, else undefined: optional event fields are left out rather than empty. */
export function nonEmpty(value: unknown): string | undefined {
  const read = text(value);
  return read === '' ? undefined : read;
}

/** An object (not an array); an empty XML element (`<Input/>` → "") and anything else read as absent. */
export function record(value: unknown): Doc | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : undefined;
}

/** A list whose every item reads with `item`; one item of another shape makes the whole list absent. */
export function listOf<T>(value: unknown, item: (value: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: T[] = [];
  for (const element of value as unknown[]) {
    const read = item(element);
    if (read === undefined) return undefined;
    items.push(read);
  }
  return items;
}
