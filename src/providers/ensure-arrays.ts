/**
 * Makes the elements that may repeat arrays also when they occur once (XML cannot tell one from many, and
 * JSON renderings disagree). Paths are dot-separated keys, compiled once by {@link arrayPaths} into a tree, so
 * a document is walked once for all of them; arrays met on the way are walked element by element.
 */
export interface ArrayPath {
  readonly key: string;
  /** The element at this path is made an array. */
  readonly array: boolean;
  readonly children: readonly ArrayPath[];
}

/** Mutates `doc`, which the caller owns (it was just parsed). */
export function ensureArrays(doc: object, paths: readonly ArrayPath[]): void {
  visit(doc, paths);
}

function visit(node: unknown, paths: readonly ArrayPath[]): void {
  if (typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) visit(node[i], paths);
    return;
  }
  const record = node as Record<string, unknown>;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as ArrayPath;
    // Parsed documents hold no undefined, and no key here is a property of Object.prototype (arrayPaths
    // checks): a value is there exactly when the document has the key.
    let value = record[path.key];
    if (value === undefined) continue;
    if (path.array && !Array.isArray(value)) record[path.key] = value = [value];
    if (path.children.length > 0) visit(value, path.children);
  }
}

/** Compiles dot-separated paths (`'A.B'` makes every `B` under every `A` an array) into the tree ensureArrays walks. */
export function arrayPaths(paths: readonly string[]): readonly ArrayPath[] {
  interface Draft {
    key: string;
    array: boolean;
    children: Draft[];
  }
  const root: Draft[] = [];
  for (const path of paths) {
    let level = root;
    const keys = path.split('.');
    keys.forEach((key, i) => {
      if (key === '' || key in Object.prototype)
        throw new TypeError(`array path '${path}': bad key '${key}'`);
      let node = level.find((candidate) => candidate.key === key);
      if (node === undefined) level.push((node = { key, array: false, children: [] }));
      if (i === keys.length - 1) node.array = true;
      level = node.children;
    });
  }
  return root;
}
