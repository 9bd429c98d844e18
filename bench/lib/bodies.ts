/** The Tencent CI fixture pair every benchmark request is made from, and the job id each request replaces. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Format } from './report.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../src/providers/tencent-ci/fixtures');

export interface Body {
  readonly file: string;
  readonly text: string;
  /** The fixture's job id, replaced by a unique one in every request. */
  readonly jobId: string;
}

/** `<fixture>.xml` and `<fixture>.json` with their job ids. */
export function loadBodies(fixture: string): Record<Format, Body> {
  const read = (format: Format, pattern: RegExp): Body => {
    const file = `${fixture}.${format}`;
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const jobId = pattern.exec(text)?.[1];
    if (jobId === undefined) throw new Error(`${file} has no JobId`);
    return { file, text, jobId };
  };
  return { xml: read('xml', /<JobId>([^<]+)<\/JobId>/), json: read('json', /"JobId"\s*:\s*"([^"]+)"/) };
}
