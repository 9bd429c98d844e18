import { Packr } from 'msgpackr';

/** Packed the way BullMQ packs job arguments and options (its Packr settings). */
const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

export interface JobPackerOptions {
  /** `<prefix>:<queue>:` — BullMQ's key prefix argument. */
  readonly queueKey: string;
  /** `<prefix>:<queue>:de:` — where BullMQ keeps deduplication keys. */
  readonly dedupePrefix: string;
  readonly dedupeWindowMs: number;
  readonly completedRetentionSeconds: number;
  readonly failedRetentionSeconds: number;
}

/** An event id as jobhook makes them (UUID v5): these are packed by patching a template. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Stands for the id in a template: as long as a UUID, bytes no other part of a job contains. */
const ID_MARK = '\u0001'.repeat(36);
/** A UUID to check templates with. */
const ID_SAMPLE = '6f1c2b1e-8f5a-5c4e-9a57-3a1f4f0b9d21';
/** Stands for the timestamp: packed as a float64 like every millisecond time since 1970-01-25. */
const TIME_MARK = 2_147_483_648.25;

/** A packed value with the places of the id (latin1 bytes) and of the timestamp (float64) in it. */
interface Template {
  readonly bytes: Buffer;
  readonly idAt: readonly number[];
  readonly timeAt: number | undefined;
}

/**
 * BullMQ's two msgpacked arguments of `addStandardJob` for one event: the job arguments and the job options. Per
 * event only the id (at fixed places: it is a UUID) and the creation time change, so a template packed once (per
 * job name) is copied and patched instead of packing everything again. Every template is checked against a full
 * pack before it is used; ids that are not UUIDs are always packed in full.
 */
export class JobPacker {
  private readonly argsByName = new Map<string, Template | undefined>();
  private readonly optsTemplate: Template | undefined;

  constructor(private readonly options: JobPackerOptions) {
    this.optsTemplate = this.template((id) => this.packOpts(id), false);
  }

  /** BullMQ's job arguments: key prefix, custom id, name, timestamp, parent key, parent dependencies key, parent,
   * repeat job key, deduplication key, defer parent release. */
  args(id: string, name: string, timestamp: number): Buffer {
    if (!UUID.test(id)) return this.packArgs(id, name, timestamp);
    let template = this.argsByName.get(name);
    if (template === undefined && !this.argsByName.has(name)) {
      template = this.template((markId, time) => this.packArgs(markId, name, time), true);
      this.argsByName.set(name, template);
    }
    return template === undefined ? this.packArgs(id, name, timestamp) : patch(template, id, timestamp);
  }

  /** The options Queue.add stores for `{ jobId, deduplication }` over the queue's default job options. */
  opts(id: string): Buffer {
    const template = this.optsTemplate;
    return template !== undefined && UUID.test(id) ? patch(template, id, 0) : this.packOpts(id);
  }

  /** Whether events named `name` are packed by patching templates (false: in full; slower, same bytes). */
  patches(name: string): boolean {
    this.args(ID_SAMPLE, name, 0);
    return this.optsTemplate !== undefined && this.argsByName.get(name) !== undefined;
  }

  private packArgs(id: string, name: string, timestamp: number): Buffer {
    const { queueKey, dedupePrefix } = this.options;
    return packr.pack([
      queueKey,
      id,
      name,
      timestamp,
      null,
      null,
      undefined,
      undefined,
      dedupePrefix + id,
      null,
    ]);
  }

  private packOpts(id: string): Buffer {
    const { completedRetentionSeconds, failedRetentionSeconds, dedupeWindowMs } = this.options;
    return packr.pack({
      attempts: 0,
      removeOnComplete: { age: completedRetentionSeconds },
      removeOnFail: { age: failedRetentionSeconds },
      jobId: id,
      de: { id, ttl: dedupeWindowMs },
    });
  }

  /**
   * A template of `pack`, or undefined when the marks cannot be found or patching does not give what a full pack
   * gives (then values are packed in full).
   */
  private template(pack: (id: string, time: number) => Buffer, timed: boolean): Template | undefined {
    const bytes = Buffer.from(pack(ID_MARK, TIME_MARK));
    const idAt: number[] = [];
    const idBytes = Buffer.from(ID_MARK, 'latin1');
    for (let at = bytes.indexOf(idBytes); at >= 0; at = bytes.indexOf(idBytes, at + idBytes.length))
      idAt.push(at);
    let timeAt: number | undefined;
    if (timed) {
      const time = Buffer.alloc(9);
      time[0] = 0xcb;
      time.writeDoubleBE(TIME_MARK, 1);
      const at = bytes.indexOf(time);
      if (at < 0) return undefined;
      timeAt = at + 1;
    }
    const template: Template = { bytes, idAt, timeAt };
    const sampleTime = 1_763_700_000_123;
    return patch(template, ID_SAMPLE, sampleTime).equals(pack(ID_SAMPLE, sampleTime)) ? template : undefined;
  }
}

function patch(template: Template, id: string, timestamp: number): Buffer {
  const bytes = Buffer.allocUnsafe(template.bytes.length);
  template.bytes.copy(bytes);
  for (const at of template.idAt) bytes.write(id, at, 'latin1');
  if (template.timeAt !== undefined) bytes.writeDoubleBE(timestamp, template.timeAt);
  return bytes;
}
