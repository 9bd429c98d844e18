import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_DOCUMENT_LIMITS } from '../../src/body/parse.js';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../src/config.js';
import type { JobhookEvent } from '../../src/events/types.js';
import { createProviders } from '../../src/providers/index.js';
import { createReceiver } from '../../src/receive/receiver.js';
import { decodeEvent } from '../../src/queue/encoded.js';
import type { CallbackStore } from '../../src/queue/types.js';

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

/**
 * The events the real receiver makes of every fixture, in corpus order, with a store that only collects them
 * (quarantined fixtures make none). `receivedAt` fixes the receive time, for reproducible output.
 */
export async function eventsOfFixtures(
  receivedAt?: Date,
): Promise<{ readonly fixture: Fixture; readonly events: readonly JobhookEvent[] }[]> {
  let collected: JobhookEvent[] = [];
  const store: CallbackStore = {
    storeEvents: (events) => {
      collected.push(...events.map(decodeEvent));
      return Promise.resolve({
        events: events.map((e) => ({ id: e.id, type: e.type, duplicate: false })),
        spooled: false,
      });
    },
    storeQuarantine: () => Promise.resolve({ spooled: false }),
    isReady: () => Promise.resolve(true),
    close: () => Promise.resolve(),
  };
  const limits = DEFAULT_DOCUMENT_LIMITS;
  const receiver = createReceiver({
    providers: createProviders({ qiniuKeys: [], limits }),
    store,
    limits,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  });
  const made = [];
  for (const fixture of await loadFixtures()) {
    collected = [];
    await receiver.receive({
      route: fixture.route,
      method: 'POST',
      pathAndQuery: `/v1/callbacks/${fixture.route}`,
      headers: fixture.headers,
      body: fixture.body,
      receivedAt: receivedAt ?? new Date(),
    });
    made.push({ fixture, events: collected });
  }
  return made;
}
