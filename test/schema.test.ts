import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentDoc, exampleSection } from '../scripts/event-examples.js';
import { eventJsonSchema } from '../scripts/gen-schema.js';

describe('schema/cloudevent.schema.json', () => {
  it('is generated from the zod source (run `npm run schema` after changing src/events/schema.ts)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(join(import.meta.dirname, '../schema/cloudevent.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(eventJsonSchema());
  });
});

describe('docs/events.md', () => {
  it('shows the examples the receiver makes today (run `npm run docs:examples` after changing normalization)', async () => {
    const { section } = await currentDoc();
    expect(section).toBe(await exampleSection());
  });
});
