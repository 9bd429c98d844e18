import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJsonSchema } from '../scripts/gen-schema.js';

describe('schema/cloudevent.schema.json', () => {
  it('is generated from the zod source (run `npm run schema` after changing src/events/schema.ts)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(join(import.meta.dirname, '../schema/cloudevent.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(eventJsonSchema());
  });
});
