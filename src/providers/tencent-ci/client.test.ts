import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from '../../body/xml.js';
import { CloudError } from '../cloud-error.js';
import { createClouds } from '../clouds.js';
import { readCloudsConfig } from '../clouds-config.js';
import {
  cloudEnv,
  useFakeCloud,
  TEST_SESSION_TOKEN,
  TEST_SECRETS,
  xmlReply,
  type FakeCloud,
} from '../test-cloud.js';
import { createTencentCiClient, type TencentCiClient } from './client.js';

const TARGET = { bucket: 'demo-1250000000', region: 'ap-guangzhou' };

const JOB = (id: string, state: string, tag = 'FileHashCode') =>
  `<JobsDetail><Code>Success</Code><Message/><JobId>${id}</JobId><Tag>${tag}</Tag><State>${state}</State>` +
  `<CreationTime>2025-03-01T10:00:00+0800</CreationTime><StartTime>-</StartTime><EndTime>-</EndTime>` +
  `<QueueId>p0123</QueueId><Input><Object>in/a.zip</Object></Input><Operation><UserData>u-1</UserData></Operation></JobsDetail>`;

const fake = useFakeCloud();
let cloud: FakeCloud;
let ci: TencentCiClient;
beforeAll(() => {
  cloud = fake.cloud;
  if (fake.clouds.tencentCi === undefined) throw new Error('no CI client');
  ci = fake.clouds.tencentCi;
});
const last = () => fake.last();

describe('Tencent CI client', () => {
  it('describes file, media and doc jobs on their paths, signed, under the endpoint prefix', async () => {
    cloud.reply = (r) => xmlReply(`<Response>${JOB(r.apiPath.split('/')[2] ?? '', 'Success')}</Response>`);
    const file = await ci.describeJob('file', TARGET, 'f0a1');
    expect(file.JobsDetail?.[0]).toMatchObject({ JobId: 'f0a1', State: 'Success', Tag: 'FileHashCode' });
    expect(file.JobsDetail?.[0]?.Message).toBe('');
    expect(file.record.JobsDetail).toHaveLength(1);
    await ci.describeJob('media', TARGET, 'j0a1');
    await ci.describeJob('doc', TARGET, 'd0a1');
    expect(cloud.requests.map((r) => [r.method, r.url, r.apiPath, r.signed])).toEqual([
      ['GET', '/ci/demo-1250000000/ap-guangzhou/file_jobs/f0a1', '/file_jobs/f0a1', true],
      ['GET', '/ci/demo-1250000000/ap-guangzhou/jobs/j0a1', '/jobs/j0a1', true],
      ['GET', '/ci/demo-1250000000/ap-guangzhou/doc_jobs/d0a1', '/doc_jobs/d0a1', true],
    ]);
    expect(last().headers.host).toBe(new URL(cloud.url).host);
  });

  it('reads NonExistJobIds as a list', async () => {
    cloud.reply = () => xmlReply('<Response><NonExistJobIds>f404</NonExistJobIds></Response>');
    const result = await ci.describeJob('file', TARGET, 'f404');
    expect(result.JobsDetail).toBeUndefined();
    expect(result.NonExistJobIds).toEqual(['f404']);
  });

  it('creates jobs with an XML <Request> built by XMLBuilder: repeated elements, escaped text, JSON numbers', async () => {
    cloud.reply = () => xmlReply(`<Response>${JOB('f-new', 'Submitted', 'FileCompress')}</Response>`);
    const created = await ci.createJob('file', TARGET, {
      Tag: 'FileCompress',
      Operation: {
        FileCompressConfig: { Flatten: 0, Format: 'zip', Key: ['a&b.jpg', 'c<d>.jpg'], IgnoreError: false },
        Output: { Region: TARGET.region, Bucket: TARGET.bucket, Object: 'out/${Number}.zip' },
        UserData: 'jobhook-marker',
      },
      QueueId: 'p0123',
    });
    expect(created.job).toMatchObject({ JobId: 'f-new', State: 'Submitted' });
    const sent = last();
    expect([sent.method, sent.apiPath, sent.headers['content-type'], sent.signed]).toEqual([
      'POST',
      '/file_jobs',
      'application/xml',
      true,
    ]);
    const { root, value } = parseXml(sent.text);
    expect(root).toBe('Request');
    expect(value).toEqual({
      Tag: 'FileCompress',
      Operation: {
        FileCompressConfig: {
          Flatten: '0',
          Format: 'zip',
          Key: ['a&b.jpg', 'c<d>.jpg'],
          IgnoreError: 'false',
        },
        Output: { Region: TARGET.region, Bucket: TARGET.bucket, Object: 'out/${Number}.zip' },
        UserData: 'jobhook-marker',
      },
      QueueId: 'p0123',
    });
    expect(sent.text).toContain('<Key>a&amp;b.jpg</Key><Key>c&lt;d&gt;.jpg</Key>');
  });

  it('posts media and doc jobs on /jobs and /doc_jobs', async () => {
    cloud.reply = () => xmlReply(`<Response>${JOB('j-new', 'Submitted', 'Transcode')}</Response>`);
    await ci.createJob('media', TARGET, { Tag: 'Transcode' });
    await ci.createJob('doc', TARGET, { Tag: 'DocProcess' });
    expect(cloud.requests.map((r) => `${r.method} ${r.apiPath}`)).toEqual(['POST /jobs', 'POST /doc_jobs']);
  });

  it('lists jobs with the query signed', async () => {
    cloud.reply = () =>
      xmlReply(
        `<Response>${JOB('j1', 'Success')}${JOB('j2', 'Running')}<NextToken>n2</NextToken></Response>`,
      );
    const listed = await ci.listJobs('media', TARGET, {
      queueId: 'p0123',
      tag: 'Transcode',
      startCreationTime: '2025-03-01T10:00:00+0800',
      size: '100',
      nextToken: undefined,
    });
    expect(listed.JobsDetail?.map((j) => j.JobId)).toEqual(['j1', 'j2']);
    expect(listed.NextToken).toBe('n2');
    const sent = last();
    expect(sent.signed).toBe(true);
    expect(Object.fromEntries(sent.query)).toEqual({
      queueId: 'p0123',
      tag: 'Transcode',
      startCreationTime: '2025-03-01T10:00:00+0800',
      size: '100',
    });
  });

  it('describes a workflow execution and triggers a workflow (query only, empty body)', async () => {
    cloud.reply = (r) =>
      r.apiPath === '/triggerworkflow'
        ? xmlReply('<Response><RequestId>NjQ-1</RequestId><InstanceId>i0001</InstanceId></Response>')
        : xmlReply(
            '<Response><WorkflowExecution><RunId>i0001</RunId><WorkflowId>w1</WorkflowId><State>Running</State></WorkflowExecution></Response>',
          );
    const run = await ci.describeWorkflowExecution(TARGET, 'i0001');
    expect(run.WorkflowExecution?.[0]).toMatchObject({ RunId: 'i0001', State: 'Running' });
    const triggered = await ci.triggerWorkflow(TARGET, {
      workflowId: 'w1',
      object: 'in/a b(1).mov',
      name: 'n',
    });
    expect(triggered.InstanceId).toBe('i0001');
    const sent = last();
    expect([sent.method, sent.apiPath, sent.text, sent.signed]).toEqual([
      'POST',
      '/triggerworkflow',
      '',
      true,
    ]);
    expect(Object.fromEntries(sent.query)).toEqual({ workflowId: 'w1', object: 'in/a b(1).mov', name: 'n' });
    expect(sent.url).toContain('object=in%2Fa%20b%281%29.mov');
  });

  it('creates, describes, lists and cancels inventory trigger jobs', async () => {
    const job =
      '<JobsDetail><JobId>b0001</JobId><State>Running</State><Name>n</Name><Type>Job</Type>' +
      '<CreationTime>2025-03-01T10:00:00+0800</CreationTime><StartTime>0001-01-01T00:00:00Z</StartTime></JobsDetail>';
    cloud.reply = (r) =>
      r.method === 'PUT'
        ? xmlReply('<Response><RequestId>NjQ-c</RequestId></Response>')
        : xmlReply(`<Response><RequestId>NjQ-i</RequestId>${job}<NextToken/></Response>`);
    const created = await ci.createInventoryJob(TARGET, { Name: 'n', Type: 'Job', Input: { Prefix: 'in/' } });
    expect(created.JobsDetail?.[0]?.JobId).toBe('b0001');
    expect(parseXml(last().text).root).toBe('Request');
    expect((await ci.describeInventoryJob(TARGET, 'b0001')).JobsDetail?.[0]?.State).toBe('Running');
    await ci.listInventoryJobs(TARGET, { size: '10', states: 'Running' });
    await ci.cancelInventoryJob(TARGET, 'b0001');
    expect(cloud.requests.map((r) => [r.method, r.url.replace(/^\/ci\/[^/]+\/[^/]+/, ''), r.signed])).toEqual(
      [
        ['POST', '/inventorytriggerjob', true],
        ['GET', '/inventorytriggerjob/b0001', true],
        ['GET', '/inventorytriggerjob?size=10&states=Running', true],
        ['PUT', '/inventorytriggerjob/b0001?cancel', true],
      ],
    );
  });

  it('describes and updates queues of every kind on their paths', async () => {
    cloud.reply = (r) =>
      r.method === 'GET'
        ? xmlReply(
            '<Response><RequestId>q</RequestId><TotalCount>1</TotalCount><QueueList><QueueId>p1</QueueId><Name>q</Name><State>Active</State></QueueList></Response>',
          )
        : xmlReply(
            '<Response><RequestId>q</RequestId><Queue><QueueId>p1</QueueId><State>Active</State></Queue></Response>',
          );
    for (const kind of ['media', 'file', 'doc', 'pic'] as const) {
      const queues = await ci.describeQueues(kind, TARGET, { queueIds: 'p1' });
      expect(queues.QueueList?.[0]?.QueueId).toBe('p1');
      const updated = await ci.updateQueue(kind, TARGET, 'p1', {
        Name: 'q',
        QueueID: 'p1',
        State: 'Active',
        NotifyConfig: {
          Url: 'https://hook.example/v1/callbacks?token=t',
          State: 'On',
          Type: 'Url',
          Event: 'TaskFinish',
        },
      });
      expect(updated.Queue.State).toBe('Active');
    }
    expect(cloud.requests.map((r) => `${r.method} ${r.apiPath}`)).toEqual([
      'GET /queue',
      'PUT /queue/p1',
      'GET /file_queue',
      'PUT /file_queue/p1',
      'GET /docqueue',
      'PUT /docqueue/p1',
      'GET /picqueue',
      'PUT /picqueue/p1',
    ]);
    expect(cloud.requests.every((r) => r.signed)).toBe(true);
  });

  it('sends and signs x-cos-security-token with temporary credentials', async () => {
    const clouds = createClouds(
      readCloudsConfig(cloudEnv(cloud, { TENCENTCLOUD_SESSION_TOKEN: TEST_SESSION_TOKEN })),
    );
    cloud.reply = () => xmlReply(`<Response>${JOB('f1', 'Success')}</Response>`);
    await clouds.tencentCi?.describeJob('file', TARGET, 'f1');
    const sent = last();
    expect(sent.headers['x-cos-security-token']).toBe(TEST_SESSION_TOKEN);
    expect(new URLSearchParams(sent.headers.authorization).get('q-header-list')).toContain(
      'x-cos-security-token',
    );
    expect(sent.signed).toBe(true);
  });

  it('a wrong key is refused by the server, and the XML <Error> becomes a final CloudError', async () => {
    const wrong = createTencentCiClient({
      credentials: { secretId: TEST_SECRETS.cos.secretId, secretKey: 'not-the-key' },
      endpoint: `${cloud.url}/ci/{bucket}/{region}`,
      http: { timeoutMs: 1000 },
    });
    const error = await wrong.describeJob('file', TARGET, 'f1').catch((e: unknown) => e);
    expect(last().signed).toBe(false);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({
      provider: 'tencent-ci',
      status: 403,
      code: 'AccessDenied',
      requestId: 'NjQ-denied',
      retryable: false,
      outcome: 'refused',
    });
  });

  it('refuses an id or a bucket that is not one before sending anything', async () => {
    await expect(ci.describeJob('file', TARGET, '../queue')).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    await expect(ci.describeJob('file', { bucket: 'evil.com/x', region: 'r' }, 'f1')).rejects.toMatchObject({
      code: 'InvalidTarget',
      outcome: 'refused',
    });
    expect(cloud.requests).toHaveLength(0);
  });

  it('a 2xx answer that is not the API’s shape is UnreadableResponse (outcome unknown)', async () => {
    cloud.reply = () => xmlReply('<Response><JobsDetail><State>Success</State></JobsDetail></Response>');
    await expect(ci.createJob('file', TARGET, { Tag: 'FileHashCode' })).rejects.toMatchObject({
      code: 'UnreadableResponse',
      outcome: 'unknown',
    });
    cloud.reply = () => xmlReply('<Response><JobsDetail>');
    await expect(ci.describeJob('file', TARGET, 'f1')).rejects.toMatchObject({ code: 'UnreadableResponse' });
  });
});
