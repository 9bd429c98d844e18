import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { parseDocument } from '../body/parse.js';
import type { JobhookEvent } from '../events/types.js';
import type { LedgerJob } from '../queue/ledger.js';
import type { PollerOptions } from '../queue/poller.js';
import type { VerifierOptions } from '../queue/verifier.js';
import { createDescriber, type Describer } from './describe.js';
import { normalizeQiniu } from './qiniu/normalize.js';
import { normalizeCiDocument } from './tencent-ci/normalize.js';
import { jsonReply, useFakeCloud, xmlReply, type FakeCloud } from './test-cloud.js';

const FIXTURES = join(import.meta.dirname);
const RECEIVED = { channel: 'http' as const, receivedAt: '2026-11-21T06:00:00.000Z' };

async function fixture(path: string): Promise<string> {
  return readFile(join(FIXTURES, path), 'utf8');
}

/** The event a callback fixture makes over HTTP. */
async function callbackEvent(path: string): Promise<JobhookEvent> {
  const doc = parseDocument(await fixture(path), path.endsWith('.json') ? 'json' : 'xml');
  const normalized = path.startsWith('qiniu/')
    ? normalizeQiniu(doc.content, RECEIVED)
    : normalizeCiDocument(doc.content, RECEIVED);
  if (!normalized.ok || normalized.events[0] === undefined) throw new Error(`fixture ${path} makes no event`);
  return normalized.events[0];
}

/** A describe answer: the callback's document without its EventName (describe answers carry none). */
const describeAnswer = (callback: string): string => callback.replace(/<EventName>[^<]*<\/EventName>/, '');

const fake = useFakeCloud();
let cloud: FakeCloud;
let describer: Describer;
beforeAll(() => {
  cloud = fake.cloud;
  describer = createDescriber(fake.clouds);
});

const paths = () => cloud.requests.map((r) => `${r.method} ${r.url}`);

const ledgerJob = (over: Partial<LedgerJob>): LedgerJob => ({
  provider: 'tencent-ci',
  kind: 'job',
  jobId: 'f1',
  api: 'tencent-ci.file-job',
  handler: 'h',
  causationId: 'c',
  correlationId: 'c',
  marker: '',
  submittedAt: '2025-03-01T00:00:00Z',
  deadline: '2025-03-01T01:00:00Z',
  bucket: 'demo-1250000000',
  region: 'ap-guangzhou',
  state: 'pending',
  ...over,
});

describe('describe', () => {
  it('fits the verifier’s and the poller’s describe options', () => {
    expectTypeOf(describer.describeEvent).toExtend<VerifierOptions['describe']>();
    expectTypeOf(describer.describeJob).toExtend<PollerOptions['describe']>();
  });

  it('a CI file job: GET /file_jobs/<id>, the polled record makes the callback’s event (same id, channel poll)', async () => {
    const path = 'tencent-ci/fixtures/file-compress-succeeded.xml';
    const callback = await callbackEvent(path);
    const body = describeAnswer(await fixture(path));
    cloud.reply = () => xmlReply(body);
    const described = await describer.describeEvent(callback);
    expect(paths()).toEqual([`GET /ci/demo-1250000000/ap-guangzhou/file_jobs/${callback.subject}`]);
    expect(cloud.requests[0]?.signed).toBe(true);
    if (!described.found) throw new Error('not found');
    expect(described.state).toBe('succeeded');
    expect(described.events.map((e) => [e.id, e.type, e.subject, e.channel])).toEqual([
      [callback.id, 'tencent.ci.job.succeeded', callback.subject, 'poll'],
    ]);
    expect(described.events[0]?.data.outputs).toEqual(callback.data.outputs);
    expect(described.record).toMatchObject({ JobsDetail: [{ JobId: callback.subject }] });
  });

  it('picks /doc_jobs for DocProcess and /jobs for other tags', async () => {
    for (const [path, api] of [
      ['tencent-ci/fixtures/doc-process-succeeded.xml', 'doc_jobs'],
      ['tencent-ci/fixtures/transcode-failed.xml', 'jobs'],
    ] as const) {
      cloud.requests.length = 0;
      const callback = await callbackEvent(path);
      const body = describeAnswer(await fixture(path));
      cloud.reply = () => xmlReply(body);
      const described = await describer.describeEvent(callback);
      expect(cloud.requests[0]?.apiPath).toBe(`/${api}/${callback.subject}`);
      expect(described).toMatchObject({ found: true, state: callback.data.state });
      if (described.found) expect(described.events[0]?.id).toBe(callback.id);
    }
  });

  it('a job the provider does not know (NonExistJobIds, 404) is found: false', async () => {
    const callback = await callbackEvent('tencent-ci/fixtures/file-compress-succeeded.xml');
    cloud.reply = () => xmlReply(`<Response><NonExistJobIds>${callback.subject}</NonExistJobIds></Response>`);
    expect(await describer.describeEvent(callback)).toEqual({ found: false });
    cloud.reply = () =>
      xmlReply('<Error><Code>NoSuchJob</Code><Message>no</Message><RequestId>r</RequestId></Error>', 404);
    expect(await describer.describeEvent(callback)).toEqual({ found: false });
    // A 404 about the bucket says nothing about the job.
    cloud.reply = () => xmlReply('<Error><Code>NoSuchBucket</Code><Message>no</Message></Error>', 404);
    await expect(describer.describeEvent(callback)).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });

  it('a record with another outcome says so (a forged Success callback is not confirmed)', async () => {
    const callback = await callbackEvent('tencent-ci/fixtures/file-compress-succeeded.xml');
    const body = describeAnswer(await fixture('tencent-ci/fixtures/file-compress-succeeded.xml')).replace(
      '<State>Success</State>',
      '<State>Failed</State>',
    );
    cloud.reply = () => xmlReply(body);
    expect(await describer.describeEvent(callback)).toMatchObject({ found: true, state: 'failed' });
  });

  it('5xx stays an error to retry', async () => {
    const callback = await callbackEvent('tencent-ci/fixtures/file-compress-succeeded.xml');
    cloud.reply = () => xmlReply('<Error><Code>InternalError</Code><Message>x</Message></Error>', 500);
    await expect(describer.describeEvent(callback)).rejects.toMatchObject({ retryable: true });
  });

  it('a workflow: GET /workflowexecution/<runId>', async () => {
    const path = 'tencent-ci/fixtures/workflow-succeeded-one-task.xml';
    const callback = await callbackEvent(path);
    const body = describeAnswer(await fixture(path));
    cloud.reply = () => xmlReply(body);
    const described = await describer.describeJob(
      ledgerJob({ kind: 'workflow', api: 'tencent-ci.workflow', jobId: callback.subject }),
    );
    expect(cloud.requests[0]?.apiPath).toBe(`/workflowexecution/${callback.subject}`);
    expect(described).toMatchObject({ found: true, state: 'succeeded' });
    if (described.found) expect(described.events[0]?.id).toBe(callback.id);
  });

  it('inventory trigger jobs: their states, Go zero time and "-" as null, NonExistJobId as unknown', async () => {
    const states = [
      ['Success', 'succeeded'],
      ['Failed', 'failed'],
      ['Cancel', 'canceled'],
      ['Submitted', 'pending'],
      ['Running', 'pending'],
      ['Pause', 'pending'],
    ] as const;
    for (const [providerState, state] of states) {
      cloud.reply = () =>
        xmlReply(
          `<Response><RequestId>r</RequestId><JobsDetail><JobId>b01</JobId><State>${providerState}</State><Type>Job</Type>` +
            '<CreationTime>2025-03-01T10:00:00+0800</CreationTime><StartTime>0001-01-01T00:00:00Z</StartTime><EndTime>-</EndTime>' +
            '<Input><Prefix>in/</Prefix></Input><Operation><Tag>Transcode</Tag><QueueId>p1</QueueId><UserData>jobhook-x</UserData></Operation>' +
            '</JobsDetail></Response>',
        );
      const described = await describer.describeJob(
        ledgerJob({ kind: 'inventory', api: 'tencent-ci.inventory-job', jobId: 'b01' }),
      );
      if (!described.found) throw new Error('not found');
      expect(described.state).toBe(state);
      const [event] = described.events;
      expect(event?.type).toBe(`tencent.ci.inventory.${state}`);
      expect(event?.source).toBe('/tencent-ci/ap-guangzhou/demo-1250000000');
      expect(event?.data).toMatchObject({
        provider: 'tencent-ci',
        kind: 'inventory',
        jobId: 'b01',
        providerState,
        tag: 'Transcode',
        queueId: 'p1',
        userData: 'jobhook-x',
        input: { region: 'ap-guangzhou', bucket: 'demo-1250000000', object: 'in/' },
        createdAt: '2025-03-01T10:00:00+08:00',
        startedAt: null,
        endedAt: null,
      });
    }
    expect(cloud.requests.every((r) => r.apiPath === '/inventorytriggerjob/b01' && r.signed)).toBe(true);
    cloud.reply = () =>
      xmlReply('<Response><RequestId>r</RequestId><NonExistJobId>b01</NonExistJobId></Response>');
    expect(
      await describer.describeJob(
        ledgerJob({ kind: 'inventory', api: 'tencent-ci.inventory-job', jobId: 'b01' }),
      ),
    ).toEqual({ found: false });
  });

  it('COS batch jobs: GET /jobs/<id> on the control host, Complete/Failed/Cancelled/other', async () => {
    for (const [status, state] of [
      ['Complete', 'succeeded'],
      ['Failed', 'failed'],
      ['Cancelled', 'canceled'],
      ['Active', 'pending'],
      ['Suspended', 'pending'],
    ] as const) {
      cloud.reply = () =>
        xmlReply(
          `<DescribeJobResult><Job><JobId>53dc</JobId><Status>${status}</Status><CreationTime>2025-03-01T02:00:00Z</CreationTime>` +
            '<TerminationDate>-</TerminationDate><FailureReasons><JobFailure><FailureCode>F1</FailureCode><FailureReason>why</FailureReason></JobFailure></FailureReasons></Job></DescribeJobResult>',
        );
      const described = await describer.describeJob(
        ledgerJob({
          provider: 'tencent-cos-batch',
          kind: 'batch',
          api: 'tencent-cos-batch.job',
          jobId: '53dc',
        }),
      );
      if (!described.found) throw new Error('not found');
      expect(described.state).toBe(state);
      expect(described.events[0]).toMatchObject({
        type: `tencent.cos.batch.${state}`,
        source: '/tencent-cos-batch/ap-guangzhou/100000000001',
        subject: '53dc',
        data: {
          providerState: status,
          code: 'F1',
          message: 'why',
          createdAt: '2025-03-01T02:00:00Z',
          endedAt: null,
        },
      });
      // Describing the polled event again asks the same place.
      const event = described.events[0];
      if (event !== undefined) await describer.describeEvent(event);
    }
    expect(new Set(paths())).toEqual(new Set(['GET /cos-batch/100000000001/ap-guangzhou/jobs/53dc']));
  });

  it('Qiniu: GET /status/get/prefop?id=, the notification’s event; 612 is unknown', async () => {
    const path = 'qiniu/fixtures/pfop-failed.json';
    const callback = await callbackEvent(path);
    const body: unknown = JSON.parse(await fixture(path));
    cloud.reply = () => jsonReply(body);
    const described = await describer.describeEvent(callback);
    expect(paths()).toEqual([`GET /qiniu/status/get/prefop?id=${callback.subject}`]);
    expect(described).toMatchObject({ found: true, state: 'failed' });
    if (described.found) expect(described.events[0]?.id).toBe(callback.id);
    cloud.reply = () => jsonReply({ error: 'gone' }, 612);
    expect(await describer.describeEvent(callback)).toEqual({ found: false });
    cloud.reply = () => jsonReply({ error: 'not such id in prefop' }, 400);
    expect(await describer.describeEvent(callback)).toEqual({ found: false });
  });

  it('without credentials for the provider: a final NoCredentials error', async () => {
    const bare = createDescriber({});
    const callback = await callbackEvent('qiniu/fixtures/pfop-failed.json');
    await expect(bare.describeEvent(callback)).rejects.toMatchObject({
      code: 'NoCredentials',
      retryable: false,
    });
  });
});
