import { isMap, isScalar, type Document, type LineCounter } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * Where a path of the file's value is written: the node at `path`, or — for a key that is missing — the deepest
 * parent the file has. With `key`, the place of that key of the map at `path` (an unknown key).
 */
export type Locate = (path: readonly PropertyKey[], key?: string) => Position | undefined;

export const nowhere: Locate = () => undefined;

/** The 1-based line and column of a character offset of the text. */
export function positionAt(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

export function locator(doc: Document, lines: LineCounter): Locate {
  const at = (offset: number): Position => positionAt(lines, offset);
  return (path, key) => {
    if (key !== undefined) {
      const map = doc.getIn(path, true);
      if (isMap(map))
        for (const pair of map.items)
          if (
            isScalar(pair.key) &&
            pair.key.value === key &&
            pair.key.range !== undefined &&
            pair.key.range !== null
          )
            return at(pair.key.range[0]);
    }
    for (let end = path.length; end >= 0; end--) {
      const node = doc.getIn(path.slice(0, end), true) as
        { range?: [number, number, number] | null } | undefined;
      if (node?.range !== undefined && node.range !== null) return at(node.range[0]);
    }
    return undefined;
  };
}
