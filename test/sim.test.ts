import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobhookEvent } from '../src/events/types.js';
import { createHash } from 'node:crypto';
import { cosAuthorization, cosKeyTime } from '../src/providers/tencent-ci/cos-signature.js';
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

    // A lost submission is found again by listing: CI lists file jobs under /jobs?tag=… too.
    const since = `${new Date(Date.now() + 8 * 3_600_000 - 60_000).toISOString().slice(0, 19)}+0800`;
    const listed = await cosCall(ci, 'GET', '/jobs', {
      query: { tag: 'FileHashCode', startCreationTime: since, size: '100' },
    });
    expect(listed.xml.JobsDetail).toMatchObject({ JobId: jobId, Operation: { UserData: 'req-7f3c' } });
    expect(
      (await cosCall(ci, 'GET', '/jobs', { query: { tag: 'Transcode' } })).xml.JobsDetail,
    ).toBeUndefined();
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

const createJob = (token: string, priority = '10', description = 'copy (jobhook 4c1f)') =>
  '<CreateJobRequest>' +
  `<ClientRequestToken>${token}</ClientRequestToken><ConfirmationRequired>false</ConfirmationRequired>` +
  `<Description>${description}</Description>` +
  '<Manifest><Location><ETag>"e1"</ETag><ObjectArn>qcs::cos:ap-guangzhou:uid/1250000000:demo-1250000000/m.csv</ObjectArn></Location>' +
  '<Spec><Format>COSBatchOperations_CSV_V1</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec></Manifest>' +
  '<Operation><COSPutObjectCopy><TargetResource>qcs::cos:ap-guangzhou:uid/1250000000:dst-1250000000</TargetResource></COSPutObjectCopy></Operation>' +
  `<Priority>${priority}</Priority><Report><Enabled>false</Enabled></Report>` +
  '<RoleArn>qcs::cam::uin/100000000001:roleName/COSBatch</RoleArn></CreateJobRequest>';

describe('COS batch', () => {
  const batch = () => `${simulator.url}/cos-batch/100000000001/${REGION}`;
  const headers = { 'x-cos-appid': APPID };

  it('CreateJob, DescribeJob until Complete, ListJobs; the Description kept; no callback', async () => {
    const created = await cosCall(batch(), 'POST', '/jobs', { xml: createJob('tok-1'), headers });
    expect(created).toMatchObject({ status: 200, root: 'CreateJobResult' });
    const jobId = str(created.xml.JobId);
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    const described = await until(async () => {
      const answer = await cosCall(batch(), 'GET', `/jobs/${jobId}`, { headers });
      const job = answer.xml.Job;
      return typeof job === 'object' && !Array.isArray(job) && job.Status === 'Complete' ? job : undefined;
    });
    expect(described).toMatchObject({ Description: 'copy (jobhook 4c1f)', Priority: '10' });
    const listed = await cosCall(batch(), 'GET', '/jobs', { headers, query: { jobStatuses: 'Complete' } });
    expect(listed).toMatchObject({ root: 'ListJobsResult', xml: { Jobs: { member: { JobId: jobId } } } });
    expect(await simJob(jobId)).toMatchObject({ clientRequestToken: 'tok-1', callbacks: { planned: 0 } });
  });

  it('refuses a repeated ClientRequestToken (Duplicate request, counted on the first job), Priority out of range, MalformedXML, no x-cos-appid', async () => {
    const first = await cosCall(batch(), 'POST', '/jobs', { xml: createJob('tok-2'), headers });
    const again = await cosCall(batch(), 'POST', '/jobs', { xml: createJob('tok-2'), headers });
    expect(again).toMatchObject({
      status: 400,
      xml: { Code: 'InvalidRequest', Message: 'Duplicate request' },
    });
    expect(await simJob(str(first.xml.JobId))).toMatchObject({ createRequests: 2 });
    const priority = await cosCall(batch(), 'POST', '/jobs', {
      xml: createJob('tok-3', '2147483648'),
      headers,
    });
    expect(priority).toMatchObject({ status: 400, xml: { Code: 'InvalidRequest' } });
    expect(priority.xml.Message).toMatch(/Priority out of range/);
    const malformed = await cosCall(batch(), 'POST', '/jobs', {
      xml: '<CreateJobRequest><Priority>',
      headers,
    });
    expect(malformed).toMatchObject({ status: 400, xml: { Code: 'MalformedXML' } });
    const noAppId = await cosCall(batch(), 'POST', '/jobs', { xml: createJob('tok-4') });
    expect(noAppId).toMatchObject({ status: 400, xml: { Code: 'InvalidRequest' } });
    const unknown = await cosCall(batch(), 'GET', '/jobs/00000000-0000-4000-a000-000000000000', { headers });
    expect(unknown).toMatchObject({ status: 404, xml: { Code: 'NoSuchJob' } });
  });

  it('TooManyJobs once the running jobs reach the limit; another UIN than the configured one is refused', async () => {
    const { logger } = capturedLogger();
    const busy = await startSimulator(
      {
        port: 0,
        delayMs: 60_000,
        maxActiveBatchJobs: 1,
        credentials: { tencent: TENCENT_KEY, uin: '100000000001' },
      },
      logger,
    );
    try {
      const base = `${busy.url}/cos-batch/100000000001/${REGION}`;
      expect((await cosCall(base, 'POST', '/jobs', { xml: createJob('a'), headers })).status).toBe(200);
      const refused = await cosCall(base, 'POST', '/jobs', { xml: createJob('b'), headers });
      expect(refused).toMatchObject({ status: 400, xml: { Code: 'TooManyJobs' } });
      const otherAccount = `${busy.url}/cos-batch/100000000002/${REGION}`;
      const denied = await cosCall(otherAccount, 'GET', '/jobs', { headers });
      expect(denied).toMatchObject({ status: 403, xml: { Code: 'AccessDenied' } });
    } finally {
      await busy.stop();
    }
  });
});

describe('Qiniu pfop', () => {
  const qiniu = () => `${simulator.url}/qiniu`;
  const saveas = Buffer.from('media-out:clip.mp4').toString('base64url');

  it('pfop answers a z0. persistentId; the signed notification is verified and stored by jobhook; prefop reports it', async () => {
    const submitted = await qiniuCall(qiniu(), 'POST', '/pfop/', {
      bucket: 'media-src',
      key: 'uploads/clip.mov',
      fops: `avthumb/mp4|saveas/${saveas}`,
      notifyURL: hook('qiniu'),
      pipeline: 'default.sys',
    });
    expect(submitted.status).toBe(200);
    const id = (submitted.body as { persistentId: string }).persistentId;
    expect(id).toMatch(/^z0\.[0-9a-f]{24}$/);
    const event = await eventOf(id);
    expect(event).toMatchObject({
      type: 'qiniu.pfop.succeeded',
      data: { outputs: [{ object: 'clip.mp4' }] },
    });
    const status = await qiniuCall(qiniu(), 'GET', `/status/get/prefop?id=${id}`);
    expect(status).toMatchObject({ status: 200, body: { id, code: 0, inputKey: 'uploads/clip.mov' } });
  });

  it('an unknown id is 612; a bad token 401; a form without fops 400', async () => {
    expect(await qiniuCall(qiniu(), 'GET', '/status/get/prefop?id=z0.nothing')).toEqual({
      status: 612,
      body: { error: 'not such id in prefop' },
    });
    const forged = await qiniuCall(
      qiniu(),
      'POST',
      '/pfop/',
      { bucket: 'b', key: 'k', fops: 'x' },
      {
        accessKey: QINIU_KEY.accessKey,
        secretKey: 'not-the-key',
      },
    );
    expect(forged).toEqual({ status: 401, body: { error: 'bad token' } });
    expect((await qiniuCall(qiniu(), 'POST', '/pfop/', { bucket: 'b', key: 'k' })).status).toBe(400);
  });
});

describe('signatures: the provider path and query are signed, not the simulator prefix', () => {
  const hash = '<Request><Tag>FileHashCode</Tag><Input><Object>a</Object></Input></Request>';

  it('refuses another path, another body-bearing call, another key and an expired key time', async () => {
    const otherPath = await cosCall(ci, 'POST', '/file_jobs', { xml: hash, signedPath: '/jobs' });
    expect(otherPath).toMatchObject({ status: 403, root: 'Error', xml: { Code: 'SignatureDoesNotMatch' } });
    const prefixed = await cosCall(ci, 'POST', '/file_jobs', {
      xml: hash,
      signedPath: `/ci/${BUCKET}/${REGION}/file_jobs`,
    });
    expect(prefixed.xml.Code).toBe('SignatureDoesNotMatch');
    const otherKey = await cosCall(ci, 'POST', '/file_jobs', {
      xml: hash,
      key: { secretId: TENCENT_KEY.secretId, secretKey: 'wrong' },
    });
    expect(otherKey.xml.Code).toBe('SignatureDoesNotMatch');
    const now = Math.floor(Date.now() / 1000);
    const expired = await cosCall(ci, 'POST', '/file_jobs', {
      xml: hash,
      keyTime: `${now - 7200};${now - 3600}`,
    });
    expect(expired).toMatchObject({
      status: 403,
      xml: { Code: 'AccessDenied', Message: 'Request has expired' },
    });
    const unsigned = await fetch(`${ci}/file_jobs`, { method: 'POST', body: hash });
    expect(unsigned.status).toBe(403);
    expect((await simJobs()).jobs).toHaveLength(0);
  });

  it('covers the body through a signed Content-MD5: another body is InvalidDigest, another digest a mismatch', async () => {
    const md5 = createHash('md5').update(hash).digest('base64');
    const signed = await cosCall(ci, 'POST', '/file_jobs', { xml: hash, headers: { 'content-md5': md5 } });
    expect(signed.status).toBe(200);
    const otherBody = hash.replace('<Object>a</Object>', '<Object>b</Object>');
    const tampered = await fetch(`${ci}/file_jobs`, {
      method: 'POST',
      headers: {
        'content-type': 'application/xml',
        'content-md5': md5,
        authorization: cosAuthorization(TENCENT_KEY, {
          method: 'POST',
          pathname: '/file_jobs',
          query: {},
          headers: { host: new URL(ci).host, 'content-type': 'application/xml', 'content-md5': md5 },
          keyTime: cosKeyTime(Date.now(), 600),
        }),
      },
      body: otherBody,
    });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('<Code>InvalidDigest</Code>');
  });

  it('refuses a query changed after signing', async () => {
    const response = await fetch(`${ci}/triggerworkflow?workflowId=w1&object=b.mov`, {
      method: 'POST',
      headers: {
        authorization: cosAuthorization(TENCENT_KEY, {
          method: 'POST',
          pathname: '/triggerworkflow',
          query: { workflowId: 'w1', object: 'a.mov' },
          headers: { host: new URL(ci).host },
          keyTime: `${Math.floor(Date.now() / 1000) - 10};${Math.floor(Date.now() / 1000) + 600}`,
        }),
      },
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('fault knobs, set over the control API', () => {
  const hashJob = (callback = hook('tencent-ci'), userData = 'u-1') =>
    `<Request><Tag>FileHashCode</Tag><Input><Object>a.bin</Object></Input><Operation><UserData>${userData}</UserData></Operation>` +
    `<CallBack>${callback.replace(/&/g, '&amp;')}</CallBack><CallBackFormat>JSON</CallBackFormat></Request>`;
  const submit = async (callback?: string) =>
    str(detailOf((await cosCall(ci, 'POST', '/file_jobs', { xml: hashJob(callback) })).xml).JobId);
  const ended = (id: string) =>
    until(async () => ((await simJob(id))?.phase === 'succeeded' ? true : undefined));

  it('refuses unknown knobs and answers the knobs in force', async () => {
    const refused = await fetch(`${simulator.url}/_sim/faults`, { method: 'PUT', body: '{"dorp":{}}' });
    expect(refused.status).toBe(400);
    expect(await control('faults', { slowMs: 1 })).toMatchObject({ slowMs: 1, drop: { next: 0 } });
  });

  it('drop: the next callback is not sent, nothing is stored', async () => {
    await control('faults', { drop: { next: 1 } });
    const id = await submit();
    await ended(id);
    await simulator.sim.deliverer.idle();
    expect(await simJob(id)).toMatchObject({ callbacks: { planned: 1, dropped: 1, delivered: 0 } });
    expect(await eventsOf(id)).toHaveLength(0);
    const next = await submit();
    await eventOf(next);
  });

  it('duplicate: the callback is sent twice, jobhook stores one event', async () => {
    await control('faults', { duplicate: { next: 1 } });
    const id = await submit();
    await until(async () => ((await simJob(id))?.callbacks.delivered === 2 ? true : undefined));
    expect(await simJob(id)).toMatchObject({ callbacks: { duplicated: 1 } });
    expect(await eventsOf(id)).toHaveLength(1);
  });

  it('errors: the next n creates are 5xx in the provider shape and make no job; the count shows every request', async () => {
    await control('faults', { errors: { 'ci.create-job': 2 } });
    for (let i = 0; i < 2; i++) {
      const refused = await cosCall(ci, 'POST', '/file_jobs', { xml: hashJob() });
      expect(refused).toMatchObject({ status: 500, root: 'Error', xml: { Code: 'InternalError' } });
    }
    expect((await simJobs()).jobs).toHaveLength(0);
    await submit();
    const { jobs, requests } = await simJobs();
    expect(jobs).toHaveLength(1);
    expect(requests['ci.create-job']).toBe(3);
  });

  it('lose: the job is made, then the connection is closed unanswered; errorAfter: made, then a 5xx', async () => {
    await control('faults', { lose: { 'ci.create-job': 1 }, errorAfter: { 'ci.create-job': 1 } });
    await expect(
      cosCall(ci, 'POST', '/file_jobs', { xml: hashJob(undefined, 'marker-8') }),
    ).rejects.toThrow();
    const refused = await cosCall(ci, 'POST', '/file_jobs', { xml: hashJob(undefined, 'marker-9') });
    expect(refused).toMatchObject({ status: 500, xml: { Code: 'InternalError' } });
    expect((await simJobs()).jobs).toMatchObject([
      { userData: 'marker-8', createRequests: 1 },
      { userData: 'marker-9', createRequests: 1 },
    ]);
  });

  it('fail: the job ends Failed and its callback says so', async () => {
    await control('faults', { fail: { next: 1 } });
    const id = await submit();
    expect((await eventOf(id)).type).toBe('tencent.ci.job.failed');
  });

  it('spoofed describe: another state than the callback, or unknown, for CI, COS batch and Qiniu', async () => {
    const id = await submit();
    expect((await eventOf(id)).type).toBe('tencent.ci.job.succeeded');
    await control('faults', { spoofDescribe: { as: 'other', next: 1 } });
    expect(detailOf((await cosCall(ci, 'GET', `/file_jobs/${id}`)).xml).State).toBe('Failed');
    expect(detailOf((await cosCall(ci, 'GET', `/file_jobs/${id}`)).xml).State).toBe('Success');
    await control('faults', { spoofDescribe: { as: 'unknown' } });
    expect((await cosCall(ci, 'GET', `/file_jobs/${id}`)).xml.NonExistJobIds).toBe(id);
    const pfop = await qiniuCall(`${simulator.url}/qiniu`, 'POST', '/pfop/', {
      bucket: 'b',
      key: 'k',
      fops: 'avinfo',
    });
    const persistentId = (pfop.body as { persistentId: string }).persistentId;
    expect(
      (await qiniuCall(`${simulator.url}/qiniu`, 'GET', `/status/get/prefop?id=${persistentId}`)).status,
    ).toBe(612);
    await control('faults', { spoofDescribe: { as: 'running' } });
    expect(detailOf((await cosCall(ci, 'GET', `/file_jobs/${id}`)).xml).State).toBe('Running');
  });

  it('reorder: held callbacks are sent newest first', async () => {
    const { createServer } = await import('node:http');
    const arrived: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const parsed = JSON.parse(body) as { JobsDetail: { JobId: string }[] };
        arrived.push(parsed.JobsDetail[0]?.JobId ?? '');
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/cb`;
    try {
      await control('faults', { reorder: 2, reorderMaxWaitMs: 60_000 });
      const first = await submit(url);
      await ended(first);
      const second = await submit(url);
      await until(() => (arrived.length === 2 ? true : undefined));
      expect(arrived).toEqual([second, first]);
    } finally {
      receiver.close();
    }
  });

  it('a seed makes the same ids', async () => {
    const { logger } = capturedLogger();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const seeded = await startSimulator(
        { port: 0, seed: 7, credentials: { tencent: TENCENT_KEY } },
        logger,
      );
      try {
        const created = await cosCall(`${seeded.url}/ci/${BUCKET}/${REGION}`, 'POST', '/file_jobs', {
          xml: hashJob(),
        });
        ids.push(str(detailOf(created.xml).JobId));
      } finally {
        await seeded.stop();
      }
    }
    expect(ids[0]).toBe(ids[1]);
  });
});
