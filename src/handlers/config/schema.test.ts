import { afterAll, describe, expect, it } from 'vitest';
import { configFolders, failureIn, loadIn } from './test-files.js';

/** The rules of the file (CONTRACT.md §5.1–5.3), each checked through a real JSON file and the loader's words. */

const folders = configFolders();
afterAll(folders.cleanup);

const forward = { url: 'https://archive.example.com/hooks' };
const handler = (fields: Record<string, unknown>) => ({ name: 'h', on: { type: '*' }, forward, ...fields });

/** `path: message` of every problem of a file holding `value`. */
async function problems(value: unknown): Promise<string[]> {
  const error = await failureIn(
    await folders.folder({ 'jobhook.config.json': JSON.stringify(value, null, 2) }),
  );
  return error.issues.map((i) => `${i.path}: ${i.message}`);
}

async function loads(value: unknown) {
  const loaded = await loadIn(await folders.folder({ 'jobhook.config.json': JSON.stringify(value) }));
  if (loaded === undefined) throw new Error('no configuration');
  return loaded;
}

describe('the file', () => {
  it('applies the defaults of CONTRACT §5.1', async () => {
    const { config } = await loads({ handlers: [handler({ retry: {} })] });
    expect(config.handlers[0]?.retry).toEqual({ attempts: 5, backoff: 'exponential', delay: 1000 });
    expect(config.subscriptions).toEqual([]);
    expect((await loads({})).config).toEqual({ handlers: [], subscriptions: [] });
  });

  it('holds entries that are objects, each said once when not', async () => {
    expect(await problems({ handlers: [5, null, 'x'], subscriptions: [[]] })).toEqual([
      'handlers[0]: must be an object, not number 5',
      'handlers[1]: must be an object, not null',
      'handlers[2]: must be an object, not string "x"',
      'subscriptions[0]: must be an object, not a list',
    ]);
  });

  it('is an object', async () => {
    expect(await problems([])).toEqual([': must be an object, not a list']);
    expect(await problems(null)).toEqual([': must be an object, not null']);
    expect(await problems({ handlers: {} })).toEqual(['handlers: must be a list, not an object']);
  });

  it('refuses unknown keys at every level, naming each', async () => {
    const found = await problems({
      handler: [],
      handlers: [
        handler({ forwrd: {}, on: { type: '*', tpye: 'x' }, retry: { attempt: 2 } }),
        handler({ name: 'g', forward: { ...forward, secrets: 'x', header: {} } }),
      ],
      subscriptions: [{ queue: 'q', on: { type: '*' }, verfy: false, retry: { delays: 1 } }],
    });
    // In the order of the file (JSON.stringify writes keys in the order above).
    expect(found).toEqual([
      ': unknown key "handler" (known here: handlers, subscriptions)',
      'handlers[0].on: unknown key "tpye" (known here: type, source, subject, data)',
      'handlers[0]: unknown key "forwrd" (known here: name, on, verify, submit, forward, module, handle, options, retry, timeout, concurrency)',
      'handlers[0].retry: unknown key "attempt" (known here: attempts, backoff, delay)',
      'handlers[1].forward: unknown key "secrets" (known here: url, secret, headers, timeout)',
      'handlers[1].forward: unknown key "header" (known here: url, secret, headers, timeout)',
      'subscriptions[0]: unknown key "verfy" (known here: queue, on, verify, retry)',
      'subscriptions[0].retry: unknown key "delays" (known here: attempts, backoff, delay)',
    ]);
  });

  it('refuses __proto__ keys, which would hide (or, copied by assignment, become) a prototype', async () => {
    const text = `{"handlers": [{"name": "h", "on": {"type": "*", "data": {"tag": "x", "__proto__": "y"}},
      "__proto__": {"forward": {"url": "https://x.example"}}}]}`;
    const error = await failureIn(await folders.folder({ 'jobhook.config.json': text }));
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'handlers[0]: a handler needs one of forward, module, handle or submit',
      'handlers[0].on.data: a key may not be "__proto__"',
      'handlers[0]: a key may not be "__proto__"',
    ]);
  });
});

describe('handler names', () => {
  it.each(['a', 'hash-archives', '0-9', 'x'.repeat(64)])('accepts %j', async (name) => {
    const { config } = await loads({ handlers: [handler({ name })] });
    expect(config.handlers[0]?.name).toBe(name);
  });

  it.each(['', 'Audit', 'a_b', 'a.b', 'a b', 'é', 'x'.repeat(65)])('refuses %j', async (name) => {
    expect(await problems({ handlers: [handler({ name })] })).toEqual([
      'handlers[0].name: must be 1 to 64 characters of a-z, 0-9 and -',
    ]);
  });

  it('must be there and be unique, also when other entries have problems', async () => {
    expect(
      await problems({
        handlers: [handler({ name: 'a' }), handler({ name: 'b', on: { type: 5 } }), handler({ name: 'a' })],
      }),
    ).toEqual([
      'handlers[1].on.type: must be a pattern (a string, * for any run of characters) or a list of them',
      'handlers[2].name: the name a is taken by handlers[0]',
    ]);
    expect(await problems({ handlers: [{ on: { type: '*' }, forward }] })).toEqual([
      'handlers[0].name: is missing',
    ]);
  });
});

describe('what a handler does', () => {
  it('is exactly one of forward, module, handle and submit', async () => {
    expect(await problems({ handlers: [{ name: 'h', on: { type: '*' } }] })).toEqual([
      'handlers[0]: a handler needs one of forward, module, handle or submit',
    ]);
    expect(await problems({ handlers: [handler({ module: './m.mjs' })] })).toEqual([
      'handlers[0]: a handler has one of forward, module, handle or submit, not forward and module',
      expect.stringMatching(/^handlers\[0\]\.module: .*m\.mjs does not exist$/),
    ]);
  });

  it('says so even when another of its keys is wrong', async () => {
    expect(await problems({ handlers: [{ name: 'h', on: { type: 5 } }] })).toEqual([
      'handlers[0]: a handler needs one of forward, module, handle or submit',
      'handlers[0].on.type: must be a pattern (a string, * for any run of characters) or a list of them',
    ]);
  });

  it('checks a submit rule: its api, templates, region for COS batch, workflow fields, deadline and rate', async () => {
    const submit = (rule: object) => ({ handlers: [{ name: 'h', on: { type: '*' }, submit: rule }] });
    expect(await problems(submit({ api: 'x', request: {} }))).toEqual([
      expect.stringMatching(/^handlers\[0\]\.submit\.api: must be one of tencent-ci\.file-job, /),
    ]);
    expect(
      await problems(
        submit({ api: 'tencent-ci.file-job', request: { Input: { Object: '{{ data.outputs[0].object' } } }),
      ),
    ).toEqual([expect.stringMatching(/^handlers\[0\]\.submit\.request: /)]);
    expect(await problems(submit({ api: 'tencent-cos-batch.job', request: {} }))).toEqual([
      'handlers[0].submit.region: a COS batch job needs its region in the rule',
    ]);
    expect(await problems(submit({ api: 'tencent-ci.workflow', request: { object: 'a.mp4' } }))).toEqual([
      'handlers[0].submit.request.workflowId: a triggered workflow needs workflowId and object',
    ]);
    expect(
      await problems(submit({ api: 'qiniu.pfop', request: {}, rate: 'fast', deadline: '10ms' })),
    ).toEqual([
      'handlers[0].submit.rate: a rate such as 20/s, 600/m or 1000/h (1 to 100000 per unit)',
      'handlers[0].submit.deadline: must be between 1s and 30d',
    ]);
    const { config } = await loads(
      submit({ api: 'tencent-ci.file-job', request: { Tag: 'FileHashCode' }, rate: '20/s', deadline: '30m' }),
    );
    expect(config.handlers[0]?.submit).toEqual({
      api: 'tencent-ci.file-job',
      request: { Tag: 'FileHashCode' },
      rate: { max: 20, durationMs: 1000 },
      deadline: 1_800_000,
    });
  });

  it('takes verify on handlers and subscriptions', async () => {
    const { config } = await loads({
      handlers: [handler({ verify: true })],
      subscriptions: [{ queue: 'q', on: { type: '*' }, verify: true }],
    });
    expect(config.handlers[0]?.verify).toBe(true);
    expect(config.subscriptions[0]?.verify).toBe(true);
  });

  it('takes options only with a module or handle', async () => {
    expect(await problems({ handlers: [handler({ options: { a: 1 } })] })).toEqual([
      'handlers[0].options: options are for module and handle handlers (forward and submit take none)',
    ]);
    expect(
      await problems({ handlers: [{ name: 'h', on: { type: '*' }, module: './m.mjs', options: [1] }] }),
    ).toEqual([
      expect.stringMatching(/^handlers\[0\]\.module: .*m\.mjs does not exist$/),
      'handlers[0].options: must be an object, not a list',
    ]);
  });

  it('needs a filter', async () => {
    expect(await problems({ handlers: [{ name: 'h', forward }] })).toEqual([
      'handlers[0].on: a handler needs a filter: on: { type: … }',
    ]);
  });
});

describe('durations', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    [' 2 s ', 2000],
  ])('reads %j as %d ms', async (delay, ms) => {
    const { config } = await loads({ handlers: [handler({ retry: { delay } })] });
    expect(config.handlers[0]?.retry?.delay).toBe(ms);
  });

  it.each([-1, 1.5, '5 minutes', '5M', '1w', '', 's', '1e3ms', true, null, [], {}])(
    'refuses %j',
    async (delay) => {
      expect(await problems({ handlers: [handler({ retry: { delay } })] })).toEqual([
        expect.stringMatching(
          /^handlers\[0\]\.retry\.delay: not a duration: .* \(a whole number of milliseconds, or e\.g\. 500ms, 30s, 5m, 1h, 7d\)$/,
        ),
      ]);
    },
  );

  it('keeps to the bounds of each setting', async () => {
    expect(
      await problems({
        handlers: [
          handler({ timeout: 0, retry: { delay: '8d' } }),
          handler({ name: 'f', forward: { ...forward, timeout: '11m' } }),
        ],
      }),
    ).toEqual([
      'handlers[0].timeout: must be between 1ms and 1d',
      'handlers[0].retry.delay: must be between 0ms and 7d',
      'handlers[1].forward.timeout: must be between 1ms and 10m',
    ]);
    const { config } = await loads({ handlers: [handler({ timeout: '1d', retry: { delay: '7d' } })] });
    expect(config.handlers[0]?.timeout).toBe(86_400_000);
  });

  it('checks attempts, backoff and concurrency', async () => {
    expect(
      await problems({
        handlers: [handler({ retry: { attempts: 0, backoff: 'linear' }, concurrency: 2.5 })],
      }),
    ).toEqual([
      'handlers[0].retry.attempts: must be at least 1, not 0',
      'handlers[0].retry.backoff: must be "exponential" or "fixed", not "linear"',
      'handlers[0].concurrency: must be a whole number, not 2.5',
    ]);
  });
});

describe('forward', () => {
  it.each(['ftp://x.example/', 'x.example/hooks', 'file:///etc/passwd', 'https//x'])(
    'refuses the URL %j',
    async (url) => {
      expect(await problems({ handlers: [handler({ forward: { url } })] })).toEqual([
        'handlers[0].forward.url: must be an http:// or https:// URL',
      ]);
    },
  );

  it.each([
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    'c2VjcmV0',
    'c2VjcmV0MQ==',
  ])('accepts the secret %j', async (secret) => {
    const { config } = await loads({ handlers: [handler({ forward: { url: 'http://x.example', secret } })] });
    expect(config.handlers[0]?.forward?.secret).toBe(secret);
  });

  it.each([
    '',
    'whsec_',
    'not base64!',
    'abc',
    'whsec_ab=c',
    'c2VjcmV0MQ===',
    'c2VjcmV0M',
    'c2VjcmV0MQ=',
    'c2Vj cmV0',
    'c2VjcmV0_-',
  ])('refuses the secret %j', async (secret) => {
    expect(await problems({ handlers: [handler({ forward: { ...forward, secret } })] })).toEqual([
      'handlers[0].forward.secret: must be base64 (optionally after whsec_), as Standard Webhooks secrets are',
    ]);
  });

  it('refuses headers jobhook sets itself, in any case, and names that are not header names', async () => {
    const headers = {
      'Content-Type': 'a',
      'webhook-ID': 'b',
      'Webhook-Signature': 'c',
      'x y': 'd',
      'X-Ok': 'e',
    };
    expect(await problems({ handlers: [handler({ forward: { ...forward, headers } })] })).toEqual([
      'handlers[0].forward.headers.Content-Type: set by jobhook itself',
      'handlers[0].forward.headers.webhook-ID: set by jobhook itself',
      'handlers[0].forward.headers.Webhook-Signature: set by jobhook itself',
      'handlers[0].forward.headers["x y"]: not a header name',
    ]);
    const { config } = await loads({
      handlers: [handler({ forward: { ...forward, headers: { 'X-Ok': 'e' } } })],
    });
    expect(config.handlers[0]?.forward?.headers).toEqual({ 'X-Ok': 'e' });
  });
});

describe('subscriptions', () => {
  it.each(['media-done', 'a', 'Media.Done_2', 'x'.repeat(100)])('accepts the queue %j', async (queue) => {
    const { config } = await loads({ subscriptions: [{ queue, on: { type: '*' } }] });
    expect(config.subscriptions[0]?.queue).toBe(queue);
  });

  it('refuses queue names with :, jobhook’s own, and others that are not queue names', async () => {
    const queues = ['a:b', 'jobhook-events', '-a', '', 'x'.repeat(101), 'a b'];
    expect(await problems({ subscriptions: queues.map((queue) => ({ queue, on: { type: '*' } })) })).toEqual([
      'subscriptions[0].queue: a queue name: letters, digits, _, . and -, at most 100, no :',
      'subscriptions[1].queue: queue names starting with jobhook- are jobhook’s own',
      'subscriptions[2].queue: a queue name: letters, digits, _, . and -, at most 100, no :',
      'subscriptions[3].queue: a queue name: letters, digits, _, . and -, at most 100, no :',
      'subscriptions[4].queue: a queue name: letters, digits, _, . and -, at most 100, no :',
      'subscriptions[5].queue: a queue name: letters, digits, _, . and -, at most 100, no :',
    ]);
  });

  it('needs a filter', async () => {
    expect(await problems({ subscriptions: [{ queue: 'q' }] })).toEqual(['subscriptions[0].on: is missing']);
  });
});

describe('filters', () => {
  const on = (filter: unknown) => ({ handlers: [handler({ on: filter })] });

  it('refuses empty lists, empty patterns, unknown fields and an empty data object', async () => {
    expect(await problems(on({ type: [] }))).toEqual([
      'handlers[0].on.type: a list of patterns must not be empty',
    ]);
    expect(await problems(on({ source: '' }))).toEqual([
      'handlers[0].on.source: a pattern must not be empty',
    ]);
    expect(await problems(on({ subject: [''] }))).toEqual([
      'handlers[0].on.subject[0]: a pattern must not be empty',
    ]);
    expect(await problems(on({ data: {} }))).toEqual([
      'handlers[0].on.data: data must name at least one path',
    ]);
    expect(await problems(on({ data: { tag: [] } }))).toEqual([
      'handlers[0].on.data.tag: a list of values must not be empty',
    ]);
    expect(await problems(on({ kind: 'job' }))).toEqual([
      'handlers[0].on: unknown key "kind" (known here: type, source, subject, data)',
    ]);
  });

  it('refuses values that are not strings, numbers or booleans', async () => {
    const value = 'must be a value (a string, number or boolean) or a list of them';
    expect(await problems(on({ data: { tag: null, code: [{}], state: { a: 1 } } }))).toEqual([
      `handlers[0].on.data.tag: ${value}`,
      `handlers[0].on.data.code: ${value}`,
      `handlers[0].on.data.state: ${value}`,
    ]);
  });

  it('refuses data paths that are not dotted paths, and __proto__', async () => {
    const path = 'a dotted path into event.data, e.g. input.bucket or outputs[0].object';
    expect(await problems(on({ data: { 'a..b': 1, '.a': 1, 'a[x]': 1, 'a.': 1, '0a': 1 } }))).toEqual([
      `handlers[0].on.data["a..b"]: ${path}`,
      `handlers[0].on.data[".a"]: ${path}`,
      `handlers[0].on.data["a[x]"]: ${path}`,
      `handlers[0].on.data["a."]: ${path}`,
      `handlers[0].on.data["0a"]: ${path}`,
    ]);
    expect(
      await problems(on({ data: { 'a.__proto__[0]': 'z', 'b.__proto__': 'z', 'c.__proto__x': 'z' } })),
    ).toEqual([
      'handlers[0].on.data["a.__proto__[0]"]: __proto__ is not a field of event.data',
      'handlers[0].on.data["b.__proto__"]: __proto__ is not a field of event.data',
    ]);
  });

  it('accepts what CONTRACT §5.2 shows', async () => {
    const filter = {
      type: ['tencent.ci.job.*', 'qiniu.pfop.*'],
      source: '/tencent-ci/*',
      subject: 'j*',
      data: {
        tag: ['Transcode', 'Snapshot'],
        'input.bucket': 'b',
        'outputs[0].object': 'o',
        code: 0,
        ok: true,
      },
    };
    expect((await loads(on(filter))).config.handlers[0]?.on).toEqual(filter);
  });
});
