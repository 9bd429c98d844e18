import { randomUUID } from 'node:crypto';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { uuidV5 } from '../events/id.js';
import { JobPacker } from './job-packer.js';

const options = {
  queueKey: 'bull:jobhook-events:',
  dedupePrefix: 'bull:jobhook-events:de:',
  dedupeWindowMs: 604_800_000,
  completedRetentionSeconds: 86_400,
  failedRetentionSeconds: 604_800,
};
const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/** What BullMQ's addJobToTransaction packs for a standard job with these options. */
const expectedArgs = (id: string, name: string, time: number): Buffer =>
  packr.pack([
    options.queueKey,
    id,
    name,
    time,
    null,
    null,
    undefined,
    undefined,
    options.dedupePrefix + id,
    null,
  ]);
const expectedOpts = (id: string): Buffer =>
  packr.pack({
    attempts: 0,
    removeOnComplete: { age: options.completedRetentionSeconds },
    removeOnFail: { age: options.failedRetentionSeconds },
    jobId: id,
    de: { id, ttl: options.dedupeWindowMs },
  });

describe('JobPacker', () => {
  const packer = new JobPacker(options);

  it('packs by patching templates (the fast path is the one in use)', () => {
    expect(packer.patches('tencent.ci.job.succeeded')).toBe(true);
  });

  it('packs exactly what a full pack gives, for event ids, names and times', () => {
    const names = ['tencent.ci.job.succeeded', 'tencent.ci.workflow.failed', 'qiniu.pfop.succeeded', 'x'];
    for (let i = 0; i < 2000; i++) {
      const id = i % 2 === 0 ? uuidV5(`tencent-ci/job/j${i}/succeeded`) : randomUUID();
      const name = names[i % names.length] ?? '';
      const time = Date.now() + i * 7919;
      expect(packer.args(id, name, time).equals(expectedArgs(id, name, time))).toBe(true);
      expect(packer.opts(id).equals(expectedOpts(id))).toBe(true);
    }
  });

  it('packs ids that are not UUIDs in full', () => {
    for (const id of [
      'short',
      'Ä'.repeat(36),
      '6F1C2B1E-8F5A-5C4E-9A57-3A1F4F0B9D21',
      `${'a'.repeat(35)}\u0001`,
    ]) {
      expect(packer.args(id, 'n', 1).equals(expectedArgs(id, 'n', 1))).toBe(true);
      expect(packer.opts(id).equals(expectedOpts(id))).toBe(true);
    }
  });

  it('gives every event its own bytes', () => {
    const a = packer.opts(randomUUID());
    const copy = Buffer.from(a);
    packer.opts(randomUUID());
    expect(a.equals(copy)).toBe(true);
  });
});
