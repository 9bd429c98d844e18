import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobhookEvent } from '../src/events/types.js';
import { startSimulator, type RunningSimulator } from '../src/sim/server.js';
import type { JobSummary } from '../src/sim/control.js';
import type { XmlObject } from '../src/body/xml.js';
import { flush, startJobhook, storedEvents, TEST_TOKEN, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';
import {
  APPID,
  capturedLogger,
  cosCall,
  QINIU_KEY,
  qiniuCall,
  TENCENT_KEY,
  until,
} from './helpers/sim-calls.js';

const BUCKET = 'demo-1250000000';
const REGION = 'ap-guangzhou';

let redis: RedisServer;
let jobhook: RunningJobhook;
let simulator: RunningSimulator;
let ci: string;
let logs: string[];

const hook = (route: string): string => `${jobhook.url}/v1/callbacks/${route}?token=${TEST_TOKEN}`;

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis, {
    JOBHOOK_QINIU_KEYS: `${QINIU_KEY.accessKey}:${QINIU_KEY.secretKey}`,
  });
  const captured = capturedLogger();
  logs = captured.lines;
  simulator = await startSimulator(
    {
      port: 0,
      delayMs: 40,
      seed: 42,
      tdmqUrl: hook('tdmq'),
      credentials: { tencent: TENCENT_KEY, qiniu: QINIU_KEY, appId: APPID },
    },
    captured.logger,
  );
  ci = `${simulator.url}/ci/${BUCKET}/${REGION}`;
});

afterAll(async () => {
  await simulator.stop();
  await jobhook.stop();
  await redis.stop();
  const text = logs.join('\n');
  for (const secret of [TENCENT_KEY.secretKey, QINIU_KEY.secretKey]) expect(text).not.toContain(secret);
});

beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
  await flush(redis);
});

async function control<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${simulator.url}/_sim/${path}`, {
    method: body === undefined ? 'GET' : 'PUT',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

const simJobs = async (): Promise<{ jobs: JobSummary[]; requests: Record<string, number> }> =>
  control('jobs');
const simJob = async (id: string): Promise<JobSummary | undefined> =>
  (await simJobs()).jobs.find((j) => j.id === id);

const eventsOf = async (subject: string): Promise<JobhookEvent[]> =>
  (await storedEvents(redis)).filter((event) => event.subject === subject);

const eventOf = (subject: string): Promise<JobhookEvent> => until(async () => (await eventsOf(subject))[0]);

/** A text field of an answer. */
const str = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`not text: ${JSON.stringify(value)}`);
  return value;
};

const detailOf = (doc: XmlObject): XmlObject => {
  const detail = doc.JobsDetail;
  if (typeof detail !== 'object' || Array.isArray(detail)) throw new Error('no single JobsDetail');
  return detail;
};

const fileJob = (tag: string, operation: string, callback: string, format = 'XML') =>
  `<Request><Tag>${tag}</Tag><Input><Object>archive/photos.zip</Object></Input><Operation>${operation}` +
  `<UserData>req-7f3c</UserData></Operation><CallBack>${callback.replace(/&/g, '&amp;')}</CallBack>` +
  `<CallBackFormat>${format}</CallBackFormat><CallBackType>Url</CallBackType></Request>`;

describe('CI jobs: submitted, run, described, and their callbacks stored by jobhook', () => {
  it('FileHashCode: f+32 hex, Submitted then Success; the XML TaskFinish is stored as tencent.ci.job.succeeded', async () => {
    const created = await cosCall(ci, 'POST', '/file_jobs', {
      xml: fileJob(
        'FileHashCode',
        '<FileHashCodeConfig><Type>SHA1</Type></FileHashCodeConfig>',
        hook('tencent-ci'),
      ),
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('x-ci-request-id')).toMatch(/./);
    const submitted = detailOf(created.xml);
    expect(submitted).toMatchObject({ Tag: 'FileHashCode', State: 'Submitted', EndTime: '-' });
    const jobId = str(submitted.JobId);
    expect(jobId).toMatch(/^f[0-9a-f]{32}$/);

    const event = await eventOf(jobId);
    expect(event.type).toBe('tencent.ci.job.succeeded');
    expect(event.data).toMatchObject({
      tag: 'FileHashCode',
      userData: 'req-7f3c',
      input: { bucket: BUCKET, region: REGION },
    });

    const described = await cosCall(ci, 'GET', `/file_jobs/${jobId}`);
    const detail = detailOf(described.xml);
    expect(detail.State).toBe('Success');
    expect(JSON.stringify(detail.Operation)).toMatch(/"SHA1":"[0-9a-f]{40}"/);
    expect(await simJob(jobId)).toMatchObject({ createRequests: 1, callbacks: { planned: 1, delivered: 1 } });
  });

  it('FileUncompress writes several objects under the prefix; FileCompress one archive, in JSON (data.outputs)', async () => {
    const unzip = await cosCall(ci, 'POST', '/file_jobs', {
      xml: fileJob(
        'FileUncompress',
        '<FileUncompressConfig><Prefix>unzip/photos/</Prefix></FileUncompressConfig>',
        hook('tencent-ci'),
      ),
    });
    const unzipId = str(detailOf(unzip.xml).JobId);
    const zip = await cosCall(ci, 'POST', '/file_jobs', {
      xml: fileJob(
        'FileCompress',
        '<FileCompressConfig><Format>zip</Format><Prefix>unzip/photos/</Prefix></FileCompressConfig>' +
          `<Output><Region>${REGION}</Region><Bucket>${BUCKET}</Bucket><Object>exports/photos.zip</Object></Output>`,
        hook('tencent-ci'),
        'JSON',
      ),
    });
    const zipId = str(detailOf(zip.xml).JobId);
    expect((await eventOf(unzipId)).type).toBe('tencent.ci.job.succeeded');
    const zipped = await eventOf(zipId);
    expect(zipped.data).toMatchObject({
      outputs: [{ bucket: BUCKET, region: REGION, object: 'exports/photos.zip' }],
    });
    const objects = (await simJob(unzipId))?.objects ?? [];
    expect(objects.length).toBeGreaterThan(1);
    for (const object of objects) expect(object.startsWith('unzip/photos/')).toBe(true);
  });

  it('media Snapshot (j…) reports several outputs; DocProcess (d…) its pages', async () => {
    const output = (object: string) =>
      `<Output><Region>${REGION}</Region><Bucket>${BUCKET}</Bucket><Object>${object}</Object></Output>`;
    const snap = await cosCall(ci, 'POST', '/jobs', {
      xml: `<Request><Tag>Snapshot</Tag><Input><Object>raw/clip.mov</Object></Input><Operation>${output('snap/clip-${number}.jpg')}</Operation><CallBack>${hook('tencent-ci').replace(/&/g, '&amp;')}</CallBack></Request>`,
    });
    const snapId = str(detailOf(snap.xml).JobId);
    expect(snapId).toMatch(/^j[0-9a-f]{32}$/);
    const doc = await cosCall(ci, 'POST', '/doc_jobs', {
      xml: `<Request><Tag>DocProcess</Tag><Input><Object>docs/report.docx</Object></Input><Operation><DocProcess><TgtType>png</TgtType></DocProcess>${output('preview/report-${Page}.png')}</Operation><CallBack>${hook('tencent-ci')}</CallBack><CallBackFormat>JSON</CallBackFormat></Request>`,
    });
    const docId = str(detailOf(doc.xml).JobId);
    expect(docId).toMatch(/^d[0-9a-f]{32}$/);
    const snapshot = await eventOf(snapId);
    expect(snapshot.data.outputs.map((o) => o.object)).toEqual([
      'snap/clip-0.jpg',
      'snap/clip-1.jpg',
      'snap/clip-2.jpg',
    ]);
    const pages = await eventOf(docId);
    expect(pages.data.outputs.map((o) => o.object)).toEqual([
      'preview/report-1.png',
      'preview/report-2.png',
      'preview/report-3.png',
    ]);
  });

  it('unknown ids are NonExistJobIds; a media job is not found under /file_jobs; bad requests are InvalidArgument', async () => {
    const created = await cosCall(ci, 'POST', '/jobs', {
      xml: `<Request><Tag>Transcode</Tag><Input><Object>a.mov</Object></Input><Operation><Output><Object>a.mp4</Object></Output></Operation></Request>`,
    });
    const id = str(detailOf(created.xml).JobId);
    const described = await cosCall(ci, 'GET', `/file_jobs/${id},f0000`);
    expect(described.status).toBe(200);
    expect(described.xml.NonExistJobIds).toEqual([id, 'f0000']);
    expect(described.xml.JobsDetail).toBeUndefined();
    const bad = await cosCall(ci, 'POST', '/file_jobs', {
      xml: '<Request><Tag>Nope</Tag><Input><Object>a</Object></Input></Request>',
    });
    expect(bad).toMatchObject({ status: 400, root: 'Error', xml: { Code: 'InvalidArgument' } });
    const malformed = await cosCall(ci, 'POST', '/file_jobs', { xml: '<Request><Tag>' });
    expect(malformed).toMatchObject({ status: 400, xml: { Code: 'MalformedXML' } });
  });

  it('CallBackType TDMQ: a CMQ topic push of the callback, stored with channel tdmq', async () => {
    const created = await cosCall(ci, 'POST', '/file_jobs', {
      xml:
        '<Request><Tag>FileHashCode</Tag><Input><Object>a.bin</Object></Input><Operation/>' +
        '<CallBackType>TDMQ</CallBackType><CallBackMqConfig><MqMode>Topic</MqMode><MqRegion>gz</MqRegion>' +
        '<MqName>ci-events</MqName></CallBackMqConfig><CallBackFormat>JSON</CallBackFormat></Request>',
    });
    const event = await eventOf(str(detailOf(created.xml).JobId));
    expect(event).toMatchObject({ type: 'tencent.ci.job.succeeded', channel: 'tdmq' });
  });
});

describe('CI queues and workflows', () => {
  it('a queue NotifyConfig is read and updated; a triggered workflow reports TaskFinish and WorkflowFinish to it', async () => {
    const listed = await cosCall(ci, 'GET', '/queue');
    const queue = listed.xml.QueueList;
    if (typeof queue !== 'object' || Array.isArray(queue)) throw new Error('one queue expected');
    expect(queue).toMatchObject({ State: 'Active', NotifyConfig: { State: 'Off' } });
    const queueId = str(queue.QueueId);
    const updated = await cosCall(ci, 'PUT', `/queue/${queueId}`, {
      xml:
        `<Request><Name>${str(queue.Name)}</Name><QueueID>${queueId}</QueueID><State>Active</State><NotifyConfig>` +
        `<Url>${hook('tencent-ci').replace(/&/g, '&amp;')}</Url><State>On</State><Type>Url</Type>` +
        '<Event>TaskFinish,WorkflowFinish</Event><ResultFormat>JSON</ResultFormat></NotifyConfig></Request>',
    });
    expect(updated.xml.Queue).toMatchObject({ NotifyConfig: { State: 'On', ResultFormat: 'JSON' } });

    const triggered = await cosCall(ci, 'POST', '/triggerworkflow', {
      query: { workflowId: 'w0123456789abcdef0123456789abcdef', object: 'raw/clip (1).mov' },
    });
    const runId = str(triggered.xml.InstanceId);
    expect(runId).toMatch(/^i[0-9a-f]{32}$/);
    const finished = await eventOf(runId);
    expect(finished.type).toBe('tencent.ci.workflow.succeeded');
    const tasks = finished.data.tasks ?? [];
    expect(tasks).toHaveLength(1);
    const nodeEvent = await eventOf(tasks[0]?.jobId ?? '');
    expect(nodeEvent.data.workflow).toMatchObject({ runId });
    const described = await cosCall(ci, 'GET', `/workflowexecution/${runId}`);
    expect(described.xml.WorkflowExecution).toMatchObject({ RunId: runId, State: 'Success' });
  });

  it('inventory trigger jobs (b…) run and are described, and send no callback', async () => {
    const created = await cosCall(ci, 'POST', '/inventorytriggerjob', {
      xml:
        '<Request><Name>batch-1</Name><Type>Workflow</Type><Input><Prefix>raw/</Prefix></Input>' +
        '<Operation><WorkflowIds>w0123</WorkflowIds><UserData>inv-1</UserData></Operation></Request>',
    });
    const id = str(detailOf(created.xml).JobId);
    expect(id).toMatch(/^b[0-9a-f]{32}$/);
    await until(async () =>
      detailOf((await cosCall(ci, 'GET', `/inventorytriggerjob/${id}`)).xml).State === 'Success'
        ? true
        : undefined,
    );
    const listed = await cosCall(ci, 'GET', '/inventorytriggerjob', {
      query: { size: '10', states: 'Success' },
    });
    expect(listed.xml.JobsDetail).toMatchObject({ JobId: id });
    const unknown = await cosCall(ci, 'GET', '/inventorytriggerjob/b0000');
    expect(unknown.xml.NonExistJobId).toBe('b0000');
    expect(await simJob(id)).toMatchObject({ userData: 'inv-1', callbacks: { planned: 0 } });
  });
});
