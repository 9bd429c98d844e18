import { NonRetryableError } from '../errors.js';
import { parsePath, valueAt, type PathStep } from '../path.js';

/**
 * `{{ path }}` templates in a submit rule (CONTRACT.md §6.3): any string of `bucket`, `region` and `request` may
 * hold them; the path is over the event (`id`, `type`, `subject`, `data.…`, `data.outputs[0].object`,
 * `data.verified.record.…`). Templates are found and their paths parsed once, at start; rendering walks the rule
 * and fills them in. `${…}` is left alone: it is Tencent CI's own placeholder syntax.
 */

const TEMPLATE = /\{\{\s*(.*?)\s*\}\}/g;
/** A path of the event: names of letters, digits, `_`, `$`, `-`, each with optional `[n]` indexes. */
const PATH = /^[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*$/;

/** A path that resolves to nothing stops the run: nothing is submitted with an empty value. */
export class TemplateUnresolved extends NonRetryableError {
  override readonly name = 'TemplateUnresolved';
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`the template {{ ${path} }} ${why}: nothing is submitted`, { code: 'TemplateUnresolved' });
  }
}

type Part = string | { readonly path: string; readonly steps: readonly PathStep[] };

/** A compiled rule: a function of the event that gives the rule with every template filled in. */
export type Rendered<T> = (event: unknown) => T;

/** The templates of one string, or undefined when it has none. */
function compileString(text: string, problems: string[]): Part[] | undefined {
  if (!text.includes('{{')) return undefined;
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(TEMPLATE)) {
    const path = match[1] ?? '';
    if (!PATH.test(path))
      problems.push(`{{ ${path} }} is not a path of the event (e.g. {{ data.outputs[0].object }})`);
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ path, steps: parsePath(path) });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (text.slice(last).includes('{{') || parts.every((part) => typeof part === 'string'))
    problems.push(`${JSON.stringify(text)} has an unclosed {{`);
  return parts;
}

function renderParts(parts: readonly Part[], event: unknown): string {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const value = valueAt(event, part.steps);
    if (value === undefined || value === null)
      throw new TemplateUnresolved(part.path, 'resolves to nothing in this event');
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new TemplateUnresolved(part.path, 'is an object or a list, not a value');
    const written = String(value);
    if (written === '') throw new TemplateUnresolved(part.path, 'is empty in this event');
    text += written;
  }
  return text;
}

/**
 * Compiles every template in `value` (plain objects, arrays and strings; numbers and booleans kept). Returns the
 * renderer, and the problems found (an unparsable path, an unclosed `{{`), for the configuration check.
 */
export function compileTemplates<T>(value: T): { render: Rendered<T>; problems: string[] } {
  const problems: string[] = [];
  const build = (node: unknown): ((event: unknown) => unknown) => {
    if (typeof node === 'string') {
      const parts = compileString(node, problems);
      return parts === undefined ? () => node : (event) => renderParts(parts, event);
    }
    if (Array.isArray(node)) {
      const items = node.map(build);
      return (event) => items.map((item) => item(event));
    }
    if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node).map(([key, item]) => [key, build(item)] as const);
      return (event) => Object.fromEntries(entries.map(([key, item]) => [key, item(event)]));
    }
    return () => node;
  };
  const render = build(value);
  return { render: render as Rendered<T>, problems };
}
