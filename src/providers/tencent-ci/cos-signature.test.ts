import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cosAuthorization,
  cosEncode,
  cosKeyTime,
  cosQueryString,
  isCosSignedHeader,
} from './cos-signature.js';
import type { CosSignInput } from './cos-signature.js';

/** Official documentation demo credentials. */
const DOC = {
  secretId: 'AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q',
  secretKey: 'BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz',
};

function fields(auth: string): Record<string, string> {
  return Object.fromEntries(
    auth.split('&').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}

/** Independent computation of the final steps from a hand-written HttpString. */
function signatureOf(secretKey: string, keyTime: string, httpString: string): string {
  const signKey = createHmac('sha1', secretKey).update(keyTime).digest('hex');
  const sts = `sha1\n${keyTime}\n${createHash('sha1').update(httpString).digest('hex')}\n`;
  return createHmac('sha1', signKey).update(sts).digest('hex');
}

describe('published vectors', () => {
  it('cos-go-sdk-v5 auth_test.go TestNewAuthorization (formats.md §4.1)', () => {
    const auth = cosAuthorization(
      { secretId: 'QmFzZTY0IGlzIGEgZ2VuZXJp', secretKey: 'AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM' },
      {
        method: 'PUT',
        pathname: '/testfile2',
        query: {},
        headers: {
          Host: 'testbucket-125000000.cos.ap-guangzhou.myqcloud.com',
          'x-cos-content-sha1': 'db8ac1c259eb89d4a131b253bacfca5f319d54f2',
          'x-cos-stroage-class': 'nearline',
        },
        keyTime: '1480932292;1481012292',
      },
    );
    expect(auth).toBe(
      'q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ2VuZXJp&q-sign-time=1480932292;1481012292' +
        '&q-key-time=1480932292;1481012292&q-header-list=host;x-cos-content-sha1;x-cos-stroage-class' +
        '&q-url-param-list=&q-signature=ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a',
    );
  });

  // Older COS "Request Signature" documentation (PHP examples), bucket1-1254000000.
  it('COS docs (2014 keys): upload PUT /testfile2', () => {
    const auth = cosAuthorization(DOC, {
      method: 'PUT',
      pathname: '/testfile2',
      query: {},
      headers: {
        Host: 'bucket1-1254000000.cos.ap-beijing.myqcloud.com',
        'x-cos-content-sha1': '7b502c3a1f48c8609ae212cdfb639dee39673f5e',
        'x-cos-storage-class': 'nearline',
      },
      keyTime: '1417773892;1417853898',
    });
    expect(fields(auth)['q-header-list']).toBe('host;x-cos-content-sha1;x-cos-storage-class');
    expect(fields(auth)['q-signature']).toBe('84f5be2187452d2fe276dbdca932143ef8161145');
  });

  it('COS docs (2014 keys): download GET /testfile with Range', () => {
    const auth = cosAuthorization(DOC, {
      method: 'GET',
      pathname: '/testfile',
      query: {},
      headers: { Host: 'bucket1-1254000000.cos.ap-beijing.myqcloud.com', Range: 'bytes=0-3' },
      keyTime: '1417773892;1417853898',
    });
    expect(auth).toBe(
      'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1417773892;1417853898' +
        '&q-key-time=1417773892;1417853898&q-header-list=host;range&q-url-param-list=' +
        '&q-signature=4b6cbab14ce01381c29032423481ebffd514e8be',
    );
  });

  // Current "请求签名" documentation (cloud.tencent.com/document/product/436/7778). Its examples also sign
  // `date`, which the SDK default selection does not, hence the explicit signHeaders. The path is the
  // decoded `/exampleobject(腾讯云)` (the English page's "(tencentcloud)" is a translation artefact).
  it('COS docs (2019): upload PUT /exampleobject(腾讯云)', () => {
    const auth = cosAuthorization(DOC, {
      method: 'PUT',
      pathname: '/exampleobject(腾讯云)',
      query: {},
      headers: {
        Date: 'Thu, 16 May 2019 06:45:51 GMT',
        Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
        'Content-Type': 'text/plain',
        'Content-Length': '13',
        'Content-MD5': 'mQ/fVh815F3k6TAUm8m0eg==',
        'x-cos-acl': 'private',
        'x-cos-grant-read': 'uin="100000000011"',
      },
      keyTime: '1557989151;1557996351',
      signHeaders: [
        'date',
        'host',
        'content-type',
        'content-length',
        'content-md5',
        'x-cos-acl',
        'x-cos-grant-read',
      ],
    });
    expect(auth).toBe(
      'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351' +
        '&q-key-time=1557989151;1557996351' +
        '&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read' +
        '&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172',
    );
  });

  it('COS docs (2019): download GET with response-* query parameters', () => {
    const auth = cosAuthorization(DOC, {
      method: 'GET',
      pathname: '/exampleobject(腾讯云)',
      query: { 'response-content-type': 'application/octet-stream', 'response-cache-control': 'max-age=600' },
      headers: {
        Date: 'Thu, 16 May 2019 06:55:53 GMT',
        Host: 'examplebucket-1250000000.cos.ap-beijing.myqcloud.com',
      },
      keyTime: '1557989753;1557996953',
      signHeaders: ['date', 'host'],
    });
    expect(auth).toBe(
      'q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989753;1557996953' +
        '&q-key-time=1557989753;1557996953&q-header-list=date;host' +
        '&q-url-param-list=response-cache-control;response-content-type' +
        '&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012',
    );
  });
});

const KT = '1700000000;1700003600';
const HOST = 'examplebucket-1250000000.ci.ap-beijing.myqcloud.com';

function input(over: Partial<CosSignInput>): CosSignInput {
  return { method: 'GET', pathname: '/jobs', query: {}, headers: { Host: HOST }, keyTime: KT, ...over };
}

describe('query parameters', () => {
  it('a flag parameter (?cancel) is signed as cancel=', () => {
    const auth = fields(
      cosAuthorization(DOC, input({ method: 'PUT', pathname: '/jobs/j1', query: { cancel: '' } })),
    );
    expect(auth['q-url-param-list']).toBe('cancel');
    expect(auth['q-signature']).toBe(
      signatureOf(DOC.secretKey, KT, `put\n/jobs/j1\ncancel=\nhost=${HOST}\n`),
    );
  });

  it("encodes !'()* and spaces (RFC 3986), lowercases keys, keeps value case, sorts by key", () => {
    const auth = fields(
      cosAuthorization(
        DOC,
        input({
          query: { workflowId: 'w1', Object: "a b/c!'()*~.txt", name: 'Batch One', skipped: undefined },
        }),
      ),
    );
    expect(auth['q-url-param-list']).toBe('name;object;workflowid');
    const params = 'name=Batch%20One&object=a%20b%2Fc%21%27%28%29%2A~.txt&workflowid=w1';
    expect(auth['q-signature']).toBe(signatureOf(DOC.secretKey, KT, `get\n/jobs\n${params}\nhost=${HOST}\n`));
  });

  it('encodes UTF-8 and never throws on a lone surrogate', () => {
    expect(cosEncode('腾讯云')).toBe('%E8%85%BE%E8%AE%AF%E4%BA%91');
    expect(cosEncode("!'()* ~-_.")).toBe('%21%27%28%29%2A%20~-_.');
    expect(cosEncode('\uD800')).toBe('%EF%BF%BD');
  });

  it('cosQueryString renders the same semantics for the URL', () => {
    expect(cosQueryString({ cancel: '' })).toBe('cancel');
    expect(cosQueryString({ workflowId: 'w 1', object: "a(1)'", skip: undefined })).toBe(
      'workflowId=w%201&object=a%281%29%27',
    );
    expect(cosQueryString({})).toBe('');
  });
});

describe('headers', () => {
  it('header names are case-insensitive', () => {
    const a = cosAuthorization(DOC, input({ headers: { HOST, 'Content-Type': 'application/xml' } }));
    const b = cosAuthorization(DOC, input({ headers: { host: HOST, 'content-type': 'application/xml' } }));
    expect(a).toBe(b);
    expect(fields(a)['q-header-list']).toBe('content-type;host');
  });

  it('signs the SDK selection and skips the rest', () => {
    const auth = fields(
      cosAuthorization(
        DOC,
        input({
          headers: {
            Host: HOST,
            'Content-Type': 'application/xml',
            'Content-MD5': 'abc==',
            'If-None-Match': '"e"',
            'X-CI-Trace': 't',
            'x-cos-meta-a': 'A b',
            'Pic-Operations': '{}',
            'User-Agent': 'jobhook',
            Date: 'Thu, 16 May 2019 06:55:53 GMT',
            Accept: '*/*',
          },
        }),
      ),
    );
    expect(auth['q-header-list']).toBe(
      'content-md5;content-type;host;if-none-match;pic-operations;x-ci-trace;x-cos-meta-a',
    );
    const headers =
      `content-md5=abc%3D%3D&content-type=application%2Fxml&host=${HOST}&if-none-match=%22e%22` +
      '&pic-operations=%7B%7D&x-ci-trace=t&x-cos-meta-a=A%20b';
    expect(auth['q-signature']).toBe(signatureOf(DOC.secretKey, KT, `get\n/jobs\n\n${headers}\n`));
  });

  it.each([
    ['host', true],
    ['content-length', true],
    ['transfer-encoding', true],
    ['if-modified-since', true],
    ['x-cos-security-token', true],
    ['x-ci-anything', true],
    ['date', false],
    ['authorization', false],
    ['user-agent', false],
  ])('isCosSignedHeader(%s) = %s', (name, want) => {
    expect(isCosSignedHeader(name)).toBe(want);
  });

  it('a session token is signed as x-cos-security-token', () => {
    const withToken = { ...DOC, sessionToken: 'TOKEN' };
    const a = cosAuthorization(withToken, input({}));
    const b = cosAuthorization(DOC, input({ headers: { Host: HOST, 'x-cos-security-token': 'TOKEN' } }));
    expect(a).toBe(b);
    expect(fields(a)['q-header-list']).toBe('host;x-cos-security-token');
    // The credential's token wins over a stale header value.
    const c = cosAuthorization(withToken, input({ headers: { Host: HOST, 'X-Cos-Security-Token': 'OLD' } }));
    expect(c).toBe(a);
  });

  it('no headers and no query keep their empty lines', () => {
    const auth = fields(cosAuthorization(DOC, input({ headers: {} })));
    expect(auth['q-header-list']).toBe('');
    expect(auth['q-signature']).toBe(signatureOf(DOC.secretKey, KT, 'get\n/jobs\n\n\n'));
  });

  it('method is lowercased; the pathname is signed decoded and verbatim', () => {
    const auth = fields(cosAuthorization(DOC, input({ method: 'POST', pathname: '/file_jobs' })));
    expect(auth['q-signature']).toBe(signatureOf(DOC.secretKey, KT, `post\n/file_jobs\n\nhost=${HOST}\n`));
  });
});

describe('cosKeyTime', () => {
  it('backdates the start by 60 s and adds the validity to now', () => {
    expect(cosKeyTime(1_700_000_000_999, 3600)).toBe('1699999940;1700003600');
  });
  it.each([
    [Number.NaN, 60],
    [-1, 60],
    [0, 0],
    [0, 1.5],
    [0, -5],
  ])('rejects nowMs=%s validitySeconds=%s', (now, validity) => {
    expect(() => cosKeyTime(now, validity)).toThrow(RangeError);
  });
});
