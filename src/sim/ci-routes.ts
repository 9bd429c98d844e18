import { Hono } from 'hono';
import { z } from 'zod';
import { cosAuthentication } from './auth.js';
import { cancelCiJob, CI_JOB_KINDS, CI_JOB_PATHS, ciState, createCiJob } from './ci-jobs.js';
import { answer, CI_PREFIX_SEGMENTS, listed, page, param, scopeOf, type CiRoute } from './ci-common.js';
import { QUEUE_KINDS, QUEUE_PATHS, queueRecord } from './ci-queues.js';
import { CiJobRequestSchema, readRequest } from './ci-request.js';
import { addInventoryRoutes } from './ci-inventory.js';
import { addWorkflowRoutes } from './ci-workflows.js';
import type { SimContext } from './context.js';
import { invalidArgument } from './errors.js';
import { takeSpoof } from './faults.js';
import { apiHandler } from './handle.js';
import { spoofedPhase } from './jobs.js';
import type { OutDoc } from './xml.js';

const QueueUpdateSchema = z.looseObject({
  Name: z.string().min(1, 'Name is required'),
  QueueID: z.string().min(1, 'QueueID is required'),
  State: z.enum(['Active', 'Paused']),
  NotifyConfig: z.looseObject({
    Url: z.string().optional(),
    State: z.enum(['On', 'Off']),
    Type: z.enum(['Url', 'TDMQ']).default('Url'),
    Event: z.string().min(1, 'NotifyConfig.Event is required'),
    ResultFormat: z.enum(['XML', 'JSON']).optional(),
    MqMode: z.string().optional(),
    MqRegion: z.string().optional(),
    MqName: z.string().optional(),
  }),
});

/** The CI APIs (formats.md §4.2) under `/ci/<bucket>/<region>`. */
export function ciRoutes(sim: SimContext): Hono {
  const app = new Hono();
  const route: CiRoute = (api, run) => apiHandler(sim, api, CI_PREFIX_SEGMENTS, cosAuthentication(sim), run);

  for (const path of CI_JOB_PATHS) {
    const { kind } = CI_JOB_KINDS[path];
    app.post(
      `/${path}`,
      route('ci.create-job', (call) => {
        const { bucket, region } = scopeOf(call);
        const { parsed, raw } = readRequest(call.body, CiJobRequestSchema);
        const job = createCiJob(sim, { path, bucket, region, request: parsed, raw });
        sim.run(job);
        return answer(call, 'ci.create-job', { JobsDetail: job.record(job.phase) });
      }),
    );
    app.get(
      `/${path}/:ids`,
      route('ci.describe-job', (call) => {
        const { scope } = scopeOf(call);
        const found: OutDoc[] = [];
        const missing: string[] = [];
        for (const id of param(call, 'ids').split(',')) {
          const job = sim.jobs.get(id, kind, scope);
          const phase = job && spoofedPhase(job.phase, takeSpoof(sim.faults));
          if (job === undefined || phase === undefined) missing.push(id);
          else found.push(job.record(phase));
        }
        return answer(call, 'ci.describe-job', {
          JobsDetail: found,
          NonExistJobIds: missing.length === 0 ? undefined : missing,
        });
      }),
    );
    app.get(
      `/${path}`,
      route('ci.list-jobs', (call) => {
        const queueId = call.url.searchParams.get('queueId');
        // CI lists file jobs under `/jobs?tag=…` too (the Node SDK's DescribeFileProcessJobs does so).
        const kinds = path === 'jobs' ? (['media', 'file'] as const) : kind;
        const jobs = listed(sim.jobs.list(kinds, scopeOf(call).scope), call, (job) =>
          ciState(job.phase),
        ).filter((job) => queueId === null || job.record(job.phase).QueueId === queueId);
        const { items, nextToken } = page(jobs, call);
        return answer(call, 'ci.list-jobs', {
          JobsDetail: items.map((job) => job.record(job.phase)),
          NextToken: nextToken,
        });
      }),
    );
    app.put(
      `/${path}/:id`,
      route('ci.cancel-job', (call) => {
        if (!call.url.searchParams.has('cancel')) throw invalidArgument('only ?cancel is simulated');
        cancelCiJob(sim.jobs.get(param(call, 'id'), kind, scopeOf(call).scope));
        return answer(call, 'ci.cancel-job', { RequestId: call.requestId });
      }),
    );
  }

  for (const kind of QUEUE_KINDS) {
    const path = QUEUE_PATHS[kind];
    app.get(
      `/${path}`,
      route('ci.queue', (call) => {
        const queue = sim.queues.of(scopeOf(call).scope, kind);
        const asked =
          call.url.searchParams
            .get('queueIds')
            ?.split(',')
            .filter((id) => id !== '') ?? [];
        const state = call.url.searchParams.get('state') ?? 'All';
        const listedQueues =
          (asked.length === 0 || asked.includes(queue.queueId)) && (state === 'All' || state === queue.state)
            ? [queueRecord(queue)]
            : [];
        const missing = asked.filter((id) => id !== queue.queueId);
        return answer(call, 'ci.queue', {
          RequestId: call.requestId,
          TotalCount: String(listedQueues.length),
          PageNumber: call.url.searchParams.get('pageNumber') ?? '1',
          PageSize: call.url.searchParams.get('pageSize') ?? '10',
          QueueList: listedQueues,
          NonExistPIDs: missing.length === 0 ? undefined : missing,
        });
      }),
    );
    app.put(
      `/${path}/:id`,
      route('ci.queue', (call) => {
        const queue = sim.queues.of(scopeOf(call).scope, kind);
        const id = param(call, 'id');
        if (id !== queue.queueId) throw invalidArgument(`queue ${id} does not exist`);
        const { parsed } = readRequest(call.body, QueueUpdateSchema);
        if (parsed.QueueID !== id) throw invalidArgument('QueueID must be the queue of the path');
        const notify = parsed.NotifyConfig;
        if (notify.State === 'On' && notify.Type === 'Url' && (notify.Url ?? '') === '')
          throw invalidArgument('NotifyConfig.Url is required when notifications are on');
        queue.name = parsed.Name;
        queue.state = parsed.State;
        queue.notifyConfig = {
          Url: notify.Url ?? '',
          State: notify.State,
          Type: notify.Type,
          Event: notify.Event,
          ...(kind === 'doc' ? {} : { ResultFormat: notify.ResultFormat ?? 'XML' }),
          ...(notify.MqMode === undefined ? {} : { MqMode: notify.MqMode }),
          ...(notify.MqRegion === undefined ? {} : { MqRegion: notify.MqRegion }),
          ...(notify.MqName === undefined ? {} : { MqName: notify.MqName }),
        };
        queue.updateTime = new Date();
        return answer(call, 'ci.queue', { RequestId: call.requestId, Queue: queueRecord(queue) });
      }),
    );
  }

  addWorkflowRoutes(app, sim, route);
  addInventoryRoutes(app, sim, route);
  return app;
}
