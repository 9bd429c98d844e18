import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format } from 'prettier';
import { EVENT_TYPES } from '../src/events/catalog.js';
import type { JobhookEvent } from '../src/events/types.js';
import { eventsOfFixtures } from '../test/helpers/fixtures.js';

const DOC = join(import.meta.dirname, '..', 'docs', 'events.md');
const START = '<!-- examples:start (npm run docs:examples) -->';
const END = '<!-- examples:end -->';
const RECEIVED_AT = new Date('2026-11-21T06:00:00.000Z');

/** One example event per type, made by the real receiver from the fixture corpus. */
export async function exampleSection(): Promise<string> {
  const examples = new Map<string, { fixture: string; event: JobhookEvent }>();
  for (const { fixture, events } of await eventsOfFixtures(RECEIVED_AT))
    for (const event of events)
      if (!examples.has(event.type)) examples.set(event.type, { fixture: fixture.name, event });
  const parts = [START, ''];
  for (const type of EVENT_TYPES) {
    const example = examples.get(type);
    parts.push(`### \`${type}\``, '');
    if (example === undefined) {
      parts.push(
        type.startsWith('tencent.cos.batch.') || type.startsWith('tencent.ci.inventory.')
          ? 'Made by status polling (these jobs send no callback): the record of `GET /jobs/<id>` (COS batch) or `GET /inventorytriggerjob/<id>` (CI inventory), see docs/clouds.md.'
          : 'No fixture produces this type yet.',
        '',
      );
      continue;
    }
    const { detail, ...data } = example.event.data;
    const shown = { ...example.event, data: { ...data, detail: shorten(detail) } };
    parts.push(
      `From \`src/providers/${example.fixture}\` (\`detail\` shortened):`,
      '',
      '```json',
      JSON.stringify(shown, null, 2),
      '```',
      '',
    );
  }
  parts.push(END);
  const formatted = await format(parts.join('\n'), {
    parser: 'markdown',
    printWidth: 110,
    singleQuote: true,
  });
  return formatted.trimEnd();
}

/** Keeps the top-level keys of `detail`, eliding what is below them. */
function shorten(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detail))
    out[key] =
      typeof value === 'object' && value !== null ? (Array.isArray(value) ? ['…'] : { '…': '…' }) : value;
  return out;
}

export async function currentDoc(): Promise<{ text: string; section: string }> {
  const text = await readFile(DOC, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  return { text, section: start < 0 || end < 0 ? '' : text.slice(start, end + END.length) };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const { text, section } = await currentDoc();
  const fresh = await exampleSection();
  await writeFile(
    DOC,
    section === '' ? `${text.trimEnd()}\n\n## Examples\n\n${fresh}\n` : text.replace(section, fresh),
  );
  process.stdout.write(`updated ${DOC}\n`);
}
