import { z } from 'zod';

/**
 * Event filters (CONTRACT.md §5.2): `type`, `source`, `subject` are patterns where `*` matches any run of
 * characters; `data` maps dotted paths into `event.data` to a value or a list of values, compared as strings.
 * Every part given must match. Filters are compiled once, at start: no regular expression is built per event.
 */

const Pattern = z.string().min(1, 'a pattern must not be empty');
const Patterns = z.union([Pattern, z.array(Pattern).min(1, 'a list of patterns must not be empty')]);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Values = z.union([Scalar, z.array(Scalar).min(1, 'a list of values must not be empty')]);

/** `a.b[0].c`: names of letters, digits, `_`, `$` and `-`, each optionally followed by array indexes. */
const PATH = /^[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*$/;
const DataPath = z
  .string()
  .regex(PATH, 'a dotted path into event.data, e.g. input.bucket or outputs[0].object');

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

/** One pattern or a list, as one function: plain strings by a set lookup, patterns with `*` by one expression. */
export function compilePatterns(patterns: string | readonly string[]): (value: string) => boolean {
  const list = typeof patterns === 'string' ? [patterns] : patterns;
  if (list.includes('*')) return () => true;
  const exact = new Set(list.filter((p) => !p.includes('*')));
  const wild = list.filter((p) => p.includes('*'));
  if (wild.length === 0) return (value) => exact.has(value);
  const expression = new RegExp(`^(?:${wild.map(patternSource).join('|')})$`, 's');
  return (value) => exact.has(value) || expression.test(value);
}

const patternSource = (pattern: string): string =>
  pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');

type Step = string | number;

function parsePath(path: string): Step[] {
  const steps: Step[] = [];
  for (const part of path.split('.')) {
    const name = /^[^[]+/.exec(part)?.[0] ?? part;
    steps.push(name);
    for (const index of part.slice(name.length).matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

/**
 * Whether a value at `steps` below `value` satisfies `test`. An array met on the way by a name (not an index)
 * matches when any of its elements does (`outputs.bucket`); objects and arrays themselves are never leaves.
 */
function anyLeaf(
  value: unknown,
  steps: readonly Step[],
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
