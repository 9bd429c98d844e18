import { describe, expect, it } from 'vitest';
import { qiniuAuthorizationHeader } from '../providers/qiniu/signature.js';
import {
  qiniuAuthorizationFor,
  qiniuSignData,
  verifyQiniuRequest,
  type QiniuRequestView,
} from './qiniu-auth.js';

const KEY = { accessKey: 'ak', secretKey: 'sk' };
const JSON_BODY = '{"name": "test"}';
const FORM = 'application/x-www-form-urlencoded';
const FORM_BODY = 'name=test&language=go';

const view = (over: Partial<QiniuRequestView> & { text?: string } = {}): QiniuRequestView => {
  const { text, ...rest } = over;
  return {
    method: 'GET',
    target: '',
    host: '',
    contentType: undefined,
    headers: [],
    body: Buffer.from(text ?? JSON_BODY),
    ...rest,
  };
};

/** The X-Qiniu-* headers of go-sdk's TestAuthSignRequestV2 as Go signs them (empty values, bare prefixes unsigned). */
const AB: readonly (readonly [string, string])[] = [
  ['x-qiniu-bbb', ''],
  ['x-qiniu-aaa', ''],
  ['x-qiniu-', 'a'],
  ['x-qiniu', 'b'],
];

describe('Qiniu signatures: published vectors (formats.md §3.4, go-sdk credentials_test.go)', () => {
  it('signs "hello" with sk as NDN8cM0rwosxhHJ6QAcI7ialr0g=', () => {
    expect(qiniuSignData('sk', 'hello')).toBe('NDN8cM0rwosxhHJ6QAcI7ialr0g=');
  });

  it.each([
    [view({ contentType: 'application/json' }), 'K1DI0goT05yhGizDFE5FiPJxAj4='],
    [view({ method: 'POST', contentType: 'application/json' }), '0ujEjW_vLRZxebsveBgqa3JyQ-w='],
    [
      view({ host: 'upload.qiniup.com', contentType: FORM, headers: AB, text: FORM_BODY }),
      'PSssnOFa3sUvpEjTfACJ9WWKBS4=',
    ],
  ])('v2 %#', (request, signature) => {
    expect(verifyQiniuRequest(`Qiniu ak:${signature}`, request, KEY)).toBe(true);
    expect(qiniuAuthorizationFor(KEY, request)).toBe(`Qiniu ak:${signature}`);
  });
});

describe('Qiniu signatures: jobhook’s signer and tampering', () => {
  const pfop: QiniuRequestView = {
    method: 'POST',
    target: '/pfop/',
    host: '127.0.0.1:9000',
    contentType: FORM,
    headers: [['x-qiniu-date', '20260101T000000Z']],
    body: Buffer.from('bucket=b&key=k&fops=avthumb%2Fmp4'),
  };
  const signed = (scheme: 'Qiniu' | 'QBox') =>
    qiniuAuthorizationHeader(scheme, KEY, {
      method: pfop.method,
      pathAndQuery: pfop.target,
      host: pfop.host,
      contentType: pfop.contentType,
      headers: Object.fromEntries(pfop.headers),
      body: pfop.body,
    });

  it('accepts Qiniu and QBox requests signed by jobhook', () => {
    expect(verifyQiniuRequest(signed('Qiniu'), pfop, KEY)).toBe(true);
    expect(verifyQiniuRequest(signed('QBox'), pfop, KEY)).toBe(true);
  });

  it('refuses another path, body, date header or key', () => {
    const auth = signed('Qiniu');
    expect(verifyQiniuRequest(auth, { ...pfop, target: '/pfop' }, KEY)).toBe(false);
    expect(verifyQiniuRequest(auth, { ...pfop, body: Buffer.from('bucket=b&key=other') }, KEY)).toBe(false);
    expect(verifyQiniuRequest(auth, { ...pfop, headers: [['x-qiniu-date', '20270101T000000Z']] }, KEY)).toBe(
      false,
    );
    expect(verifyQiniuRequest(auth, pfop, { ...KEY, secretKey: 'other' })).toBe(false);
    expect(verifyQiniuRequest(undefined, pfop, KEY)).toBe(false);
  });
});
