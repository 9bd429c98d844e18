import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { JobhookError } from '../errors.js';
import type { Logger } from '../log.js';
import { decodeRecords, encodeRecord } from './record.js';

export interface SpoolOptions {
  /** The directory of this spool (`<data dir>/spool`). */
  readonly dir: string;
  /** Appends that would grow the spool past this are refused (503). */
  readonly maxBytes: number;
  readonly logger: Logger;
  /** This process id (tests pass others to simulate several processes). */
  readonly pid?: number;
}

export interface SpoolStats {
  readonly bytes: number;
  readonly records: number;
  /** When the oldest record not yet drained was written (ms since the epoch). */
  readonly oldestAt: number | undefined;
}

interface Segment {
  readonly name: string;
  /** Bytes not yet drained. */
  bytes: number;
  /** Records not yet drained. */
  records: number;
  firstAt: number | undefined;
  /** Offset of the first record not yet handed out: a drain that stopped resumes here, not at the start. */
  drainedTo: number;
}

const SEGMENT = /^(\d{13})-(\d+)-(\d+)\.spool$/;

/**
 * A local append-only spool: records are appended to the active segment and made durable (fdatasync)
 * before `append` resolves; concurrent appends share one write and one sync (group commit). Draining seals the
 * active segment and hands out sealed ones oldest first; a segment is deleted only after every record in it was
 * handled. Segments of a process that is gone (by pid) are adopted, so a spool survives `kill -9` and restart.
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private active: { segment: Segment; file: FileHandle } | undefined;
  private pending: { data: Buffer; at: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private io: Promise<void> = Promise.resolve();
  private flushing = false;
  private sequence = 0;
  private reserved = 0;
  private readonly pid: number;

  private constructor(private readonly options: SpoolOptions) {
    this.pid = options.pid ?? process.pid;
  }

  static async open(options: SpoolOptions): Promise<Spool> {
    const spool = new Spool(options);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await spool.adopt();
    return spool;
  }

  stats(): SpoolStats {
    let bytes = 0;
    let records = 0;
    let oldestAt: number | undefined;
    for (const segment of this.segments) {
      bytes += segment.bytes;
      records += segment.records;
      if (segment.firstAt !== undefined && (oldestAt === undefined || segment.firstAt < oldestAt))
        oldestAt = segment.firstAt;
    }
    return { bytes, records, oldestAt };
  }

  /** Appends a record and resolves once it is on disk; rejects with StoreUnavailable when the spool is full. */
  append(payload: Buffer, at = Date.now()): Promise<void> {
    const data = encodeRecord(payload);
    if (this.stats().bytes + this.reserved + data.length > this.options.maxBytes)
      return Promise.reject(
        new JobhookError(
          'StoreUnavailable',
          `Redis is unavailable and the local spool is full (${this.options.maxBytes} bytes)`,
        ),
      );
    this.reserved += data.length;
    return new Promise((resolve, reject) => {
      this.pending.push({ data, at, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        void this.schedule(() => this.flush());
      }
    });
  }

  /**
   * Seals the active segment and calls `handle` for every record of every sealed segment, oldest first.
   * Stops at the first record `handle` rejects (the segment is kept and retried at the next drain).
   * Returns the number of records handled.
   */
  async drain(handle: (payload: Buffer) => Promise<void>): Promise<number> {
    await this.schedule(() => this.seal());
    let handled = 0;
    while (this.segments.length > 0 && this.segments[0] !== this.active?.segment) {
      const segment = this.segments[0];
      if (segment === undefined) break;
      handled += await this.drainSegment(segment, handle);
      await unlink(join(this.options.dir, segment.name));
      this.segments.shift();
    }
    return handled;
  }

  async close(): Promise<void> {
    await this.schedule(async () => {
      await this.active?.file.close();
      this.active = undefined;
    });
  }

  private async drainSegment(segment: Segment, handle: (payload: Buffer) => Promise<void>): Promise<number> {
    const data = await readFile(join(this.options.dir, segment.name));
    const base = segment.drainedTo;
    let handled = 0;
    for (const item of decodeRecords(data.subarray(base))) {
      if (item.kind !== 'record') {
        this.options.logger.error(
          {
            segment: segment.name,
            offset: base + item.offset,
            bytes: item.end - item.offset,
            kind: item.kind,
          },
          item.kind === 'torn'
            ? 'spool: skipping a torn record at the end of a segment'
            : 'spool: skipping damaged bytes',
        );
        continue;
      }
      await handle(item.payload);
      handled++;
      segment.drainedTo = base + item.end;
      segment.records = Math.max(0, segment.records - 1);
      segment.bytes = data.length - segment.drainedTo;
    }
    segment.records = 0;
    segment.bytes = 0;
    return handled;
  }

  /** Serialises file operations: appends, sealing and closing never interleave. */
  private schedule(work: () => Promise<void>): Promise<void> {
    const run = this.io.then(work);
    this.io = run.catch(() => undefined);
    return run;
  }

  /** Writes and syncs everything pending, in batches; never rejects (each append is rejected instead). */
  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        const bytes = batch.reduce((sum, item) => sum + item.data.length, 0);
        try {
          const { segment, file } = await this.activeSegment();
          await file.write(
            Buffer.concat(
              batch.map((item) => item.data),
              bytes,
            ),
          );
          await file.datasync();
          segment.bytes += bytes;
          segment.records += batch.length;
          segment.firstAt ??= batch[0]?.at;
          for (const item of batch) item.resolve();
        } catch (error) {
          this.options.logger.error({ err: error }, 'spool: write failed');
          for (const item of batch)
            item.reject(
              new JobhookError(
                'StoreUnavailable',
                'Redis is unavailable and the local spool could not be written',
                { cause: error },
              ),
            );
        } finally {
          this.reserved -= bytes;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async activeSegment(): Promise<{ segment: Segment; file: FileHandle }> {
    if (this.active !== undefined) return this.active;
    const name = `${Date.now()}-${this.pid}-${++this.sequence}.spool`;
    const file = await open(join(this.options.dir, name), 'a', 0o600);
    const segment: Segment = { name, bytes: 0, records: 0, firstAt: undefined, drainedTo: 0 };
    this.segments.push(segment);
    this.active = { segment, file };
    return this.active;
  }

  private async seal(): Promise<void> {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    await active.file.close();
    if (active.segment.records === 0) {
      await unlink(join(this.options.dir, active.segment.name));
      this.segments.splice(this.segments.indexOf(active.segment), 1);
    }
  }

  /** Takes over the segments left by this pid before a restart and by processes that are gone. */
  private async adopt(): Promise<void> {
    const names = (await readdir(this.options.dir)).filter((n) => SEGMENT.test(n)).sort();
    for (const name of names) {
      const [, created = '', pid = '', seq = ''] = SEGMENT.exec(name) ?? [];
      const owner = Number(pid);
      if (owner !== this.pid && isAlive(owner)) continue;
      let mine = name;
      if (owner !== this.pid) {
        mine = `${created}-${this.pid}-${seq}.spool`;
        try {
          await rename(join(this.options.dir, name), join(this.options.dir, mine));
        } catch {
          continue; // another process adopted it first
        }
      }
      const data = await readFile(join(this.options.dir, mine));
      const records = [...decodeRecords(data)].filter((r) => r.kind === 'record').length;
      this.segments.push({
        name: mine,
        bytes: (await stat(join(this.options.dir, mine))).size,
        records,
        firstAt: Number(created),
        drainedTo: 0,
      });
      this.sequence = Math.max(this.sequence, Number(seq));
    }
    if (this.segments.length > 0)
      this.options.logger.warn(
        { segments: this.segments.length, ...this.stats() },
        'spool: found callbacks from an earlier run',
      );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}
