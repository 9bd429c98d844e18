import { Hono } from 'hono';
import { z } from 'zod';
import { cosBatchAuthentication } from './auth.js';
import { child, toOutDoc } from './ci-request.js';
import type { SimContext } from './context.js';
import { SimApiError } from './errors.js';
import { takeSpoof } from './faults.js';
import { apiHandler, xmlResponse, type ApiCall } from './handle.js';
import { isTerminal, spoofedPhase, type Phase, type SimJob } from './jobs.js';
import { batchTime } from './times.js';
import { readXml, renderXml, type OutDoc } from './xml.js';
import type { SimApi } from './apis.js';

/** `/cos-batch/<uin>/<region>` has three segments before the API's own path. */
const PREFIX_SEGMENTS = 3;
const MAX_PRIORITY = 2_147_483_647;
const OPERATIONS = ['COSPutObjectCopy', 'COSInitiateRestoreObject', 'COSPutObjectTagging'] as const;

const invalidRequest = (message: string): SimApiError => new SimApiError(400, 'InvalidRequest', message);

const CreateJobSchema = z.looseObject({
  ClientRequestToken: z.string().min(1).max(64),
  ConfirmationRequired: z.string().optional(),
  Description: z.string().max(256).optional(),
  Manifest: z.looseObject({}),
  Operation: z.looseObject({}),
  Priority: z.string().regex(/^\d+$/, 'Priority must be an integer'),
  Report: z.looseObject({}),
  RoleArn: z.string().min(1),
});

const STATUSES: Readonly<Record<Phase, string>> = {
  submitted: 'Preparing',
  running: 'Active',
  succeeded: 'Complete',
  failed: 'Failed',
  canceled: 'Cancelled',
};

/** Reads `<CreateJobRequest>`: ill-formed or another root is `MalformedXML`, a missing field `InvalidRequest`. */
function readCreateJob(body: Buffer) {
  const { root, content } = readXml(body.toString('utf8'));
  if (root !== 'CreateJobRequest')
    throw new SimApiError(400, 'MalformedXML', `the root is <${root}>, not <CreateJobRequest>`);
  const parsed = CreateJobSchema.safeParse(content);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidRequest(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  if (Number(parsed.data.Priority) > MAX_PRIORITY)
    throw invalidRequest(`Priority out of range (0 to ${MAX_PRIORITY})`);
  const operations = OPERATIONS.filter((name) => name in parsed.data.Operation);
  if (operations.length !== 1)
    throw invalidRequest(`Operation must hold exactly one of ${OPERATIONS.join(', ')}`);
  return { request: parsed.data, raw: content, operation: operations[0] ?? '' };
}

/** COS batch operations (formats.md §4.3) under `/cos-batch/<uin>/<region>`: CreateJob, DescribeJob, ListJobs. */
export function cosBatchRoutes(sim: SimContext): Hono {
  const app = new Hono();
  const tokens = new Map<string, SimJob>();
  const route = (api: SimApi, run: (call: ApiCall) => Response) =>
    apiHandler(sim, api, PREFIX_SEGMENTS, cosBatchAuthentication(sim), run);
  const answer = (call: ApiCall, api: SimApi, root: string, content: OutDoc) =>
    xmlResponse(api, renderXml(root, content), call.requestId);
  const scopeOf = (call: ApiCall) => call.scope.join('/');

  app.post(
    '/jobs',
    route('cos-batch.create-job', (call) => {
      const scope = scopeOf(call);
      const { request, raw, operation } = readCreateJob(call.body);
      const tokenKey = `${scope}|${request.ClientRequestToken}`;
      const earlier = tokens.get(tokenKey);
      if (earlier !== undefined && sim.jobs.get(earlier.id, 'batch', scope) === earlier) {
        earlier.createRequests += 1;
        throw invalidRequest('Duplicate request');
      }
      const active = sim.jobs.list('batch', scope).filter((job) => !isTerminal(job.phase)).length;
      if (active >= sim.options.maxActiveBatchJobs)
        throw new SimApiError(
          400,
          'TooManyJobs',
          `at most ${sim.options.maxActiveBatchJobs} jobs may run at once`,
        );
      const id = `${sim.random.hex(8)}-${sim.random.hex(4)}-4${sim.random.hex(3)}-a${sim.random.hex(3)}-${sim.random.hex(12)}`;
      const tasks = sim.random.int(1, 20);
      const record = (phase: Phase): OutDoc => {
        const ended = isTerminal(phase) ? (job.endedAt ?? new Date()) : undefined;
        const done = phase === 'succeeded' ? tasks : 0;
        const failed = phase === 'failed' ? tasks : 0;
        return {
          ConfirmationRequired: request.ConfirmationRequired ?? 'false',
          CreationTime: batchTime(job.createdAt),
          Description: request.Description,
          FailureReasons:
            phase === 'failed'
              ? {
                  JobFailure: {
                    FailureCode: 'InternalError',
                    FailureReason: 'the job failed (simulator fault knob fail)',
                  },
                }
              : undefined,
          JobId: id,
          Manifest: toOutDoc(child(raw, 'Manifest')),
          Operation: toOutDoc(child(raw, 'Operation')),
          Priority: request.Priority,
          ProgressSummary: {
            NumberOfTasksFailed: String(failed),
            NumberOfTasksSucceeded: String(done),
            TotalNumberOfTasks: String(tasks),
          },
          Report: toOutDoc(child(raw, 'Report')),
          RoleArn: request.RoleArn,
          Status: STATUSES[phase],
          TerminationDate: ended === undefined ? undefined : batchTime(ended),
        };
      };
      const job = sim.jobs.add({
        id,
        api: 'cos-batch.create-job',
        kind: 'batch',
        scope,
        tag: operation,
        description: request.Description,
        clientRequestToken: request.ClientRequestToken,
        createdAt: new Date(),
        objects: [],
        record,
        notifications: () => [],
      });
      tokens.set(tokenKey, job);
      sim.run(job);
      return answer(call, 'cos-batch.create-job', 'CreateJobResult', { JobId: id });
    }),
  );

  app.get(
    '/jobs/:id',
    route('cos-batch.describe-job', (call) => {
      const job = sim.jobs.get(call.c.req.param('id') ?? '', 'batch', scopeOf(call));
      const phase = job && spoofedPhase(job.phase, takeSpoof(sim.faults));
      if (job === undefined || phase === undefined)
        throw new SimApiError(404, 'NoSuchJob', 'The specified job does not exist');
      return answer(call, 'cos-batch.describe-job', 'DescribeJobResult', { Job: job.record(phase) });
    }),
  );

  app.get(
    '/jobs',
    route('cos-batch.list-jobs', (call) => {
      const query = call.url.searchParams;
      const statuses = query.getAll('jobStatuses').flatMap((s) => s.split(','));
      const max = Number(query.get('maxResults') ?? '1000');
      const start = Number(query.get('nextToken') ?? '0');
      if (!Number.isInteger(max) || max < 1 || max > 1000)
        throw invalidRequest('maxResults must be 1 to 1000');
      if (!Number.isInteger(start) || start < 0) throw invalidRequest('nextToken is not one this API gave');
      const jobs = sim.jobs
        .list('batch', scopeOf(call))
        .filter((job) => statuses.length === 0 || statuses.includes(STATUSES[job.phase]))
        .reverse();
      const members = jobs.slice(start, start + max).map((job) => {
        const record = job.record(job.phase);
        return {
          CreationTime: record.CreationTime,
          Description: record.Description,
          JobId: job.id,
          Operation: job.tag,
          Priority: record.Priority,
          ProgressSummary: record.ProgressSummary,
          Status: record.Status,
          TerminationDate: record.TerminationDate,
        } satisfies OutDoc;
      });
      return answer(call, 'cos-batch.list-jobs', 'ListJobsResult', {
        Jobs: { member: members },
        NextToken: start + max < jobs.length ? String(start + max) : undefined,
      });
    }),
  );
  return app;
}
