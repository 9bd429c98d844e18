import { Hono } from 'hono';
import { z } from 'zod';
import type { SimContext } from './context.js';
import { applyPatch, FaultsPatch } from './faults.js';
import type { SimJob } from './jobs.js';

const PROVIDERS: Readonly<Record<SimJob['kind'], string>> = {
  file: 'tencent-ci',
  media: 'tencent-ci',
  doc: 'tencent-ci',
  workflow: 'tencent-ci',
  inventory: 'tencent-ci',
  batch: 'tencent-cos-batch',
  pfop: 'qiniu',
};

/** A job as the control API lists it. */
export function jobSummary(job: SimJob) {
  return {
    id: job.id,
    provider: PROVIDERS[job.kind],
    kind: job.kind,
    api: job.api,
    scope: job.scope,
    tag: job.tag,
    phase: job.phase,
    createdAt: job.createdAt.toISOString(),
    endedAt: job.endedAt?.toISOString(),
    createRequests: job.createRequests,
    userData: job.userData,
    description: job.description,
    clientRequestToken: job.clientRequestToken,
    objects: job.phase === 'succeeded' ? job.objects : [],
    callbacks: { ...job.callbacks },
  };
}

export type JobSummary = ReturnType<typeof jobSummary>;

const problem = (message: string) => ({ error: { code: 'InvalidFaults', message } });

/** The control API under `/_sim` (docs/simulator.md): knobs, jobs and counts, reset. Unauthenticated: bind locally. */
export function controlRoutes(sim: SimContext): Hono {
  const app = new Hono();
  app.get('/faults', (c) => c.json(sim.faults));
  app.put('/faults', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(problem('the body is not JSON'), 400);
    }
    const patch = FaultsPatch.safeParse(body);
    if (!patch.success) return c.json(problem(z.prettifyError(patch.error)), 400);
    try {
      sim.faults = applyPatch(sim.faults, patch.data);
    } catch (error) {
      if (error instanceof z.ZodError) return c.json(problem(z.prettifyError(error)), 400);
      throw error;
    }
    sim.logger.info({ faults: sim.faults }, 'fault knobs changed');
    return c.json(sim.faults);
  });
  app.get('/jobs', (c) =>
    c.json({
      jobs: sim.jobs.all().map(jobSummary),
      requests: Object.fromEntries(sim.requests),
    }),
  );
  app.post('/reset', (c) => {
    sim.reset();
    sim.logger.info('reset: jobs, queues, counts and knobs');
    return c.json({ reset: true });
  });
  return app;
}
