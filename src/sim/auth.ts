import { createHash } from 'node:crypto';
import type { SimContext } from './context.js';
import { verifyCosRequest } from './cos-verify.js';
import { SimApiError } from './errors.js';
import type { Authenticate } from './handle.js';
import { verifyQiniuRequest } from './qiniu-auth.js';

/** CI and COS batch calls: the COS signature over the provider's path, query and signed headers. */
export const cosAuthentication =
  (sim: SimContext): Authenticate =>
  ({ c, url, apiPath, body }) => {
    const key = sim.options.credentials.tencent;
    if (key === undefined)
      return new SimApiError(
        403,
        'AccessDenied',
        'the simulator has no Tencent credentials (TENCENTCLOUD_SECRET_ID/KEY)',
      );
    const verdict = verifyCosRequest(
      c.req.header('authorization'),
      {
        method: c.req.method,
        pathname: apiPath,
        query: [...url.searchParams],
        header: (name) => c.req.header(name),
      },
      [key],
      Math.floor(Date.now() / 1000),
    );
    if (!verdict.ok) return new SimApiError(403, verdict.code, verdict.message);
    // The signature covers the body only through a signed Content-MD5, which must then be the body's.
    const md5 = c.req.header('content-md5');
    if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64'))
      return new SimApiError(
        400,
        'InvalidDigest',
        'The Content-MD5 you specified did not match what we received',
      );
    return undefined;
  };

/** COS batch calls also name the account's APPID in `x-cos-appid`, and its UIN in the host (here the path). */
export const cosBatchAuthentication = (sim: SimContext): Authenticate => {
  const signed = cosAuthentication(sim);
  return (call) => {
    const appId = call.c.req.header('x-cos-appid');
    if (appId === undefined || appId === '')
      return new SimApiError(400, 'InvalidRequest', 'the x-cos-appid header is required');
    const expected = sim.options.credentials.appId;
    if (expected !== undefined && appId !== expected)
      return new SimApiError(403, 'AccessDenied', 'x-cos-appid is not this account');
    const uin = sim.options.credentials.uin;
    if (uin !== undefined && call.scope[0] !== uin)
      return new SimApiError(403, 'AccessDenied', 'the UIN of the host is not this account');
    return signed(call);
  };
};

/** Qiniu calls: `Qiniu` (v2) or `QBox` over the provider's path, query and body. */
export const qiniuAuthentication =
  (sim: SimContext): Authenticate =>
  ({ c, apiTarget, body }) => {
    const key = sim.options.credentials.qiniu;
    const ok =
      key !== undefined &&
      verifyQiniuRequest(
        c.req.header('authorization'),
        {
          method: c.req.method,
          target: apiTarget,
          host: c.req.header('host') ?? '',
          contentType: c.req.header('content-type'),
          headers: Object.entries(c.req.header()),
          body,
        },
        key,
      );
    return ok ? undefined : new SimApiError(401, 'BadToken', 'bad token');
  };
