/** One problem in the configuration file: where (`handlers[2].on.type`, and a line when known) and what. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * The configuration file cannot be used: it names the file and every problem found. `main` prints it and exits 2.
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';

  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `${file}: ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}\n` +
        issues.map((issue) => `  ${describeIssue(issue)}`).join('\n'),
    );
  }
}

function describeIssue(issue: ConfigIssue): string {
  const at =
    issue.line === undefined
      ? ''
      : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return issue.path === '' ? `${issue.message}${at}` : `${issue.path}: ${issue.message}${at}`;
}

/** `handlers[2].on.type` of a path `['handlers', 2, 'on', 'type']`. */
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
