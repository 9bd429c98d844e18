import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createForward } from './forward.js';
import { event, run, testContext } from './test-context.js';
import { startReceiver, type Received, type Receiver } from './test-receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The three Standard Webhooks headers a receiver got, as `Webhook.verify` takes them. */
function webhookHeaders(request: Received): Record<string, string> {
  const pick = (name: string) => String(request.headers[name] ?? '');
  return {
    'webhook-id': pick('webhook-id'),
    'webhook-timestamp': pick('webhook-timestamp'),
    'webhook-signature': pick('webhook-signature'),
  };
}

describe('forward: what the receiver gets', () => {
  let receiver: Receiver;
  afterEach(async () => {
    vi.useRealTimers();
    await receiver.close();
  });

  it.each([SECRET, SECRET.slice('whsec_'.length)])(
    'POSTs the event byte for byte as application/cloudevents+json, signed so standardwebhooks verifies it (%s)',
    async (secret) => {
      receiver = await startReceiver();
      const { ctx } = testContext();
      await run(createForward({ url: `${receiver.url}/hooks?token=t0k3n`, secret }), ctx);

      expect(receiver.requests).toHaveLength(1);
      const [request] = receiver.requests as [Received];
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/hooks?token=t0k3n');
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      expect(request.body.equals(Buffer.from(JSON.stringify(event), 'utf8'))).toBe(true);
      expect(request.headers['webhook-id']).toBe(event.id);
      expect(new Webhook(secret).verify(request.body, webhookHeaders(request))).toEqual(event);
    },
  );

  it('sends the same webhook-id on every attempt, with a new timestamp and signature', async () => {
    receiver = await startReceiver((_, response) => {
      response.writeHead(503).end();
    });
    const forward = createForward({ url: receiver.url, secret: SECRET });
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    for (const [attempt, at] of [start - 20_000, start].entries()) {
      vi.setSystemTime(at);
      await expect(run(forward, testContext({ attempt: attempt + 1 }).ctx)).rejects.toThrow(/503/);
    }
    vi.useRealTimers();

    const [first, second] = receiver.requests.map(webhookHeaders) as [
      Record<string, string>,
      Record<string, string>,
    ];
    expect([first['webhook-id'], second['webhook-id']]).toEqual([event.id, event.id]);
    expect(Number(second['webhook-timestamp']) - Number(first['webhook-timestamp'])).toBe(20);
    expect(second['webhook-signature']).not.toBe(first['webhook-signature']);
    for (const request of receiver.requests)
      expect(new Webhook(SECRET).verify(request.body, webhookHeaders(request))).toEqual(event);
  });

  it('adds the configured headers and user-agent jobhook/<version>', async () => {
    receiver = await startReceiver();
    const headers = { authorization: 'Bearer archive-t0ken', 'X-Tenant': 'media' };
    await run(createForward({ url: receiver.url, headers }), testContext().ctx);

    const [request] = receiver.requests as [Received];
    expect(request.headers.authorization).toBe('Bearer archive-t0ken');
    expect(request.headers['x-tenant']).toBe('media');
    expect(request.headers['user-agent']).toBe(`jobhook/${VERSION}`);
  });

  it('sends webhook-id and webhook-timestamp but no signature when no secret is set', async () => {
    receiver = await startReceiver();
    await run(createForward({ url: receiver.url }), testContext().ctx);

    const [request] = receiver.requests as [Received];
    expect(request.headers['webhook-id']).toBe(event.id);
    expect(request.headers['webhook-timestamp']).toMatch(/^\d+$/);
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers).not.toHaveProperty('webhook-signature');
  });

  it('logs one debug line per attempt (status, duration, attempt), never the secret, header values or query', async () => {
    receiver = await startReceiver();
    const { ctx, logs } = testContext({ attempt: 2 });
    const forward = createForward({
      url: `${receiver.url}/hooks?token=t0k3n`,
      secret: SECRET,
      headers: { authorization: 'Bearer archive-t0ken' },
    });
    await run(forward, ctx);
    await run(forward, ctx);

    const lines = logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatchObject({
        level: 'debug',
        msg: 'forward attempt',
        url: `${receiver.url}/hooks`,
        status: 200,
        attempt: 2,
        durationMs: expect.any(Number) as unknown,
      });
    for (const secret of ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'archive-t0ken', 't0k3n', 'webhook-signature'])
      expect(logs()).not.toContain(secret);
  });
});

describe('forward: options it refuses when created', () => {
  it.each(['Content-Type', 'webhook-signature', 'WEBHOOK-ID', 'content-length'])(
    'a configured %s header, naming no value',
    (name) => {
      expect(() =>
        createForward({ url: 'https://archive.example.com/hooks', headers: { [name]: 's3cr3t' } }),
      ).toThrow(new RegExp(`forward\\.headers\\.${name}: set by jobhook itself`));
    },
  );

  it('a header value that HTTP cannot carry, without repeating it', () => {
    const create = () =>
      createForward({ url: 'https://archive.example.com/hooks', headers: { 'x-a': 's3cr3t\r\nx: y' } });
    expect(create).toThrow(TypeError);
    expect(create).not.toThrow(/s3cr3t/);
  });

  it('a secret that is not base64', () => {
    expect(() =>
      createForward({ url: 'https://archive.example.com/hooks', secret: 'whsec_not base64' }),
    ).toThrow(TypeError);
  });
});
