import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedJobs } from '../src/cli/stored-jobs.js';
import { handlerQueue } from '../src/queue/queues.js';
import { flush, startJobhook, withToken, type RunningJobhook } from './helpers/jobhook.js';
import { freePort, RedisServer } from './helpers/redis-server.js';
import { jsonOf, runJobhook, type CliResult } from './helpers/run-cli.js';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'src/providers/tencent-ci/fixtures');

let redis: RedisServer;
let dir: string;

beforeAll(async () => {
  redis = await RedisServer.start();
  dir = await mkdtemp(join(tmpdir(), 'jobhook-cli-'));
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

type Result = CliResult;

/** The real program, as `npx jobhook …` runs it (through tsx, from the repository root), against the private Redis. */
function jobhook(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Result> {
  return runJobhook(
    args,
    { REDIS_URL: redis.url, JOBHOOK_DATA_DIR: dir, JOBHOOK_TOKENS: 'cli-test-token', ...env },
    timeoutMs,
  );
}

const json = jsonOf;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withQueue<T>(name: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

const jobIds = (name: string, states: ('completed' | 'failed' | 'waiting' | 'active' | 'delayed')[]) =>
  withQueue(name, async (queue) => (await queue.getJobs(states)).map((job) => job.id ?? ''));

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** One handler run, as the handlers of `configFile` log it. */
interface Run {
  readonly handler: string;
  readonly id: string;
  readonly channel: string;
}
type Runs = () => Promise<Run[]>;

/**
 * A configuration file whose handlers append `{ handler, id, channel }` to a log file for every run, so the test
 * sees what ran; `fail` is the body of a function that may throw.
 */
async function configFile(
  name: string,
  handlers: { name: string; type: string; attempts?: number; fail?: string }[],
  extra = '',
): Promise<{ file: string; runs: Runs }> {
  const log = join(dir, `${name}.runs`);
  const entries = handlers.map(
    (h) => `{
      name: ${JSON.stringify(h.name)},
      on: { type: ${JSON.stringify(h.type)} },
      ${h.attempts === undefined ? '' : `retry: { attempts: ${h.attempts} },`}
      handle(event) {
        appendFileSync(${JSON.stringify(log)}, JSON.stringify({ handler: ${JSON.stringify(h.name)}, id: event.id, channel: event.channel }) + '\\n');
        ${h.fail ?? ''}
      },
    }`,
  );
  const file = join(dir, `${name}.mjs`);
  await writeFile(
    file,
    `import { appendFileSync, existsSync } from 'node:fs';\nexport default { handlers: [${entries.join(',')}], ${extra} };\n`,
  );
  await writeFile(log, '');
  return {
    file,
    runs: async () =>
      (await readFile(log, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Run),
  };
}

/** Posts a fixture to the running jobhook; the ids of the events it became. */
async function post(service: RunningJobhook, fixture: string): Promise<string[]> {
  const response = await service.post(
    withToken('/v1/callbacks/tencent-ci'),
    await readFile(join(fixtures, fixture)),
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { events: { id: string }[] };
  return body.events.map((e) => e.id);
}

describe('usage', () => {
  let usageConfig: string;

  beforeAll(async () => {
    ({ file: usageConfig } = await configFile('usage', [{ name: 'audit', type: '*' }]));
  });

  const bad: string[][] = [
    ['bogus'],
    ['--bogus'],
    ['serve', '--bogus'],
    ['serve', 'extra'],
    ['dlq'],
    ['dlq', 'bogus'],
    ['dlq', 'list', 'extra'],
    ['dlq', 'show'],
    ['dlq', 'retry'],
    ['dlq', 'retry', '--all', 'X'],
    ['dlq', 'retry', 'X', '--handler', 'h'],
    ['dlq', 'discard'],
    ['replay', '--queue', 'jobhook-dead'],
    ['replay', '--queue', 'jobhook-quarantine'],
    ['replay', '--queue', 'jobhook-handler-audit'],
    ['replay', '--since', 'yesterday'],
    ['replay', 'extra'],
    ['replay', '--to-handler', 'nope'],
  ];

  it.concurrent.each(bad.map((args) => [args.join(' '), args] as const))(
    'jobhook %s exits 2 at once, and starts no service',
    async (_, args) => {
      const port = await freePort();
      const env = { PORT: String(port), HOST: '127.0.0.1', JOBHOOK_CONFIG: usageConfig };
      const result = await jobhook(args, env);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^error: |^Usage: jobhook dlq/);
      expect(result.stdout).not.toMatch(/callback URLs|listening/);
      expect(await listening(port)).toBe(false);
    },
    60_000,
  );

  it('refuses --to-handler naming a handler that is not configured (2), before touching Redis', async () => {
    const result = await jobhook(['replay', '--to-handler', 'audit', 'nope'], {
      JOBHOOK_CONFIG: usageConfig,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--to-handler nope: no such handler in .*usage\.mjs \(configured: audit\)/);
  });

  const helps: string[][] = [
    ['--help'],
    ['help', 'dlq'],
    ['serve', '--help'],
    ['dlq', '--help'],
    ['dlq', 'list', '--help'],
    ['dlq', 'show', '-h'],
    ['dlq', 'retry', '--help'],
    ['dlq', 'discard', '--help'],
    ['replay', '--help'],
  ];

  it.concurrent.each(helps.map((args) => [args.join(' '), args] as const))(
    'jobhook %s prints the usage with an example and exits 0',
    async (_, args) => {
      const result = await jobhook(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^Usage: jobhook/);
      expect(result.stdout).toMatch(/Examples?:\n {2}\$ .*jobhook/);
    },
    60_000,
  );

  it('serve --help explains the environment and points at the README', async () => {
    const result = await jobhook(['serve', '--help']);
    for (const variable of ['PORT, HOST', 'REDIS_URL', 'JOBHOOK_TOKENS', 'JOBHOOK_ROLE', 'JOBHOOK_CONFIG'])
      expect(result.stdout).toMatch(new RegExp(`^ {2}${variable} +\\w`, 'm'));
    expect(result.stdout).toMatch(/README\.md/);
  });

  it("replay refuses jobhook's other queues, saying what they hold", async () => {
    const said = async (queue: string) => (await jobhook(['replay', '--queue', queue])).stderr;
    expect(await said('jobhook-dead')).toMatch(
      /jobhook-dead holds dead letters, not events: use jobhook dlq retry/,
    );
    expect(await said('jobhook-quarantine')).toMatch(/holds unrecognized callbacks, not events/);
    expect(await said('jobhook-handler-audit')).toMatch(/a handler's queue holds its runs/);
  });

  it('replay --help says that a replay repeated makes new runs', async () => {
    const result = await jobhook(['replay', '--help']);
    expect(result.stdout).toMatch(/<event id>\.<suffix>/);
    expect(result.stdout).toMatch(/again picks a new suffix/);
  });

  it('--version prints the version of package.json', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    const result = await jobhook(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it('jobhook serve runs the service, as jobhook without a command does, and stops on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        JOBHOOK_TOKENS: 'cli-test-token',
        JOBHOOK_DATA_DIR: dir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await until(
        'the callback URLs',
        () => Promise.resolve(stdout.includes('jobhook callback URLs:') ? true : undefined),
        45_000,
      );
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('a Redis that does not answer is exit 1, naming the URL without its password', async () => {
    const port = await freePort();
    const result = await jobhook(['dlq', 'list'], { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no Redis answers at redis://:[redacted]@127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('replay with no handler configured is exit 1 with a clear message', async () => {
    const result = await jobhook(['replay']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no handlers to replay into: there is no configuration file/);
  });

  it('a configuration file that cannot be used is exit 2 with its message', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify({ handlers: [{ name: 'Bad Name', on: { type: '*' } }] }));
    for (const args of [['dlq', 'retry', '--all'], ['replay']]) {
      const result = await jobhook(args, { JOBHOOK_CONFIG: file });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/broken\.json: 2 problems\n/);
      expect(result.stderr).toMatch(
        /\n {2}handlers\[0\]\.name \(line 1, column \d+\): must be 1 to 64 characters/,
      );
    }
  });
});

describe('jobhook dlq', () => {
  let service: RunningJobhook;
  let marker: string;
  let runs: Runs;
  let file: string;
  /** The events of a succeeded and a failed compress job. */
  let succeeded: string;
  let failed: string;
  const dlq = (args: string[], env: Record<string, string> = {}) =>
    jobhook(args, { JOBHOOK_CONFIG: file, ...env });

  beforeAll(async () => {
    await flush(redis);
    marker = join(dir, 'marker');
    // flaky fails until the marker file exists, with one attempt; stopper always stops (NonRetryableError by name).
    ({ file, runs } = await configFile('dlq', [
      {
        name: 'flaky',
        type: 'tencent.ci.job.*',
        attempts: 1,
        fail: `if (!existsSync(${JSON.stringify(marker)})) throw new Error('no marker yet');`,
      },
      {
        name: 'stopper',
        type: 'tencent.ci.job.failed',
        fail: `throw Object.assign(new Error('refused for good'), { name: 'NonRetryableError', code: 'Refused' });`,
      },
    ]));
    service = await startJobhook(redis, { JOBHOOK_ROLE: 'all', JOBHOOK_CONFIG: file });
    [succeeded = ''] = await post(service, 'file-compress-succeeded.xml');
    [failed = ''] = await post(service, 'file-compress-failed.xml');
    await until('three dead letters', async () =>
      (await jobIds('jobhook-dead', ['waiting'])).length === 3 ? true : undefined,
    );
  });

  afterAll(async () => {
    await service.stop();
  });

  it('list --json lists every entry with its fields', async () => {
    const result = await dlq(['dlq', 'list', '--json']);
    expect(result.code).toBe(0);
    const entries = json(result) as Record<string, unknown>[];
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get(`${succeeded}.flaky`)).toEqual({
      id: `${succeeded}.flaky`,
      handler: 'flaky',
      eventId: succeeded,
      type: 'tencent.ci.job.succeeded',
      subject: 'f3a5c7e9f1d2b11efa830525400a4c19e',
      attempts: 1,
      error: { name: 'Error', message: 'no marker yet' },
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
    });
    expect(byId.get(`${failed}.stopper`)).toMatchObject({
      handler: 'stopper',
      eventId: failed,
      type: 'tencent.ci.job.failed',
      subject: 'f3a5c7e9f1d2b11efa830525400a4c1a0',
      attempts: 1,
      error: { name: 'NonRetryableError', message: 'refused for good', code: 'Refused' },
    });
    expect(byId.has(`${failed}.flaky`)).toBe(true);
    expect(entries).toHaveLength(3);

    const stopper = json(await dlq(['dlq', 'list', '--handler', 'stopper', '--json'])) as {
      id: string;
    }[];
    expect(stopper.map((e) => e.id)).toEqual([`${failed}.stopper`]);
  });

  it('list without --json writes one tab-separated line per entry when stdout is not a terminal', async () => {
    const result = await dlq(['dlq', 'list', '--handler', 'stopper']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split('\t')).toEqual([
      `${failed}.stopper`,
      'stopper',
      'tencent.ci.job.failed',
      'f3a5c7e9f1d2b11efa830525400a4c1a0',
      '1',
      'NonRetryableError: refused for good',
      expect.stringMatching(/Z$/) as unknown,
    ]);
  });

  it('show prints the whole entry; an unknown id is exit 1', async () => {
    const result = await dlq(['dlq', 'show', `${failed}.stopper`]);
    expect(result.code).toBe(0);
    const entry = json(result) as { id: string; handler: string; event: { id: string; data: object } };
    expect(entry).toMatchObject({
      id: `${failed}.stopper`,
      handler: 'stopper',
      attempts: 1,
      error: { name: 'NonRetryableError', code: 'Refused' },
    });
    expect(entry.event).toMatchObject({
      id: failed,
      type: 'tencent.ci.job.failed',
      data: { tag: 'FileCompress' },
    });

    const unknown = await dlq(['dlq', 'show', 'no-such-entry']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no entry no-such-entry in jobhook-dead/);
  });

  it('retry runs the handler again: the run succeeds, the entry and the failed run are gone', async () => {
    const queue = handlerQueue('flaky');
    expect(await jobIds(queue, ['failed'])).toContain(succeeded);
    await writeFile(marker, '');
    const result = await dlq(['dlq', 'retry', `${succeeded}.flaky`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${succeeded}.flaky: retried: a new run in ${queue}`);
    await until('the retried run to complete', async () =>
      (await jobIds(queue, ['completed'])).includes(succeeded) ? true : undefined,
    );
    expect(await jobIds(queue, ['failed'])).not.toContain(succeeded);
    expect((await runs()).filter((r) => r.id === succeeded && r.handler === 'flaky')).toHaveLength(2);
    const left = json(await dlq(['dlq', 'list', '--json'])) as { id: string }[];
    expect(left.map((e) => e.id).sort()).toEqual([`${failed}.flaky`, `${failed}.stopper`].sort());
  });

  it('retry reports an unknown id and exits 1, and still retries the others', async () => {
    await writeFile(marker, '');
    const result = await dlq(['dlq', 'retry', 'no-such-entry', `${failed}.flaky`, '--json']);
    expect(result.code).toBe(1);
    expect(json(result)).toEqual([
      expect.objectContaining({ id: 'no-such-entry', done: false, outcome: 'not-found' }),
      expect.objectContaining({ id: `${failed}.flaky`, done: true, outcome: 'retried' }),
    ]);
    await until('the retried run to complete', async () =>
      (await jobIds(handlerQueue('flaky'), ['completed'])).includes(failed) ? true : undefined,
    );
  });

  it('retry of an entry whose handler is no longer configured is reported, exit 1, and keeps the entry', async () => {
    const other = await configFile('dlq-other', [{ name: 'flaky', type: '*' }]);
    const result = await dlq(['dlq', 'retry', '--all'], { JOBHOOK_CONFIG: other.file });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\.stopper: not retried: handler stopper is not in .*dlq-other\.mjs/);
    const left = json(await dlq(['dlq', 'list', '--json'])) as { id: string }[];
    expect(left.map((e) => e.id)).toEqual([`${failed}.stopper`]);
  });

  it('discard --all empties the queue and removes the failed runs; an unknown id is exit 1', async () => {
    const queue = handlerQueue('stopper');
    expect(await jobIds(queue, ['failed'])).toEqual([failed]);
    const result = await dlq(['dlq', 'discard', '--all']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${failed}.stopper: discarded`);
    expect(await jobIds('jobhook-dead', ['waiting', 'delayed'])).toEqual([]);
    expect(await jobIds(queue, ['failed', 'completed', 'waiting'])).toEqual([]);

    const unknown = await dlq(['dlq', 'discard', 'no-such-entry']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no-such-entry: no such entry in jobhook-dead/);
  });
});

describe('jobhook replay', () => {
  let service: RunningJobhook;
  let file: string;
  let runs: Runs;
  let hash: string;
  let succeeded: string;
  let failed: string;

  interface Summary {
    readonly suffix: string;
    readonly read: number;
    readonly matched: number;
    readonly runs: number;
    readonly created: number;
    readonly existed: number;
  }

  const replay = async (...args: string[]): Promise<Summary> => {
    const result = await jobhook(['replay', ...args, '--json'], { JOBHOOK_CONFIG: file });
    expect(result.code, result.stderr).toBe(0);
    return json(result) as Summary;
  };

  /** The runs whose job id ends with the suffix, per handler queue. */
  const replayed = async (suffix: string): Promise<Record<string, string[]>> => {
    const all: Record<string, string[]> = {};
    for (const handler of ['seen', 'failures']) {
      const ids = await jobIds(handlerQueue(handler), [
        'waiting',
        'active',
        'completed',
        'failed',
        'delayed',
      ]);
      all[handler] = ids.filter((id) => id.endsWith(`.${suffix}`)).sort();
    }
    return all;
  };

  beforeAll(async () => {
    await flush(redis);
    ({ file, runs } = await configFile(
      'replay',
      [
        { name: 'seen', type: 'tencent.ci.job.*' },
        { name: 'failures', type: '*.failed' },
      ],
      `subscriptions: [{ queue: 'copies', on: { type: '*' } }]`,
    ));
    service = await startJobhook(redis, { JOBHOOK_ROLE: 'all', JOBHOOK_CONFIG: file });
    [hash = ''] = await post(service, 'file-hash-code-succeeded.xml');
    [succeeded = ''] = await post(service, 'file-compress-succeeded.xml');
    [failed = ''] = await post(service, 'file-compress-failed.xml');
    await until('the first runs', async () => ((await runs()).length === 4 ? true : undefined));
  });

  afterAll(async () => {
    await service.stop();
  });

  it('--type makes exactly the runs expected, and the handlers see channel replay', async () => {
    const summary = await replay('--type', '*.failed', 'nothing.matches.*');
    expect(summary).toMatchObject({ read: 3, matched: 1, runs: 2, created: 2, existed: 0 });
    expect(summary.suffix).toMatch(/^replay-[0-9a-z]+$/);
    expect(await replayed(summary.suffix)).toEqual({
      seen: [`${failed}.${summary.suffix}`],
      failures: [`${failed}.${summary.suffix}`],
    });
    const seen = await until('the replayed runs', async () => {
      const replays = (await runs()).filter((r) => r.channel === 'replay');
      return replays.length === 2 ? replays : undefined;
    });
    expect(seen.map((r) => `${r.handler} ${r.id}`).sort()).toEqual([`failures ${failed}`, `seen ${failed}`]);
  });

  it('--id and --to-handler limit the runs to those events and handlers', async () => {
    const summary = await replay('--id', succeeded, failed, '--to-handler', 'seen');
    expect(summary).toMatchObject({ matched: 2, runs: 2, created: 2 });
    expect(await replayed(summary.suffix)).toEqual({
      seen: [`${succeeded}.${summary.suffix}`, `${failed}.${summary.suffix}`].sort(),
      failures: [],
    });
  });

  it('--since compares with the event time (RFC 3339 or a duration back from now)', async () => {
    expect(await replay('--since', '2025-03-01T12:30:00+08:00', '--dry-run')).toMatchObject({ matched: 2 });
    expect(await replay('--since', '1h', '--dry-run')).toMatchObject({ matched: 0 });
  });

  it('--dry-run counts and creates no run', async () => {
    const before = await jobIds(handlerQueue('seen'), [
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
    ]);
    const summary = await replay('--dry-run');
    expect(summary).toMatchObject({ read: 3, matched: 3, runs: 4, created: 0, existed: 0 });
    expect(await replayed(summary.suffix)).toEqual({ seen: [], failures: [] });
    expect(
      (await jobIds(handlerQueue('seen'), ['waiting', 'active', 'completed', 'failed', 'delayed'])).sort(),
    ).toEqual(before.sort());
  });

  it('a repeated replay makes new runs', async () => {
    const first = await replay('--id', hash);
    const second = await replay('--id', hash);
    expect(second.suffix).not.toBe(first.suffix);
    expect(first).toMatchObject({ created: 1, existed: 0 });
    expect(second).toMatchObject({ created: 1, existed: 0 });
    expect((await replayed(first.suffix)).seen).toEqual([`${hash}.${first.suffix}`]);
    expect((await replayed(second.suffix)).seen).toEqual([`${hash}.${second.suffix}`]);
  });

  it('reads a subscription queue too, and prints a summary line without --json', async () => {
    const result = await jobhook(['replay', '--queue', 'copies', '--id', hash], { JOBHOOK_CONFIG: file });
    expect(result.code, result.stderr).toBe(0);
    const [, suffix] =
      /^replay (replay-[0-9a-z]+): 3 events read from copies, 1 matched, 1 runs created, 0 already existed$/m.exec(
        result.stdout,
      ) ?? [result.stdout];
    expect((await replayed(suffix ?? '')).seen).toEqual([`${hash}.${suffix}`]);
  });

  it('pages through the queue, state by state, never more than a page at a time', async () => {
    await withQueue('paging', async (queue) => {
      await queue.addBulk(
        Array.from({ length: 5 }, (_, i) => ({ name: 'x', data: { i }, opts: { jobId: `w${i}` } })),
      );
      await queue.add('x', {}, { jobId: 'd0', delay: 60_000 });
      const pages: string[][] = [];
      for await (const page of storedJobs(queue, 2)) pages.push(page.map((job) => job.id ?? ''));
      expect(pages.every((page) => page.length <= 2)).toBe(true);
      expect(pages.flat().sort()).toEqual(['d0', 'w0', 'w1', 'w2', 'w3', 'w4']);
    });
  });
});
