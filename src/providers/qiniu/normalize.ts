import { buildEvent, eventSource, type Delivery } from '../../events/build.js';
import type { Outcome } from '../../events/catalog.js';
import { fromEpochMillis, normalizeTime } from '../../events/time.js';
import type { EventData } from '../../events/types.js';
import { firstIssue, OutputList, present } from '../fields.js';
import { unrecognized, type Normalized } from '../types.js';
import { PfopNotification, WorkflowV3Notification, type PfopItem } from './wire.js';

/** Qiniu status codes → the event vocabulary (CONTRACT.md §2; 5 is the V3 workflow's "cancelled"). */
const STATES: ReadonlyMap<number, Outcome> = new Map([
  [0, 'succeeded'],
  [4, 'succeeded'],
  [3, 'failed'],
  [1, 'pending'],
  [2, 'pending'],
  [5, 'canceled'],
]);

export function normalizeQiniu(content: Record<string, unknown>, delivery: Delivery): Normalized {
  if (content.version === 'v3') return workflowV3(content, delivery);
  const parsed = PfopNotification.safeParse(content);
  if (!parsed.success) return unrecognized(`Qiniu pfop notification: ${firstIssue(parsed.error)}`);
  const note = parsed.data;
  const state = STATES.get(note.code);
  if (state === undefined) return unrecognized(`Qiniu pfop ${note.id}: unknown code ${note.code}`);
  const items: NonNullable<EventData['items']> = [];
  const outputs = new OutputList();
  for (const item of note.items ?? []) {
    const code = item.code ?? note.code;
    const itemState = STATES.get(code);
    if (itemState === undefined) return unrecognized(`Qiniu pfop ${note.id}: unknown item code ${code}`);
    items.push(normalizeItem(item, code, itemState));
    if (code !== 0) continue;
    const bucket = saveasBucket(item.cmd) ?? note.inputBucket;
    outputs.add(bucket, undefined, item.key);
    for (const key of item.keys ?? []) outputs.add(bucket, undefined, key);
  }
  return pfopEvent(
    {
      id: note.id,
      code: note.code,
      state,
      desc: note.desc,
      pipeline: note.pipeline,
      bucket: note.inputBucket,
      key: note.inputKey,
      outputs: outputs.items,
      items,
      createdAt: normalizeTime(note.creationDate),
      detail: content,
    },
    delivery,
  );
}

function workflowV3(content: Record<string, unknown>, delivery: Delivery): Normalized {
  const parsed = WorkflowV3Notification.safeParse(content);
  if (!parsed.success) return unrecognized(`Qiniu workflow (v3) notification: ${firstIssue(parsed.error)}`);
  const note = parsed.data;
  const state = STATES.get(note.code);
  if (state === undefined) return unrecognized(`Qiniu workflow ${note.id}: unknown code ${note.code}`);
  return pfopEvent(
    {
      id: note.id,
      code: note.code,
      state,
      desc: note.desc,
      pipeline: note.pipeline,
      bucket: note.input?.bucket,
      key: note.input?.key,
      outputs: [],
      items: undefined,
      createdAt: note.created_at === undefined ? null : fromEpochMillis(note.created_at),
      detail: content,
    },
    delivery,
  );
}

interface PfopParts {
  readonly id: string;
  readonly code: number;
  readonly state: Outcome;
  readonly desc: string | undefined;
  readonly pipeline: string | undefined;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly outputs: EventData['outputs'];
  readonly items: EventData['items'];
  readonly createdAt: string | null;
  readonly detail: Record<string, unknown>;
}

/** The one event of a Qiniu notification (prefop-shaped or V3): Qiniu reports no end time, so `time` is receipt. */
function pfopEvent(parts: PfopParts, delivery: Delivery): Normalized {
  const data: EventData = {
    provider: 'qiniu',
    kind: 'pfop',
    jobId: parts.id,
    state: parts.state,
    providerState: String(parts.code),
    code: String(parts.code),
    ...present('message', parts.desc),
    ...present('queueId', parts.pipeline),
    input: { ...present('bucket', parts.bucket), ...present('object', parts.key) },
    outputs: parts.outputs,
    ...(parts.items === undefined ? {} : { items: parts.items }),
    createdAt: parts.createdAt,
    startedAt: null,
    endedAt: null,
    detail: parts.detail,
  };
  const source = eventSource('qiniu', [parts.bucket]);
  return {
    ok: true,
    events: [buildEvent({ provider: 'qiniu', kind: 'pfop', state: parts.state, source, data }, delivery)],
  };
}

function normalizeItem(
  item: PfopItem,
  code: number,
  state: Outcome,
): NonNullable<EventData['items']>[number] {
  return {
    cmd: item.cmd ?? '',
    code,
    state,
    ...present('desc', item.desc),
    ...present('error', item.error),
    ...(item.errorIndex === undefined ? {} : { errorIndex: item.errorIndex }),
    ...present('hash', item.hash),
    ...present('key', item.key),
    ...(item.keys === undefined ? {} : { keys: item.keys }),
    ...(item.returnOld === undefined ? {} : { returnOld: item.returnOld }),
  };
}

/** The bucket of `saveas/<urlsafe base64 of "bucket:key">` in a fop command, if there is one. */
export function saveasBucket(cmd: string | undefined): string | undefined {
  const segment = cmd?.split('|').find((part) => part.startsWith('saveas/'));
  if (segment === undefined) return undefined;
  const entry = Buffer.from(segment.slice('saveas/'.length).split('/')[0] ?? '', 'base64url').toString(
    'utf8',
  );
  const colon = entry.indexOf(':');
  const bucket = colon < 0 ? entry : entry.slice(0, colon);
  return /^[\w-]+$/.test(bucket) ? bucket : undefined;
}
