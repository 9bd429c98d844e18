import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  qiniuAuthorizationHeader,
  signQBox,
  type QiniuScheme,
  type QiniuSignedRequest,
} from '../src/providers/qiniu/signature.js';
import { PROVIDERS_DIR } from './helpers/fixtures.js';
import { flush, startJobhook, storedEvents, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const key = { accessKey: 'test-ak', secretKey: 'test-sk-0123456789' };
let redis: RedisServer;
let jobhook: RunningJobhook;
let body: Buffer;

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis, {
    JOBHOOK_QINIU_KEYS: `other:other-sk,${key.accessKey}:${key.secretKey}`,
  });
  body = await readFile(join(PROVIDERS_DIR, 'qiniu/fixtures/pfop-succeeded.json'));
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});

/** Exactly what fetch will send: method, target with the token, Host with the port, content type, body. */
const signed = (path: string, signedBody: Uint8Array): QiniuSignedRequest => ({
  method: 'POST',
  pathAndQuery: path,
  host: new URL(jobhook.url).host,
  contentType: 'application/json',
  headers: { 'x-qiniu-date': '20261121T060000Z' },
  body: signedBody,
});

const sign = (scheme: QiniuScheme, path: string, signedBody: Uint8Array): string =>
  qiniuAuthorizationHeader(scheme, key, signed(path, signedBody));

describe('Qiniu signatures over the raw bytes', () => {
  const path = withToken('/v1/callbacks/qiniu');
  const headers = (authorization: string): Record<string, string> => ({
    'content-type': 'application/json',
    'x-qiniu-date': '20261121T060000Z',
    authorization,
  });

  it.each(['QBox', 'Qiniu'] as const)('accepts a valid %s signature', async (scheme) => {
    await flush(redis);
    const response = await jobhook.post(path, body, headers(sign(scheme, path, body)));
    expect(response.status).toBe(200);
    expect(await storedEvents(redis)).toHaveLength(1);
  });

  // A Qiniu (v2) signature covers a JSON body; a QBox one covers it only when the signer included it (the Node
  // SDK does, the Go SDK does not), so the QBox case signs with the body explicitly.
  it.each(['QBox', 'Qiniu'] as const)(
    'refuses a %s signature over other bytes with 401, storing nothing',
    async (scheme) => {
      await flush(redis);
      const tampered = Buffer.from(body.toString('utf8').replace('"code": 0', '"code": 3 '));
      const authorization =
        scheme === 'QBox'
          ? `QBox ${key.accessKey}:${signQBox(key.secretKey, signed(path, tampered), true)}`
          : sign(scheme, path, tampered);
      const response = await jobhook.post(path, body, headers(authorization));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('InvalidSignature');
      expect(await storedEvents(redis)).toHaveLength(0);
    },
  );

  it('refuses an unknown access key and a signature for another path', async () => {
    const unknown = `Qiniu nobody:${sign('Qiniu', path, body).split(':')[1] ?? ''}`;
    expect((await jobhook.post(path, body, headers(unknown))).status).toBe(401);
    expect((await jobhook.post(path, body, headers(sign('Qiniu', '/elsewhere', body)))).status).toBe(401);
  });

  // The SDKs sign and verify `req.Body`, the bytes on the wire: for a compressed body, the compressed bytes.
  it.each(['QBox', 'Qiniu'] as const)(
    'verifies a %s signature of a gzip body over the bytes as sent, not the decoded ones',
    async (scheme) => {
      await flush(redis);
      const gzipped = gzipSync(body);
      const over = (signedBody: Uint8Array): Record<string, string> => ({
        ...headers(
          scheme === 'QBox'
            ? `QBox ${key.accessKey}:${signQBox(key.secretKey, signed(path, signedBody), true)}`
            : sign(scheme, path, signedBody),
        ),
        'content-encoding': 'gzip',
      });
      const decodedSignature = await jobhook.post(path, gzipped, over(body));
      expect(decodedSignature.status).toBe(401);
      expect(await storedEvents(redis)).toHaveLength(0);
      const wireSignature = await jobhook.post(path, gzipped, over(gzipped));
      expect(wireSignature.status).toBe(200);
      expect(await storedEvents(redis)).toHaveLength(1);
    },
  );

  it('still requires the token: a valid signature does not replace it', async () => {
    const bare = '/v1/callbacks/qiniu';
    const response = await jobhook.post(bare, body, headers(sign('Qiniu', bare, body)));
    expect(response.status).toBe(401);
  });

  it('accepts a notification without a signature on the token alone', async () => {
    const response = await jobhook.post(path, body, { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
  });
});
