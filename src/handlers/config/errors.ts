/** One problem in the configuration file: where (`handlers[2].on.type`, and a line when known) and what. */
export interface ConfigIssue {
  /** Where in the file, as `handlers[2].on.type`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** 1-based, for JSON and YAML files. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * The configuration file cannot be used: it names the file and every problem found. `main` prints it and exits 2.
 * The message is what users read, one problem a line, in the order of the file:
 *
 * ```
 * /srv/jobhook.config.yaml: 2 problems
 *   handlers[0].name (line 2, column 11): must be 1 to 64 characters of a-z, 0-9 and -
 *   handlers[1].timeout (line 9, column 14): must be between 1ms and 1d
 * ```
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
  readonly issues: readonly ConfigIssue[];

  constructor(
    readonly file: string,
    issues: readonly ConfigIssue[],
  ) {
    const sorted = inFileOrder(issues);
    super(
      `${file}: ${sorted.length === 1 ? '1 problem' : `${sorted.length} problems`}\n` +
        sorted.map((issue) => `  ${describeIssue(issue)}`).join('\n'),
    );
    this.issues = sorted;
  }
}

/** By line and column where known (a stable sort: problems without a line keep their order, after the others). */
function inFileOrder(issues: readonly ConfigIssue[]): readonly ConfigIssue[] {
  const key = (issue: ConfigIssue): [number, number] => [
    issue.line ?? Number.POSITIVE_INFINITY,
    issue.column ?? 0,
  ];
  return [...issues].sort((a, b) => {
    const [lineA, columnA] = key(a);
    const [lineB, columnB] = key(b);
    return lineA === lineB ? columnA - columnB : lineA < lineB ? -1 : 1;
  });
}

function describeIssue(issue: ConfigIssue): string {
  const at =
    issue.line === undefined
      ? ''
      : `line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`}`;
  if (issue.path === '') return at === '' ? issue.message : `${at}: ${issue.message}`;
  return at === '' ? `${issue.path}: ${issue.message}` : `${issue.path} (${at}): ${issue.message}`;
}

/** `handlers[2].on.type` of a path `['handlers', 2, 'on', 'type']`; keys that are not names are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else {
      const name = String(part);
      text += /^[A-Za-z_$][\w$-]*$/.test(name)
        ? text === ''
          ? name
          : `.${name}`
        : `[${JSON.stringify(name)}]`;
    }
  }
  return text;
}
