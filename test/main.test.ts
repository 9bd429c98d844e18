import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, RedisServer } from './helpers/redis-server.js';

const root = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

/** Runs `src/main.ts` as `npm start` would (through tsx, so no build is needed), with a private environment. */
function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

async function waitFor(run: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  for (let i = 0; i < 300; i++) {
    const match = pattern.exec(run.stdout);
    if (match !== null) return match;
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${pattern} in output:\n${run.stdout}\n${run.stderr}`);
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobhook-main-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const callback =
  '<Response><EventName>TaskFinish</EventName><JobsDetail><JobId>j-main</JobId><State>Success</State></JobsDetail></Response>';

describe('npm start', () => {
  it('starts a private Redis when none answers, prints the URLs with a generated token, and stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDir();
    const [port, redisPort] = [await freePort(), await freePort()];
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      JOBHOOK_DATA_DIR: dataDir,
    };
    const first = runMain(env);
    const [, url] = await waitFor(
      first,
      /Tencent CI[^\n]*?(http:\/\/\S+\/v1\/callbacks\/tencent-ci\?token=\S+)/,
    );
    const token = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
    expect(url).toBe(`http://127.0.0.1:${port}/v1/callbacks/tencent-ci?token=${token}`);
    expect(first.stdout).toMatch(/started an embedded redis-server/);

    const response = await fetch(url ?? '', { method: 'POST', body: callback });
    expect(response.status).toBe(200);
    expect(
      (await fetch(`http://127.0.0.1:${port}/v1/callbacks/tencent-ci`, { method: 'POST', body: callback }))
        .status,
    ).toBe(401);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect((await stat(join(dataDir, 'redis'))).isDirectory()).toBe(true);

    // The second start keeps the token (shown masked) and finds the event in the append-only file.
    const second = runMain(env);
    await waitFor(second, /jobhook callback URLs:/);
    expect(second.stdout).not.toContain(token);
    const redis = new Redis(`redis://127.0.0.1:${redisPort}`);
    expect(await redis.llen('bull:jobhook-events:wait')).toBe(1);
    redis.disconnect();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('exits with one clear message when no Redis answers and none may be started', async () => {
    const run = runMain({
      PORT: String(await freePort()),
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      JOBHOOK_EMBEDDED_REDIS: 'never',
      JOBHOOK_TOKENS: 't',
    });
    expect(await run.exited).toBe(1);
    expect(run.stderr).toMatch(/no Redis answers at redis:\/\/127\.0\.0\.1:\d+.*\n.*REDIS_URL/);
  });

  it('names the variable when the configuration is invalid', async () => {
    const run = runMain({ PORT: 'eighty', JOBHOOK_ROLE: 'everything' });
    expect(await run.exited).toBe(2);
    expect(run.stderr).toMatch(/PORT/);
    expect(run.stderr).toMatch(/JOBHOOK_ROLE/);
  });

  it('runs several receiver processes on one port with JOBHOOK_HTTP_PROCESSES and stops them all', async () => {
    const redis = await RedisServer.start();
    try {
      const port = await freePort();
      const run = runMain({
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        JOBHOOK_TOKENS: 'multi-token',
        JOBHOOK_HTTP_PROCESSES: '2',
        JOBHOOK_DATA_DIR: await tempDir(),
      });
      await waitFor(run, /jobhook callback URLs:/);
      expect(run.stdout.match(/"msg":"receiver listening"/g)).toHaveLength(2);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`http://127.0.0.1:${port}/v1/callbacks/tencent-ci?token=multi-token`, {
            method: 'POST',
            body: callback.replace('j-main', `j-multi-${i}`),
            headers: { connection: 'close' },
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      const client = redis.client();
      expect(await client.llen('bull:jobhook-events:wait')).toBe(20);
      client.disconnect();
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.stdout.match(/"msg":"stopped"/g)?.length).toBeGreaterThanOrEqual(1);
    } finally {
      await redis.stop();
    }
  });
});
