/** Exit codes of every command (CONTRACT.md §7.1): done, the thing asked for failed, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command could not do what it was asked: the message is printed after `jobhook: `, the process exits with the code. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** Where a command writes: results on stdout (JSON with `--json`), notes and progress on stderr. */
export interface Output {
  readonly json: boolean;
  /** stdout is a terminal: tables instead of one line per entry. */
  readonly tty: boolean;
  /** stderr is a terminal: a progress bar instead of progress lines. */
  readonly stderrTty: boolean;
  readonly line: (text: string) => void;
  readonly printJson: (value: unknown) => void;
  readonly note: (text: string) => void;
  readonly stderr: NodeJS.WritableStream;
}

export interface Streams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

export function createOutput(streams: Streams, json: boolean): Output {
  return {
    json,
    tty: streams.stdout.isTTY,
    stderrTty: streams.stderr.isTTY,
    line: (text) => streams.stdout.write(`${text}\n`),
    printJson: (value) => streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => streams.stderr.write(`${text}\n`),
    stderr: streams.stderr,
  };
}

/** One line of text: runs of whitespace (newlines, tabs) become one space; longer than `max`, cut with `…`. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Rows under headings, each column as wide as its widest cell, two spaces apart. */
export function table(headings: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headings.map((heading, i) =>
    Math.max(heading.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(headings), ...rows.map(format)];
}

/** A command that keeps running could not start: its message after `jobhook: `, exit 1 (or the failure's own code). */
export function exitFailedStart(streams: Streams, error: unknown): never {
  const failure =
    error instanceof CliFailure
      ? error
      : new CliFailure(
          `failed to start: ${error instanceof Error ? error.message : String(error)}`,
          EXIT.failed,
        );
  streams.stderr.write(`jobhook: ${failure.message}\n`);
  process.exit(failure.exitCode);
}
