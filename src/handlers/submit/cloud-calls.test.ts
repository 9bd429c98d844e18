import { beforeAll, describe, expect, it } from 'vitest';
import { parseXml } from '../../body/xml.js';
import { closedPort } from '../forward/test-receiver.js';
import { createClouds } from '../../providers/clouds.js';
import { readCloudsConfig } from '../../providers/clouds-config.js';
import { cloudEnv, jsonReply, useFakeCloud, xmlReply, type FakeCloud } from '../../providers/test-cloud.js';
import { ciListTime, createCloudCalls } from './cloud-calls.js';
import type { SubmitCalls } from './submitter.js';

const TARGET = { bucket: 'demo-1250000000', region: 'ap-guangzhou' };
const MARKER = 'jobhook-1b4e28ba-2fa1-51d2-883f-0016d3cca427';

const fake = useFakeCloud();
let cloud: FakeCloud;
let calls: SubmitCalls;
const options = (token = 't') => ({ clientRequestToken: token, signal: new AbortController().signal });
beforeAll(() => {
  cloud = fake.cloud;
  calls = createCloudCalls(fake.clouds);
});

const job = (id: string, userData: string) =>
  `<JobsDetail><JobId>${id}</JobId><State>Submitted</State><Tag>FileHashCode</Tag><Operation><UserData>${userData}</UserData></Operation></JobsDetail>`;

const error = (code: string, message: string) =>
  `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`;

describe('createCloudCalls', () => {
  it('create: every api on its request', async () => {
    cloud.reply = (r) => {
      if (r.apiPath === '/triggerworkflow')
        return xmlReply('<Response><InstanceId>i-1</InstanceId></Response>');
      if (r.apiPath === '/inventorytriggerjob')
        return xmlReply(
          '<Response><JobsDetail><JobId>b-1</JobId><State>Submitted</State></JobsDetail></Response>',
        );
      if (r.url.startsWith('/cos-batch/'))
        return xmlReply('<CreateJobResult><JobId>cb-1</JobId></CreateJobResult>');
      if (r.url.startsWith('/qiniu/')) return jsonReply({ persistentId: 'z2.p1' });
      return xmlReply(`<Response>${job(`new${r.apiPath.replaceAll('/', '-')}`, MARKER)}</Response>`);
    };
    const request = { Tag: 'FileHashCode', Operation: { UserData: MARKER } };
    expect(await calls.create('tencent-ci.file-job', TARGET, request, options())).toBe('new-file_jobs');
    expect(await calls.create('tencent-ci.media-job', TARGET, request, options())).toBe('new-jobs');
    expect(await calls.create('tencent-ci.doc-job', TARGET, request, options())).toBe('new-doc_jobs');
    expect(
      await calls.create('tencent-ci.workflow', TARGET, { workflowId: 'w1', object: 'a.mov' }, options()),
    ).toBe('i-1');
    expect(await calls.create('tencent-ci.inventory-job', TARGET, { Name: 'n' }, options())).toBe('b-1');
    expect(
      await calls.create(
        'tencent-cos-batch.job',
        { region: 'ap-guangzhou' },
        { Priority: 1 },
        options('tok-9'),
      ),
    ).toBe('cb-1');
    expect(
      await calls.create(
        'qiniu.pfop',
        { bucket: 'media-src' },
        { key: 'clip.mov', fops: 'avthumb/mp4' },
        options(),
      ),
    ).toBe('z2.p1');
    expect(cloud.requests.every((r) => r.signed)).toBe(true);
    const batch = cloud.requests.find((r) => r.url.startsWith('/cos-batch/'));
    expect(batch && parseXml(batch.text).value).toMatchObject({ ClientRequestToken: 'tok-9', Priority: '1' });
    const pfop = cloud.requests.find((r) => r.url.startsWith('/qiniu/'));
    expect(Object.fromEntries(new URLSearchParams(pfop?.text))).toEqual({
      key: 'clip.mov',
      fops: 'avthumb/mp4',
      bucket: 'media-src',
    });
  });

  it('create refuses a request of the wrong shape before sending (final)', async () => {
    const thrown = await calls
      .create('tencent-ci.workflow', TARGET, { workflowId: 'w1' }, options())
      .catch((e: unknown) => e);
    expect(calls.classify(thrown)).toMatchObject({ kind: 'refused', code: 'InvalidRequest' });
    const noRegion = await calls.create('tencent-cos-batch.job', {}, {}, options()).catch((e: unknown) => e);
    expect(calls.classify(noRegion)).toMatchObject({ kind: 'refused', code: 'MissingTarget' });
    expect(cloud.requests).toHaveLength(0);
  });

  it('find: a CI job by its marker in UserData, paging the queue’s jobs since the first call', async () => {
    cloud.reply = (r) =>
      r.query.get('nextToken') === null
        ? xmlReply(`<Response>${job('f-other', 'x')}<NextToken>p2</NextToken></Response>`)
        : xmlReply(`<Response>${job('f-mine', MARKER)}</Response>`);
    const since = Date.UTC(2025, 2, 1, 2, 0, 0);
    const found = await calls.find(
      'tencent-ci.file-job',
      TARGET,
      { Tag: 'FileHashCode', QueueId: 'p1', Operation: { UserData: MARKER } },
      MARKER,
      since,
      new AbortController().signal,
    );
    expect(found).toBe('f-mine');
    expect(cloud.requests.map((r) => [r.apiPath, Object.fromEntries(r.query)])).toEqual([
      [
        '/jobs',
        { queueId: 'p1', tag: 'FileHashCode', startCreationTime: '2025-03-01T09:55:00+0800', size: '100' },
      ],
      [
        '/jobs',
        {
          queueId: 'p1',
          tag: 'FileHashCode',
          startCreationTime: '2025-03-01T09:55:00+0800',
          size: '100',
          nextToken: 'p2',
        },
      ],
    ]);
    cloud.requests.length = 0;
    cloud.reply = () => xmlReply(`<Response>${job('d-other', 'x')}</Response>`);
    expect(
      await calls.find(
        'tencent-ci.doc-job',
        TARGET,
        { Tag: 'DocProcess' },
        MARKER,
        since,
        new AbortController().signal,
      ),
    ).toBeUndefined();
    expect(cloud.requests.map((r) => r.apiPath)).toEqual(['/doc_jobs']);
    cloud.reply = () => xmlReply(`<Response>${job('f-other', 'x')}</Response>`);
    expect(
      await calls.find(
        'tencent-ci.media-job',
        TARGET,
        { Tag: 'Transcode' },
        MARKER,
        since,
        new AbortController().signal,
      ),
    ).toBeUndefined();
  });

  it('find: a COS batch job by its marker in Description (ListJobs)', async () => {
    cloud.reply = () =>
      xmlReply(
        `<ListJobsResult><Jobs><member><JobId>cb-0</JobId><Status>Active</Status><Description>other</Description></member>` +
          `<member><JobId>cb-1</JobId><Status>New</Status><Description>copy (${MARKER})</Description></member></Jobs></ListJobsResult>`,
      );
    expect(
      await calls.find(
        'tencent-cos-batch.job',
        { region: 'ap-guangzhou' },
        {},
        MARKER,
        0,
        new AbortController().signal,
      ),
    ).toBe('cb-1');
    expect(cloud.requests[0]?.apiPath).toBe('/jobs');
    expect(await calls.find('qiniu.pfop', {}, {}, MARKER, 0, new AbortController().signal)).toBeUndefined();
  });

  it('classify: refused, busy with Retry-After, duplicate, unsent, unknown', async () => {
    const failure = async (
      reply: () => ReturnType<FakeCloud['reply']>,
      api = 'tencent-ci.file-job' as const,
    ) => {
      cloud.reply = reply;
      return calls.classify(
        await calls.create(api, TARGET, { Tag: 'FileHashCode' }, options()).catch((e: unknown) => e),
      );
    };
    expect(await failure(() => xmlReply(error('InvalidArgument', 'bad Tag'), 400))).toEqual({
      kind: 'refused',
      code: 'InvalidArgument',
      message: 'bad Tag',
    });
    expect(await failure(() => xmlReply(error('InternalError', 'x'), 503, { 'retry-after': '3' }))).toEqual({
      kind: 'busy',
      retryAfterMs: 3000,
    });
    expect(await failure(() => xmlReply(error('RequestLimitExceeded', 'slow'), 400))).toMatchObject({
      kind: 'busy',
    });
    expect(await failure(() => ({ drop: true }))).toEqual({ kind: 'unknown' });
    expect(await failure(() => ({ status: 200, body: 'late', delayMs: 3000 }))).toEqual({ kind: 'unknown' });

    cloud.reply = () => xmlReply(error('InvalidRequest', 'Duplicate request'), 400);
    const duplicate = await calls
      .create('tencent-cos-batch.job', { region: 'ap-guangzhou' }, {}, options())
      .catch((e: unknown) => e);
    expect(calls.classify(duplicate)).toEqual({ kind: 'duplicate' });

    const port = await closedPort();
    const offline = createCloudCalls(
      createClouds(
        readCloudsConfig({
          ...cloudEnv(cloud),
          JOBHOOK_TENCENT_CI_ENDPOINT: `http://127.0.0.1:${port}/ci/{bucket}/{region}`,
        }),
      ),
    );
    const unsent = await offline
      .create('tencent-ci.file-job', TARGET, {}, options())
      .catch((e: unknown) => e);
    expect(offline.classify(unsent)).toEqual({ kind: 'unsent' });
    expect(calls.classify(new Error('anything else'))).toEqual({ kind: 'unknown' });
  });

  it('ciListTime writes CI’s +0800 form', () => {
    expect(ciListTime(Date.UTC(2025, 0, 31, 20, 0, 1))).toBe('2025-02-01T04:00:01+0800');
  });
});
