/** A step of a dotted path: a property name, or an array index (`outputs[0]` is `outputs`, then `0`). */
export type PathStep = string | number;

/** `input.bucket` → `['input', 'bucket']`; `outputs[0].object` → `['outputs', 0, 'object']`. */
export function parsePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  for (const part of path.split('.')) {
    const name = /^[^[]+/.exec(part)?.[0] ?? part;
    steps.push(name);
    for (const index of part.slice(name.length).matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

/**
 * The value at `steps` below `value`, or undefined when any step is missing: names read own properties only, indexes
 * only arrays (so `constructor`, `__proto__` and `length` are never reached through the prototype).
 */
export function valueAt(value: unknown, steps: readonly PathStep[]): unknown {
  let at = value;
  for (const step of steps) {
    if (typeof at !== 'object' || at === null) return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return undefined;
      at = at[step] as unknown;
    } else {
      if (Array.isArray(at) || !Object.hasOwn(at, step)) return undefined;
      at = (at as Record<string, unknown>)[step];
    }
  }
  return at;
}
