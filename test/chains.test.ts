import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent, JobhookEvent } from '../src/events/types.js';
import { NonRetryableError } from '../src/handlers/errors.js';
import type { HandlerContext } from '../src/handlers/types.js';
import { eventId } from '../src/events/id.js';
import { DEAD_QUEUE } from '../src/queue/queues.js';
import type { JobSummary } from '../src/sim/control.js';
import { startSimulator, type RunningSimulator } from '../src/sim/server.js';
import { flush, startJobhook, storedEvents, TEST_TOKEN, type RunningJobhook } from './helpers/jobhook.js';
import { freePort, RedisServer } from './helpers/redis-server.js';
import {
  APPID,
  capturedLogger,
  cosCall,
  QINIU_KEY,
  simCloudEnv,
  TENCENT_KEY,
  UIN,
  until,
} from './helpers/sim-calls.js';

/**
 * Chains end to end (CONTRACT.md §5.4–5.6, §6): jobhook's worker submits follow-up jobs to the simulator over real
 * HTTP with real signatures, the simulator runs them and calls jobhook back at JOBHOOK_PUBLIC_URL, real Redis.
 */
const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';
const STATE = Symbol.for('jobhook.test.chains');

interface Recorded {
  readonly handler: string;
  readonly event: AnyEvent;
}

/** An object's fields, to look at (an empty object for anything else). */
const fields = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** What the configuration module shares with the test (same process): the runs recorded, the code of `hook` handlers. */
interface Shared {
  runs: Recorded[];
  hooks: Record<string, ((event: AnyEvent, ctx: HandlerContext) => unknown) | undefined>;
}

const shared = (): Shared => {
  const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
  return (holder[STATE] ??= { runs: [], hooks: {} });
};

const recorded = (): Recorded[] => shared().runs;

let redis: RedisServer;
let simulator: RunningSimulator;
let simLogs: string[];
let jobhook: RunningJobhook | undefined;
let configDir: string | undefined;
let ci: string;

/** The configuration module: the test's handler entries, then `record` (every event) and `record-verified`. */
function configModule(
  handlers: readonly object[],
  verifiedOn: object | undefined,
  subscriptions: readonly object[] = [],
): string {
  return `
const state = (globalThis[Symbol.for('jobhook.test.chains')] ??= { runs: [], hooks: {} });
const record = (event, ctx) => { state.runs.push({ handler: ctx.handler, event }); };
export default {
  handlers: [
    ...${JSON.stringify(handlers)}.map(({ hook, ...entry }) =>
      hook ? { ...entry, handle: (event, ctx) => state.hooks[ctx.handler](event, ctx) } : entry),
    { name: 'record', on: { type: '*' }, handle: record },
    ${verifiedOn === undefined ? '' : `{ name: 'record-verified', verify: true, on: ${JSON.stringify(verifiedOn)}, handle: record },`}
  ],
  subscriptions: ${JSON.stringify(subscriptions)},
};
`;
}

async function writeConfig(
  handlers: readonly object[],
  verifiedOn?: object,
  subscriptions?: readonly object[],
): Promise<string> {
  configDir = await mkdtemp(join(tmpdir(), 'jobhook-chains-'));
  const file = join(configDir, 'jobhook.config.mjs');
  await writeFile(file, configModule(handlers, verifiedOn, subscriptions));
  return file;
}

/** jobhook (role all) with these handlers, its public URL its own port (picked first). */
async function start(
  handlers: readonly object[],
  options: { verifiedOn?: object; subscriptions?: readonly object[]; env?: Record<string, string> } = {},
) {
  recorded().length = 0;
  const file = await writeConfig(handlers, options.verifiedOn, options.subscriptions);
  const port = await freePort();
  jobhook = await startJobhook(redis, {
    PORT: String(port),
    JOBHOOK_ROLE: 'all',
    JOBHOOK_CONFIG: file,
    JOBHOOK_PUBLIC_URL: `http://127.0.0.1:${port}`,
    JOBHOOK_LOCK_DURATION_MS: '2000',
    JOBHOOK_QINIU_KEYS: `${QINIU_KEY.accessKey}:${QINIU_KEY.secretKey}`,
    ...simCloudEnv(simulator.url),
    ...options.env,
  });
  return jobhook;
}

beforeAll(async () => {
  redis = await RedisServer.start();
  const captured = capturedLogger();
  simLogs = captured.lines;
  simulator = await startSimulator(
    {
      port: 0,
      delayMs: 40,
      seed: 7,
      credentials: { tencent: TENCENT_KEY, appId: APPID, uin: UIN, qiniu: QINIU_KEY },
    },
    captured.logger,
  );
  ci = `${simulator.url}/ci/${BUCKET}/${REGION}`;
});

afterAll(async () => {
  await simulator.stop();
  await redis.stop();
  const text = simLogs.join('\n');
  for (const secret of [TENCENT_KEY.secretKey, QINIU_KEY.secretKey]) expect(text).not.toContain(secret);
});

beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
  await flush(redis);
});

afterEach(async () => {
  await jobhook?.stop();
  const { hooks } = shared();
  for (const name of Object.keys(hooks)) hooks[name] = undefined;
  jobhook = undefined;
  if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
  configDir = undefined;
});

const setFaults = async (faults: unknown): Promise<void> => {
  const response = await fetch(`${simulator.url}/_sim/faults`, {
    method: 'PUT',
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
};

/** The simulator's jobs and its count of calls per api. */
const simState = async (): Promise<{ jobs: JobSummary[]; requests: Record<string, number> }> =>
  (await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as {
    jobs: JobSummary[];
    requests: Record<string, number>;
  };

const simJobs = async (): Promise<JobSummary[]> =>
  ((await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as { jobs: JobSummary[] }).jobs;

const events = (): Promise<JobhookEvent[]> => storedEvents(redis);
const eventsOfType = async (type: string): Promise<JobhookEvent[]> =>
  (await events()).filter((event) => event.type === type);

async function deadLetters(): Promise<
  { handler: string; event: AnyEvent; error: { code?: string; message: string } }[]
> {
  const queue = new Queue(DEAD_QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map(
      (job) => job.data as { handler: string; event: AnyEvent; error: { code?: string; message: string } },
    );
  } finally {
    await queue.close();
  }
}

/** The stored events of `type`, once there is one. */
const firstOf = (type: string): Promise<JobhookEvent[]> =>
  until(async () => {
    const found = await eventsOfType(type);
    return found.length > 0 ? found : undefined;
  });

/** The entries of jobhook-dead, once there is one. */
const firstDead = () =>
  until(async () => {
    const found = await deadLetters();
    return found.length > 0 ? found : undefined;
  });

/** The runs of `handler` on events of `type` with this tag, once there are `count` of them. */
const runsOf = (handler: string, tag: string, count = 1): Promise<AnyEvent[]> =>
  until(() => {
    const runs = recorded()
      .filter((run) => run.handler === handler && (run.event.data as { tag?: string }).tag === tag)
      .map((run) => run.event);
    return runs.length >= count ? runs : undefined;
  }, 20_000);

const callbackUrl = (route: string): string =>
  `${jobhook?.url ?? ''}/v1/callbacks/${route}?token=${TEST_TOKEN}`;

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;');

/** A FileUncompress job created at the simulator by the test, calling jobhook back: the start of a chain. */
async function uncompress(name: string): Promise<string> {
  const created = await cosCall(ci, 'POST', '/file_jobs', {
    xml:
      `<Request><Tag>FileUncompress</Tag><Input><Object>archive/${name}.zip</Object></Input>` +
      `<Operation><FileUncompressConfig><Prefix>unzip/${name}/</Prefix></FileUncompressConfig></Operation>` +
      `<CallBack>${escapeXml(callbackUrl('tencent-ci'))}</CallBack><CallBackType>Url</CallBackType></Request>`,
  });
  expect(created.status).toBe(200);
  const detail = created.xml.JobsDetail as { JobId: string };
  return detail.JobId;
}

const ZIP_RULE = {
  name: 'unzip-to-zip',
  on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
  submit: {
    api: 'tencent-ci.file-job',
    request: {
      Tag: 'FileCompress',
      Operation: {
        FileCompressConfig: {
          Format: 'zip',
          Prefix: '{{ data.detail.JobsDetail[0].Operation.FileUncompressConfig.Prefix }}',
        },
        Output: { Region: REGION, Bucket: BUCKET, Object: 'exports/{{ data.jobId }}.zip' },
      },
    },
  },
};

const HASH_RULE = {
  name: 'hash-zip',
  verify: true,
  on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
  submit: {
    api: 'tencent-ci.file-job',
    request: {
      Tag: 'FileHashCode',
      Input: { Object: '{{ data.outputs[0].object }}' },
      Operation: { FileHashCodeConfig: { Type: 'MD5' } },
    },
  },
};

describe('the FileUncompress → FileCompress → FileHashCode chain', () => {
  it('creates each job once, stores jobhook.job.submitted, and hands on the lineage and data.verified', async () => {
    await start([ZIP_RULE, HASH_RULE], {
      verifiedOn: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
    });
    const unzipId = await uncompress('photos');
    const [hash] = await runsOf('record', 'FileHashCode');
    const [unzip] = await runsOf('record', 'FileUncompress');
    const [zip] = await runsOf('record', 'FileCompress');
    const [verified] = await runsOf('record-verified', 'FileCompress');

    expect(unzip!.subject).toBe(unzipId);
    expect(unzip!.causationid).toBeUndefined();
    expect(zip).toMatchObject({ causationid: unzip!.id, correlationid: unzip!.id });
    expect(hash).toMatchObject({ causationid: zip!.id, correlationid: unzip!.id });
    expect(verified!.data).toMatchObject({ verified: { state: 'succeeded' } });
    expect(verified).toMatchObject({ causationid: unzip!.id, correlationid: unzip!.id });

    const { jobs, requests } = await simState();
    // One re-query for the FileCompress event, shared by the two targets that verify it.
    expect(requests['ci.describe-job']).toBe(1);
    expect(jobs.map((job) => [job.tag, job.createRequests])).toEqual([
      ['FileUncompress', 1],
      ['FileCompress', 1],
      ['FileHashCode', 1],
    ]);
    expect(jobs[2]!.objects).toEqual([]);
    const submitted = await eventsOfType('jobhook.job.submitted');
    expect(
      submitted
        .map((event) => fields(event.data))
        .sort((a, b) => String(a.handler).localeCompare(String(b.handler))),
    ).toMatchObject([
      {
        handler: 'hash-zip',
        jobId: jobs[2]!.id,
        causationId: zip!.id,
        correlationId: unzip!.id,
        api: 'tencent-ci.file-job',
      },
      { handler: 'unzip-to-zip', jobId: jobs[1]!.id, causationId: unzip!.id, correlationId: unzip!.id },
    ]);
    expect(submitted.map((event) => event.subject).sort()).toEqual([jobs[1]!.id, jobs[2]!.id].sort());
  });
});

describe('the lineage wherever an event of a ledger job is handed on', () => {
  it('a verified subscription copy and a dead-letter entry carry causationid and correlationid', async () => {
    shared().hooks['refuse-archives'] = () => {
      throw new NonRetryableError('not today', { code: 'NotToday' });
    };
    await start(
      [
        ZIP_RULE,
        {
          name: 'refuse-archives',
          hook: true,
          on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
        },
      ],
      {
        subscriptions: [
          {
            queue: 'archives',
            verify: true,
            on: { type: 'tencent.ci.job.*', data: { tag: 'FileCompress' } },
          },
        ],
      },
    );
    const cause = await uncompressed(jobId(70));
    const [dead] = await firstDead();
    expect(dead).toMatchObject({
      handler: 'refuse-archives',
      event: { causationid: cause.id, correlationid: cause.id },
      error: { code: 'NotToday' },
    });
    const queue = new Queue('archives', { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const [copy] = await until(async () => {
        const jobs = await queue.getJobs(['wait', 'active', 'completed', 'failed', 'delayed']);
        return jobs.length > 0 ? jobs : undefined;
      });
      expect(copy!.name).toBe('tencent.ci.job.succeeded');
      expect(copy!.data).toMatchObject({
        causationid: cause.id,
        correlationid: cause.id,
        data: { verified: { state: 'succeeded' } },
      });
      expect(copy!.id).toBe(dead!.event.id);
    } finally {
      await queue.close();
    }
  });
});

describe('a forward of a ledger job’s event', () => {
  it('posts the CloudEvent with causationid and correlationid', async () => {
    const bodies: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await start([
        ZIP_RULE,
        {
          name: 'tell-archives',
          on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
          forward: { url: `http://127.0.0.1:${port}/hook` },
        },
      ]);
      const cause = await uncompressed(jobId(80));
      const [body] = await until(() => (bodies.length > 0 ? bodies : undefined));
      expect(JSON.parse(body!)).toMatchObject({
        type: 'tencent.ci.job.succeeded',
        causationid: cause.id,
        correlationid: cause.id,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a forged "Success" never chains a job', () => {
  const verifiedHash = { ...HASH_RULE };

  it('a job the provider does not know: jobhook.verification.failed, nothing created', async () => {
    await start([verifiedHash]);
    const forged = await readFile('src/providers/tencent-ci/fixtures/file-compress-succeeded.xml');
    const answer = await fetch(callbackUrl('tencent-ci'), {
      method: 'POST',
      body: forged,
      headers: { 'content-type': 'application/xml' },
    });
    expect(answer.status).toBe(200);
    const [failed] = await firstOf('jobhook.verification.failed');
    expect(failed!.data).toMatchObject({
      type: 'tencent.ci.job.succeeded',
      subject: 'f3a5c7e9f1d2b11efa830525400a4c19e',
      expected: 'succeeded',
      actual: 'unknown',
    });
    expect(typeof fields(failed!.data).reason).toBe('string');
    await until(() =>
      recorded().some((run) => run.event.type === 'jobhook.verification.failed') ? true : undefined,
    );
    expect(await simJobs()).toEqual([]);
    expect(await eventsOfType('jobhook.job.submitted')).toEqual([]);
  });

  it('a job whose describe is spoofed (Failed): jobhook.verification.failed, no FileHashCode', async () => {
    await start([verifiedHash]);
    await setFaults({ spoofDescribe: { as: 'other' } });
    const created = await cosCall(ci, 'POST', '/file_jobs', {
      xml:
        `<Request><Tag>FileCompress</Tag><Operation><FileCompressConfig><Format>zip</Format><Prefix>a/</Prefix></FileCompressConfig>` +
        `<Output><Region>${REGION}</Region><Bucket>${BUCKET}</Bucket><Object>exports/a.zip</Object></Output></Operation>` +
        `<CallBack>${escapeXml(callbackUrl('tencent-ci'))}</CallBack></Request>`,
    });
    const zipId = (created.xml.JobsDetail as { JobId: string }).JobId;
    const [failed] = await firstOf('jobhook.verification.failed');
    expect(failed!.data).toMatchObject({ subject: zipId, expected: 'succeeded', actual: 'failed' });
    expect(typeof fields(failed!.data).reason).toBe('string');
    await until(() =>
      recorded().some((run) => run.event.type === 'jobhook.verification.failed') ? true : undefined,
    );
    expect((await simJobs()).map((job) => job.tag)).toEqual(['FileCompress']);
    expect(await eventsOfType('jobhook.job.submitted')).toEqual([]);
  });
});

/** A FileUncompress "Success" callback sent to jobhook as CI would (the job id given): a cause the simulator did not run. */
async function uncompressed(jobId: string): Promise<AnyEvent> {
  const fixture = await readFile('src/providers/tencent-ci/fixtures/file-uncompress-succeeded.xml', 'utf8');
  const answer = await fetch(callbackUrl('tencent-ci'), {
    method: 'POST',
    body: fixture.replace('f2f4b6d8e0c1a11ef972f525400f3b08c', jobId),
    headers: { 'content-type': 'application/xml' },
  });
  expect(answer.status).toBe(200);
  const id = eventId('tencent-ci', 'job', jobId, 'succeeded');
  return until(() => recorded().find((run) => run.handler === 'record' && run.event.id === id)?.event);
}

/** A CI file job's TaskFinish for `jobId` in `state`, as the simulator would send it. */
async function fileCallback(jobId: string, state: 'Success' | 'Running'): Promise<Response> {
  const fixture = await readFile('src/providers/tencent-ci/fixtures/file-compress-succeeded.xml', 'utf8');
  return fetch(callbackUrl('tencent-ci'), {
    method: 'POST',
    body: fixture
      .replace('f3a5c7e9f1d2b11efa830525400a4c19e', jobId)
      .replace('<State>Success</State>', `<State>${state}</State>`),
    headers: { 'content-type': 'application/xml' },
  });
}

const jobId = (n: number): string => `f${n.toString(16).padStart(32, '0')}`;

const withRule = (
  rule: typeof ZIP_RULE,
  submit: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  ...rule,
  ...extra,
  submit: { ...rule.submit, ...submit },
});

const FAST_RETRY = { attempts: 5, backoff: 'fixed', delay: '100ms' };

describe('a dropped callback: deadline, overdue, poll', () => {
  it('stores jobhook.job.overdue, polls the terminal event with the callback’s id, continues the chain; a late callback is a duplicate', async () => {
    await start([withRule(ZIP_RULE, { deadline: '2s' }), HASH_RULE]);
    await setFaults({ drop: { next: 1 } });
    const cause = await uncompressed(jobId(1));
    const [zip] = await runsOf('record', 'FileCompress');
    expect(fields(zip).channel).toBe('poll');
    const [job] = (await simJobs()).filter((j) => j.tag === 'FileCompress');
    expect(job!.callbacks).toMatchObject({ planned: 1, dropped: 1, delivered: 0 });
    expect(zip!.id).toBe(eventId('tencent-ci', 'job', job!.id, 'succeeded'));
    expect(zip).toMatchObject({ causationid: cause.id, correlationid: cause.id, subject: job!.id });
    const [overdue] = await eventsOfType('jobhook.job.overdue');
    expect(overdue).toMatchObject({ subject: job!.id });
    expect(overdue!.data).toMatchObject({ handler: 'unzip-to-zip', causationId: cause.id, final: false });

    const [hash] = await runsOf('record', 'FileHashCode');
    expect(hash).toMatchObject({ causationid: zip!.id, correlationid: cause.id });

    const late = await fileCallback(job!.id, 'Success');
    expect(await late.json()).toMatchObject({ events: [{ id: zip!.id, duplicate: true }] });
    const tags = (await simJobs()).map((j) => [j.tag, j.createRequests]);
    expect(tags).toEqual([
      ['FileCompress', 1],
      ['FileHashCode', 1],
    ]);
  }, 30_000);
});

describe('duplicated and reordered callbacks', () => {
  it('one submission per (event, handler); a pending event after the terminal one runs nothing', async () => {
    await start([ZIP_RULE]);
    await setFaults({ duplicate: { probability: 1 }, reorder: 3 });
    const causes = [];
    for (let n = 10; n < 13; n++) causes.push(await uncompressed(jobId(n)));
    const zips = await runsOf('record', 'FileCompress', 3);
    const jobs = await simJobs();
    expect(jobs.map((j) => [j.tag, j.createRequests])).toEqual([
      ['FileCompress', 1],
      ['FileCompress', 1],
      ['FileCompress', 1],
    ]);
    for (const j of jobs) expect(j.callbacks).toMatchObject({ duplicated: 1, delivered: 2 });
    expect(new Set(zips.map((z) => z.causationid))).toEqual(new Set(causes.map((c) => c.id)));
    // The duplicates are answered duplicate and run nothing again.
    expect(recorded().filter((run) => run.event.type === 'tencent.ci.job.succeeded')).toHaveLength(6);
    expect(await eventsOfType('jobhook.job.submitted')).toHaveLength(3);

    const pending = await fileCallback(jobs[0]!.id, 'Running');
    const [stored] = ((await pending.json()) as { events: { id: string; duplicate: boolean }[] }).events;
    expect(stored!.duplicate).toBe(false);
    const events = new Queue('jobhook-events', { connection: { host: '127.0.0.1', port: redis.port } });
    const handed = new Queue('jobhook-handler-record', {
      connection: { host: '127.0.0.1', port: redis.port },
    });
    try {
      await until(async () =>
        (await (await events.getJob(stored!.id))?.isCompleted()) === true ? true : undefined,
      );
      expect(await handed.getJob(stored!.id)).toBeUndefined();
      expect(recorded().some((run) => run.event.id === stored!.id)).toBe(false);
    } finally {
      await events.close();
      await handed.close();
    }
  });
});

describe('provider errors on submit', () => {
  it('5xx for the next 2 calls: retried, exactly one job', async () => {
    await start([withRule(ZIP_RULE, {}, { retry: FAST_RETRY })]);
    await setFaults({ errors: { 'ci.create-job': 2 } });
    const cause = await uncompressed(jobId(20));
    const [zip] = await runsOf('record', 'FileCompress');
    expect(zip!.causationid).toBe(cause.id);
    const response = await simState();
    expect(response.requests['ci.create-job']).toBe(3);
    expect(response.jobs.map((j) => [j.tag, j.createRequests])).toEqual([['FileCompress', 1]]);
    expect(await deadLetters()).toEqual([]);
  });

  it('a refusal (4xx) goes to jobhook-dead with the provider’s Code, submitted once', async () => {
    await start([
      withRule(ZIP_RULE, { request: { Tag: 'NoSuchTag', Input: { Object: 'a' } } }, { retry: FAST_RETRY }),
    ]);
    const cause = await uncompressed(jobId(21));
    const [dead] = await firstDead();
    expect(dead).toMatchObject({
      handler: 'unzip-to-zip',
      event: { id: cause.id },
      error: { code: 'InvalidArgument' },
    });
    const response = await simState();
    expect(response.requests['ci.create-job']).toBe(1);
    expect(response.jobs).toEqual([]);
  });

  it('a lost answer of a CI file job: found again by its marker, exactly one job', async () => {
    await start([withRule(ZIP_RULE, {}, { retry: FAST_RETRY })]);
    await setFaults({ lose: { 'ci.create-job': 1 } });
    const cause = await uncompressed(jobId(22));
    const [submitted] = await firstOf('jobhook.job.submitted');
    const jobs = await simJobs();
    expect(jobs.map((j) => [j.tag, j.createRequests])).toEqual([['FileCompress', 1]]);
    expect(submitted!.data).toMatchObject({ jobId: jobs[0]!.id, causationId: cause.id });
    const [zip] = await runsOf('record', 'FileCompress');
    expect(zip).toMatchObject({ causationid: cause.id, correlationid: cause.id });
    expect(await deadLetters()).toEqual([]);
  });

  it('a 5xx after the work (errorAfter) of a CI file job: looked up by its marker before a retry, exactly one job', async () => {
    await start([withRule(ZIP_RULE, {}, { retry: FAST_RETRY })]);
    await setFaults({ errorAfter: { 'ci.create-job': 1 } });
    const cause = await uncompressed(jobId(24));
    const [zip] = await runsOf('record', 'FileCompress');
    expect(zip).toMatchObject({ causationid: cause.id, correlationid: cause.id });
    const response = await simState();
    expect(response.requests['ci.create-job']).toBe(1);
    expect(response.jobs.map((j) => [j.tag, j.createRequests])).toEqual([['FileCompress', 1]]);
    // The job's callback may come before the retry found it: it is linked by the marker meanwhile.
    const [submitted] = await firstOf('jobhook.job.submitted');
    expect(submitted!.data).toMatchObject({ jobId: response.jobs[0]!.id, causationId: cause.id });
    expect(await eventsOfType('jobhook.job.submitted')).toHaveLength(1);
  });

  it('a callback that comes before the submit’s answer (slow answers) is linked by the marker', async () => {
    await start([ZIP_RULE]);
    // The job ends after 40 ms and calls back; its create answer comes after 600 ms.
    await setFaults({ slowMs: 600 });
    const cause = await uncompressed(jobId(25));
    const [zip] = await runsOf('record', 'FileCompress');
    expect(zip).toMatchObject({ causationid: cause.id, correlationid: cause.id });
    await firstOf('jobhook.job.submitted');
    expect((await simJobs()).map((j) => [j.tag, j.createRequests])).toEqual([['FileCompress', 1]]);
  });

  it('a template that resolves to nothing submits nothing: TemplateUnresolved in jobhook-dead', async () => {
    await start([
      withRule(ZIP_RULE, {
        request: { Tag: 'FileHashCode', Input: { Object: '{{ data.outputs[0].object }}' } },
      }),
    ]);
    const cause = await uncompressed(jobId(26));
    const [dead] = await firstDead();
    expect(dead).toMatchObject({
      handler: 'unzip-to-zip',
      event: { id: cause.id },
      error: { code: 'TemplateUnresolved' },
    });
    expect((await simState()).requests['ci.create-job'] ?? 0).toBe(0);
  });

  it('the window of an api without look-up: a 5xx after the work of qiniu.pfop is retried, and makes a second job', async () => {
    // docs/chains.md, "Once only": a 5xx is retried where the job cannot be looked up. When this changes, change
    // the docs with it.
    await start([PFOP_RULE]);
    await setFaults({ errorAfter: { 'qiniu.pfop': 1 } });
    await uncompressed(jobId(27));
    const [submitted] = await firstOf('jobhook.job.submitted');
    const jobs = (await simJobs()).filter((j) => j.kind === 'pfop');
    expect(jobs).toHaveLength(2);
    expect(submitted!.data).toMatchObject({ jobId: jobs[1]!.id });
  });

  it('a lost answer of qiniu.pfop (no look-up): SubmitOutcomeUnknown in jobhook-dead, never submitted twice', async () => {
    await start([PFOP_RULE]);
    await setFaults({ lose: { 'qiniu.pfop': 1 } });
    const cause = await uncompressed(jobId(23));
    const [dead] = await firstDead();
    expect(dead).toMatchObject({
      handler: 'transcode',
      event: { id: cause.id },
      error: { code: 'SubmitOutcomeUnknown' },
    });
    const response = await simState();
    expect(response.requests['qiniu.pfop']).toBe(1);
    expect(response.jobs.map((j) => [j.kind, j.createRequests])).toEqual([['pfop', 1]]);
    expect(await eventsOfType('jobhook.job.submitted')).toEqual([]);
  });
});

const PFOP_RULE = {
  name: 'transcode',
  on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
  retry: FAST_RETRY,
  submit: {
    api: 'qiniu.pfop',
    bucket: 'qn-media',
    request: { key: 'videos/{{ data.jobId }}.mov', fops: 'avthumb/mp4' },
  },
};

const COPY_RULE = {
  name: 'copy',
  on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
  submit: {
    api: 'tencent-cos-batch.job',
    region: REGION,
    request: {
      ConfirmationRequired: false,
      Manifest: {
        Location: {
          ETag: '"e1"',
          ObjectArn: `qcs::cos:${REGION}:uid/${APPID}:${BUCKET}/manifest.csv`,
        },
        Spec: { Format: 'COSBatchOperations_CSV_V1', Fields: { member: ['Bucket', 'Key'] } },
      },
      Operation: {
        COSPutObjectCopy: { TargetResource: `qcs::cos:${REGION}:uid/${APPID}:backup-${APPID}` },
      },
      Priority: 10,
      Report: { Enabled: false },
      RoleArn: `qcs::cam::uin/${UIN}:roleName/COSBatch`,
    },
  },
};

describe('other providers', () => {
  it('a Qiniu pfop chain: the notification comes back to jobhook with the lineage, and is verified', async () => {
    await start([PFOP_RULE], { verifiedOn: { type: 'qiniu.pfop.*' } });
    const cause = await uncompressed(jobId(30));
    const pfop = await until(
      () =>
        recorded().find((run) => run.handler === 'record' && run.event.type.startsWith('qiniu.pfop.'))?.event,
    );
    const verified = await until(() => recorded().find((run) => run.handler === 'record-verified')?.event);
    expect(verified.data).toMatchObject({ verified: { state: 'succeeded' } });
    expect(verified).toMatchObject({ causationid: cause.id, correlationid: cause.id });
    expect(pfop).toMatchObject({
      type: 'qiniu.pfop.succeeded',
      causationid: cause.id,
      correlationid: cause.id,
    });
    const jobs = await simJobs();
    expect(jobs.map((j) => [j.kind, j.createRequests, j.callbacks.delivered])).toEqual([['pfop', 1, 1]]);
    expect(pfop.subject).toBe(jobs[0]!.id);
  });

  it('a COS batch copy: polled from submission, its terminal event with channel poll and the lineage', async () => {
    await start([COPY_RULE], { verifiedOn: { type: 'tencent.cos.batch.succeeded' } });
    const cause = await uncompressed(jobId(31));
    const batch = await until(
      () =>
        recorded().find(
          (run) =>
            run.event.type.startsWith('tencent.cos.batch.') && fields(run.event.data).state !== 'pending',
        )?.event,
      20_000,
    );
    expect(batch).toMatchObject({
      type: 'tencent.cos.batch.succeeded',
      channel: 'poll',
      causationid: cause.id,
      correlationid: cause.id,
    });
    const jobs = await simJobs();
    expect(jobs.map((j) => [j.kind, j.createRequests])).toEqual([['batch', 1]]);
    expect(batch.subject).toBe(jobs[0]!.id);
    expect(jobs[0]!.clientRequestToken).toMatch(/./);
    const verified = await until(() => recorded().find((run) => run.handler === 'record-verified')?.event);
    expect(verified.data).toMatchObject({ verified: { state: 'succeeded' } });
  }, 30_000);
});

describe('an inventory trigger job', () => {
  it('tencent-ci.inventory-job: polled from submission, tencent.ci.inventory.succeeded with channel poll and the lineage', async () => {
    await start([
      {
        name: 'batch-transcode',
        on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
        submit: {
          api: 'tencent-ci.inventory-job',
          request: {
            Name: 'unzipped-{{ data.jobId }}',
            Type: 'Workflow',
            Input: { Prefix: '{{ data.detail.JobsDetail[0].Operation.FileUncompressConfig.Prefix }}' },
            Operation: { WorkflowIds: 'w0123456789abcdef0123456789abcdef' },
          },
        },
      },
    ]);
    const cause = await uncompressed(jobId(60));
    const inventory = await until(
      () =>
        recorded().find(
          (run) => run.handler === 'record' && run.event.type === 'tencent.ci.inventory.succeeded',
        )?.event,
      20_000,
    );
    const jobs = (await simJobs()).filter((j) => j.kind === 'inventory');
    expect(jobs.map((j) => j.createRequests)).toEqual([1]);
    expect(inventory).toMatchObject({
      subject: jobs[0]!.id,
      channel: 'poll',
      causationid: cause.id,
      correlationid: cause.id,
    });
  }, 30_000);
});

describe('a triggered workflow', () => {
  it('tencent-ci.workflow: the run reports through the queue’s NotifyConfig; its WorkflowFinish carries the lineage', async () => {
    await start([
      {
        name: 'transcode-flow',
        on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
        submit: {
          api: 'tencent-ci.workflow',
          bucket: BUCKET,
          region: REGION,
          request: { workflowId: 'w0123456789abcdef0123456789abcdef', object: '{{ data.input.object }}' },
        },
      },
    ]);
    // What `jobhook register` does: the bucket's media queue reports to jobhook.
    const listed = await cosCall(ci, 'GET', '/queue');
    const queue = fields(listed.xml.QueueList);
    const queueId = String(queue.QueueId);
    const updated = await cosCall(ci, 'PUT', `/queue/${queueId}`, {
      xml:
        `<Request><Name>${String(queue.Name)}</Name><QueueID>${queueId}</QueueID><State>Active</State><NotifyConfig>` +
        `<Url>${escapeXml(callbackUrl('tencent-ci'))}</Url><State>On</State><Type>Url</Type>` +
        '<Event>WorkflowFinish</Event></NotifyConfig></Request>',
    });
    expect(updated.status).toBe(200);
    const cause = await uncompressed(jobId(50));
    const run = await until(
      () =>
        recorded().find((r) => r.handler === 'record' && r.event.type === 'tencent.ci.workflow.succeeded')
          ?.event,
    );
    const jobs = await simJobs();
    const workflows = jobs.filter((j) => j.kind === 'workflow');
    expect(workflows.map((j) => j.createRequests)).toEqual([1]);
    expect(run).toMatchObject({ subject: workflows[0]!.id, causationid: cause.id, correlationid: cause.id });
    const [submitted] = await firstOf('jobhook.job.submitted');
    expect(submitted!.data).toMatchObject({ api: 'tencent-ci.workflow', jobId: workflows[0]!.id });
  });
});

describe('ctx.describe and ctx.submit in a handler’s own code', () => {
  it('two submissions of one run (keys a and b) make two jobs once each, through a retry after them', async () => {
    const records: unknown[] = [];
    shared().hooks['two-hashes'] = async (event, ctx) => {
      const described = await ctx.describe!();
      records.push(described);
      for (const key of ['a', 'b'])
        await ctx.submit!(
          'tencent-ci.file-job',
          {
            Tag: 'FileHashCode',
            Input: { Object: `archive/${key}.zip` },
            Operation: { FileHashCodeConfig: { Type: 'MD5' } },
          },
          { key, deadline: '10m' },
        );
      if (ctx.attempt === 1) throw new Error('fails after submitting: the retry must submit nothing');
    };
    await start([
      {
        name: 'two-hashes',
        hook: true,
        on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileUncompress' } },
        retry: FAST_RETRY,
      },
    ]);
    const unzipId = await uncompress('pair');
    const hashes = await runsOf('record', 'FileHashCode', 2);
    const [unzip] = await runsOf('record', 'FileUncompress');
    for (const hash of hashes)
      expect(hash).toMatchObject({ causationid: unzip!.id, correlationid: unzip!.id });
    await until(() => (records.length >= 2 ? true : undefined));
    expect(records[0]).toMatchObject({ found: true, state: 'succeeded' });
    const jobs = (await simJobs()).filter((j) => j.tag === 'FileHashCode');
    expect(jobs.map((j) => j.createRequests)).toEqual([1, 1]);
    expect(new Set(jobs.map((j) => j.userData)).size).toBe(2);
    expect(unzip!.subject).toBe(unzipId);
    const submitted = await eventsOfType('jobhook.job.submitted');
    expect(submitted.map((e) => e.subject).sort()).toEqual(jobs.map((j) => j.id).sort());
  });
});

describe('COS batch: lost and 5xx-after-the-work answers', () => {
  for (const knob of ['lose', 'errorAfter'] as const)
    it(`${knob}: the retry finds the job (ClientRequestToken, Description), exactly one job`, async () => {
      await start([{ ...COPY_RULE, retry: FAST_RETRY }]);
      await setFaults({ [knob]: { 'cos-batch.create-job': 1 } });
      const cause = await uncompressed(jobId(knob === 'lose' ? 90 : 91));
      const [submitted] = await firstOf('jobhook.job.submitted');
      const jobs = (await simJobs()).filter((j) => j.kind === 'batch');
      expect(jobs).toHaveLength(1);
      expect(submitted!.data).toMatchObject({ jobId: jobs[0]!.id, causationId: cause.id });
      expect(await deadLetters()).toEqual([]);
    });
});

describe('submit.rate', () => {
  it('bounds the submissions the provider receives per second across a burst', async () => {
    const count = 7;
    await start([withRule(ZIP_RULE, { rate: '2/s' }, { concurrency: 8 })]);
    const causes = [];
    for (let n = 0; n < count; n++) causes.push(uncompressed(jobId(40 + n)));
    await Promise.all(causes);
    await until(async () => ((await simJobs()).length >= count ? true : undefined), 20_000);
    const times = (await simJobs()).map((j) => Date.parse(j.createdAt)).sort((a, b) => a - b);
    expect(times).toHaveLength(count);
    // 2 per second: 7 submissions span at least (7 / 2 − 1) s, however fast the worker is.
    expect(times[count - 1]! - times[0]!).toBeGreaterThanOrEqual((count / 2 - 1) * 1000);
  }, 30_000);
});

describe('start errors', () => {
  it('a submit rule whose provider has no credentials: serve exits 2 naming the handler and the variables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobhook-chains-cli-'));
    try {
      const file = join(dir, 'jobhook.config.yaml');
      await writeFile(
        file,
        [
          'handlers:',
          '  - name: transcode-uploads',
          '    on: { type: tencent.ci.job.succeeded }',
          '    submit:',
          '      api: qiniu.pfop',
          '      bucket: media',
          '      request: { key: "{{ data.jobId }}", fops: avthumb/mp4 }',
          '',
        ].join('\n'),
      );
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(process.env))
        if (value !== undefined && !/^(QINIU_|TENCENTCLOUD_|JOBHOOK_)/.test(name)) env[name] = value;
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
        env: { ...env, JOBHOOK_CONFIG: file, REDIS_URL: redis.url, JOBHOOK_TOKENS: TEST_TOKEN, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toContain('transcode-uploads');
      expect(stderr).toContain('QINIU_ACCESS_KEY');
      expect(stderr).toContain('QINIU_SECRET_KEY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
