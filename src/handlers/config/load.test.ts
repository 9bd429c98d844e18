import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAMES } from './load.js';
import { configFolders, failureIn, loadIn, type LoadIn } from './test-files.js';

const folders = configFolders();
afterAll(folders.cleanup);

async function loaded(cwd: string, options: LoadIn = {}) {
  const result = await loadIn(cwd, options);
  if (result === undefined) throw new Error('no configuration file found');
  return result;
}

/** `path: message` of every problem. */
const problemsIn = async (cwd: string, options: LoadIn = {}): Promise<string[]> =>
  (await failureIn(cwd, options)).issues.map((i) => `${i.path}: ${i.message}`);

/** A module that counts its evaluations (by its URL) in a global the tests read. */
const COUNTING = `globalThis.jobhookLoads ??= {};
globalThis.jobhookLoads[import.meta.url] = (globalThis.jobhookLoads[import.meta.url] ?? 0) + 1;
export default { on: { type: 'qiniu.pfop.*' }, retry: { attempts: 2 }, handle: (event) => event.id };
`;
const loadsOf = (file: string): number | undefined =>
  (globalThis as { jobhookLoads?: Record<string, number> }).jobhookLoads?.[pathToFileURL(file).href];

describe('finding the file', () => {
  it('finds none: no handlers', async () => {
    expect(await loadIn(await folders.folder({ 'jobhook.yaml': 'handlers: [' }))).toBeUndefined();
  });

  it.each(CONFIG_FILE_NAMES)('finds %s in the working directory', async (name) => {
    const text = name.endsWith('js') ? 'export default { handlers: [] };\n' : '{}';
    const cwd = await folders.folder({ [name]: text });
    const result = await loaded(cwd);
    expect(result.file).toBe(join(cwd, name));
    expect(result.config).toEqual({ handlers: [], subscriptions: [] });
  });

  it('refuses several, listing them', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yml': '{}',
      'jobhook.config.json': '{}',
      'jobhook.config.mjs': '',
    });
    const error = await failureIn(cwd);
    expect(error.file).toBe(cwd);
    expect(error.message).toBe(
      `${cwd}: 1 problem\n  several configuration files are here (jobhook.config.json, jobhook.config.yml, jobhook.config.mjs): keep one, or name it in JOBHOOK_CONFIG`,
    );
  });

  it('takes the file JOBHOOK_CONFIG names, relative to the working directory, over those found', async () => {
    const cwd = await folders.folder({
      'jobhook.config.json': '{',
      'jobhook.config.yaml': '{',
      'conf/hooks.yaml': 'subscriptions: [{ queue: q, on: { type: "*" } }]',
    });
    const result = await loaded(cwd, { path: 'conf/hooks.yaml' });
    expect(result.file).toBe(join(cwd, 'conf/hooks.yaml'));
    expect(result.config.subscriptions.map((s) => s.queue)).toEqual(['q']);
    expect((await loaded('/', { path: join(cwd, 'conf/hooks.yaml') })).file).toBe(
      join(cwd, 'conf/hooks.yaml'),
    );
  });

  it('refuses a JOBHOOK_CONFIG that names no file, naming the file', async () => {
    const cwd = await folders.folder({ 'jobhook.config.json': '{}' });
    const error = await failureIn(cwd, { path: 'conf/missing.yaml' });
    expect(error.file).toBe(join(cwd, 'conf/missing.yaml'));
    expect(error.message).toBe(
      `${join(cwd, 'conf/missing.yaml')}: 1 problem\n  JOBHOOK_CONFIG names this file, which does not exist`,
    );
  });

  it('refuses a file of another kind', async () => {
    const cwd = await folders.folder({ 'hooks.toml': '' });
    expect(await problemsIn(cwd, { path: 'hooks.toml' })).toEqual([
      ': a configuration file is .json, .yaml, .yml, .mjs or .js',
    ]);
  });
});

describe('JSON and YAML', () => {
  const yaml = `handlers:
  - name: hash-archives
    on:
      type: tencent.ci.job.succeeded
      data: { tag: FileCompress }
    module: ./handlers/hash.mjs
    options: { table: audit }
    retry: { attempts: 5, backoff: exponential, delay: 2s }
    timeout: 30s
    concurrency: 4
  - name: notify-archive-service
    on: { type: ["tencent.ci.job.*", "qiniu.pfop.*"] }
    forward: { url: "https://archive.example.com/hooks", secret: "\${ARCHIVE_WEBHOOK_SECRET}" }
subscriptions:
  - queue: media-done
    on: { type: tencent.ci.job.succeeded, data: { tag: [Transcode, Snapshot] } }
    verify: false
`;
  const json = JSON.stringify({
    handlers: [
      {
        name: 'hash-archives',
        on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
        module: './handlers/hash.mjs',
        options: { table: 'audit' },
        retry: { attempts: 5, backoff: 'exponential', delay: '2s' },
        timeout: '30s',
        concurrency: 4,
      },
      {
        name: 'notify-archive-service',
        on: { type: ['tencent.ci.job.*', 'qiniu.pfop.*'] },
        forward: { url: 'https://archive.example.com/hooks', secret: '${ARCHIVE_WEBHOOK_SECRET}' },
      },
    ],
    subscriptions: [
      {
        queue: 'media-done',
        on: { type: 'tencent.ci.job.succeeded', data: { tag: ['Transcode', 'Snapshot'] } },
        verify: false,
      },
    ],
  });
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const hash = 'export default { handle: () => undefined };\n';

  it('read CONTRACT §5.1’s example alike (without what this release refuses)', async () => {
    const env = { ARCHIVE_WEBHOOK_SECRET: secret };
    const fromYaml = await loaded(
      await folders.folder({ 'jobhook.config.yaml': yaml, 'handlers/hash.mjs': hash }),
      { env },
    );
    const fromJson = await loaded(
      await folders.folder({ 'jobhook.config.json': json, 'handlers/hash.mjs': hash }),
      { env },
    );
    expect(fromJson.config).toEqual(fromYaml.config);
    expect(fromYaml.config).toEqual({
      handlers: [
        {
          name: 'hash-archives',
          on: { type: 'tencent.ci.job.succeeded', data: { tag: 'FileCompress' } },
          module: './handlers/hash.mjs',
          options: { table: 'audit' },
          retry: { attempts: 5, backoff: 'exponential', delay: 2000 },
          timeout: 30_000,
          concurrency: 4,
        },
        {
          name: 'notify-archive-service',
          on: { type: ['tencent.ci.job.*', 'qiniu.pfop.*'] },
          forward: { url: 'https://archive.example.com/hooks', secret },
        },
      ],
      subscriptions: [
        {
          queue: 'media-done',
          on: { type: 'tencent.ci.job.succeeded', data: { tag: ['Transcode', 'Snapshot'] } },
          verify: false,
        },
      ],
    });
    expect(fromYaml.handlers.map((h) => h.module?.path)).toEqual([
      join(fromYaml.file, '../handlers/hash.mjs'),
      undefined,
    ]);
  });
});

describe('JavaScript configuration modules', () => {
  it('keep functions and class instances as they are, and substitute strings around them', async () => {
    const cwd = await folders.folder({
      'jobhook.config.mjs': `class Pool { constructor() { this.size = 2; } }
export const pool = new Pool();
export const handle = (event) => event.id;
export default {
  handlers: [{ name: 'code', on: { type: '*' }, handle, options: { pool, label: '\${LABEL}', list: ['\${LABEL}'] } }],
};
`,
    });
    const result = await loaded(cwd, { env: { LABEL: 'prod' } });
    const module = (await import(pathToFileURL(result.file).href)) as { pool: object; handle: unknown };
    const entry = result.handlers[0]?.entry;
    expect(entry?.handle).toBe(module.handle);
    expect(entry?.options?.pool).toBe(module.pool);
    expect(entry?.options).toMatchObject({ label: 'prod', list: ['prod'] });
  });

  it('may export defineConfig(…), and be .js', async () => {
    const define = pathToFileURL(resolve('src/handlers/define.ts')).href;
    const config = `import { defineConfig } from '${define}';
export default defineConfig({ handlers: [{ name: 'a', on: { type: 'app.*' }, handle: () => undefined }] });
`;
    for (const name of ['jobhook.config.mjs', 'jobhook.config.js']) {
      const result = await loaded(await folders.folder({ [name]: config }));
      expect(result.handlers.map((h) => h.entry.name)).toEqual(['a']);
    }
  });

  it('refuse a module without a default export, one that does not load, and one that exports no object', async () => {
    const cases = {
      'export const handlers = [];': 'the module has no default export (export default defineConfig({ … }))',
      'throw new Error("no database");': 'does not load: no database',
      'export default {': 'does not load: ',
      'export default () => ({ handlers: [] });': 'must be an object, not a function',
    };
    for (const [text, problem] of Object.entries(cases)) {
      const found = await problemsIn(await folders.folder({ 'jobhook.config.mjs': text }));
      expect(found).toEqual([expect.stringContaining(problem)]);
    }
  });
});

describe('module handlers', () => {
  it('resolve against the file’s folder, not the working directory, and absolute paths as they are', async () => {
    const cwd = await folders.folder({
      'conf/jobhook.yaml': `handlers:
  - { name: relative, on: { type: "*" }, module: ./handlers/audit.mjs }
  - { name: absolute, module: ABSOLUTE }
`,
      'conf/handlers/audit.mjs': COUNTING,
      'elsewhere/audit.mjs': COUNTING,
    });
    const file = join(cwd, 'conf/jobhook.yaml');
    const { writeFile, readFile } = await import('node:fs/promises');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('ABSOLUTE', join(cwd, 'elsewhere/audit.mjs')),
    );
    const result = await loaded(cwd, { path: 'conf/jobhook.yaml' });
    expect(result.handlers.map((h) => h.module?.path)).toEqual([
      join(cwd, 'conf/handlers/audit.mjs'),
      join(cwd, 'elsewhere/audit.mjs'),
    ]);
    expect(result.handlers[1]?.module?.exported.on).toEqual({ type: 'qiniu.pfop.*' });
    expect(result.handlers[1]?.module?.exported.retry).toEqual({
      attempts: 2,
      backoff: 'exponential',
      delay: 1000,
    });
  });

  it('are imported once, however the entries that share one spell its path', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yaml': `handlers:
  - { name: a, module: ./shared.mjs }
  - { name: b, module: shared.mjs }
  - { name: c, module: ./sub/../shared.mjs }
`,
      'shared.mjs': COUNTING,
    });
    const result = await loaded(cwd);
    expect(loadsOf(join(cwd, 'shared.mjs'))).toBe(1);
    const [a, b, c] = result.handlers.map((h) => h.module?.exported);
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('that cannot be used are problems naming the module’s path', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yaml': `handlers:
  - { name: missing, on: { type: "*" }, module: ./missing.mjs }
  - { name: throws, on: { type: "*" }, module: ./throws.mjs }
  - { name: no-default, on: { type: "*" }, module: ./named.mjs }
  - { name: function, on: { type: "*" }, module: ./function.mjs }
  - { name: not-handler, on: { type: "*" }, module: ./not-handler.mjs }
  - { name: no-filter, module: ./no-filter.mjs }
  - { name: again, on: { type: "*" }, module: ./missing.mjs }
`,
      'throws.mjs': 'throw new Error("no database");\n',
      'named.mjs': 'export const handle = () => undefined;\n',
      'function.mjs': 'export default () => undefined;\n',
      'not-handler.mjs': 'export default { name: "x", handle: 5, timeout: "1y" };\n',
      'no-filter.mjs': 'export default { handle: () => undefined };\n',
    });
    const at = (name: string) => join(cwd, name);
    expect(await problemsIn(cwd)).toEqual([
      `handlers[0].module: ${at('missing.mjs')} does not exist`,
      `handlers[1].module: ${at('throws.mjs')} does not load: no database`,
      `handlers[2].module: ${at('named.mjs')} has no default export (export default defineHandler({ on, handle }))`,
      `handlers[3].module: the default export of ${at('function.mjs')} is not a handler: must be an object, not a function`,
      `handlers[4].module: the default export of ${at('not-handler.mjs')} is not a handler: ` +
        'timeout: not a duration: "1y" (a whole number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d); ' +
        'handle: must be a function; ' +
        'unknown key "name" (known here: on, retry, timeout, concurrency, handle)',
      `handlers[5].on: a handler needs a filter: on: { type: … } here or in the default export of ${at('no-filter.mjs')}`,
      `handlers[6].module: ${at('missing.mjs')} does not exist`,
    ]);
  });

  it('are loaded and checked even when the file has other problems, so that all are listed', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yaml': `handlers:
  - { name: Bad_Name, on: { type: "*" }, module: ./missing.mjs }
`,
    });
    expect(await problemsIn(cwd)).toEqual([
      'handlers[0].name: must be 1 to 64 characters of a-z, 0-9 and -',
      `handlers[0].module: ${join(cwd, 'missing.mjs')} does not exist`,
    ]);
  });
});

describe('${ENV} substitution', () => {
  const yaml = `handlers:
  - name: hook
    on:
      type: ["\${PREFIX}.job.*", "qiniu.pfop.*"]
      data: { tag: "\${TAG}", "input.bucket": ["a", "\${BUCKET}"] }
    forward:
      url: https://\${HOST}/hooks?stage=\${STAGE}
      headers: { X-Stage: "\${STAGE}" }
  - name: code
    on: { type: "*" }
    module: ./m.mjs
    options:
      template: "\${InputName}/\${Number}.mp4"
      literal: "$\${HOME} is not read"
      "\${KEY}": keys are kept
`;
  const env = {
    PREFIX: 'tencent.ci',
    TAG: 'Transcode',
    BUCKET: 'b-1',
    HOST: 'hooks.example.com',
    STAGE: 'prod',
  };

  it('replaces env-style names in every string value, nested too, and only those', async () => {
    const cwd = await folders.folder({ 'jobhook.config.yaml': yaml, 'm.mjs': COUNTING });
    const { config } = await loaded(cwd, { env: { ...env, HOME: '/root', KEY: 'no' } });
    expect(config.handlers[0]?.on).toEqual({
      type: ['tencent.ci.job.*', 'qiniu.pfop.*'],
      data: { tag: 'Transcode', 'input.bucket': ['a', 'b-1'] },
    });
    expect(config.handlers[0]?.forward).toEqual({
      url: 'https://hooks.example.com/hooks?stage=prod',
      headers: { 'X-Stage': 'prod' },
    });
    expect(config.handlers[1]?.options).toEqual({
      template: '${InputName}/${Number}.mp4',
      literal: '${HOME} is not read',
      '${KEY}': 'keys are kept',
    });
  });

  it('refuses an unset variable, naming the path and the variable, once', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yaml': `${yaml}  - name: secret
    on: { type: "*" }
    forward: { url: "https://x.example", secret: "\${SECRET}" }
`,
      'm.mjs': COUNTING,
    });
    const partial = { PREFIX: env.PREFIX, BUCKET: env.BUCKET, STAGE: env.STAGE };
    const error = await failureIn(cwd, { env: partial });
    expect(error.issues.map((i) => `${i.path}: ${i.message} @${i.line}`)).toEqual([
      'handlers[0].on.data.tag: the environment variable TAG is not set @5',
      'handlers[0].forward.url: the environment variable HOST is not set @7',
      'handlers[2].forward.secret: the environment variable SECRET is not set @18',
    ]);
  });
});

describe('the message', () => {
  it('names the file and every problem, one a line, in the order of the file', async () => {
    const cwd = await folders.folder({
      'jobhook.config.yaml': `handlers:
  - name: Hash-Archives
    on: { type: [], data: {} }
    forward: { url: "ftp://archive.example.com", secret: "\${ARCHIVE_SECRET}" }
    retry: { attempts: 0, delay: 1w }
    timeot: 30s
  - name: audit
    module: ./audit.mjs
    options: { table: audit }
subscriptions:
  - queue: jobhook-events
    on: { type: "*" }
    verify: sometimes
`,
    });
    const file = join(cwd, 'jobhook.config.yaml');
    expect((await failureIn(cwd)).message).toBe(
      `${file}: 11 problems
  handlers[0].name (line 2, column 11): must be 1 to 64 characters of a-z, 0-9 and -
  handlers[0].on.type (line 3, column 17): a list of patterns must not be empty
  handlers[0].on.data (line 3, column 27): data must name at least one path
  handlers[0].forward.url (line 4, column 21): must be an http:// or https:// URL
  handlers[0].forward.secret (line 4, column 58): the environment variable ARCHIVE_SECRET is not set
  handlers[0].retry.attempts (line 5, column 24): must be at least 1, not 0
  handlers[0].retry.delay (line 5, column 34): not a duration: "1w" (a whole number of milliseconds, or e.g. 500ms, 30s, 5m, 1h, 7d)
  handlers[0] (line 6, column 5): unknown key "timeot" (known here: name, on, verify, submit, forward, module, handle, options, retry, timeout, concurrency)
  handlers[1].module (line 8, column 13): ${join(cwd, 'audit.mjs')} does not exist
  subscriptions[0].queue (line 11, column 12): queue names starting with jobhook- are jobhook’s own
  subscriptions[0].verify (line 13, column 13): must be a boolean, not string "sometimes"`,
    );
  });
});
