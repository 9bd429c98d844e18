import COS from 'cos-nodejs-sdk-v5';
import qiniu from 'qiniu';
import { describe, expect, it } from 'vitest';
import { qiniuDate } from './qiniu/client.js';
import { FORM_CONTENT_TYPE, qiniuAuthorizationHeader } from './qiniu/signature.js';
import { TEST_SECRETS, useFakeCloud, xmlReply } from './test-cloud.js';

/**
 * Extra golden values from the official SDKs (devDependencies only): every request the clients sent carries the
 * Authorization the SDK computes for it.
 */
const fake = useFakeCloud();

describe('signatures equal the official SDKs’', () => {
  it('COS (cos-nodejs-sdk-v5 getAuthorization) for the CI and COS batch requests as sent', async () => {
    const { tencentCi, cosBatch } = fake.clouds;
    if (tencentCi === undefined || cosBatch === undefined) throw new Error('no clients');
    const target = { bucket: 'demo-1250000000', region: 'ap-guangzhou' };
    fake.cloud.reply = (r) =>
      r.url.startsWith('/cos-batch/')
        ? xmlReply('<ListJobsResult><Jobs/></ListJobsResult>')
        : xmlReply(
            '<Response><InstanceId>i1</InstanceId><JobsDetail><JobId>j</JobId><State>Success</State></JobsDetail></Response>',
          );
    await tencentCi.describeJob('file', target, 'f0a1');
    await tencentCi.triggerWorkflow(target, { workflowId: 'w1', object: "in/a b(1)!*'~.mov", name: '批量' });
    await tencentCi.listJobs('media', target, {
      tag: 'Transcode',
      startCreationTime: '2025-03-01T10:00:00+0800',
    });
    await tencentCi.cancelInventoryJob(target, 'b01');
    await cosBatch.listJobs('ap-guangzhou', { jobStatuses: 'Active,New', maxResults: 10 });
    expect(fake.cloud.requests).toHaveLength(5);
    const methods = new Map<string, 'GET' | 'POST' | 'PUT'>([
      ['GET', 'GET'],
      ['POST', 'POST'],
      ['PUT', 'PUT'],
    ]);
    for (const request of fake.cloud.requests) {
      const fields = new URLSearchParams(request.headers.authorization ?? '');
      const names = (fields.get('q-header-list') ?? '').split(';');
      const headers = Object.fromEntries(names.map((name) => [name, String(request.headers[name])]));
      const expected = COS.getAuthorization({
        SecretId: TEST_SECRETS.cos.secretId,
        SecretKey: TEST_SECRETS.cos.secretKey,
        Method: methods.get(request.method) ?? 'GET',
        Pathname: request.apiPath,
        Query: Object.fromEntries(request.query),
        Headers: headers,
        KeyTime: fields.get('q-key-time') ?? '',
      });
      expect(request.headers.authorization).toBe(expected);
    }
  });

  it('Qiniu v2 (qiniu util.generateAccessTokenV2) for prefop and pfop on the default host', () => {
    const mac = new qiniu.auth.digest.Mac(TEST_SECRETS.qiniu.accessKey, TEST_SECRETS.qiniu.secretKey);
    const date = qiniuDate(Date.UTC(2025, 2, 1));
    const form = new URLSearchParams({
      bucket: 'b',
      key: 'a b.mov',
      fops: 'avthumb/mp4|saveas/YjpjLm1wNA==',
    }).toString();
    const cases = [
      { method: 'GET', target: '/status/get/prefop?id=z2.01HZ', contentType: undefined, body: '' },
      { method: 'POST', target: '/pfop/', contentType: FORM_CONTENT_TYPE, body: form },
    ];
    for (const { method, target, contentType, body } of cases) {
      const headers = { 'x-qiniu-date': date };
      const ours = qiniuAuthorizationHeader('Qiniu', TEST_SECRETS.qiniu, {
        method,
        pathAndQuery: target,
        host: 'api.qiniu.com',
        contentType,
        headers,
        body: Buffer.from(body),
      });
      const theirs = qiniu.util.generateAccessTokenV2(
        mac,
        `https://api.qiniu.com${target}`,
        method,
        contentType ?? '',
        body,
        { 'X-Qiniu-Date': date },
      );
      expect(ours).toBe(theirs);
    }
  });
});
