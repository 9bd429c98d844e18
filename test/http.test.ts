import { Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudEvent } from '../src/events/schema.js';
import {
  flush,
  quarantined,
  startJobhook,
  storedEvents,
  TEST_TOKEN,
  withToken,
  type RunningJobhook,
} from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const compressXml = `<?xml version="1.0" encoding="utf-8"?>
<Response>
  <EventName>TaskFinish</EventName>
  <JobsDetail>
    <Code>Success</Code><Message/><JobId>f0a1b2c3d4e5f60718293a4b5c6d7e8f9</JobId><Tag>FileCompress</Tag>
    <State>Success</State><CreationTime>2025-03-01T10:00:00+0800</CreationTime>
    <StartTime>2025-03-01T10:00:01+0800</StartTime><EndTime>2025-03-01T10:00:09+0800</EndTime>
    <Input><Region>ap-guangzhou</Region><Bucket>demo-1250000000</Bucket><Object>albums/42/</Object></Input>
    <Operation>
      <FileCompressResult><Region>ap-guangzhou</Region><Bucket>demo-1250000000</Bucket><Object>exports/album-42.zip</Object></FileCompressResult>
      <Output><Region>ap-guangzhou</Region><Bucket>demo-1250000000</Bucket><Object>exports/album-42.zip</Object></Output>
      <UserData>req=7f3c</UserData>
    </Operation>
  </JobsDetail>
</Response>`;

const compressJson = JSON.stringify({
  EventName: 'TaskFinish',
  JobsDetail: {
    Code: 'Success',
    JobId: 'f0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    Tag: 'FileCompress',
    State: 'Success',
    CreationTime: '2025-03-01T10:00:00+0800',
    StartTime: '2025-03-01T10:00:01+0800',
    EndTime: '2025-03-01T10:00:09+0800',
    Input: { Region: 'ap-guangzhou', Bucket: 'demo-1250000000', Object: 'albums/42/' },
    Operation: {
      FileCompressResult: {
        Region: 'ap-guangzhou',
        Bucket: 'demo-1250000000',
        Object: 'exports/album-42.zip',
      },
      Output: { Region: 'ap-guangzhou', Bucket: 'demo-1250000000', Object: 'exports/album-42.zip' },
      UserData: 'req=7f3c',
    },
  },
});

let redis: RedisServer;
let jobhook: RunningJobhook;

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis);
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});
beforeEach(() => flush(redis));

interface Answer {
  events: { id: string; type: string; duplicate: boolean }[];
  quarantined?: boolean;
  error?: { code: string; message: string; requestId: string };
}
const answer = async (response: Response): Promise<Answer> => (await response.json()) as Answer;

describe('POST /v1/callbacks/tencent-ci', () => {
  it('stores the event in jobhook-events before answering 200', async () => {
    const response = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), compressXml, {
      'content-type': 'application/xml',
    });
    expect(response.status).toBe(200);
    const body = await answer(response);
    expect(body.events).toHaveLength(1);
    const [stored] = await storedEvents(redis);
    expect(stored?.id).toBe(body.events[0]?.id);
    expect(CloudEvent.parse(stored)).toBeTruthy();
    expect(stored).toMatchObject({
      type: 'tencent.ci.job.succeeded',
      subject: 'f0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      source: '/tencent-ci/ap-guangzhou/demo-1250000000',
      time: '2025-03-01T10:00:09+08:00',
      channel: 'http',
      data: {
        tag: 'FileCompress',
        userData: 'req=7f3c',
        outputs: [{ region: 'ap-guangzhou', bucket: 'demo-1250000000', object: 'exports/album-42.zip' }],
        createdAt: '2025-03-01T10:00:00+08:00',
      },
    });
  });

  it('collapses the XML and JSON renderings and a TDMQ delivery of one outcome into one event', async () => {
    const first = await answer(await jobhook.post(withToken('/v1/callbacks/tencent-ci'), compressXml));
    const json = await answer(
      await jobhook.post(withToken('/v1/callbacks/tencent-ci'), compressJson, {
        'content-type': 'text/plain',
      }),
    );
    const envelope = JSON.stringify({
      TopicOwner: 1250000000,
      topicName: 'ci',
      subscriptionName: 's',
      msgId: '99',
      msgBody: compressXml,
      publishTime: 1,
    });
    const tdmq = await answer(await jobhook.post(withToken('/v1/callbacks/tdmq'), envelope));
    const auto = await answer(await jobhook.post(withToken('/v1/callbacks'), compressJson));
    const id = first.events[0]?.id;
    expect(first.events[0]?.duplicate).toBe(false);
    for (const later of [json, tdmq, auto])
      expect(later.events).toEqual([{ id, type: 'tencent.ci.job.succeeded', duplicate: true }]);
    expect(await storedEvents(redis)).toHaveLength(1);
  });

  it('keeps collapsing after a worker processed the first copy and BullMQ removed it', async () => {
    const retained = await startJobhook(redis, { JOBHOOK_COMPLETED_RETENTION_SECONDS: '0' });
    try {
      const first = await answer(await retained.post(withToken('/v1/callbacks/tencent-ci'), compressXml));
      const id = first.events[0]?.id ?? '';
      const processed = new Promise<void>((resolve) => {
        const worker = new Worker('jobhook-events', () => Promise.resolve(), {
          connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
        });
        worker.on('completed', () => void worker.close().then(resolve));
      });
      await processed;
      const client = redis.client();
      expect(await client.exists(`bull:jobhook-events:${id}`)).toBe(0); // removed by retention
      client.disconnect();
      const again = await answer(await retained.post(withToken('/v1/callbacks/tencent-ci'), compressJson));
      expect(again.events).toEqual([{ id, type: 'tencent.ci.job.succeeded', duplicate: true }]);
      expect(await storedEvents(redis)).toHaveLength(0);
    } finally {
      await retained.stop();
    }
  });
});

describe('authentication', () => {
  it.each([
    ['query', (p: string) => withToken(p), {}],
    ['X-Jobhook-Token', (p: string) => p, { 'x-jobhook-token': TEST_TOKEN }],
    ['Bearer', (p: string) => p, { authorization: `Bearer ${TEST_TOKEN}` }],
  ])('accepts the token in the %s', async (_how, path, headers) => {
    const response = await jobhook.post(path('/v1/callbacks/tencent-ci'), compressXml, headers);
    expect(response.status).toBe(200);
  });

  it.each([
    ['no token', '/v1/callbacks/tencent-ci', {}],
    ['a wrong token', '/v1/callbacks/tencent-ci?token=nope', {}],
    ['a wrong bearer', '/v1/callbacks', { authorization: 'Bearer nope' }],
    ['an empty token', '/v1/callbacks?token=', {}],
  ])('answers 401 to %s and stores nothing', async (_how, path, headers) => {
    const response = await jobhook.post(path, compressXml, headers);
    expect(response.status).toBe(401);
    const body = await answer(response);
    expect(body.error?.code).toBe('Unauthorized');
    expect(body.error?.requestId).toBe(response.headers.get('x-request-id'));
    expect(await storedEvents(redis)).toHaveLength(0);
  });
});

describe('errors', () => {
  const cases: [string, string | Uint8Array, number, string][] = [
    ['an empty body', '', 400, 'EmptyBody'],
    ['white space', ' \r\n\t ', 400, 'EmptyBody'],
    ['truncated XML', compressXml.slice(0, 200), 400, 'MalformedXML'],
    [
      'a DOCTYPE',
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><Response>&a;</Response>',
      400,
      'MalformedXML',
    ],
    ['an undefined entity', '<Response><A>&nbsp;</A></Response>', 400, 'MalformedXML'],
    ['two roots', '<Response/><Response/>', 400, 'MalformedXML'],
    ['broken JSON', '{"EventName": "TaskFinish",', 400, 'MalformedJSON'],
    ['a JSON array', '[{"EventName":"TaskFinish"}]', 415, 'UnsupportedBody'],
    ['a JSON string', '"TaskFinish"', 415, 'UnsupportedBody'],
    ['binary', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), 415, 'UnsupportedBody'],
    [
      'invalid UTF-8',
      new Uint8Array([0x3c, 0x52, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x52, 0x3e]),
      400,
      'InvalidEncoding',
    ],
    [
      'an unknown charset',
      '<?xml version="1.0" encoding="x-klingon"?><Response/>',
      415,
      'UnsupportedCharset',
    ],
  ];
  it.each(cases)('answers %s with its own error and stores nothing', async (_what, body, status, code) => {
    const response = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), body);
    expect(response.status).toBe(status);
    expect((await answer(response)).error?.code).toBe(code);
    expect(await storedEvents(redis)).toHaveLength(0);
    expect(await quarantined(redis)).toHaveLength(0);
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await jobhook.post(
      withToken('/v1/callbacks/tencent-ci'),
      `<Response>${'x'.repeat(5 * 1024 * 1024)}</Response>`,
    );
    expect(response.status).toBe(413);
    expect((await answer(response)).error?.code).toBe('PayloadTooLarge');
  });

  it('answers 404 for an unknown route and 405 for GET', async () => {
    const unknown = await jobhook.post(withToken('/v1/callbacks/aws'), compressXml);
    expect(unknown.status).toBe(404);
    const get = await fetch(`${jobhook.url}/v1/callbacks/tencent-ci`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('decodes a declared GBK body', async () => {
    const gbk = Buffer.from(
      '3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d2247424b223f3e3c526573706f6e73653e3c4576656e744e616d653e5461736b46696e6973683c2f4576656e744e616d653e3c4a6f627344657461696c3e3c4a6f6249643e6a3c2f4a6f6249643e3c53746174653e537563636573733c2f53746174653e3c496e7075743e3c4f626a6563743ed6d0cec42e6d70343c2f4f626a6563743e3c2f496e7075743e3c2f4a6f627344657461696c3e3c2f526573706f6e73653e',
      'hex',
    );
    const response = await jobhook.post(withToken('/v1/callbacks/tencent-ci'), gbk);
    expect(response.status).toBe(200);
    const [event] = await storedEvents(redis);
    expect(event?.data.input.object).toBe('中文.mp4');
  });
});

describe('quarantine', () => {
  it('keeps an unknown well-formed document with its raw bytes and safe headers, answering 200', async () => {
    const body = '{"hello":"world"}';
    const response = await jobhook.post(withToken('/v1/callbacks'), body, {
      'x-jobhook-token': TEST_TOKEN,
      'x-extra': 'kept',
    });
    expect(response.status).toBe(200);
    expect(await answer(response)).toEqual({ events: [], quarantined: true });
    const [entry] = await quarantined(redis);
    expect(Buffer.from(entry?.body ?? '', 'base64').toString()).toBe(body);
    expect(entry?.headers['x-extra']).toBe('kept');
    expect(entry?.headers['x-jobhook-token']).toBeUndefined();
    expect(JSON.stringify(entry)).not.toContain(TEST_TOKEN);
    expect(await storedEvents(redis)).toHaveLength(0);
  });

  it('quarantines content-moderation callbacks', async () => {
    const review = JSON.stringify({
      EventName: 'ReviewImage',
      JobsDetail: { JobId: 'si1', State: 'Success' },
    });
    expect(await answer(await jobhook.post(withToken('/v1/callbacks/tencent-ci'), review))).toEqual({
      events: [],
      quarantined: true,
    });
    const [entry] = await quarantined(redis);
    expect(entry?.reason).toMatch(/moderation/);
  });
});

describe('operations', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${jobhook.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${jobhook.url}/readyz`);
    expect(ready.status).toBe(200);
    await jobhook.post(withToken('/v1/callbacks/tencent-ci'), compressXml);
    const metrics = await (await fetch(`${jobhook.url}/metrics`)).text();
    expect(metrics).toMatch(/jobhook_callbacks_total\{route="tencent-ci",outcome="accepted"\} \d+/);
  });

  it('never writes the token to the log', async () => {
    await jobhook.post(withToken('/v1/callbacks/tencent-ci'), compressXml, {
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    await jobhook.post('/v1/callbacks/tencent-ci?token=wrong-but-secretish', compressXml);
    expect(jobhook.logs.length).toBeGreaterThan(0);
    expect(jobhook.logs.join('\n')).not.toContain(TEST_TOKEN);
  });
});

describe('secrets in logs', () => {
  it('are found by the scan every test file runs on stop (the scan can fail)', async () => {
    const { assertNoSecrets } = await import('./helpers/jobhook.js');
    const { loadConfig } = await import('../src/config.js');
    const config = loadConfig({ JOBHOOK_TOKENS: 'tok-visible', JOBHOOK_QINIU_KEYS: 'ak:sk-visible' });
    expect(() => assertNoSecrets(['{"msg":"tok-visible"}'], config)).toThrow(/secret/);
    expect(() => assertNoSecrets(['{"k":"sk-visible"}'], config)).toThrow(/secret/);
    expect(() => assertNoSecrets(['{"msg":"nothing here"}'], config)).not.toThrow();
  });

  it('stay out of the log at trace level, with Authorization, X-Jobhook-Token and Qiniu signatures sent', async () => {
    const verbose = await startJobhook(redis, {
      LOG_LEVEL: 'trace',
      JOBHOOK_QINIU_KEYS: 'ak:qiniu-secret-key',
    });
    await verbose.post('/v1/callbacks/qiniu', '{"id":"z","code":0,"items":[]}', {
      authorization: 'Qiniu ak:c2lnbmF0dXJl',
      'x-jobhook-token': TEST_TOKEN,
    });
    await verbose.post(withToken('/v1/callbacks/tencent-ci'), '<Response><A>', {
      authorization: `Bearer ${TEST_TOKEN}`,
    });
    await verbose.stop();
    expect(verbose.logs.length).toBeGreaterThan(0);
  });
});
