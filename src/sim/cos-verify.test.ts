import { describe, expect, it } from 'vitest';
import { cosAuthorization, cosKeyTime } from '../providers/tencent-ci/cos-signature.js';
import { rfc3986, verifyCosRequest, type CosRequestView } from './cos-verify.js';

const header = (headers: Record<string, string>) => (name: string) => headers[name];

/** The published vector of formats.md §4.1 (cos-go-sdk-v5 auth_test.go). */
const GO_VECTOR = {
  key: { secretId: 'QmFzZTY0IGlzIGEgZ2VuZXJp', secretKey: 'AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM' },
  request: {
    method: 'PUT',
    pathname: '/testfile2',
    query: [],
    header: header({
      host: 'testbucket-125000000.cos.ap-guangzhou.myqcloud.com',
      'x-cos-content-sha1': 'db8ac1c259eb89d4a131b253bacfca5f319d54f2',
      'x-cos-stroage-class': 'nearline',
    }),
  } satisfies CosRequestView,
  authorization:
    'q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ2VuZXJp&q-sign-time=1480932292;1481012292' +
    '&q-key-time=1480932292;1481012292&q-header-list=host;x-cos-content-sha1;x-cos-stroage-class' +
    '&q-url-param-list=&q-signature=ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a',
};

/** COS documentation (2014 keys): GET /testfile with Range. */
const DOC_VECTOR = {
  key: { secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q', secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz' },
  request: {
    method: 'GET',
    pathname: '/testfile',
    query: [],
    header: header({ host: 'bucket1-1254000000.cos.ap-beijing.myqcloud.com', range: 'bytes=0-3' }),
  } satisfies CosRequestView,
  authorization:
    'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1417773892;1417853898' +
    '&q-key-time=1417773892;1417853898&q-header-list=host;range&q-url-param-list=' +
    '&q-signature=4b6cbab14ce01381c29032423481ebffd514e8be',
};

describe('verifyCosRequest: published vectors', () => {
  it('accepts the cos-go-sdk-v5 vector inside its key time, refuses it outside', () => {
    const { key, request, authorization } = GO_VECTOR;
    expect(verifyCosRequest(authorization, request, [key], 1480932300)).toEqual({ ok: true });
    expect(verifyCosRequest(authorization, request, [key], 1481012293)).toMatchObject({
      ok: false,
      code: 'AccessDenied',
      message: 'Request has expired',
    });
  });

  it('accepts the COS documentation vector', () => {
    const { key, request, authorization } = DOC_VECTOR;
    expect(verifyCosRequest(authorization, request, [key], 1417800000)).toEqual({ ok: true });
  });

  it('refuses the vector with another path, header value or key', () => {
    const { key, request, authorization } = GO_VECTOR;
    const now = 1480932300;
    expect(verifyCosRequest(authorization, { ...request, pathname: '/testfile3' }, [key], now)).toMatchObject(
      {
        code: 'SignatureDoesNotMatch',
      },
    );
    const otherHost = { ...request, header: header({ host: 'evil.example.com' }) };
    expect(verifyCosRequest(authorization, otherHost, [key], now)).toMatchObject({ ok: false });
    expect(
      verifyCosRequest(authorization, request, [{ ...key, secretKey: `${key.secretKey}x` }], now),
    ).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(
      verifyCosRequest(authorization, request, [{ ...key, secretId: 'someone-else' }], now),
    ).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(verifyCosRequest(undefined, request, [key], now)).toMatchObject({ code: 'AccessDenied' });
  });
});

describe('verifyCosRequest: requests signed by jobhook’s signer', () => {
  const key = { secretId: 'AKIDsim', secretKey: 'sim-secret-key' };
  const nowMs = Date.UTC(2026, 0, 1);
  const headers = { host: '127.0.0.1:9000', 'content-type': 'application/xml' };
  const query = { workflowId: 'w0123', object: 'raw/a b(1)*.mov', name: '' };
  const signed = cosAuthorization(key, {
    method: 'POST',
    pathname: '/triggerworkflow',
    query,
    headers,
    keyTime: cosKeyTime(nowMs, 600),
  });
  const view: CosRequestView = {
    method: 'POST',
    pathname: '/triggerworkflow',
    query: Object.entries(query),
    header: header(headers),
  };
  const now = nowMs / 1000;

  it('accepts them, query included', () => {
    expect(verifyCosRequest(signed, view, [key], now)).toEqual({ ok: true });
  });

  it('refuses another query value, an unsigned parameter and an expired key time', () => {
    const otherObject = { ...view, query: Object.entries({ ...query, object: 'raw/b.mov' }) };
    expect(verifyCosRequest(signed, otherObject, [key], now)).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    const extra = { ...view, query: [...view.query, ['extra', '1'] as const] };
    expect(verifyCosRequest(signed, extra, [key], now)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifyCosRequest(signed, view, [key], now + 601)).toMatchObject({ code: 'AccessDenied' });
  });
});

describe('rfc3986', () => {
  it("encodes everything but unreserved characters, !'()* included", () => {
    expect(rfc3986("a-b_c.d~e !'()*/你")).toBe('a-b_c.d~e%20%21%27%28%29%2A%2F%E4%BD%A0');
  });
});
