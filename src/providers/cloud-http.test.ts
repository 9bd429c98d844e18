import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { closedPort, startReceiver, type Receiver } from '../handlers/forward/test-receiver.js';
import { CloudError } from './cloud-error.js';
import { answerError, sendCloud, type HttpAnswer } from './cloud-http.js';

const answer = (status: number, text: string, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: new Headers(headers),
  text,
});

describe('answerError', () => {
  it('reads the XML <Error> document', () => {
    const error = answerError(
      'tencent-ci',
      answer(
        400,
        '<?xml version="1.0"?><Error><Code>InvalidArgument</Code><Message>bad Tag</Message><RequestId>NjQ-1</RequestId><TraceId>t</TraceId></Error>',
      ),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
      requestId: 'NjQ-1',
      outcome: 'refused',
      retryable: false,
    });
    expect(error.providerMessage).toBe('bad Tag');
  });

  it('reads the JSON variant and Qiniu’s {error}, and the request id header', () => {
    expect(
      answerError('tencent-ci', answer(403, '{"code":"AccessDenied","message":"no","request_id":"r-9"}')),
    ).toMatchObject({ code: 'AccessDenied', requestId: 'r-9', outcome: 'refused' });
    const qiniu = answerError(
      'qiniu',
      answer(612, '{"error":"not such id in prefop"}', { 'x-reqid': 'q-1' }),
    );
    expect(qiniu).toMatchObject({ code: 'HTTP612', requestId: 'q-1', outcome: 'refused' });
    expect(qiniu.providerMessage).toBe('not such id in prefop');
  });

  it('is busy for 5xx, 408, 429 and throttling codes, with Retry-After; final otherwise', () => {
    expect(answerError('qiniu', answer(599, '{"error":"x"}')).outcome).toBe('busy');
    expect(answerError('tencent-ci', answer(503, 'gateway', { 'retry-after': '7' }))).toMatchObject({
      code: 'HTTP503',
      outcome: 'busy',
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(answerError('tencent-ci', answer(408, '')).outcome).toBe('busy');
    expect(answerError('tencent-ci', answer(429, '')).outcome).toBe('busy');
    expect(
      answerError(
        'tencent-cos-batch',
        answer(400, '<Error><Code>TooManyJobs</Code><Message>m</Message></Error>'),
      ).outcome,
    ).toBe('busy');
    expect(
      answerError('tencent-ci', answer(400, '<Error><Code>SlowDown</Code><Message>m</Message></Error>'))
        .outcome,
    ).toBe('busy');
    expect(answerError('tencent-ci', answer(404, '')).outcome).toBe('refused');
    expect(answerError('tencent-ci', answer(400, 'not a document')).code).toBe('HTTP400');
  });
});

describe('sendCloud over a real connection', () => {
  let server: Receiver;
  /** What the server does next: answer (after a delay) or drop the connection. */
  const cloud: { reply: () => { status?: number; body?: string; delayMs?: number; drop?: boolean } } = {
    reply: () => ({}),
  };
  beforeAll(async () => {
    server = await startReceiver((_, response: ServerResponse) => {
      const reply = cloud.reply();
      if (reply.drop === true) {
        response.socket?.destroy();
        return;
      }
      const send = () => response.writeHead(reply.status ?? 200).end(reply.body ?? '');
      if (reply.delayMs === undefined) send();
      else setTimeout(send, reply.delayMs).unref();
    });
  });
  afterAll(() => server.close());
  const url = () => new URL(`${server.url}/anything`);

  it('times out a slow answer: outcome unknown', async () => {
    cloud.reply = () => ({ status: 200, body: 'late', delayMs: 2000 });
    const error = await sendCloud(
      { provider: 'tencent-ci', timeoutMs: 100 },
      { method: 'POST', url: url(), headers: {}, body: 'x' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ code: 'Timeout', outcome: 'unknown', retryable: true, status: 0 });
  });

  it('a connection dropped after the request was sent: outcome unknown', async () => {
    cloud.reply = () => ({ drop: true });
    await expect(
      sendCloud(
        { provider: 'tencent-ci', timeoutMs: 1000 },
        { method: 'POST', url: url(), headers: {}, body: 'x' },
      ),
    ).rejects.toMatchObject({ outcome: 'unknown', retryable: true });
  });

  it('a refused connection: outcome unsent', async () => {
    const port = await closedPort();
    await expect(
      sendCloud(
        { provider: 'qiniu', timeoutMs: 1000 },
        { method: 'POST', url: new URL(`http://127.0.0.1:${port}/pfop/`), headers: {}, body: 'x' },
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED', outcome: 'unsent', retryable: true });
  });

  it('the caller’s signal aborts the call too', async () => {
    cloud.reply = () => ({ status: 200, body: 'late', delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      sendCloud(
        { provider: 'tencent-ci', timeoutMs: 5000 },
        { method: 'GET', url: url(), headers: {}, signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'Aborted', outcome: 'unknown' });
  });

  it('resolves any answer with its status and text', async () => {
    cloud.reply = () => ({ status: 500, body: 'oops' });
    const got = await sendCloud(
      { provider: 'tencent-ci', timeoutMs: 1000 },
      { method: 'GET', url: url(), headers: {} },
    );
    expect([got.status, got.text]).toEqual([500, 'oops']);
  });
});
