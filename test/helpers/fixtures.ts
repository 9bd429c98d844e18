import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PROVIDERS_DIR = join(import.meta.dirname, '../../src/providers');

export interface ExpectedEvent {
  readonly type: string;
  readonly subject: string;
  readonly source: string;
  /** null: the provider gives no end time, so the receive time is used. */
  readonly time: string | null;
  readonly channel: string;
  readonly tdmqmsgid?: string;
  readonly data: Record<string, unknown>;
}

export interface Fixture {
  /** Path relative to src/providers, e.g. `tencent-ci/fixtures/transcode-succeeded.xml`. */
  readonly name: string;
  readonly body: Buffer;
  readonly route: string;
  readonly headers: Record<string, string>;
  readonly result: 'events' | 'quarantined';
  readonly events: readonly ExpectedEvent[];
  readonly sameOutcomeAs: readonly string[];
}

/** Every fixture under src/providers/<provider>/fixtures with its `.expected.json`. */
export async function loadFixtures(): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (const provider of await readdir(PROVIDERS_DIR, { withFileTypes: true })) {
    if (!provider.isDirectory()) continue;
    const dir = join(PROVIDERS_DIR, provider.name, 'fixtures');
    const files = await readdir(dir).catch(() => []);
    for (const file of files.filter((f) => !f.endsWith('.expected.json')).sort()) {
      const expected = JSON.parse(
        await readFile(join(dir, `${file}.expected.json`), 'utf8'),
      ) as Partial<Fixture>;
      fixtures.push({
        route: expected.route ?? provider.name,
        result: expected.result ?? 'events',
        headers: expected.headers ?? {},
        events: expected.events ?? [],
        sameOutcomeAs: expected.sameOutcomeAs ?? [],
        name: `${provider.name}/fixtures/${file}`,
        body: await readFile(join(dir, file)),
      });
    }
  }
  return fixtures;
}
