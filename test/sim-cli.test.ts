import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cosCall, TENCENT_KEY, until } from './helpers/sim-calls.js';
import { readXml } from '../src/sim/xml.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Running {
  readonly child: ReturnType<typeof spawn>;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** `jobhook sim …` as `npx jobhook` runs it, with only the environment given. */
function sim(args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'sim', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { child, output, exited };
}

describe('jobhook sim: usage', () => {
  it.each([
    [['--bogus'], /unknown option/],
    [['--port', 'abc'], /--port/],
    [['--drop', '2'], /probability/],
    [['--errors', 'ci.nothing=1'], /api=n/],
    [['--callback-format', 'yaml'], /xml or json/],
    [['--callback-delay', '9-3'], /range/],
    [['extra'], /too many arguments|excess/i],
  ])('%j exits 2 and starts nothing', async (args, message) => {
    const run = sim(args);
    expect(await run.exited).toBe(2);
    expect(run.output.stderr).toMatch(message);
    expect(run.output.stdout).not.toContain('listening');
  });

  it('--help lists the flags and exits 0', async () => {
    const run = sim(['--help']);
    expect(await run.exited).toBe(0);
    expect(run.output.stdout).toContain('--callback-format');
    expect(run.output.stdout).toContain('/_sim/faults');
  });
});

describe('jobhook sim: running', () => {
  it('prints the endpoints, answers calls signed with the environment credentials, stops on SIGTERM (exit 0)', async () => {
    const run = sim(['--port', '0', '--delay', '20', '--seed', '3'], {
      TENCENTCLOUD_SECRET_ID: TENCENT_KEY.secretId,
      TENCENTCLOUD_SECRET_KEY: TENCENT_KEY.secretKey,
      LOG_LEVEL: 'info',
    });
    const endpoint = await until(
      () => /JOBHOOK_TENCENT_CI_ENDPOINT=(\S+)/.exec(run.output.stdout)?.[1],
      20_000,
    );
    expect(run.output.stdout).toMatch(
      /JOBHOOK_TENCENT_COS_BATCH_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/cos-batch\/\{uin\}\/\{region\}/,
    );
    expect(run.output.stdout).toMatch(/JOBHOOK_QINIU_API_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/qiniu/);
    const base = endpoint.replace('{bucket}', 'demo-1250000000').replace('{region}', 'ap-guangzhou');
    const created = await cosCall(base, 'POST', '/file_jobs', {
      xml: '<Request><Tag>FileHashCode</Tag><Input><Object>a.bin</Object></Input></Request>',
    });
    expect(created.status).toBe(200);
    expect(readXml(created.text).root).toBe('Response');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output.stderr).toContain('"msg":"request"');
    expect(run.output.stderr).toContain('Qiniu calls are refused');
    expect(run.output.stderr).not.toContain(TENCENT_KEY.secretKey);
  });
});
