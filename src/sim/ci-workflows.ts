import type { Hono } from 'hono';
import { createCiJob } from './ci-jobs.js';
import { callbackTarget, ciNotification } from './ci-notify.js';
import { answer, listed, page, param, scopeOf, type CiRoute } from './ci-common.js';
import type { SimContext } from './context.js';
import { invalidArgument } from './errors.js';
import { takeSpoof } from './faults.js';
import { isTerminal, spoofedPhase, type Notification, type Phase, type SimJob } from './jobs.js';
import { workflowTime } from './times.js';
import type { OutDoc } from './xml.js';

const WORKFLOW_STATES: Readonly<Record<Phase, string>> = {
  submitted: 'Running',
  running: 'Running',
  succeeded: 'Success',
  failed: 'Failed',
  canceled: 'Cancel',
};

/**
 * A triggered workflow run (`POST /triggerworkflow`): one Transcode node whose media job is describable under
 * `/jobs`; it reports to the bucket's media queue `NotifyConfig` (its `TaskFinish` and the run's `WorkflowFinish`).
 */
export function startWorkflowRun(
  sim: SimContext,
  bucket: string,
  region: string,
  workflowId: string,
  object: string,
): SimJob {
  const runId = `i${sim.random.hex(32)}`;
  const workflowName = `sim-${workflowId.slice(0, 8)}`;
  const nodeName = `Transcode_${Date.now()}`;
  const scope = `${bucket}/${region}`;
  const node = createCiJob(sim, {
    path: 'jobs',
    bucket,
    region,
    request: { Tag: 'Transcode', Input: { Object: object } },
    raw: {
      Operation: {
        Output: { Region: region, Bucket: bucket, Object: `workflow/${runId}/\${InputName}.mp4` },
      },
    },
    workflow: { Name: nodeName, RunId: runId, WorkflowId: workflowId, WorkflowName: workflowName },
    silent: true,
  });
  const queue = sim.queues.of(scope, 'media');
  const time = (date: Date | undefined): string | undefined =>
    date === undefined ? undefined : workflowTime(date);

  const record = (phase: Phase): OutDoc => ({
    RunId: runId,
    WorkflowId: workflowId,
    WorkflowName: workflowName,
    State: WORKFLOW_STATES[phase],
    BucketId: bucket,
    Object: object,
    CreateTime: workflowTime(run.createdAt),
    Tasks: [
      {
        Type: 'Transcode',
        CreateTime: workflowTime(node.createdAt),
        StartTime: time(node.startedAt),
        EndTime: isTerminal(phase) ? time(node.endedAt ?? new Date()) : undefined,
        State: WORKFLOW_STATES[phase],
        JobId: node.id,
        Name: nodeName,
        TemplateId: 't01234567890abcdef0123456789abcde',
        TemplateName: 'sim-mp4',
      },
    ],
  });

  const notifications = (): Notification[] => {
    const out: Notification[] = [];
    const task = callbackTarget(sim, {}, queue, 'TaskFinish');
    const taskSent = task && ciNotification(sim, task, 'TaskFinish', { JobsDetail: node.record(node.phase) });
    if (taskSent !== undefined) out.push(taskSent);
    const finish = callbackTarget(sim, {}, queue, 'WorkflowFinish');
    const finishSent =
      finish && ciNotification(sim, finish, 'WorkflowFinish', { WorkflowExecution: record(run.phase) });
    if (finishSent !== undefined) out.push(finishSent);
    return out;
  };

  const run = sim.jobs.add({
    id: runId,
    api: 'ci.trigger-workflow',
    kind: 'workflow',
    scope,
    tag: workflowId,
    createdAt: new Date(),
    objects: node.objects,
    record,
    notifications,
  });
  sim.run(run, (ended) => {
    node.phase = ended.phase;
    node.startedAt = ended.startedAt;
    node.endedAt = ended.endedAt;
  });
  return run;
}

/** `POST /triggerworkflow`, `GET /workflowexecution/<runId>` and the listing `GET /workflowexecution`. */
export function addWorkflowRoutes(app: Hono, sim: SimContext, route: CiRoute): void {
  app.post(
    '/triggerworkflow',
    route('ci.trigger-workflow', (call) => {
      const { bucket, region } = scopeOf(call);
      const workflowId = call.url.searchParams.get('workflowId') ?? '';
      const object = call.url.searchParams.get('object') ?? '';
      if (workflowId === '') throw invalidArgument('workflowId is required');
      if (object === '') throw invalidArgument('object is required');
      const run = startWorkflowRun(sim, bucket, region, workflowId, object);
      return answer(call, 'ci.trigger-workflow', { RequestId: call.requestId, InstanceId: run.id });
    }),
  );
  app.get(
    '/workflowexecution/:runId',
    route('ci.describe-workflow', (call) => {
      const run = sim.jobs.get(param(call, 'runId'), 'workflow', scopeOf(call).scope);
      const phase = run && spoofedPhase(run.phase, takeSpoof(sim.faults));
      return answer(call, 'ci.describe-workflow', {
        WorkflowExecution: run === undefined || phase === undefined ? undefined : [run.record(phase)],
      });
    }),
  );
  app.get(
    '/workflowexecution',
    route('ci.describe-workflow', (call) => {
      const workflowId = call.url.searchParams.get('workflowId');
      const runs = listed(
        sim.jobs.list('workflow', scopeOf(call).scope),
        call,
        (run) => WORKFLOW_STATES[run.phase],
      ).filter((run) => workflowId === null || run.tag === workflowId);
      const { items, nextToken } = page(runs, call);
      return answer(call, 'ci.describe-workflow', {
        WorkflowExecution: items.map((run) => run.record(run.phase)),
        NextToken: nextToken,
      });
    }),
  );
}
