/**
 * `${NAME}` in a string value of the configuration file is replaced by the environment variable NAME, so secrets
 * stay in the environment (CONTRACT.md §5.1). Only names written like environment variables (upper-case letters,
 * digits and `_`, not starting with a digit) are replaced: CI's own placeholders in request templates
 * (`${InputName}`, `${Number}`) are left as they are. `$${NAME}` writes a literal `${NAME}`. A replacement is not
 * read again (a value holding `${OTHER}` stays so).
 *
 * Values only, never keys: keys are the file's structure (option names, `data` paths, header names), and one that
 * changed with the environment would move a setting, not fill it in. A key holding `${…}` is kept as written.
 */
const REFERENCE = /\$(\$?)\{([A-Z_][A-Z0-9_]*)\}/g;

export interface Unset {
  readonly path: (string | number)[];
  readonly variable: string;
}

/**
 * A copy of `value` with every reference replaced; plain objects and arrays are walked, anything else (functions,
 * class instances of a JavaScript configuration) is kept as it is. Unset variables are collected, not thrown.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  unset: Unset[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    return value.replace(REFERENCE, (whole, escaped: string, name: string) => {
      if (escaped !== '') return whole.slice(1);
      const replacement = env[name];
      if (replacement === undefined) {
        unset.push({ path, variable: name });
        return whole;
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, unset, [...path, i]));
  if (isPlainObject(value))
    // fromEntries defines properties: a `__proto__` key stays a key (to be refused as unknown), where an assignment
    // would set the copy's prototype and hide it.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, unset, [...path, key])]),
    );
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
