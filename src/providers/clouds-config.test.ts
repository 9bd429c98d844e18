import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { closedPort } from '../handlers/forward/test-receiver.js';
import { createLogger } from '../log.js';
import { createClouds } from './clouds.js';
import { readCloudsConfig } from './clouds-config.js';
import {
  cloudEnv,
  jsonReply,
  startFakeCloud,
  TEST_SECRETS,
  TEST_SESSION_TOKEN,
  xmlReply,
  type FakeCloud,
} from './test-cloud.js';

describe('readCloudsConfig', () => {
  it('defaults: the providers’ endpoints, no credentials, no clients', () => {
    const config = readCloudsConfig({});
    expect(config).toEqual({
      endpoints: {
        tencentCi: 'https://{bucket}.ci.{region}.myqcloud.com',
        cosBatch: 'https://{uin}.cos-control.{region}.myqcloud.com',
        qiniuApi: 'https://api.qiniu.com',
      },
      timeoutMs: 30_000,
    });
    expect(createClouds(config)).toEqual({});
  });

  it('a client exists only when its credentials are set (COS batch also needs APPID and UIN)', () => {
    const tencent = { TENCENTCLOUD_SECRET_ID: 'id', TENCENTCLOUD_SECRET_KEY: 'key' };
    expect(Object.keys(createClouds(readCloudsConfig(tencent)))).toEqual(['tencentCi']);
    expect(
      Object.keys(
        createClouds(
          readCloudsConfig({ ...tencent, TENCENTCLOUD_APPID: '1250000000', TENCENTCLOUD_UIN: '100001' }),
        ),
      ),
    ).toEqual(['tencentCi', 'cosBatch']);
    expect(
      Object.keys(createClouds(readCloudsConfig({ QINIU_ACCESS_KEY: 'a', QINIU_SECRET_KEY: 's' }))),
    ).toEqual(['qiniu']);
  });

  it('refuses half a key pair and bad endpoints, without repeating a secret', () => {
    expect(() => readCloudsConfig({ TENCENTCLOUD_SECRET_ID: 'id' })).toThrow(ConfigError);
    expect(() => readCloudsConfig({ QINIU_SECRET_KEY: 'hush-hush' })).toThrow(
      /QINIU_ACCESS_KEY and QINIU_SECRET_KEY/,
    );
    expect(() => readCloudsConfig({ QINIU_SECRET_KEY: 'hush-hush' })).not.toThrow(/hush-hush/);
    expect(() => readCloudsConfig({ JOBHOOK_TENCENT_CI_ENDPOINT: 'ftp://x/{bucket}' })).toThrow(
      /JOBHOOK_TENCENT_CI_ENDPOINT/,
    );
    expect(() => readCloudsConfig({ JOBHOOK_QINIU_API_ENDPOINT: 'https://api.qiniu.com/?a=b' })).toThrow(
      ConfigError,
    );
    expect(() => readCloudsConfig({ TENCENTCLOUD_APPID: 'abc' })).toThrow(/TENCENTCLOUD_APPID/);
  });

  it('takes the simulator’s base URLs', () => {
    const config = readCloudsConfig({
      JOBHOOK_TENCENT_CI_ENDPOINT: 'http://127.0.0.1:9000/ci/{bucket}/{region}',
      JOBHOOK_TENCENT_COS_BATCH_ENDPOINT: 'http://127.0.0.1:9000/cos-batch/{uin}/{region}',
      JOBHOOK_QINIU_API_ENDPOINT: 'http://127.0.0.1:9000/qiniu',
      JOBHOOK_CLOUD_TIMEOUT_MS: '5000',
    });
    expect(config.endpoints.cosBatch).toBe('http://127.0.0.1:9000/cos-batch/{uin}/{region}');
    expect(config.timeoutMs).toBe(5000);
  });
});

describe('secrets never reach the logs', () => {
  let cloud: FakeCloud;
  beforeAll(async () => {
    cloud = await startFakeCloud(TEST_SECRETS);
  });
  afterAll(() => cloud.close());

  it('of calls that succeed, are refused, time out, lose their connection or cannot connect', async () => {
    const lines: string[] = [];
    const logger = createLogger('trace', { write: (line: string) => lines.push(line) });
    const env = cloudEnv(cloud, {
      TENCENTCLOUD_SESSION_TOKEN: TEST_SESSION_TOKEN,
      JOBHOOK_CLOUD_TIMEOUT_MS: '200',
    });
    const clouds = createClouds(readCloudsConfig(env), { logger });
    const port = await closedPort();
    const offline = createClouds(
      readCloudsConfig({ ...env, JOBHOOK_QINIU_API_ENDPOINT: `http://127.0.0.1:${port}` }),
      { logger },
    );
    const target = { bucket: 'demo-1250000000', region: 'ap-guangzhou' };
    const replies = [
      () => xmlReply('<Response><JobsDetail><JobId>f1</JobId><State>Success</State></JobsDetail></Response>'),
      () => xmlReply('<Error><Code>InvalidArgument</Code><Message>no</Message></Error>', 400),
      () => ({ status: 200, body: '', delayMs: 1000 }),
      () => ({ drop: true }),
    ];
    for (const reply of replies) {
      cloud.reply = reply;
      const outcomes = await Promise.allSettled([
        clouds.tencentCi?.describeJob('file', target, 'f1'),
        clouds.cosBatch?.createJob('ap-guangzhou', { Priority: 1 }, 'tok'),
        clouds.qiniu?.pfop({ bucket: 'b', key: 'k' }),
      ]);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') logger.error({ err: outcome.reason }, 'call failed');
    }
    cloud.reply = () => jsonReply({ error: 'bad' }, 401);
    await clouds.qiniu?.prefop('z2.x').catch((err: unknown) => logger.error({ err }, 'call failed'));
    await offline.qiniu?.prefop('z2.x').catch((err: unknown) => logger.error({ err }, 'call failed'));

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(log).toContain('cloud call');
    for (const secret of [
      TEST_SECRETS.cos.secretKey,
      TEST_SECRETS.cos.secretId,
      TEST_SECRETS.qiniu.secretKey,
      TEST_SESSION_TOKEN,
      'q-signature',
      `Qiniu ${TEST_SECRETS.qiniu.accessKey}:`,
    ])
      expect(log).not.toContain(secret);
  });
});
