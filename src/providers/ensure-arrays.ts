/**
 * Makes the elements that may repeat arrays also when they occur once (XML cannot tell one from many, and
 * JSON renderings disagree). `paths` are dot-separated keys; arrays met on the way are walked element by element.
 * Mutates `doc`, which the caller owns (it was just parsed).
 */
export function ensureArrays(doc: object, paths: readonly (readonly string[])[]): void {
  for (const path of paths) visit(doc, path, 0);
}

function visit(node: unknown, path: readonly string[], at: number): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, path, at);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const key = path[at];
  if (key === undefined || !Object.hasOwn(node, key)) return;
  const record = node as Record<string, unknown>;
  const value = record[key];
  if (at === path.length - 1) {
    if (!Array.isArray(value)) record[key] = [value];
    return;
  }
  visit(value, path, at + 1);
}

export const splitPaths = (paths: readonly string[]): readonly (readonly string[])[] =>
  paths.map((p) => p.split('.'));
