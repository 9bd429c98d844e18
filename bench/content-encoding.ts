/**
 * `npm run bench:encoding`: jobhook's inflater (zlib's thread pool, `src/body/content-encoding.ts`) against the
 * synchronous one-shot `gunzipSync`, for a 4 MiB JSON body and one callback: wall time, time the event loop was
 * busy (event-loop utilization) and the 99th percentile of the gaps between turns of the loop while inflating
 * (what other requests wait). Then a 1 GiB gzip bomb: how fast it is refused and how much memory that took.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodeContent } from '../src/body/content-encoding.js';
import { DEFAULT_BODY_LIMIT_BYTES as LIMIT } from '../src/config.js';
import { PROVIDERS_DIR } from '../test/helpers/fixtures.js';
import { zerosBomb } from '../test/helpers/zip-bomb.js';

const callback = await readFile(join(PROVIDERS_DIR, 'tencent-ci/fixtures/transcode-succeeded.json'), 'utf8');
/** Distinct copies of the callback in one JSON object, padded to exactly the limit. */
const members: string[] = [];
for (let size = 2, i = 0; size < LIMIT - 2 * callback.length; i++) {
  const member = `"c${i}":${callback.replace(/"JobId":\s*"[^"]*"/, `"JobId":"j${i}"`)},`;
  members.push(member);
  size += Buffer.byteLength(member);
}
const big = `{${members.join('')}"end":1}`;
const bodies = [
  ['a 4 MiB JSON body', gzipSync(big + ' '.repeat(LIMIT - Buffer.byteLength(big))), 40],
  ['one callback', gzipSync(callback), 2000],
] as const;

const inflaters: readonly (readonly [string, (body: Buffer) => unknown])[] = [
  ['gunzipSync', (body) => gunzipSync(body, { maxOutputLength: LIMIT })],
  ['jobhook (thread pool)', (body) => decodeContent(body, ['gzip'], LIMIT)],
];

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

async function cost(rounds: number, op: () => unknown): Promise<{ wall: number; busy: number }> {
  const walls: number[] = [];
  const busy: number[] = [];
  for (let repeat = 0; repeat < 7; repeat++) {
    await nextTurn();
    const before = performance.eventLoopUtilization();
    const started = performance.now();
    for (let i = 0; i < rounds; i++) await op();
    walls.push((performance.now() - started) / rounds);
    busy.push(performance.eventLoopUtilization(before).active / rounds);
  }
  return { wall: median(walls), busy: median(busy) };
}

/** The 99th percentile of the gaps between turns of the event loop while `op` runs again and again. */
async function gaps(rounds: number, op: () => unknown): Promise<number> {
  const seen: number[] = [];
  let last = performance.now();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    seen.push(now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  for (let i = 0; i < rounds; i++) {
    await op();
    await nextTurn();
  }
  running = false;
  return [...seen].sort((a, b) => a - b)[Math.floor(seen.length * 0.99)] ?? NaN;
}

const ms = (x: number): string => `${x.toFixed(3).padStart(7)} ms`;
for (const [label, gzipped, rounds] of bodies) {
  console.log(`${label} (${gzipped.length} bytes gzip)`);
  for (const [name, inflate] of inflaters) {
    for (let i = 0; i < 5; i++) await inflate(gzipped);
    const { wall, busy } = await cost(rounds, () => inflate(gzipped));
    const gap = await gaps(Math.min(rounds, 200), () => inflate(gzipped));
    console.log(`  ${name.padEnd(22)} wall ${ms(wall)}  event loop busy ${ms(busy)}  p99 gap ${ms(gap)}`);
  }
}

const bomb = zerosBomb('gzip', 1024);
const memory = (): number => process.memoryUsage().arrayBuffers;
const before = memory();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, memory())), 1);
const started = performance.now();
const refused = await decodeContent(bomb, ['gzip'], LIMIT).then(
  () => 'accepted (wrong)',
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
const took = performance.now() - started;
clearInterval(sampler);
console.log(
  `1 GiB of zeros as ${bomb.length} bytes of gzip: ${refused} after ${took.toFixed(1)} ms, ` +
    `${((Math.max(peak, memory()) - before) / 2 ** 20).toFixed(1)} MiB of buffers at the peak`,
);
