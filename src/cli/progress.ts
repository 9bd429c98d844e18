import { Presets, SingleBar } from 'cli-progress';
import type { Output } from './output.js';

/** What a replay has done so far. */
export interface ReplayCounts {
  /** Jobs read from the queue. */
  readonly read: number;
  /** Events that passed the filters. */
  readonly matched: number;
  /** (event, handler) runs written (or, in a dry run, that would be). */
  readonly runs: number;
}

export interface Progress {
  update(counts: ReplayCounts): void;
  stop(): void;
}

/** Plain progress lines come at most once per this many jobs read. */
export const PROGRESS_LINE_EVERY = 1000;

/**
 * Progress on stderr: a bar (cli-progress) when stderr is a terminal, otherwise a line every PROGRESS_LINE_EVERY
 * jobs; nothing with `--json`. `total` is what the queue held at the start; it may change while it is read.
 */
export function startProgress(out: Output, total: number, runsLabel: string): Progress {
  if (out.json) return { update: () => undefined, stop: () => undefined };
  if (out.stderrTty) {
    const bar = new SingleBar(
      {
        stream: out.stderr,
        format: `{bar} {value}/{total} events | {matched} matched | {runs} ${runsLabel}`,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { matched: 0, runs: 0 });
    return {
      update: (counts) => {
        if (counts.read > bar.getTotal()) bar.setTotal(counts.read);
        bar.update(counts.read, counts);
      },
      stop: () => bar.stop(),
    };
  }
  let next = PROGRESS_LINE_EVERY;
  return {
    update: (counts) => {
      if (counts.read < next) return;
      next = (Math.floor(counts.read / PROGRESS_LINE_EVERY) + 1) * PROGRESS_LINE_EVERY;
      out.note(
        `read ${counts.read} of about ${Math.max(total, counts.read)} jobs: ${counts.matched} matched, ${counts.runs} ${runsLabel}`,
      );
    },
    stop: () => undefined,
  };
}
