import { z } from 'zod';
import { parsePath, type PathStep } from './path.js';

/**
 * Event filters (CONTRACT.md §5.2): `type`, `source`, `subject` are patterns where `*` matches any run of
 * characters; `data` maps dotted paths into `event.data` to a value or a list of values, compared as strings.
 * Every part given must match. Filters are compiled once, at start, into plain string comparisons: no regular
 * expression is built or run per event (a backtracking expression for `*a*a*a*a*a*a*a*b` takes seconds on a subject
 * of 50 characters).
 */

const Pattern = z.string().min(1, 'a pattern must not be empty');
const Patterns = z.union([Pattern, z.array(Pattern).min(1, 'a list of patterns must not be empty')], {
  error: 'must be a pattern (a string, * for any run of characters) or a list of them',
});
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Values = z.union([Scalar, z.array(Scalar).min(1, 'a list of values must not be empty')], {
  error: 'must be a value (a string, number or boolean) or a list of them',
});

/** `a.b[0].c`: names of letters, digits, `_`, `$` and `-`, each optionally followed by array indexes. */
const PATH = /^[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*$/;
const DataPath = z
  .string()
  .regex(PATH, 'a dotted path into event.data, e.g. input.bucket or outputs[0].object')
  // `__proto__` as a step (`a.__proto__.b`) is never a field of event data. (A `data` key that is `__proto__` alone
  // never reaches this: zod leaves it out of a record, and the loader refuses it.)
  .refine((path) => !/(^|\.)__proto__(\[|\.|$)/.test(path), '__proto__ is not a field of event.data');

export const FilterSchema = z.strictObject({
  type: Patterns.optional(),
  source: Patterns.optional(),
  subject: Patterns.optional(),
  data: z
    .record(DataPath, Values)
    .refine((data) => Object.keys(data).length > 0, 'data must name at least one path')
    .optional(),
});

export type FilterSpec = z.input<typeof FilterSchema>;

/** The parts of an event a filter reads. */
export interface Filterable {
  readonly type: string;
  readonly source: string;
  readonly subject?: string | undefined;
  readonly data?: unknown;
}

export type Matcher = (event: Filterable) => boolean;

const always: Matcher = () => true;

/** Compiles a validated filter into one function. */
export function compileFilter(spec: z.output<typeof FilterSchema>): Matcher {
  const checks: Matcher[] = [];
  if (spec.type !== undefined) {
    const matches = compilePatterns(spec.type);
    checks.push((event) => matches(event.type));
  }
  if (spec.source !== undefined) {
    const matches = compilePatterns(spec.source);
    checks.push((event) => matches(event.source));
  }
  if (spec.subject !== undefined) {
    const matches = compilePatterns(spec.subject);
    checks.push((event) => event.subject !== undefined && matches(event.subject));
  }
  for (const [path, values] of Object.entries(spec.data ?? {})) {
    const steps = parsePath(path);
    const wanted = new Set((Array.isArray(values) ? values : [values]).map(String));
    checks.push((event) => anyLeaf(event.data, steps, 0, (leaf) => wanted.has(leaf)));
  }
  if (checks.length === 0) return always;
  if (checks.length === 1) return checks[0] ?? always;
  return (event) => checks.every((check) => check(event));
}

/** One pattern or a list, as one function: plain strings by a set lookup, patterns with `*` by `globMatcher`. */
export function compilePatterns(patterns: string | readonly string[]): (value: string) => boolean {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  if (list.includes('*')) return () => true;
  const exact = new Set(list.filter((p) => !p.includes('*')));
  const wild = list.filter((p) => p.includes('*')).map(globMatcher);
  if (wild.length === 0) return (value) => exact.has(value);
  return (value) => exact.has(value) || wild.some((matches) => matches(value));
}

/**
 * A pattern with `*` as a test of its literal parts: the first must start the value, the last end it, and those
 * between are found in order, each at its leftmost place after the one before (the leftmost place leaves the most
 * room for the rest, so it is never wrong to take it). Every other character is compared as itself. At most
 * (parts × value length) character comparisons, whatever the value.
 */
function globMatcher(pattern: string): (value: string) => boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((part) => part !== '');
  const least = parts.reduce((length, part) => length + part.length, 0);
  return (value) => {
    if (value.length < least || !value.startsWith(first) || !value.endsWith(last)) return false;
    const end = value.length - last.length;
    let at = first.length;
    for (const part of middle) {
      const found = value.indexOf(part, at);
      if (found === -1 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

/**
 * Whether a value at `steps` below `value` satisfies `test`. An array met on the way by a name (not an index), or
 * at the end of the path, matches when any of its elements does: `outputs.bucket` is any output's bucket, `items`
 * of a list of strings any of them. Objects and arrays themselves are never compared; only own properties are
 * read (`constructor`, `toString`, `__proto__` of an event's data are not there unless the data has them).
 */
function anyLeaf(
  value: unknown,
  steps: readonly PathStep[],
  at: number,
  test: (leaf: string) => boolean,
): boolean {
  if (at === steps.length) {
    if (typeof value === 'string') return test(value);
    if (typeof value === 'number' || typeof value === 'boolean') return test(String(value));
    if (Array.isArray(value)) return value.some((item) => anyLeaf(item, steps, at, test));
    return false;
  }
  if (typeof value !== 'object' || value === null) return false;
  const step = steps[at];
  if (typeof step === 'number')
    return Array.isArray(value) && step < value.length && anyLeaf(value[step], steps, at + 1, test);
  if (Array.isArray(value)) return value.some((item) => anyLeaf(item, steps, at, test));
  if (step === undefined || !Object.hasOwn(value, step)) return false;
  return anyLeaf((value as Record<string, unknown>)[step], steps, at + 1, test);
}
