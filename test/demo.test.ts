import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CHAIN_STEPS } from '../scripts/demo-trail.js';

const ROOT = join(import.meta.dirname, '..');

/** Runs `npm run demo`'s script as a user does, to its end: its exit code and what it printed. */
function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, DEMO_TIMEOUT_MS: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

it('npm run demo runs the chain to the polled COS batch job, every step under one correlation id, and exits 0', async () => {
  const { code, out } = await runDemo();
  expect(out).toMatch(/chain complete: \d+ events, correlation id /);
  expect(code).toBe(0);
  const lines = out.split('\n');
  const correlationId = UUID.exec(/correlation id (\S+)/.exec(out)?.[1] ?? '')?.[0] ?? '';
  expect(correlationId).not.toBe('');
  const rows = (pattern: RegExp) => lines.filter((line) => pattern.test(line));
  // The first job (started by the demo itself) is the chain's cause; every later event names it.
  const first = rows(/tencent\.ci\.job\.succeeded \(FileUncompress\)/);
  expect(first).toHaveLength(1);
  for (const tag of ['FileCompress', 'FileHashCode'])
    expect(rows(new RegExp(`tencent\\.ci\\.job\\.succeeded \\(${tag}\\)\\s.*${correlationId}`))).toHaveLength(
      1,
    );
  expect(rows(new RegExp(`jobhook\\.job\\.submitted\\s.*${correlationId}`))).toHaveLength(3);
  expect(rows(new RegExp(`tencent\\.cos\\.batch\\.succeeded\\s.*poll\\s+${correlationId}`))).toHaveLength(1);
  expect(CHAIN_STEPS).toHaveLength(7);
  expect(out).not.toMatch(/problem:/);
}, 120_000);
