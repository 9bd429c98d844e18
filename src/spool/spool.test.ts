import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecord } from './record.js';
import { Spool } from './spool.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'jobhook-spool-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const drainAll = async (spool: Spool): Promise<string[]> => {
  const seen: string[] = [];
  await spool.drain((payload) => {
    seen.push(payload.toString());
    return Promise.resolve();
  });
  return seen;
};

describe('Spool', () => {
  it('keeps appended records on disk and drains them in order, then deletes the segment', async () => {
    const dir = await tempDir();
    const spool = await Spool.open({ dir, maxBytes: 1 << 20, logger });
    await Promise.all(['a', 'b', 'c'].map((s) => spool.append(Buffer.from(s))));
    expect(spool.stats().records).toBe(3);
    expect(await drainAll(spool)).toEqual(['a', 'b', 'c']);
    expect(spool.stats()).toEqual({ bytes: 0, records: 0, oldestAt: undefined });
    expect(await readdir(dir)).toEqual([]);
  });

  it('is adopted after its process is gone, oldest segment first', async () => {
    const dir = await tempDir();
    const gone = await Spool.open({ dir, maxBytes: 1 << 20, logger, pid: 2 ** 22 + 7 });
    await gone.append(Buffer.from('first'));
    await gone.close();
    const mine = await Spool.open({ dir, maxBytes: 1 << 20, logger });
    await mine.append(Buffer.from('second'));
    expect(mine.stats().records).toBe(2);
    expect(await drainAll(mine)).toEqual(['first', 'second']);
  });

  it('leaves the segments of a live process alone', async () => {
    const dir = await tempDir();
    const other = await Spool.open({ dir, maxBytes: 1 << 20, logger, pid: 1 });
    await other.append(Buffer.from('theirs'));
    const mine = await Spool.open({ dir, maxBytes: 1 << 20, logger });
    expect(mine.stats().records).toBe(0);
    expect(await drainAll(mine)).toEqual([]);
    await other.close();
  });

  it('skips a torn tail and damaged bytes with a log line, keeping every whole record', async () => {
    const dir = await tempDir();
    const crashed = await Spool.open({ dir, maxBytes: 1 << 20, logger, pid: 2 ** 22 + 9 });
    await crashed.append(Buffer.from('one'));
    await crashed.append(Buffer.from('two'));
    await crashed.close();
    const [segment = ''] = await readdir(dir);
    const path = join(dir, segment);
    const data = await readFile(path);
    const damaged = Buffer.from(data);
    damaged.writeUInt8(damaged.readUInt8(data.length - 1) ^ 0xff, data.length - 1); // corrupt the payload of "two"
    await writeFile(
      path,
      Buffer.concat([
        damaged,
        encodeRecord(Buffer.from('three')),
        encodeRecord(Buffer.from('four')).subarray(0, 9),
      ]),
    );
    const lines: string[] = [];
    const spool = await Spool.open({
      dir,
      maxBytes: 1 << 20,
      logger: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }),
    });
    expect(await drainAll(spool)).toEqual(['one', 'three']);
    expect(lines.join('\n')).toMatch(/damaged/);
    expect(lines.join('\n')).toMatch(/torn/);
  });

  it('refuses appends past its size with StoreUnavailable', async () => {
    const spool = await Spool.open({ dir: await tempDir(), maxBytes: 64, logger });
    await spool.append(Buffer.alloc(40));
    await expect(spool.append(Buffer.alloc(40))).rejects.toMatchObject({
      code: 'StoreUnavailable',
      status: 503,
    });
  });

  it('keeps a segment whose drain failed and hands out the records it did not handle', async () => {
    const spool = await Spool.open({ dir: await tempDir(), maxBytes: 1 << 20, logger });
    await spool.append(Buffer.from('x'));
    await spool.append(Buffer.from('y'));
    await expect(
      spool.drain((p) =>
        p.toString() === 'y' ? Promise.reject(new Error('redis down')) : Promise.resolve(),
      ),
    ).rejects.toThrow('redis down');
    expect(await drainAll(spool)).toEqual(['y']);
  });

  it('accepts appends while a drain runs, into a new segment', async () => {
    const spool = await Spool.open({ dir: await tempDir(), maxBytes: 1 << 20, logger });
    await spool.append(Buffer.from('before'));
    const seen: string[] = [];
    await spool.drain(async (p) => {
      seen.push(p.toString());
      await spool.append(Buffer.from('during'));
    });
    expect(seen).toEqual(['before']);
    expect(await drainAll(spool)).toEqual(['during']);
  });

  it('resumes an interrupted drain where it stopped, and counts what is left exactly', async () => {
    const spool = await Spool.open({ dir: await tempDir(), maxBytes: 1 << 20, logger });
    for (let i = 0; i < 10; i++) await spool.append(Buffer.from(`r${i}`));
    const failAfter = (n: number) => {
      let left = n;
      return () => (left-- > 0 ? Promise.resolve() : Promise.reject(new Error('redis down')));
    };
    await expect(spool.drain(failAfter(6))).rejects.toThrow();
    expect(spool.stats().records).toBe(4);
    await expect(spool.drain(failAfter(2))).rejects.toThrow();
    expect(spool.stats().records).toBe(2);
    expect(await drainAll(spool)).toEqual(['r8', 'r9']);
    expect(spool.stats().records).toBe(0);
  });
});
