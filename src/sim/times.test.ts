import { describe, expect, it } from 'vitest';
import { normalizeTime } from '../events/time.js';
import { batchTime, ciTime, qiniuTime, workflowTime } from './times.js';

const instant = new Date('2025-03-01T02:00:05.123Z');

describe('provider times', () => {
  it('writes each provider format in UTC+8', () => {
    expect(ciTime(instant)).toBe('2025-03-01T10:00:05+0800');
    expect(ciTime(undefined)).toBe('-');
    expect(workflowTime(instant)).toBe('2025-03-01 10:00:05+0800');
    expect(qiniuTime(instant)).toBe('2025-03-01T10:00:05.123000000+08:00');
    expect(batchTime(instant)).toBe('2025-03-01T02:00:05Z');
  });

  it('writes times jobhook reads back as the same instant', () => {
    for (const written of [ciTime(instant), workflowTime(instant)])
      expect(Date.parse(normalizeTime(written) ?? '')).toBe(Date.parse('2025-03-01T02:00:05Z'));
  });
});
