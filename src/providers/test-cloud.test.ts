import { describe, expect, it } from 'vitest';
import { cosSignatureValid } from './test-cloud.js';

/** The fake cloud's own COS check must itself hold against the published vector (formats.md §4.1). */
describe('the fake cloud’s COS signature check', () => {
  const request = {
    method: 'PUT',
    apiPath: '/testfile2',
    query: new URLSearchParams(),
    headers: {
      host: 'testbucket-125000000.cos.ap-guangzhou.myqcloud.com',
      'x-cos-content-sha1': 'db8ac1c259eb89d4a131b253bacfca5f319d54f2',
      'x-cos-stroage-class': 'nearline',
      authorization:
        'q-sign-algorithm=sha1&q-ak=QmFzZTY0IGlzIGEgZ2VuZXJp&q-sign-time=1480932292;1481012292' +
        '&q-key-time=1480932292;1481012292&q-header-list=host;x-cos-content-sha1;x-cos-stroage-class' +
        '&q-url-param-list=&q-signature=ce4ac0ecbcdb30538b3fee0a97cc6389694ce53a',
    },
  };
  const secrets = { secretId: 'QmFzZTY0IGlzIGEgZ2VuZXJp', secretKey: 'AKIDZfbOA78asKUYBcXFrJD0a1ICvR98JM' };

  it('accepts the cos-go-sdk-v5 vector within its key time', () => {
    expect(cosSignatureValid(request, secrets, 1480932300)).toBe(true);
  });

  it('refuses it outside its key time, with another key, path, header value or query', () => {
    expect(cosSignatureValid(request, secrets, 1481012293)).toBe(false);
    expect(cosSignatureValid(request, { ...secrets, secretKey: 'x' }, 1480932300)).toBe(false);
    expect(cosSignatureValid({ ...request, apiPath: '/testfile3' }, secrets, 1480932300)).toBe(false);
    expect(
      cosSignatureValid({ ...request, headers: { ...request.headers, host: 'evil' } }, secrets, 1480932300),
    ).toBe(false);
    expect(cosSignatureValid({ ...request, query: new URLSearchParams('a=1') }, secrets, 1480932300)).toBe(
      false,
    );
  });
});
