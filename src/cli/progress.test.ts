import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Output } from './output.js';
import { PROGRESS_LINE_EVERY, startProgress } from './progress.js';

function output(options: { json?: boolean; stderrTty?: boolean }): {
  out: Output;
  notes: string[];
  bar: () => string;
} {
  const notes: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const out: Output = {
    json: options.json ?? false,
    tty: false,
    stderrTty: options.stderrTty ?? false,
    line: () => undefined,
    printJson: () => undefined,
    note: (text) => notes.push(text),
    stderr: stream,
  };
  return { out, notes, bar: () => written };
}

const at = (read: number) => ({ read, matched: Math.floor(read / 2), runs: read });

describe('startProgress', () => {
  it('writes a line every PROGRESS_LINE_EVERY jobs when stderr is not a terminal', () => {
    const { out, notes } = output({});
    const progress = startProgress(out, 2500, 'runs');
    for (const read of [500, PROGRESS_LINE_EVERY - 1, PROGRESS_LINE_EVERY, 1500, 2100, 2500])
      progress.update(at(read));
    progress.stop();
    expect(notes).toEqual([
      'read 1000 of about 2500 jobs: 500 matched, 1000 runs',
      'read 2100 of about 2500 jobs: 1050 matched, 2100 runs',
    ]);
  });

  it('draws a bar on a terminal, and says nothing with --json', async () => {
    const tty = output({ stderrTty: true });
    const progress = startProgress(tty.out, 10, 'runs');
    progress.update(at(4));
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(tty.bar()).toMatch(/4\/10 events \| 2 matched \| 4 runs/);

    const quiet = output({ json: true, stderrTty: true });
    const silent = startProgress(quiet.out, 10, 'runs');
    silent.update(at(PROGRESS_LINE_EVERY));
    silent.stop();
    expect(quiet.notes).toEqual([]);
    expect(quiet.bar()).toBe('');
  });
});
