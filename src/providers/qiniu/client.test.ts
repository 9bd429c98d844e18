import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonReply, useFakeCloud, TEST_SECRETS, type FakeCloud } from '../test-cloud.js';
import { createQiniuClient, qiniuDate, type QiniuClient } from './client.js';

/** The v2 signature written out from formats.md §3.4, independently of signature.ts. */
const v2 = (secretKey: string, data: string): string =>
  createHmac('sha1', secretKey).update(data).digest('base64').replaceAll('+', '-').replaceAll('/', '_');

const NOW = Date.UTC(2025, 2, 1, 2, 3, 4);

const fake = useFakeCloud();
let cloud: FakeCloud;
let qiniu: QiniuClient;
beforeAll(() => {
  cloud = fake.cloud;
  qiniu = createQiniuClient({
    key: TEST_SECRETS.qiniu,
    endpoint: `${cloud.url}/qiniu`,
    http: { timeoutMs: 1000 },
    now: () => NOW,
  });
});
const last = () => fake.last();

const STATUS = {
  id: 'z2.01HZZZQINIUEXAMPLE0001',
  code: 0,
  desc: 'The fop was completed successfully',
  inputBucket: 'media-src',
  inputKey: 'clip.mov',
  reqid: 'r-1',
  items: [{ cmd: 'avthumb/mp4', code: 0, desc: 'ok', hash: 'Fh', key: 'clip.mp4', returnOld: 0 }],
};

describe('Qiniu client', () => {
  it('the test’s own v2 signer matches the published vector (go-sdk credentials_test.go)', () => {
    expect(`ak:${v2('sk', 'hello')}`).toBe('ak:NDN8cM0rwosxhHJ6QAcI7ialr0g=');
  });

  it('prefop: GET /status/get/prefop?id= signed Qiniu v2 with X-Qiniu-Date', async () => {
    cloud.reply = () => jsonReply(STATUS);
    const status = await qiniu.prefop(STATUS.id);
    expect(status).toMatchObject({ id: STATUS.id, code: 0, inputBucket: 'media-src' });
    expect(status.record).toEqual(STATUS);
    const sent = last();
    expect([sent.method, sent.url, sent.signed]).toEqual([
      'GET',
      `/qiniu/status/get/prefop?id=${STATUS.id}`,
      true,
    ]);
    expect(sent.headers['x-qiniu-date']).toBe('20250301T020304Z');
    const data =
      `GET /status/get/prefop?id=${STATUS.id}\nHost: ${new URL(cloud.url).host}\n` +
      `Content-Type: application/x-www-form-urlencoded\nX-Qiniu-Date: 20250301T020304Z\n\n`;
    expect(sent.headers.authorization).toBe(
      `Qiniu ${TEST_SECRETS.qiniu.accessKey}:${v2(TEST_SECRETS.qiniu.secretKey, data)}`,
    );
  });

  it('pfop: POST /pfop/ with the form, the body signed', async () => {
    cloud.reply = () => jsonReply({ persistentId: 'z2.new' });
    const submitted = await qiniu.pfop({
      bucket: 'media-src',
      key: 'clip.mov',
      fops: 'avthumb/mp4|saveas/bWVkaWEtb3V0OmNsaXAubXA0',
      notifyURL: 'https://hook.example/v1/callbacks/qiniu?token=t',
      force: true,
      type: 0,
      pipeline: 'p1',
    });
    expect(submitted.persistentId).toBe('z2.new');
    const sent = last();
    expect([sent.method, sent.apiPath, sent.headers['content-type'], sent.signed]).toEqual([
      'POST',
      '/pfop/',
      'application/x-www-form-urlencoded',
      true,
    ]);
    expect(Object.fromEntries(new URLSearchParams(sent.text))).toEqual({
      bucket: 'media-src',
      key: 'clip.mov',
      fops: 'avthumb/mp4|saveas/bWVkaWEtb3V0OmNsaXAubXA0',
      notifyURL: 'https://hook.example/v1/callbacks/qiniu?token=t',
      force: '1',
      type: '0',
      pipeline: 'p1',
    });
    const data =
      `POST /pfop/\nHost: ${new URL(cloud.url).host}\nContent-Type: application/x-www-form-urlencoded\n` +
      `X-Qiniu-Date: 20250301T020304Z\n\n${sent.text}`;
    expect(sent.headers.authorization).toBe(
      `Qiniu ${TEST_SECRETS.qiniu.accessKey}:${v2(TEST_SECRETS.qiniu.secretKey, data)}`,
    );
  });

  it('errors: 612 and {"error"} with 2xx are final, 599 is busy, the reqid kept', async () => {
    cloud.reply = () => jsonReply({ error: 'no such id' }, 612);
    await expect(qiniu.prefop('z2.gone')).rejects.toMatchObject({
      provider: 'qiniu',
      status: 612,
      retryable: false,
      requestId: 'qiniu-req-1',
    });
    cloud.reply = () => jsonReply({ error: 'not such id in prefop' });
    await expect(qiniu.prefop('z2.gone')).rejects.toMatchObject({
      status: 200,
      code: 'HTTP200',
      retryable: false,
    });
    cloud.reply = () => jsonReply({ error: 'server busy' }, 599);
    await expect(qiniu.pfop({ bucket: 'b', key: 'k' })).rejects.toMatchObject({ outcome: 'busy' });
    cloud.reply = () => jsonReply({ error: 'bad token' }, 401);
    await expect(qiniu.pfop({ bucket: 'b', key: 'k' })).rejects.toMatchObject({
      outcome: 'refused',
      status: 401,
    });
  });

  it('X-Qiniu-Date is UTC YYYYMMDDTHHmmssZ', () => {
    expect(qiniuDate(Date.UTC(2024, 11, 31, 23, 59, 58, 999))).toBe('20241231T235958Z');
  });
});
