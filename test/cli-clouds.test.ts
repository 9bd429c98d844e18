import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startSimulator, type RunningSimulator } from '../src/sim/server.js';
import { startJobhook, type RunningJobhook } from './helpers/jobhook.js';
import { freePort, RedisServer } from './helpers/redis-server.js';
import { jsonOf, runJobhook, type CliResult } from './helpers/run-cli.js';
import { APPID, cosCall, QINIU_KEY, simCloudEnv, TENCENT_KEY } from './helpers/sim-calls.js';

const BUCKET = 'media-1250000000';
const REGION = 'ap-guangzhou';
const UIN = '100000000001';
const TOKEN = 'cli-clouds-token-0123456789-secret';
const PUBLIC_URL = 'https://hooks.example.test';
const CALLBACK = `${PUBLIC_URL}/v1/callbacks/tencent-ci?token=${TOKEN}`;

let redis: RedisServer;
let simulator: RunningSimulator;
let dir: string;
let ci: string;

beforeAll(async () => {
  redis = await RedisServer.start();
  dir = await mkdtemp(join(tmpdir(), 'jobhook-cli-clouds-'));
  simulator = await startSimulator(
    {
      port: 0,
      delayMs: 600_000,
      seed: 13,
      credentials: { tencent: TENCENT_KEY, qiniu: QINIU_KEY, appId: APPID, uin: UIN },
    },
    createLogger('silent'),
  );
  ci = `${simulator.url}/ci/${BUCKET}/${REGION}`;
});

afterAll(async () => {
  await simulator.stop();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await fetch(`${simulator.url}/_sim/reset`, { method: 'POST' });
});

/** The environment of a jobhook that talks to the simulator, with every credential set. */
const cloudEnv = (): Record<string, string> => ({
  ...simCloudEnv(simulator.url),
  JOBHOOK_PUBLIC_URL: PUBLIC_URL,
  JOBHOOK_TOKENS: `${TOKEN},second-token`,
});

/** The real program with only the environment given (undefined: left out), against the private Redis. */
function jobhook(
  args: readonly string[],
  env: Record<string, string | undefined> = cloudEnv(),
): Promise<CliResult> {
  const given = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return runJobhook(
    args,
    { REDIS_URL: redis.url, JOBHOOK_DATA_DIR: dir, LOG_LEVEL: 'warn', ...given },
    60_000,
  );
}

const json = jsonOf;

/** Calls the simulator received since the last reset. */
async function simCalls(): Promise<number> {
  const body = (await (await fetch(`${simulator.url}/_sim/jobs`)).json()) as {
    requests: Record<string, number>;
  };
  return Object.values(body.requests).reduce((sum, n) => sum + n, 0);
}

const QUEUE_PATHS = { media: '/queue', file: '/file_queue', doc: '/docqueue', pic: '/picqueue' } as const;
type Kind = keyof typeof QUEUE_PATHS;

/** The queue of this kind as the simulator's queue store has it now (a signed GET). */
async function queueOf(kind: Kind): Promise<Record<string, unknown>> {
  const answer = await cosCall(ci, 'GET', QUEUE_PATHS[kind]);
  expect(answer.status).toBe(200);
  const list = answer.xml.QueueList;
  const queue = Array.isArray(list) ? list[0] : list;
  if (typeof queue !== 'object' || queue === null) throw new Error(`no queue in ${answer.text}`);
  return queue as Record<string, unknown>;
}

async function pause(kind: Kind, queueId: string, name: string): Promise<void> {
  const notify =
    kind === 'doc'
      ? '<State>Off</State><Type>Url</Type><Event>TaskFinish</Event>'
      : '<State>Off</State><Type>Url</Type><Event>TaskFinish</Event><ResultFormat>JSON</ResultFormat>';
  const answer = await cosCall(ci, 'PUT', `${QUEUE_PATHS[kind]}/${queueId}`, {
    xml: `<Request><Name>${name}</Name><QueueID>${queueId}</QueueID><State>Paused</State><NotifyConfig>${notify}</NotifyConfig></Request>`,
  });
  expect(answer.status).toBe(200);
}

const registerArgs = (kind: Kind, queueId: string, ...more: string[]) => [
  'register',
  'tencent-ci',
  '--bucket',
  BUCKET,
  '--region',
  REGION,
  '--queue',
  queueId,
  '--kind',
  kind,
  ...more,
];

describe('jobhook register tencent-ci', () => {
  it.each(['media', 'file', 'pic'] as const)(
    '%s queue: NotifyConfig set to the callback URL with the first token, name and state kept',
    async (kind) => {
      const queueId = String((await queueOf(kind)).QueueId);
      const result = await jobhook(registerArgs(kind, queueId, '--json'));
      expect(result.code, result.stderr).toBe(0);
      const printed = json(result) as {
        queue: Record<string, string>;
        before: { name: string; state: string; notify: Record<string, string> };
        after: { name: string; state: string; notify: Record<string, string> };
      };
      expect(printed.queue).toEqual({ id: queueId, kind, bucket: BUCKET, region: REGION });
      expect(printed.before.notify.state).toBe('Off');
      expect(printed.after).toEqual({
        queueId,
        name: `${kind}-queue-1`,
        state: 'Active',
        notify: {
          url: `${PUBLIC_URL}/v1/callbacks/tencent-ci?token=[redacted]`,
          state: 'On',
          type: 'Url',
          event: 'TaskFinish,WorkflowFinish',
          resultFormat: 'XML',
        },
      });
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      // What the queue store took from the PUT body, read back with a GET.
      const stored = await queueOf(kind);
      expect(stored).toMatchObject({ QueueId: queueId, Name: `${kind}-queue-1`, State: 'Active' });
      expect(stored.NotifyConfig).toEqual({
        Url: CALLBACK,
        State: 'On',
        Type: 'Url',
        Event: 'TaskFinish,WorkflowFinish',
        ResultFormat: 'XML',
      });
    },
  );

  it('keeps a paused queue paused and its own result format; --format changes it', async () => {
    const queueId = String((await queueOf('media')).QueueId);
    await pause('media', queueId, 'transcode-night');
    const kept = await jobhook(registerArgs('media', queueId));
    expect(kept.code, kept.stderr).toBe(0);
    expect(await queueOf('media')).toMatchObject({
      Name: 'transcode-night',
      State: 'Paused',
      NotifyConfig: { Url: CALLBACK, State: 'On', ResultFormat: 'JSON' },
    });
    // Human output: before and after, the token redacted.
    expect(kept.stdout).toMatch(/BEFORE\s+AFTER/);
    expect(kept.stdout).toMatch(/NotifyConfig\.State\s+Off\s+On/);
    expect(kept.stdout).toMatch(/State\s+Paused\s+Paused/);
    expect(kept.stdout).toContain('token=[redacted]');
    expect(kept.stdout + kept.stderr).not.toContain(TOKEN);

    const changed = await jobhook(registerArgs('media', queueId, '--format', 'xml'));
    expect(changed.code, changed.stderr).toBe(0);
    expect(await queueOf('media')).toMatchObject({
      State: 'Paused',
      NotifyConfig: { ResultFormat: 'XML' },
    });
  });

  it('doc queue: TaskFinish only, no ResultFormat', async () => {
    const queueId = String((await queueOf('doc')).QueueId);
    await pause('doc', queueId, 'docs');
    const result = await jobhook(registerArgs('doc', queueId, '--json'));
    expect(result.code, result.stderr).toBe(0);
    const printed = json(result) as { after: { notify: Record<string, string> } };
    expect(printed.after.notify).not.toHaveProperty('resultFormat');
    const stored = await queueOf('doc');
    expect(stored).toMatchObject({ Name: 'docs', State: 'Paused' });
    expect(stored.NotifyConfig).toEqual({ Url: CALLBACK, State: 'On', Type: 'Url', Event: 'TaskFinish' });
  });

  it('the token from the data directory when JOBHOOK_TOKENS is unset', async () => {
    const data = await mkdtemp(join(tmpdir(), 'jobhook-cli-token-'));
    try {
      await writeFile(join(data, 'token'), 'file-token-abcdef\n');
      const queueId = String((await queueOf('file')).QueueId);
      const result = await jobhook(registerArgs('file', queueId), {
        ...cloudEnv(),
        JOBHOOK_TOKENS: undefined,
        JOBHOOK_DATA_DIR: data,
      });
      expect(result.code, result.stderr).toBe(0);
      expect((await queueOf('file')).NotifyConfig).toMatchObject({
        Url: `${PUBLIC_URL}/v1/callbacks/tencent-ci?token=file-token-abcdef`,
      });
      const none = await jobhook(registerArgs('file', queueId), {
        ...cloudEnv(),
        JOBHOOK_TOKENS: undefined,
        JOBHOOK_DATA_DIR: join(data, 'empty'),
      });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('JOBHOOK_TOKENS');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('an unknown queue is exit 1; refused credentials are exit 1 with the provider code', async () => {
    const missing = await jobhook(registerArgs('media', 'p00000000000000000000000000000000'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no media queue p00000000000000000000000000000000');
    const refused = await jobhook(
      ['register', 'tencent-ci', '--bucket', BUCKET, '--region', REGION, '--queue', 'p1'],
      {
        ...cloudEnv(),
        TENCENTCLOUD_SECRET_KEY: 'wrong-secret-key',
      },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SignatureDoesNotMatch');
    expect(refused.stderr).not.toContain('wrong-secret-key');
  });
});

/** Creates `count` inventory jobs in the simulator, named `name`; their ids in creation order. */
async function inventoryJobs(count: number, name = 'nightly'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await cosCall(ci, 'POST', '/inventorytriggerjob', {
      xml: `<Request><Name>${name}</Name><Type>Workflow</Type><Input><Prefix>in/${i}/</Prefix></Input><Operation><WorkflowIds>w0123456789abcdef0123456789abcdef</WorkflowIds></Operation></Request>`,
    });
    expect(answer.status, answer.text).toBe(200);
    const detail = answer.xml.JobsDetail as Record<string, unknown>;
    ids.push(String(detail.JobId));
  }
  return ids;
}

const jobsArgs = (command: string, ...more: string[]) => [
  'jobs',
  command,
  ...more,
  '--inventory',
  '--bucket',
  BUCKET,
  '--region',
  REGION,
];

interface ListedJob {
  readonly JobId: string;
  readonly Name: string;
  readonly State: string;
}

describe('jobhook jobs --inventory', () => {
  it('list follows nextToken to the end, in pages of at most 100; --limit stops early', async () => {
    const ids = await inventoryJobs(205);
    const before = await simCalls();
    const all = await jobhook(jobsArgs('list', '--json'));
    expect(all.code, all.stderr).toBe(0);
    const listed = json(all) as ListedJob[];
    expect(listed).toHaveLength(205);
    expect(new Set(listed.map((j) => j.JobId))).toEqual(new Set(ids));
    expect((await simCalls()) - before).toBe(3); // 100 + 100 + 5

    const limited = await jobhook(jobsArgs('list', '--limit', '101', '--json'));
    expect(limited.code, limited.stderr).toBe(0);
    expect(json(limited) as ListedJob[]).toHaveLength(101);
    expect((await simCalls()) - before).toBe(5); // 100 + 1

    const table = await jobhook(jobsArgs('list', '--limit', '3'));
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^JOB ID\s+NAME\s+TYPE\s+STATE\s+CREATED\s+ENDED$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^b[0-9a-f]{32}\s+nightly\s+Workflow\s+Submitted\s/);
  });

  it('filters: --name, --job-id, --states, --since/--until', async () => {
    const [first] = await inventoryJobs(3, 'alpha');
    await inventoryJobs(2, 'beta');
    const byName = json(await jobhook(jobsArgs('list', '--name', 'beta', '--json'))) as ListedJob[];
    expect(byName.map((j) => j.Name)).toEqual(['beta', 'beta']);
    const byId = json(await jobhook(jobsArgs('list', '--job-id', first ?? '', '--json'))) as ListedJob[];
    expect(byId.map((j) => j.JobId)).toEqual([first]);
    const canceled = await jobhook(jobsArgs('cancel', first ?? ''));
    expect(canceled.code, canceled.stderr).toBe(0);
    const byState = json(await jobhook(jobsArgs('list', '--states', 'Cancel', '--json'))) as ListedJob[];
    expect(byState.map((j) => [j.JobId, j.State])).toEqual([[first, 'Cancel']]);
    const future = json(
      await jobhook(jobsArgs('list', '--since', '2099-01-01T00:00:00Z', '--json')),
    ) as ListedJob[];
    expect(future).toEqual([]);
    const recent = json(await jobhook(jobsArgs('list', '--since', '1h', '--json'))) as ListedJob[];
    expect(recent).toHaveLength(5);
    const old = json(await jobhook(jobsArgs('list', '--until', '1h', '--json'))) as ListedJob[];
    expect(old).toEqual([]);
  });

  it('show prints a job; cancel cancels it; unknown ids are exit 1', async () => {
    const [id = ''] = await inventoryJobs(1, 'one');
    const shown = await jobhook(jobsArgs('show', id, '--json'));
    expect(shown.code, shown.stderr).toBe(0);
    expect(json(shown)).toMatchObject({ JobId: id, Name: 'one', Type: 'Workflow', State: 'Submitted' });
    const human = await jobhook(jobsArgs('show', id));
    expect(human.stdout).toMatch(new RegExp(`^JobId:\\s+${id}$`, 'm'));
    expect(human.stdout).toMatch(/^State:\s+Submitted$/m);

    const canceled = await jobhook(jobsArgs('cancel', id, '--json'));
    expect(canceled.code, canceled.stderr).toBe(0);
    expect(json(canceled)).toEqual({ jobId: id, canceled: true, state: 'Cancel' });
    const again = await jobhook(jobsArgs('cancel', id));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('cannot be canceled');

    const unknown = 'b00000000000000000000000000000000';
    const missing = await jobhook(jobsArgs('show', unknown));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no inventory job ${unknown}`);
  });
});

interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly { check: string; status: 'ok' | 'warn' | 'fail'; message: string }[];
}

const statusOf = (report: DoctorReport, check: string) =>
  report.checks.filter((c) => c.check === check).map((c) => c.status);

describe('jobhook doctor', () => {
  let service: RunningJobhook;

  beforeAll(async () => {
    service = await startJobhook(redis);
  });

  afterAll(async () => {
    await service.stop();
  });

  const doctorEnv = () => ({ ...cloudEnv(), JOBHOOK_PUBLIC_URL: service.url });

  it('all good: exit 0, one signed call per provider, the public URL answers', async () => {
    const result = await jobhook(['doctor', '--bucket', BUCKET, '--region', REGION, '--json'], doctorEnv());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = json(result) as DoctorReport;
    expect(report.ok).toBe(true);
    for (const check of ['environment', 'redis', 'tencent-ci', 'tencent-cos-batch', 'qiniu', 'public-url'])
      expect(statusOf(report, check), check).toEqual(['ok']);
    expect(report.checks.find((c) => c.check === 'qiniu')?.message).toContain('612');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(TENCENT_KEY.secretKey);
    const human = await jobhook(['doctor', '--bucket', BUCKET, '--region', REGION], doctorEnv());
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^nothing is wrong/m);
  });

  it('what is not configured is a warning: exit 0', async () => {
    const result = await jobhook(['doctor', '--json'], { JOBHOOK_TOKENS: TOKEN });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = json(result) as DoctorReport;
    for (const check of ['tencent-ci', 'tencent-cos-batch', 'qiniu', 'public-url', 'configuration file'])
      expect(statusOf(report, check), check).toEqual(['warn']);
  });

  it('Redis down: exit 1 naming redis', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const result = await jobhook(['doctor'], { ...doctorEnv(), REDIS_URL: down });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL\s+redis\s+no Redis answers/m);
    expect(result.stdout).toMatch(/^failed: redis$/m);
  });

  it('Redis without AOF: exit 1 naming appendonly', async () => {
    const unsafe = await RedisServer.start({ settings: { appendonly: 'no' } });
    try {
      const result = await jobhook(['doctor', '--json'], { ...doctorEnv(), REDIS_URL: unsafe.url });
      expect(result.code).toBe(1);
      const report = json(result) as DoctorReport;
      expect(report.checks.find((c) => c.status === 'fail')).toMatchObject({ check: 'redis' });
      expect(
        report.checks
          .filter((c) => c.status === 'fail')
          .map((c) => c.message)
          .join(),
      ).toContain('appendonly');
    } finally {
      await unsafe.stop();
    }
  });

  it('bad credentials: each signature refused, exit 1 naming the providers', async () => {
    const result = await jobhook(['doctor', '--bucket', BUCKET, '--region', REGION, '--json'], {
      ...doctorEnv(),
      TENCENTCLOUD_SECRET_KEY: 'not-the-secret-key',
      QINIU_SECRET_KEY: 'not-the-qiniu-secret',
    });
    expect(result.code).toBe(1);
    const report = json(result) as DoctorReport;
    expect(report.ok).toBe(false);
    for (const check of ['tencent-ci', 'tencent-cos-batch', 'qiniu'])
      expect(statusOf(report, check), check).toEqual(['fail']);
    expect(report.checks.find((c) => c.check === 'tencent-ci')?.message).toContain('SignatureDoesNotMatch');
    expect(statusOf(report, 'redis')).toEqual(['ok']);
    expect(result.stdout + result.stderr).not.toMatch(/not-the-secret-key|not-the-qiniu-secret/);
  });

  it('public URL unreachable: exit 1 naming public-url', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const result = await jobhook(['doctor'], { ...doctorEnv(), JOBHOOK_PUBLIC_URL: nowhere });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL\s+public-url\s+GET http:\/\/127\.0\.0\.1:\d+\/healthz/m);
    expect(result.stdout).toMatch(/^failed: public-url$/m);
  });

  it('an invalid environment is a failure the doctor names', async () => {
    const result = await jobhook(['doctor', '--json'], { ...doctorEnv(), PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(statusOf(json(result) as DoctorReport, 'environment')).toEqual(['fail']);
  });
});

describe('usage errors: exit 2, nothing called', () => {
  it.each([
    [['regster', 'tencent-ci'], /unknown command/],
    [['register', 'qiniu', '--bucket', BUCKET, '--region', REGION, '--queue', 'p1'], /invalid|choices/i],
    [['register', 'tencent-ci', '--region', REGION, '--queue', 'p1'], /--bucket/],
    [
      ['register', 'tencent-ci', '--bucket', BUCKET, '--region', REGION, '--queue', 'p1', '--kind', 'ai'],
      /--kind/,
    ],
    [
      [
        'register',
        'tencent-ci',
        '--bucket',
        BUCKET,
        '--region',
        REGION,
        '--queue',
        'p1',
        '--kind',
        'doc',
        '--format',
        'json',
      ],
      /not for doc queues/,
    ],
    [['register', 'tencent-ci', '--bucket', 'a/b', '--region', REGION, '--queue', 'p1'], /--bucket/],
    [
      ['register', 'tencent-ci', '--bucket', BUCKET, '--region', REGION, '--queue', 'p1', '--bogus'],
      /unknown option/,
    ],
    [['jobs', 'list', '--bucket', BUCKET, '--region', REGION], /--inventory/],
    [['jobs', 'show', '--inventory', '--bucket', BUCKET, '--region', REGION], /missing required argument/],
    [['jobs', 'list', '--inventory', '--bucket', BUCKET, '--region', REGION, '--limit', '0'], /--limit/],
    [['jobs', 'list', '--inventory', '--bucket', BUCKET, '--region', REGION, '--states', 'Done'], /--states/],
    [
      ['jobs', 'list', '--inventory', '--bucket', BUCKET, '--region', REGION, '--since', 'yesterday'],
      /RFC 3339/,
    ],
    [['jobs', 'purge', '--inventory'], /unknown command/],
    [['doctor', '--bucket', BUCKET], /--region/],
    [['doctor', 'now'], /too many arguments|excess/i],
  ])('%j', async (args, message) => {
    const result = await jobhook(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await simCalls()).toBe(0);
  });

  it('register without JOBHOOK_PUBLIC_URL exits 2 naming it, before any call', async () => {
    const result = await jobhook(registerArgs('media', 'p1'), {
      ...cloudEnv(),
      JOBHOOK_PUBLIC_URL: undefined,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('JOBHOOK_PUBLIC_URL');
    expect(await simCalls()).toBe(0);
  });

  it('register and jobs without the Tencent key exit 2 naming it', async () => {
    const env = { ...cloudEnv(), TENCENTCLOUD_SECRET_ID: undefined, TENCENTCLOUD_SECRET_KEY: undefined };
    for (const args of [registerArgs('media', 'p1'), jobsArgs('list')]) {
      const result = await jobhook(args, env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('TENCENTCLOUD_SECRET_ID');
    }
    expect(await simCalls()).toBe(0);
  });

  it.each([['register'], ['jobs'], ['jobs', 'list'], ['doctor']])(
    '%j --help has an example, exit 0',
    async (...args) => {
      const result = await jobhook([...args, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Examples?:\n\s+\$ (\S+=\S+ )?jobhook/);
    },
  );
});
