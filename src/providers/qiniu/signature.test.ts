import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalHeaderName,
  qboxSigningData,
  qiniuAuthorizationHeader,
  qiniuSign,
  qiniuV2SigningData,
  signQBox,
  signQiniuV2,
  verifyQiniuAuthorization,
} from './signature.js';
import type { QiniuKey, QiniuSignedRequest } from './signature.js';

const KEY: QiniuKey = { accessKey: 'ak', secretKey: 'sk' };
const JSON_BODY = '{"name": "test"}';
const FORM_BODY = 'name=test&language=go';
const FORM = 'application/x-www-form-urlencoded';

function req(over: Partial<QiniuSignedRequest> & { bodyText?: string } = {}): QiniuSignedRequest {
  const { bodyText, ...rest } = over;
  return {
    method: 'GET',
    pathAndQuery: '',
    host: '',
    contentType: undefined,
    headers: {},
    body: Buffer.from(bodyText ?? JSON_BODY, 'utf8'),
    ...rest,
  };
}

/*
 * Vectors from qiniu/go-sdk auth/credentials_test.go (AK `ak`, SK `sk`). Go's http.NewRequest turns method ""
 * into GET and URL "" into path "" / host "". Those tests assign non-canonical header keys ("X-Qiniu-BBB")
 * straight into http.Header, so Go's Header.Get finds no value and signs `X-Qiniu-Bbb: ` with an empty value;
 * the bare `X-Qiniu-` and `X-Qiniu` headers are never signed. The requests below mirror exactly that.
 */
const GO_X_HEADERS = { 'x-qiniu-': 'a', 'x-qiniu': 'b' };
const GO_X_HEADERS_AB = { 'x-qiniu-bbb': '', 'x-qiniu-aaa': '', ...GO_X_HEADERS };

describe('qiniuSign (go-sdk TestAuthSign)', () => {
  it.each([
    ['hello', 'NDN8cM0rwosxhHJ6QAcI7ialr0g='],
    ['world', 'wZ-sw41ayh3PFDmQA-D3o7eBJIY='],
    ['-test', 'oJ59sZasiWSqL1o7ugZs5OInEK4='],
    ['ba#a-', 'tqHL8V2BbNI0dVDXsvueZp_2QnI='],
  ])('%s', (data, sig) => {
    expect(`ak:${qiniuSign('sk', Buffer.from(data))}`).toBe(`ak:${sig}`);
  });
});

describe('QBox signing data (go-sdk TestCollectData)', () => {
  it.each([
    [req({ method: '' }), '\n'],
    [req({ contentType: 'application/json' }), '\n'],
    [req({ host: 'upload.qiniup.com' }), '\n'],
    [req({ host: 'upload.qiniup.com', contentType: FORM, bodyText: FORM_BODY }), `\n${FORM_BODY}`],
    [
      req({ host: 'upload.qiniup.com', pathAndQuery: '?v=2', contentType: FORM, bodyText: FORM_BODY }),
      `?v=2\n${FORM_BODY}`,
    ],
    [
      req({ pathAndQuery: '/find/sdk?v=2', contentType: FORM, bodyText: FORM_BODY }),
      `/find/sdk?v=2\n${FORM_BODY}`,
    ],
  ])('%#', (r, want) => {
    expect(qboxSigningData(r, r.contentType === FORM).toString('utf8')).toBe(want);
  });

  it('drops a bare trailing "?" like Go (empty RawQuery)', () => {
    expect(qboxSigningData(req({ pathAndQuery: '/cb?' }), false).toString()).toBe('/cb\n');
  });
});

describe('Qiniu v2 signing data (go-sdk TestCollectDataV2)', () => {
  const host = 'upload.qiniup.com';
  it.each([
    [
      req({ contentType: 'application/json', headers: GO_X_HEADERS }),
      `GET \nHost: \nContent-Type: application/json\n\n${JSON_BODY}`,
    ],
    [req({ headers: GO_X_HEADERS }), `GET \nHost: \nContent-Type: ${FORM}\n\n${JSON_BODY}`],
    [
      req({ method: 'POST', contentType: 'application/json' }),
      `POST \nHost: \nContent-Type: application/json\n\n${JSON_BODY}`,
    ],
    [
      req({ host, headers: GO_X_HEADERS_AB }),
      `GET \nHost: ${host}\nContent-Type: ${FORM}\nX-Qiniu-Aaa: \nX-Qiniu-Bbb: \n\n${JSON_BODY}`,
    ],
    [
      req({ host, contentType: 'application/json', headers: GO_X_HEADERS_AB }),
      `GET \nHost: ${host}\nContent-Type: application/json\nX-Qiniu-Aaa: \nX-Qiniu-Bbb: \n\n${JSON_BODY}`,
    ],
    [
      req({ host, pathAndQuery: '?v=2', contentType: FORM, headers: GO_X_HEADERS_AB, bodyText: FORM_BODY }),
      `GET ?v=2\nHost: ${host}\nContent-Type: ${FORM}\nX-Qiniu-Aaa: \nX-Qiniu-Bbb: \n\n${FORM_BODY}`,
    ],
    [
      req({
        host,
        pathAndQuery: '/find/sdk?v=2',
        contentType: FORM,
        headers: GO_X_HEADERS_AB,
        bodyText: FORM_BODY,
      }),
      `GET /find/sdk?v=2\nHost: ${host}\nContent-Type: ${FORM}\nX-Qiniu-Aaa: \nX-Qiniu-Bbb: \n\n${FORM_BODY}`,
    ],
  ])('%#', (r, want) => {
    expect(qiniuV2SigningData(r, true).toString('utf8')).toBe(want);
  });
});

const QBOX_EMPTY = 'qfWnqF1E_vfzjZnReCVkcSMl29M=';
const QBOX_FORM = 'h8gBb1Adb2Jgoys1N8sRVAnNvpw=';

/** go-sdk TestAuthSignRequest. */
const QBOX_VECTORS: readonly [QiniuSignedRequest, string][] = [
  [req({ method: '' }), QBOX_EMPTY],
  [req({ contentType: 'application/json', headers: GO_X_HEADERS }), QBOX_EMPTY],
  [req(), QBOX_EMPTY],
  [req({ method: 'POST', contentType: 'application/json', headers: GO_X_HEADERS }), QBOX_EMPTY],
  [req({ host: 'upload.qiniup.com' }), QBOX_EMPTY],
  [req({ host: 'upload.qiniup.com', contentType: 'application/json' }), QBOX_EMPTY],
  [req({ host: 'upload.qiniup.com', contentType: FORM, bodyText: FORM_BODY }), QBOX_FORM],
];

/** go-sdk TestAuthSignRequestV2. */
const V2_VECTORS: readonly [QiniuSignedRequest, string][] = [
  [req({ headers: GO_X_HEADERS }), '0i1vKClRDWFyNkcTFzwcE7PzX74='],
  [req({ contentType: 'application/json' }), 'K1DI0goT05yhGizDFE5FiPJxAj4='],
  [req({ method: 'POST', contentType: 'application/json' }), '0ujEjW_vLRZxebsveBgqa3JyQ-w='],
  [req({ host: 'upload.qiniup.com', headers: GO_X_HEADERS }), 'GShw5NitGmd5TLoo38nDkGUofRw='],
  [
    req({ host: 'upload.qiniup.com', contentType: 'application/json', headers: GO_X_HEADERS_AB }),
    '-fB4yn26QtKrW3jb_owJha4-W1I=',
  ],
  [
    req({ host: 'upload.qiniup.com', contentType: FORM, headers: GO_X_HEADERS_AB, bodyText: FORM_BODY }),
    'PSssnOFa3sUvpEjTfACJ9WWKBS4=',
  ],
];

describe('signQBox (go-sdk TestAuthSignRequest)', () => {
  it.each(QBOX_VECTORS)('%#', (r, sig) => {
    expect(signQBox('sk', r, r.contentType === FORM)).toBe(sig);
    expect(qiniuAuthorizationHeader('QBox', KEY, r)).toBe(`QBox ak:${sig}`);
  });
});

describe('signQiniuV2 (go-sdk TestAuthSignRequestV2)', () => {
  it.each(V2_VECTORS)('%#', (r, sig) => {
    expect(signQiniuV2('sk', r)).toBe(sig);
    expect(qiniuAuthorizationHeader('Qiniu', KEY, r)).toBe(`Qiniu ak:${sig}`);
  });
});

describe('verifyQiniuAuthorization (go-sdk TestCredentials_VerifyCallback)', () => {
  it.each(QBOX_VECTORS)('QBox %#', (r, sig) => {
    expect(verifyQiniuAuthorization(`QBox ak:${sig}`, r, [KEY])).toEqual({ ok: true, accessKey: 'ak' });
  });
  it.each(V2_VECTORS)('Qiniu %#', (r, sig) => {
    expect(verifyQiniuAuthorization(`Qiniu ak:${sig}`, r, [KEY])).toEqual({ ok: true, accessKey: 'ak' });
  });
});

const KEYS: readonly QiniuKey[] = [
  { accessKey: 'other', secretKey: 'other-secret' },
  { accessKey: 'AK_live', secretKey: 'SK_live_secret' },
];

const CALLBACK_HEADERS: ReadonlyMap<string, string> = new Map([
  ['content-type', 'application/json'],
  ['x-qiniu-date', '20240315T101010Z'],
  ['x-qiniu-request-id', 'r-1'],
]);

const callback: QiniuSignedRequest = {
  method: 'POST',
  pathAndQuery: '/v1/callbacks/qiniu?token=abc',
  host: 'hooks.example.com:8443',
  contentType: 'application/json',
  headers: CALLBACK_HEADERS,
  body: Buffer.from('{"id":"z0.abc","code":0,"items":[]}'),
};

function liveKey(): QiniuKey {
  const k = KEYS[1];
  if (!k) throw new Error('fixture');
  return k;
}

describe('round trips and tampering', () => {
  for (const scheme of ['QBox', 'Qiniu'] as const) {
    it(`${scheme}: round trip picks the key by access key`, () => {
      const auth = qiniuAuthorizationHeader(scheme, liveKey(), callback);
      expect(verifyQiniuAuthorization(auth, callback, KEYS)).toEqual({ ok: true, accessKey: 'AK_live' });
    });

    it(`${scheme}: changed path or host → bad-signature`, () => {
      const auth = qiniuAuthorizationHeader(scheme, liveKey(), callback);
      expect(
        verifyQiniuAuthorization(auth, { ...callback, pathAndQuery: '/v1/callbacks/qiniu?token=abd' }, KEYS),
      ).toEqual({ ok: false, reason: 'bad-signature' });
      if (scheme === 'Qiniu') {
        expect(verifyQiniuAuthorization(auth, { ...callback, host: 'hooks.example.com' }, KEYS)).toEqual({
          ok: false,
          reason: 'bad-signature',
        });
      }
    });

    it(`${scheme}: wrong access key → unknown-key; wrong secret → bad-signature`, () => {
      const auth = qiniuAuthorizationHeader(scheme, { accessKey: 'nobody', secretKey: 'x' }, callback);
      expect(verifyQiniuAuthorization(auth, callback, KEYS)).toEqual({ ok: false, reason: 'unknown-key' });
      const forged = qiniuAuthorizationHeader(scheme, { accessKey: 'AK_live', secretKey: 'guess' }, callback);
      expect(verifyQiniuAuthorization(forged, callback, KEYS)).toEqual({
        ok: false,
        reason: 'bad-signature',
      });
    });
  }

  it('Qiniu: a flipped body byte → bad-signature (JSON body is signed)', () => {
    const auth = qiniuAuthorizationHeader('Qiniu', liveKey(), callback);
    const body = Buffer.from(callback.body);
    body[5] = (body[5] ?? 0) ^ 0x01;
    expect(verifyQiniuAuthorization(auth, { ...callback, body }, KEYS)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('Qiniu: X-Qiniu-* headers are signed (changed, added or removed → bad-signature)', () => {
    expect(qiniuV2SigningData(callback, false).toString()).toBe(
      'POST /v1/callbacks/qiniu?token=abc\nHost: hooks.example.com:8443\nContent-Type: application/json\n' +
        'X-Qiniu-Date: 20240315T101010Z\nX-Qiniu-Request-Id: r-1\n\n',
    );
    const auth = qiniuAuthorizationHeader('Qiniu', liveKey(), callback);
    const changed = new Map(CALLBACK_HEADERS);
    changed.set('x-qiniu-date', '20240315T101011Z');
    expect(verifyQiniuAuthorization(auth, { ...callback, headers: changed }, KEYS).ok).toBe(false);
    const added = new Map<string, string>([...CALLBACK_HEADERS, ['x-qiniu-extra', '1']]);
    expect(verifyQiniuAuthorization(auth, { ...callback, headers: added }, KEYS).ok).toBe(false);
    const removed = new Map(CALLBACK_HEADERS);
    removed.delete('x-qiniu-request-id');
    expect(verifyQiniuAuthorization(auth, { ...callback, headers: removed }, KEYS).ok).toBe(false);
    // Other headers are not signed.
    const other = new Map<string, string>([...CALLBACK_HEADERS, ['user-agent', 'x']]);
    expect(verifyQiniuAuthorization(auth, { ...callback, headers: other }, KEYS).ok).toBe(true);
  });

  it('Qiniu: accepts a Record of headers as well as a Map', () => {
    const asRecord = { ...callback, headers: Object.fromEntries(CALLBACK_HEADERS) };
    const auth = qiniuAuthorizationHeader('Qiniu', liveKey(), callback);
    expect(verifyQiniuAuthorization(auth, asRecord, KEYS).ok).toBe(true);
  });

  it('QBox + JSON: accepts with-body (Node SDK) and without-body (Go SDK) signatures', () => {
    const k = liveKey();
    for (const includeBody of [true, false]) {
      const auth = `QBox ${k.accessKey}:${signQBox(k.secretKey, callback, includeBody)}`;
      expect(verifyQiniuAuthorization(auth, callback, KEYS).ok).toBe(true);
    }
    // A with-body signature still binds the body.
    const auth = `QBox ${k.accessKey}:${signQBox(k.secretKey, callback, true)}`;
    const body = Buffer.from(callback.body);
    body[0] = (body[0] ?? 0) ^ 0x20;
    expect(verifyQiniuAuthorization(auth, { ...callback, body }, KEYS)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('QBox + form: only the with-body signature is accepted', () => {
    const k = liveKey();
    const form = { ...callback, contentType: FORM, body: Buffer.from(FORM_BODY) };
    const without = `QBox ${k.accessKey}:${signQBox(k.secretKey, form, false)}`;
    const withBody = `QBox ${k.accessKey}:${signQBox(k.secretKey, form, true)}`;
    expect(verifyQiniuAuthorization(without, form, KEYS).ok).toBe(false);
    expect(verifyQiniuAuthorization(withBody, form, KEYS).ok).toBe(true);
  });

  it('Qiniu + JSON with charset: Go (no body) and Node (body) variants both verify', () => {
    const k = liveKey();
    const r = { ...callback, contentType: 'application/json; charset=utf-8' };
    for (const includeBody of [true, false]) {
      const auth = `Qiniu ${k.accessKey}:${signQiniuV2(k.secretKey, r, includeBody)}`;
      expect(verifyQiniuAuthorization(auth, r, KEYS).ok).toBe(true);
    }
  });

  it('Qiniu + octet-stream: the body is never signed, so the with-body variant is rejected', () => {
    const k = liveKey();
    const r = { ...callback, contentType: 'application/octet-stream' };
    expect(verifyQiniuAuthorization(`Qiniu AK_live:${signQiniuV2(k.secretKey, r, false)}`, r, KEYS).ok).toBe(
      true,
    );
    expect(verifyQiniuAuthorization(`Qiniu AK_live:${signQiniuV2(k.secretKey, r, true)}`, r, KEYS).ok).toBe(
      false,
    );
  });

  it('tries every key that shares the access key (rotation)', () => {
    const rotated = [{ accessKey: 'AK_live', secretKey: 'old' }, ...KEYS];
    const auth = qiniuAuthorizationHeader('Qiniu', liveKey(), callback);
    expect(verifyQiniuAuthorization(auth, callback, rotated).ok).toBe(true);
  });

  it('the scheme must match the algorithm', () => {
    const v2 = qiniuAuthorizationHeader('Qiniu', liveKey(), callback);
    expect(verifyQiniuAuthorization(v2.replace(/^Qiniu/, 'QBox'), callback, KEYS).ok).toBe(false);
  });
});

describe('malformed and hostile input', () => {
  const sig = signQiniuV2('SK_live_secret', callback);
  it.each([
    ['', 'malformed'],
    ['Qiniu', 'malformed'],
    [' Qiniu AK_live:x=', 'malformed'],
    ['Qiniu AK_live', 'malformed'],
    ['Qiniu :abc=', 'malformed'],
    ['Qiniu AK_live:', 'malformed'],
    [`Qiniu  AK_live:${sig}`, 'malformed'],
    [`Qiniu AK_live:${sig} `, 'malformed'],
    [`Qiniu AK_live:${sig}:extra`, 'malformed'],
    ['Qiniu AK_live:abc+/=', 'malformed'],
    [`Qiniu ${'A'.repeat(5000)}:${sig}`, 'malformed'],
    [`Bearer AK_live:${sig}`, 'unknown-scheme'],
    [`UpToken AK_live:${sig}`, 'unknown-scheme'],
    [`Qiniu nobody:${sig}`, 'unknown-key'],
    ['Qiniu AK_live:short', 'bad-signature'],
    [`Qiniu AK_live:${sig}${sig}`, 'malformed'],
    [`Qiniu AK_live:${sig.slice(0, -1)}`, 'bad-signature'],
    [`Qiniu AK_live:${'A'.repeat(200)}=`, 'bad-signature'],
  ])('%j → %s', (auth, reason) => {
    expect(verifyQiniuAuthorization(auth, callback, KEYS)).toEqual({ ok: false, reason });
  });

  it('scheme names are case-insensitive', () => {
    expect(verifyQiniuAuthorization(`qiniu AK_live:${sig}`, callback, KEYS).ok).toBe(true);
  });

  it('no keys configured → unknown-key', () => {
    expect(verifyQiniuAuthorization(`Qiniu AK_live:${sig}`, callback, [])).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), (a, b) => {
        for (const auth of [a, b, `Qiniu ${a}`, `QBox AK_live:${b}`]) {
          const v = verifyQiniuAuthorization(auth, callback, KEYS);
          expect(v.ok).toBe(false);
        }
      }),
    );
  });
});

describe('canonicalHeaderName', () => {
  it.each([
    ['x-qiniu-date', 'X-Qiniu-Date'],
    ['X-QINIU-REQUEST-ID', 'X-Qiniu-Request-Id'],
    ['x-qiniu-a_b', 'X-Qiniu-A_b'],
    ['x-qiniu-bad name', 'x-qiniu-bad name'],
  ])('%s → %s', (from, to) => {
    expect(canonicalHeaderName(from)).toBe(to);
  });
});

describe('properties', () => {
  const arbReq = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    pathAndQuery: fc.stringMatching(/^\/[A-Za-z0-9/_.~%-]{0,30}(\?[A-Za-z0-9=&%_-]{1,30})?$/),
    host: fc.stringMatching(/^[a-z0-9.-]{1,30}(:[0-9]{1,5})?$/),
    contentType: fc.constantFrom(
      undefined,
      FORM,
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
    ),
    headers: fc.dictionary(fc.stringMatching(/^x-qiniu-[a-z0-9-]{1,10}$/), fc.string({ maxLength: 20 }), {
      maxKeys: 4,
    }),
    body: fc.uint8Array({ minLength: 1, maxLength: 200 }),
  });

  it('verify(sign(x)) is ok for both schemes', () => {
    fc.assert(
      fc.property(arbReq, fc.constantFrom('QBox' as const, 'Qiniu' as const), (r, scheme) => {
        const auth = qiniuAuthorizationHeader(scheme, liveKey(), r);
        expect(verifyQiniuAuthorization(auth, r, KEYS)).toEqual({ ok: true, accessKey: 'AK_live' });
      }),
    );
  });

  it('any single-byte body mutation is rejected whenever the body is signed', () => {
    fc.assert(
      fc.property(
        arbReq,
        fc.constantFrom('QBox' as const, 'Qiniu' as const),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (r, scheme, at, delta) => {
          // Bodies signed by the Go rule: QBox form, v2 form (also the default) or JSON.
          const ct = r.contentType;
          const signsBody =
            scheme === 'QBox' ? ct === FORM : ct === undefined || ct === FORM || ct === 'application/json';
          fc.pre(signsBody);
          const auth = qiniuAuthorizationHeader(scheme, liveKey(), r);
          const body = Uint8Array.from(r.body);
          const i = at % body.length;
          body[i] = ((body[i] ?? 0) + delta) & 0xff;
          expect(verifyQiniuAuthorization(auth, { ...r, body }, KEYS)).toEqual({
            ok: false,
            reason: 'bad-signature',
          });
        },
      ),
    );
  });
});
