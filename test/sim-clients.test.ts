import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloudCalls } from '../src/handlers/submit/cloud-calls.js';
import type { SubmitApi } from '../src/handlers/submit/apis.js';
import { readCloudsConfig } from '../src/providers/clouds-config.js';
import { createClouds } from '../src/providers/clouds.js';
import { createDescriber, type DescribeQuery } from '../src/providers/describe.js';
import { startSimulator, type RunningSimulator } from '../src/sim/server.js';
import type { JobSummary } from '../src/sim/control.js';
import {
  APPID,
  capturedLogger,
  QINIU_KEY,
  simCloudEnv,
  TENCENT_KEY,
  UIN,
  until,
} from './helpers/sim-calls.js';

/** jobhook's own cloud clients (src/providers, src/handlers/submit) against the simulator: no fake in between. */
const TARGET = { bucket: 'demo-1250000000', region: 'ap-guangzhou' };

let simulator: RunningSimulator;
let calls: ReturnType<typeof createCloudCalls>;
let describer: ReturnType<typeof createDescriber>;

beforeAll(async () => {
  simulator = await startSimulator(
    {
      port: 0,
      delayMs: 30,
      credentials: { tencent: TENCENT_KEY, appId: APPID, uin: UIN, qiniu: QINIU_KEY },
    },
    capturedLogger().logger,
  );
  const { url } = simulator;
  const clouds = createClouds(readCloudsConfig(simCloudEnv(url)));
  calls = createCloudCalls(clouds);
  describer = createDescriber(clouds);
});

afterAll(() => simulator.stop());

beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
});

const setFaults = (faults: unknown) =>
  fetch(`${simulator.url}/_sim/faults`, { method: 'PUT', body: JSON.stringify(faults) });

const simJobs = async (): Promise<JobSummary[]> =>
  ((await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as { jobs: JobSummary[] }).jobs;

const BATCH_REQUEST = {
  ConfirmationRequired: false,
  Description: 'copy (marker-b)',
  Manifest: {
    Location: { ETag: '"e1"', ObjectArn: `qcs::cos:ap-guangzhou:uid/${APPID}:demo-1250000000/m.csv` },
    Spec: { Format: 'COSBatchOperations_CSV_V1', Fields: { member: ['Bucket', 'Key'] } },
  },
  Operation: { COSPutObjectCopy: { TargetResource: `qcs::cos:ap-guangzhou:uid/${APPID}:dst-1250000000` } },
  Priority: 10,
  Report: { Enabled: false },
  RoleArn: `qcs::cam::uin/${UIN}:roleName/COSBatch`,
};

const REQUESTS: readonly [SubmitApi, Record<string, unknown>, DescribeQuery['kind'], string][] = [
  [
    'tencent-ci.file-job',
    { Tag: 'FileHashCode', Input: { Object: 'a.bin' }, Operation: { UserData: 'm1' } },
    'job',
    'f',
  ],
  [
    'tencent-ci.media-job',
    {
      Tag: 'Transcode',
      Input: { Object: 'a.mov' },
      Operation: { Output: { Object: 'a.mp4' }, UserData: 'm2' },
    },
    'job',
    'j',
  ],
  [
    'tencent-ci.doc-job',
    { Tag: 'DocProcess', Input: { Object: 'a.docx' }, Operation: { Output: { Object: 'p-${Page}.jpg' } } },
    'job',
    'd',
  ],
  [
    'tencent-ci.workflow',
    { workflowId: 'w0123456789abcdef0123456789abcdef', object: 'raw/a b.mov' },
    'workflow',
    'i',
  ],
  [
    'tencent-ci.inventory-job',
    {
      Name: 'n1',
      Type: 'Workflow',
      Input: { Prefix: 'raw/' },
      Operation: { WorkflowIds: 'w0123', UserData: 'm3' },
    },
    'inventory',
    'b',
  ],
  ['tencent-cos-batch.job', BATCH_REQUEST, 'batch', ''],
  ['qiniu.pfop', { bucket: 'media-src', key: 'clip.mov', fops: 'avthumb/mp4' }, 'pfop', 'z0.'],
];

const JOB_KINDS: Readonly<Record<string, 'file' | 'media' | 'doc'>> = {
  'tencent-ci.file-job': 'file',
  'tencent-ci.media-job': 'media',
  'tencent-ci.doc-job': 'doc',
};

function queryFor(api: SubmitApi, kind: DescribeQuery['kind'], jobId: string): DescribeQuery {
  switch (kind) {
    case 'job':
      return { kind, jobKind: JOB_KINDS[api] ?? 'media', jobId, target: TARGET };
    case 'workflow':
    case 'inventory':
      return { kind, jobId, target: TARGET };
    case 'batch':
      return { kind, jobId, region: TARGET.region };
    case 'pfop':
      return { kind, jobId };
  }
}

describe("jobhook's cloud clients against the simulator", () => {
  it.each(REQUESTS)(
    '%s: created, then described as succeeded; an unknown id is not found',
    async (api, request, kind, prefix) => {
      const signal = AbortSignal.timeout(10_000);
      const target =
        api === 'tencent-cos-batch.job'
          ? { region: TARGET.region }
          : api === 'qiniu.pfop'
            ? { bucket: 'media-src' }
            : TARGET;
      const jobId = await calls.create(api, target, request, { clientRequestToken: 'token-1', signal });
      expect(jobId.startsWith(prefix)).toBe(true);
      const described = await until(async () => {
        const result = await describer.describe(queryFor(api, kind, jobId), signal);
        return result.found && result.state === 'succeeded' ? result : undefined;
      });
      expect(described.events[0]?.subject).toBe(jobId);
      expect(await describer.describe(queryFor(api, kind, `${prefix}0000`), signal)).toEqual({
        found: false,
      });
    },
  );

  it('a repeated ClientRequestToken reads as a duplicate, and the first job is found by its marker', async () => {
    const signal = AbortSignal.timeout(10_000);
    const target = { region: TARGET.region };
    const options = { clientRequestToken: 'token-2', signal };
    const first = await calls.create('tencent-cos-batch.job', target, BATCH_REQUEST, options);
    const again = await calls
      .create('tencent-cos-batch.job', target, BATCH_REQUEST, options)
      .catch((e: unknown) => e);
    expect(calls.classify(again)).toEqual({ kind: 'duplicate' });
    expect(
      await calls.find(
        'tencent-cos-batch.job',
        target,
        BATCH_REQUEST,
        'marker-b',
        Date.now() - 60_000,
        signal,
      ),
    ).toBe(first);
  });

  it('a lost answer reads as unknown and the job is found by its UserData; a 5xx after the work reads as busy', async () => {
    const signal = AbortSignal.timeout(10_000);
    await setFaults({
      lose: { 'ci.create-job': 1 },
      errorAfter: { 'qiniu.pfop': 1 },
      errors: { 'ci.describe-job': 1 },
    });
    const request = { Tag: 'FileHashCode', Input: { Object: 'x.bin' }, Operation: { UserData: 'marker-l' } };
    const lost = await calls
      .create('tencent-ci.file-job', TARGET, request, { clientRequestToken: 't', signal })
      .catch((e: unknown) => e);
    expect(calls.classify(lost)).toEqual({ kind: 'unknown' });
    const found = await calls.find(
      'tencent-ci.file-job',
      TARGET,
      request,
      'marker-l',
      Date.now() - 60_000,
      signal,
    );
    expect((await simJobs()).map((job) => job.id)).toEqual([found]);
    const pfop = await calls
      .create(
        'qiniu.pfop',
        { bucket: 'b' },
        { bucket: 'b', key: 'k', fops: 'avinfo' },
        { clientRequestToken: 't', signal },
      )
      .catch((e: unknown) => e);
    expect(calls.classify(pfop)).toMatchObject({ kind: 'busy' });
    await expect(
      describer.describe(queryFor('tencent-ci.file-job', 'job', found ?? ''), signal),
    ).rejects.toThrow();
  });

  it('a spoofed describe reports the other state than the job had', async () => {
    const signal = AbortSignal.timeout(10_000);
    const request = REQUESTS[0]?.[1] ?? {};
    const jobId = await calls.create('tencent-ci.file-job', TARGET, request, {
      clientRequestToken: 't',
      signal,
    });
    await until(async () => ((await simJobs())[0]?.phase === 'succeeded' ? true : undefined));
    await setFaults({ spoofDescribe: { as: 'other', next: 1 } });
    expect(await describer.describe(queryFor('tencent-ci.file-job', 'job', jobId), signal)).toMatchObject({
      state: 'failed',
    });
    expect(await describer.describe(queryFor('tencent-ci.file-job', 'job', jobId), signal)).toMatchObject({
      state: 'succeeded',
    });
  });
});
