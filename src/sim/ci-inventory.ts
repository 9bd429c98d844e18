import type { Hono } from 'hono';
import { z } from 'zod';
import { answer, listed, page, param, scopeOf, type CiRoute } from './ci-common.js';
import { cancelCiJob, ciState } from './ci-jobs.js';
import { child, readRequest, toOutDoc } from './ci-request.js';
import type { SimContext } from './context.js';
import { takeSpoof } from './faults.js';
import { isTerminal, spoofedPhase, type Phase } from './jobs.js';
import { ciTime } from './times.js';
import type { OutDoc } from './xml.js';

const InventoryRequestSchema = z.looseObject({
  Name: z.string().min(1, 'Name is required'),
  Type: z.enum(['Workflow', 'Job']).default('Workflow'),
  Input: z.looseObject({}),
  Operation: z.looseObject({ UserData: z.string().max(1024).optional() }),
});

/**
 * CI inventory (batch) trigger jobs (formats.md §4.2): created, described, listed and canceled. They run like any
 * job but start no jobs of their own and send no callback: jobhook polls them.
 */
export function addInventoryRoutes(app: Hono, sim: SimContext, route: CiRoute): void {
  app.post(
    '/inventorytriggerjob',
    route('ci.inventory-job', (call) => {
      const { scope } = scopeOf(call);
      const { parsed, raw } = readRequest(call.body, InventoryRequestSchema);
      const id = `b${sim.random.hex(32)}`;
      const record = (phase: Phase): OutDoc => {
        const ended = isTerminal(phase) ? (job.endedAt ?? new Date()) : undefined;
        return {
          Code: phase === 'failed' ? 'InternalError' : 'Success',
          Message: '',
          Type: parsed.Type,
          Name: parsed.Name,
          JobId: id,
          State: ciState(phase),
          CreationTime: ciTime(job.createdAt),
          StartTime: phase === 'submitted' ? '-' : ciTime(job.startedAt ?? ended ?? new Date()),
          EndTime: ciTime(ended),
          Input: toOutDoc(child(raw, 'Input')),
          Operation: toOutDoc(child(raw, 'Operation')),
        };
      };
      const job = sim.jobs.add({
        id,
        api: 'ci.inventory-job',
        kind: 'inventory',
        scope,
        tag: parsed.Type,
        userData: parsed.Operation.UserData,
        createdAt: new Date(),
        objects: [],
        record,
        notifications: () => [],
      });
      sim.run(job);
      return answer(call, 'ci.inventory-job', { RequestId: call.requestId, JobsDetail: record(job.phase) });
    }),
  );
  app.get(
    '/inventorytriggerjob/:id',
    route('ci.inventory-job', (call) => {
      const id = param(call, 'id');
      const job = sim.jobs.get(id, 'inventory', scopeOf(call).scope);
      const phase = job && spoofedPhase(job.phase, takeSpoof(sim.faults));
      return answer(call, 'ci.inventory-job', {
        RequestId: call.requestId,
        JobsDetail: job === undefined || phase === undefined ? undefined : job.record(phase),
        NonExistJobId: job === undefined || phase === undefined ? id : undefined,
      });
    }),
  );
  app.get(
    '/inventorytriggerjob',
    route('ci.inventory-job', (call) => {
      const query = call.url.searchParams;
      const jobs = listed(sim.jobs.list('inventory', scopeOf(call).scope), call, (job) =>
        ciState(job.phase),
      ).filter((job) => {
        const record = job.record(job.phase);
        const workflowIds = JSON.stringify(record.Operation ?? {});
        return (
          (query.get('jobId') ?? job.id) === job.id &&
          (query.get('name') ?? record.Name) === record.Name &&
          (query.get('workflowId') === null || workflowIds.includes(query.get('workflowId') ?? ''))
        );
      });
      const { items, nextToken } = page(jobs, call);
      return answer(call, 'ci.inventory-job', {
        RequestId: call.requestId,
        JobsDetail: items.map((job) => job.record(job.phase)),
        NextToken: nextToken,
      });
    }),
  );
  app.put(
    '/inventorytriggerjob/:id',
    route('ci.inventory-job', (call) => {
      cancelCiJob(sim.jobs.get(param(call, 'id'), 'inventory', scopeOf(call).scope));
      return answer(call, 'ci.inventory-job', { RequestId: call.requestId });
    }),
  );
}
