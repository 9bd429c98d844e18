import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AnyCloudEvent } from '../src/events/schema.js';

/** Writes schema/cloudevent.schema.json from the zod source of the event types (`npm run schema`). */
export function eventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://jobhook.dev/schema/cloudevent.schema.json',
    title: 'jobhook CloudEvent',
    description:
      "An event of the jobhook-events queue and of subscription queues: a job outcome from Tencent CI, Qiniu or COS batch, one of jobhook's own (type jobhook.*), or an event a handler emitted (type app.*).",
    ...z.toJSONSchema(AnyCloudEvent, { target: 'draft-2020-12', io: 'output' }),
  };
}

const target = join(import.meta.dirname, '..', 'schema', 'cloudevent.schema.json');
if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(target, `${JSON.stringify(eventJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${target}\n`);
}
