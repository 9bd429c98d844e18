import { describe, expect, it } from 'vitest';
import { EVENT_ID_NAMESPACE, eventId, uuidV5 } from './id.js';

const bytes = (uuid: string): Buffer => Buffer.from(uuid.replaceAll('-', ''), 'hex');

describe('uuidV5', () => {
  it('matches the RFC 9562 test vector (DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', bytes('6ba7b810-9dad-11d1-80b4-00c04fd430c8'))).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('encodes names as UTF-8 and sets version 5 and the RFC variant', () => {
    const id = uuidV5('tencent-ci/job/任务-1/succeeded');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id).not.toBe(uuidV5('tencent-ci/job/任务-2/succeeded'));
  });

  it('derives event ids in jobhook namespace from provider, kind, job id and state', () => {
    expect(eventId('qiniu', 'job', 'z0.abc', 'failed')).toBe(
      uuidV5('qiniu/job/z0.abc/failed', bytes(EVENT_ID_NAMESPACE)),
    );
  });
});
