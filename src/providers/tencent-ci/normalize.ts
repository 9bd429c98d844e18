import { buildEvent, eventSource, type Delivery } from '../../events/build.js';
import { laterTime, normalizeTime } from '../../events/time.js';
import type { EventData, JobhookEvent } from '../../events/types.js';
import { ensureArrays } from '../ensure-arrays.js';
import { firstIssue, present } from '../fields.js';
import { unrecognized, type Normalized } from '../types.js';
import { CI_ARRAY_PATHS } from './arrays.js';
import { jobOutputs } from './outputs.js';
import { ciState } from './states.js';
import { TaskFinish, WorkflowFinish, type JobDetail, type WorkflowExecution } from './wire.js';

type Detail = Record<string, unknown>;

/**
 * A CI callback document (the content of `<Response>`, or the JSON object) → one event per `JobsDetail`
 * entry (TaskFinish) or per `WorkflowExecution` (WorkflowFinish). Legacy bodies without `EventName` are
 * classified by which of the two they hold.
 */
export function normalizeCiDocument(content: Detail, delivery: Delivery): Normalized {
  ensureArrays(content, CI_ARRAY_PATHS);
  const eventName = typeof content.EventName === 'string' ? content.EventName : undefined;
  if (eventName?.startsWith('Review') === true)
    return unrecognized(`CI content-moderation callback (EventName ${eventName}) is not supported yet`);
  if (eventName === 'TaskFinish' || (eventName === undefined && 'JobsDetail' in content))
    return taskFinish(content, delivery);
  if (eventName === 'WorkflowFinish' || (eventName === undefined && 'WorkflowExecution' in content))
    return workflowFinish(content, delivery);
  return unrecognized(
    eventName === undefined
      ? 'no CI EventName, JobsDetail or WorkflowExecution'
      : `unknown CI EventName '${eventName}'`,
  );
}

function taskFinish(content: Detail, delivery: Delivery): Normalized {
  const parsed = TaskFinish.safeParse(content);
  if (!parsed.success) return unrecognized(`CI TaskFinish: ${firstIssue(parsed.error)}`);
  const events: JobhookEvent[] = [];
  for (const job of parsed.data.JobsDetail) {
    const event = jobEvent(job, content, delivery);
    if (typeof event === 'string') return unrecognized(event);
    events.push(event);
  }
  return { ok: true, events };
}

function jobEvent(job: JobDetail, detail: Detail, delivery: Delivery): JobhookEvent | string {
  const state = ciState(job.State);
  if (state === undefined) return `CI job ${job.JobId}: unknown State '${job.State}'`;
  const input = location(job.Input);
  const flow = job.Workflow;
  const data: EventData = {
    provider: 'tencent-ci',
    kind: 'job',
    jobId: job.JobId,
    state,
    providerState: job.State,
    ...present('tag', job.Tag),
    ...present('code', job.Code),
    ...present('message', job.Message),
    ...present('queueId', job.QueueId),
    input,
    outputs: jobOutputs(job.Operation, state === 'succeeded'),
    ...(job.Operation?.UserData === undefined ? {} : { userData: job.Operation.UserData }),
    ...(flow?.RunId === undefined || flow.RunId === ''
      ? {}
      : {
          workflow: {
            runId: flow.RunId,
            workflowId: flow.WorkflowId ?? '',
            ...present('workflowName', flow.WorkflowName),
            ...present('nodeName', flow.Name),
          },
        }),
    createdAt: normalizeTime(job.CreationTime),
    startedAt: normalizeTime(job.StartTime),
    endedAt: normalizeTime(job.EndTime),
    detail,
  };
  const source = eventSource('tencent-ci', [input.region, input.bucket]);
  return buildEvent({ provider: 'tencent-ci', kind: 'job', state, source, data }, delivery);
}

function workflowFinish(content: Detail, delivery: Delivery): Normalized {
  const parsed = WorkflowFinish.safeParse(content);
  if (!parsed.success) return unrecognized(`CI WorkflowFinish: ${firstIssue(parsed.error)}`);
  const events: JobhookEvent[] = [];
  for (const run of parsed.data.WorkflowExecution) {
    const event = workflowEvent(run, content, delivery);
    if (typeof event === 'string') return unrecognized(event);
    events.push(event);
  }
  return { ok: true, events };
}

function workflowEvent(run: WorkflowExecution, detail: Detail, delivery: Delivery): JobhookEvent | string {
  const state = ciState(run.State);
  if (state === undefined) return `CI workflow ${run.RunId}: unknown State '${run.State}'`;
  const tasks: NonNullable<EventData['tasks']> = [];
  let endedAt: string | null = null;
  for (const task of run.Tasks ?? []) {
    const taskState = ciState(task.State);
    if (taskState === undefined) return `CI workflow ${run.RunId}: unknown task State '${task.State}'`;
    const taskEnded = normalizeTime(task.EndTime);
    endedAt = laterTime(endedAt, taskEnded);
    tasks.push({
      type: task.Type ?? '',
      jobId: task.JobId ?? '',
      state: taskState,
      providerState: task.State,
      ...present('name', task.Name),
      ...present('templateId', task.TemplateId),
      ...present('templateName', task.TemplateName),
      createdAt: normalizeTime(task.CreateTime),
      endedAt: taskEnded,
    });
  }
  const input = { ...present('bucket', run.BucketId), ...present('object', run.Object) };
  const data: EventData = {
    provider: 'tencent-ci',
    kind: 'workflow',
    jobId: run.RunId,
    state,
    providerState: run.State,
    input,
    outputs: [],
    workflow: {
      runId: run.RunId,
      workflowId: run.WorkflowId ?? '',
      ...present('workflowName', run.WorkflowName),
    },
    tasks,
    createdAt: normalizeTime(run.CreateTime),
    startedAt: null,
    endedAt,
    detail,
  };
  const source = eventSource('tencent-ci', [undefined, input.bucket]);
  return buildEvent({ provider: 'tencent-ci', kind: 'workflow', state, source, data }, delivery);
}

function location(input: JobDetail['Input']): EventData['input'] {
  if (input === undefined) return {};
  return {
    ...present('region', input.Region),
    ...present('bucket', input.Bucket !== undefined && input.Bucket !== '' ? input.Bucket : input.BucketId),
    ...present('object', input.Object),
  };
}
