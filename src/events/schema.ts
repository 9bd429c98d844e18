import { z } from 'zod';
import { EVENT_TYPES, KINDS, OUTCOMES, PROVIDERS } from './catalog.js';
import { JobhookOwnCloudEvent } from './jobhook.js';

/** RFC 3339 timestamp with a colon in the offset (or `Z`), fractional seconds optional. */
const Rfc3339 = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'RFC 3339 timestamp');

export const State = z.enum(OUTCOMES);

export const ObjectLocation = z.object({
  region: z.string().optional(),
  bucket: z.string().optional(),
  object: z.string().optional(),
});

export const OutputObject = z.object({
  region: z.string().optional(),
  bucket: z.string().optional(),
  object: z.string(),
});

export const WorkflowRef = z.object({
  runId: z.string(),
  workflowId: z.string(),
  workflowName: z.string().optional(),
  nodeName: z.string().optional(),
});

export const WorkflowTask = z.object({
  type: z.string(),
  jobId: z.string(),
  state: State,
  providerState: z.string(),
  name: z.string().optional(),
  templateId: z.string().optional(),
  templateName: z.string().optional(),
  createdAt: Rfc3339.nullable().optional(),
  endedAt: Rfc3339.nullable().optional(),
});

export const PfopItem = z.object({
  cmd: z.string(),
  code: z.number().int(),
  state: State,
  desc: z.string().optional(),
  error: z.string().optional(),
  errorIndex: z.number().int().optional(),
  hash: z.string().optional(),
  key: z.string().optional(),
  keys: z.array(z.string()).optional(),
  returnOld: z.number().int().optional(),
});

/** A JSON object as the provider sent it (parsed, never coerced). */
const Detail = z.record(z.string(), z.unknown());

export const EventData = z.object({
  provider: z.enum(PROVIDERS),
  kind: z.enum(KINDS),
  jobId: z.string().min(1),
  state: State,
  providerState: z.string(),
  tag: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  queueId: z.string().optional(),
  input: ObjectLocation,
  outputs: z.array(OutputObject),
  userData: z.string().optional(),
  workflow: WorkflowRef.optional(),
  tasks: z.array(WorkflowTask).optional(),
  items: z.array(PfopItem).optional(),
  createdAt: Rfc3339.nullable(),
  startedAt: Rfc3339.nullable(),
  endedAt: Rfc3339.nullable(),
  detail: Detail,
});

export const Channel = z.enum(['http', 'tdmq', 'poll', 'replay']);

/** Extension attributes of events that belong to a chain (CONTRACT.md §6.4) or were emitted by a handler. */
const Lineage = {
  /** Extension: the id of the event whose handler caused this one. */
  causationid: z.string().min(1).optional(),
  /** Extension: the id of the first event of the chain. */
  correlationid: z.string().min(1).optional(),
};

export const CloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().regex(/^\/[a-z0-9-]+(\/[^/]+)*$/, 'source path'),
  type: z.enum(EVENT_TYPES as [string, ...string[]]),
  subject: z.string().min(1),
  time: Rfc3339,
  datacontenttype: z.literal('application/json'),
  data: EventData,
  /** Extension: how the callback reached jobhook. */
  channel: Channel.optional(),
  /** Extension: when jobhook received the callback (RFC 3339, UTC). */
  receivedat: Rfc3339.optional(),
  /** Extension: the TDMQ (CMQ) message id, when the callback came through TDMQ. */
  tdmqmsgid: z.string().optional(),
  ...Lineage,
});

/** `app.<word>[.<word>…]`: the types handlers may emit (CONTRACT.md §5.6). */
export const APP_TYPE = /^app(\.[A-Za-z0-9_-]+)+$/;

/** An event a handler emitted with `ctx.emit`: source `/jobhook/<handler>`, any JSON as data. */
export const AppCloudEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().regex(/^\/jobhook(\/[a-z0-9-]+)?$/, 'source /jobhook/<handler>'),
  type: z.string().regex(APP_TYPE, 'app.<name>'),
  subject: z.string().min(1).optional(),
  time: Rfc3339,
  datacontenttype: z.literal('application/json'),
  data: z.json(),
  channel: Channel.optional(),
  ...Lineage,
});

/**
 * Any event of `jobhook-events`: a provider's job outcome, one of jobhook's own (`jobhook.…`: verification failed,
 * job submitted, job overdue), or a handler's derived event.
 */
export const AnyCloudEvent = z.union([CloudEvent, JobhookOwnCloudEvent, AppCloudEvent]);
