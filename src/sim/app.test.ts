import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { createSimulator } from './app.js';

const make = (credentials = {}) => createSimulator({ port: 0, credentials }, createLogger('silent'));

describe('the simulator app (no socket)', () => {
  it('answers the control API: knobs, jobs and counts, reset', async () => {
    const { app } = make();
    expect(await (await app.request('/_sim/faults')).json()).toMatchObject({ reorder: 0, errors: {} });
    const set = await app.request('/_sim/faults', { method: 'PUT', body: JSON.stringify({ reorder: 3 }) });
    expect(await set.json()).toMatchObject({ reorder: 3 });
    expect((await app.request('/_sim/faults', { method: 'PUT', body: 'not json' })).status).toBe(400);
    await app.request('/ci/b-1/ap-guangzhou/file_jobs', { method: 'POST' });
    expect(await (await app.request('/_sim/jobs')).json()).toEqual({
      jobs: [],
      requests: { 'ci.create-job': 1 },
    });
    await app.request('/_sim/reset', { method: 'POST' });
    expect(await (await app.request('/_sim/faults')).json()).toMatchObject({ reorder: 0 });
    expect(await (await app.request('/_sim/jobs')).json()).toEqual({ jobs: [], requests: {} });
  });

  it('refuses calls of a provider it has no credentials for, in that provider’s shape', async () => {
    const { app } = make();
    const ci = await app.request('/ci/b-1/ap-guangzhou/file_jobs', { method: 'POST', body: '<Request/>' });
    expect(ci.status).toBe(403);
    expect(ci.headers.get('content-type')).toBe('application/xml');
    expect(await ci.text()).toContain('<Code>AccessDenied</Code>');
    const batch = await app.request('/cos-batch/100/ap-guangzhou/jobs', { headers: { 'x-cos-appid': '1' } });
    expect(batch.status).toBe(403);
    expect(batch.headers.get('x-cos-request-id')).toMatch(/^sim-/);
    const qiniu = await app.request('/qiniu/pfop/', { method: 'POST', body: 'bucket=b' });
    expect(qiniu.status).toBe(401);
    expect(await qiniu.json()).toEqual({ error: 'bad token' });
  });

  it('answers the 5xx knob before authentication: XML InternalError, Qiniu 599', async () => {
    const { app } = make();
    await app.request('/_sim/faults', { method: 'PUT', body: JSON.stringify({ errors: { '*': 2 } }) });
    const ci = await app.request('/ci/b-1/ap-guangzhou/jobs/j1');
    expect(ci.status).toBe(500);
    expect(await ci.text()).toContain('<Code>InternalError</Code>');
    expect((await app.request('/qiniu/status/get/prefop?id=z0.1')).status).toBe(599);
    expect((await app.request('/qiniu/status/get/prefop?id=z0.1')).status).toBe(401);
  });

  it('says what it does not simulate', async () => {
    const { app } = make();
    const response = await app.request('/ci/b-1/ap-guangzhou/ai_jobs', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'NotFound' } });
  });
});
