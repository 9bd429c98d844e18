import { buildEvent, eventSource, type Delivery } from '../../events/build.js';
import { laterTime, normalizeTime } from '../../events/time.js';
import type { EventData, JobhookEvent } from '../../events/types.js';
import { ensureArrays } from '../ensure-arrays.js';
import { listOf, nonEmpty, record, text, type Doc } from '../read.js';
import { unrecognized, type Normalized } from '../types.js';
import { CI_ARRAY_PATHS } from './arrays.js';
import { jobOutputs } from './outputs.js';
import { ciState } from './states.js';

type Detail = Record<string, unknown>;

/**
 * A CI callback document (the content of `<Response>`, or the JSON object) → one event per `JobsDetail`
 * entry (TaskFinish) or per `WorkflowExecution` (WorkflowFinish). Legacy bodies without `EventName` are
 * classified by which of the two they hold.
 *
 * What is read (formats.md §1): a job's or run's identity (JobId or RunId, non-empty; State) is required, and a
 * callback whose entries lack it goes to quarantine. Every other field is optional: scalars may arrive as strings
 * (XML, most JSON) or as numbers and booleans (some JSON), empty XML elements are "", and a part of an unexpected
 * shape reads as absent (it is still in `detail`) instead of sending the whole callback to quarantine.
 */
export function normalizeCiDocument(content: Detail, delivery: Delivery): Normalized {
  ensureArrays(content, CI_ARRAY_PATHS);
  const eventName = typeof content.EventName === 'string' ? content.EventName : undefined;
  if (eventName?.startsWith('Review') === true)
    return unrecognized(`CI content-moderation callback (EventName ${eventName}) is not supported yet`);
  if (eventName === 'TaskFinish' || (eventName === undefined && 'JobsDetail' in content))
    return eachEntry(content, 'JobsDetail', 'JobId', (job) => jobEvent(job, content, delivery));
  if (eventName === 'WorkflowFinish' || (eventName === undefined && 'WorkflowExecution' in content))
    return eachEntry(content, 'WorkflowExecution', 'RunId', (run) => workflowEvent(run, content, delivery));
  return unrecognized(
    eventName === undefined
      ? 'no CI EventName, JobsDetail or WorkflowExecution'
      : `unknown CI EventName '${eventName}'`,
  );
}

/** One event per entry of `content[list]`, each of which needs a non-empty `id` field and a `State`. */
function eachEntry(
  content: Detail,
  list: 'JobsDetail' | 'WorkflowExecution',
  id: 'JobId' | 'RunId',
  toEvent: (entry: Doc) => JobhookEvent | string,
): Normalized {
  const entries = content[list];
  if (!Array.isArray(entries) || entries.length === 0)
    return unrecognized(`CI ${list}: expected at least one entry`);
  const events: JobhookEvent[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = record(entries[i]);
    if (entry === undefined) return unrecognized(`CI ${list}.${i}: expected an object`);
    if (nonEmpty(entry[id]) === undefined)
      return unrecognized(`CI ${list}.${i}.${id}: expected non-empty text`);
    if (text(entry.State) === undefined) return unrecognized(`CI ${list}.${i}.State: expected text`);
    const event = toEvent(entry);
    if (typeof event === 'string') return unrecognized(event);
    events.push(event);
  }
  return { ok: true, events };
}

/** Sets `target[key]` when `value` is present; optional event fields are left out, never undefined. */
function set<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function jobEvent(job: Doc, detail: Detail, delivery: Delivery): JobhookEvent | string {
  const jobId = text(job.JobId) ?? '';
  const providerState = text(job.State) ?? '';
  const state = ciState(providerState);
  if (state === undefined) return `CI job ${jobId}: unknown State '${providerState}'`;
  const input = location(record(job.Input));
  const operation = record(job.Operation);
  // Fields in the order the event lists them (docs/events.md).
  const data = { provider: 'tencent-ci', kind: 'job', jobId, state, providerState } as EventData;
  set(data, 'tag', nonEmpty(job.Tag));
  set(data, 'code', nonEmpty(job.Code));
  set(data, 'message', nonEmpty(job.Message));
  set(data, 'queueId', nonEmpty(job.QueueId));
  data.input = input;
  data.outputs = jobOutputs(operation, state === 'succeeded');
  set(data, 'userData', text(operation?.UserData));
  const flow = record(job.Workflow);
  const runId = nonEmpty(flow?.RunId);
  if (flow !== undefined && runId !== undefined) {
    const workflow: NonNullable<EventData['workflow']> = { runId, workflowId: text(flow.WorkflowId) ?? '' };
    set(workflow, 'workflowName', nonEmpty(flow.WorkflowName));
    set(workflow, 'nodeName', nonEmpty(flow.Name));
    data.workflow = workflow;
  }
  data.createdAt = normalizeTime(text(job.CreationTime));
  data.startedAt = normalizeTime(text(job.StartTime));
  data.endedAt = normalizeTime(text(job.EndTime));
  data.detail = detail;
  const source = eventSource('tencent-ci', [input.region, input.bucket]);
  return buildEvent({ provider: 'tencent-ci', kind: 'job', state, source, data }, delivery);
}

type Task = NonNullable<EventData['tasks']>[number];

/** A workflow task; absent when it has no State (then the run's task list reads as absent, like any bad list). */
function readTask(value: unknown): Doc | undefined {
  const task = record(value);
  return task !== undefined && text(task.State) !== undefined ? task : undefined;
}

function workflowEvent(run: Doc, detail: Detail, delivery: Delivery): JobhookEvent | string {
  const runId = text(run.RunId) ?? '';
  const providerState = text(run.State) ?? '';
  const state = ciState(providerState);
  if (state === undefined) return `CI workflow ${runId}: unknown State '${providerState}'`;
  const tasks: Task[] = [];
  let endedAt: string | null = null;
  for (const task of listOf(run.Tasks, readTask) ?? []) {
    const taskProviderState = text(task.State) ?? '';
    const taskState = ciState(taskProviderState);
    if (taskState === undefined) return `CI workflow ${runId}: unknown task State '${taskProviderState}'`;
    const taskEnded = normalizeTime(text(task.EndTime));
    endedAt = laterTime(endedAt, taskEnded);
    const entry: Task = {
      type: text(task.Type) ?? '',
      jobId: text(task.JobId) ?? '',
      state: taskState,
      providerState: taskProviderState,
    };
    set(entry, 'name', nonEmpty(task.Name));
    set(entry, 'templateId', nonEmpty(task.TemplateId));
    set(entry, 'templateName', nonEmpty(task.TemplateName));
    entry.createdAt = normalizeTime(text(task.CreateTime));
    entry.endedAt = taskEnded;
    tasks.push(entry);
  }
  const input: EventData['input'] = {};
  set(input, 'bucket', nonEmpty(run.BucketId));
  set(input, 'object', nonEmpty(run.Object));
  const workflow: NonNullable<EventData['workflow']> = { runId, workflowId: text(run.WorkflowId) ?? '' };
  set(workflow, 'workflowName', nonEmpty(run.WorkflowName));
  const data: EventData = {
    provider: 'tencent-ci',
    kind: 'workflow',
    jobId: runId,
    state,
    providerState,
    input,
    outputs: [],
    workflow,
    tasks,
    createdAt: normalizeTime(text(run.CreateTime)),
    startedAt: null,
    endedAt,
    detail,
  };
  const source = eventSource('tencent-ci', [undefined, input.bucket]);
  return buildEvent({ provider: 'tencent-ci', kind: 'workflow', state, source, data }, delivery);
}

/** Region, bucket (`Bucket`, or `BucketId` in some renderings) and object of a CI location element. */
function location(element: Doc | undefined): EventData['input'] {
  const input: EventData['input'] = {};
  if (element === undefined) return input;
  set(input, 'region', nonEmpty(element.Region));
  set(input, 'bucket', nonEmpty(element.Bucket) ?? nonEmpty(element.BucketId));
  set(input, 'object', nonEmpty(element.Object));
  return input;
}
