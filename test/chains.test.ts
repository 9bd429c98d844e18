import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent, JobhookEvent } from '../src/events/types.js';
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
  qiniuCall,
  TENCENT_KEY,
  until,
} from './helpers/sim-calls.js';

/**
 * Chains end to end (CONTRACT.md §5.4–5.6, §6): jobhook's worker submits follow-up jobs to the simulator over real
 * HTTP with real signatures, the simulator runs them and calls jobhook back at JOBHOOK_PUBLIC_URL, real Redis.
 */
const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';
const UIN = '100000000001';
const STATE = Symbol.for('jobhook.test.chains');

interface Recorded {
  readonly handler: string;
  readonly event: AnyEvent;
}

const recorded = (): Recorded[] => {
  const holder = globalThis as unknown as Record<symbol, { runs: Recorded[] } | undefined>;
  return (holder[STATE] ??= { runs: [] }).runs;
};

let redis: RedisServer;
let simulator: RunningSimulator;
let simLogs: string[];
let jobhook: RunningJobhook | undefined;
let configDir: string | undefined;
let ci: string;

const cloudEnv = (): Record<string, string> => ({
  TENCENTCLOUD_SECRET_ID: TENCENT_KEY.secretId,
  TENCENTCLOUD_SECRET_KEY: TENCENT_KEY.secretKey,
  TENCENTCLOUD_APPID: APPID,
  TENCENTCLOUD_UIN: UIN,
  QINIU_ACCESS_KEY: QINIU_KEY.accessKey,
  QINIU_SECRET_KEY: QINIU_KEY.secretKey,
  JOBHOOK_TENCENT_CI_ENDPOINT: `${simulator.url}/ci/{bucket}/{region}`,
  JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: `${simulator.url}/cos-batch/{uin}/{region}`,
  JOBHOOK_QINIU_API_ENDPOINT: `${simulator.url}/qiniu`,
});

/** The configuration module: the test's handler entries, then `record` (every event) and `record-verified`. */
function configModule(handlers: readonly object[], verifiedOn: object | undefined): string {
  return `
const state = (globalThis[Symbol.for('jobhook.test.chains')] ??= { runs: [] });
const record = (event, ctx) => { state.runs.push({ handler: ctx.handler, event }); };
export default {
  handlers: [
    ...${JSON.stringify(handlers)},
    { name: 'record', on: { type: '*' }, handle: record },
    ${verifiedOn === undefined ? '' : `{ name: 'record-verified', verify: true, on: ${JSON.stringify(verifiedOn)}, handle: record },`}
  ],
};
`;
}

async function writeConfig(handlers: readonly object[], verifiedOn?: object): Promise<string> {
  configDir = await mkdtemp(join(tmpdir(), 'jobhook-chains-'));
  const file = join(configDir, 'jobhook.config.mjs');
  await writeFile(file, configModule(handlers, verifiedOn));
  return file;
}

/** jobhook (role all) with these handlers, its public URL its own port (picked first). */
async function start(
  handlers: readonly object[],
  options: { verifiedOn?: object; env?: Record<string, string> } = {},
) {
  recorded().length = 0;
  const file = await writeConfig(handlers, options.verifiedOn);
  const port = await freePort();
  jobhook = await startJobhook(redis, {
    PORT: String(port),
    JOBHOOK_ROLE: 'all',
    JOBHOOK_CONFIG: file,
    JOBHOOK_PUBLIC_URL: `http://127.0.0.1:${port}`,
    JOBHOOK_LOCK_DURATION_MS: '2000',
    JOBHOOK_QINIU_KEYS: `${QINIU_KEY.accessKey}:${QINIU_KEY.secretKey}`,
    ...cloudEnv(),
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

    const jobs = await simJobs();
    expect(jobs.map((job) => [job.tag, job.createRequests])).toEqual([
      ['FileUncompress', 1],
      ['FileCompress', 1],
      ['FileHashCode', 1],
    ]);
    expect(jobs[2]!.objects).toEqual([]);
    const submitted = await eventsOfType('jobhook.job.submitted');
    expect(
      submitted.map((event) => event.data).sort((a, b) => String(a.handler).localeCompare(String(b.handler))),
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
    const [failed] = await until(async () => {
      const found = await eventsOfType('jobhook.verification.failed');
      return found.length > 0 ? found : undefined;
    });
    expect(failed!.data).toMatchObject({
      type: 'tencent.ci.job.succeeded',
      subject: 'f3a5c7e9f1d2b11efa830525400a4c19e',
      expected: 'succeeded',
      actual: 'unknown',
    });
    expect(typeof failed!.data.reason).toBe('string');
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
    const [failed] = await until(async () => {
      const found = await eventsOfType('jobhook.verification.failed');
      return found.length > 0 ? found : undefined;
    });
    expect(failed!.data).toMatchObject({ subject: zipId, expected: 'succeeded', actual: 'failed' });
    expect(typeof failed!.data.reason).toBe('string');
    await until(() =>
      recorded().some((run) => run.event.type === 'jobhook.verification.failed') ? true : undefined,
    );
    expect((await simJobs()).map((job) => job.tag)).toEqual(['FileCompress']);
    expect(await eventsOfType('jobhook.job.submitted')).toEqual([]);
  });
});
