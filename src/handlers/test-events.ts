import { CloudEvent } from '../events/schema.js';
import type { AppEvent, JobhookEvent } from '../events/types.js';

/** A Tencent CI job event as jobhook stores it, checked against the event schema; `fields` replace its own. */
export function jobEvent(
  fields: Partial<JobhookEvent<'tencent.ci.job.succeeded'>> = {},
): JobhookEvent<'tencent.ci.job.succeeded'> {
  const event: JobhookEvent<'tencent.ci.job.succeeded'> = {
    specversion: '1.0',
    id: '0d1b3b6e-8d2a-5d0c-9a57-3a1f4f0b9d21',
    source: '/tencent-ci/ap-guangzhou/media-1250000000',
    type: 'tencent.ci.job.succeeded',
    subject: 'j8d3f0a2c6e7b11ee9b1f525400aabbcc',
    time: '2026-10-02T08:11:58+08:00',
    datacontenttype: 'application/json',
    data: {
      provider: 'tencent-ci',
      kind: 'job',
      jobId: 'j8d3f0a2c6e7b11ee9b1f525400aabbcc',
      state: 'succeeded',
      providerState: 'Success',
      tag: 'FileCompress',
      input: { region: 'ap-guangzhou', bucket: 'media-1250000000', object: 'in/a.zip' },
      outputs: [{ region: 'ap-guangzhou', bucket: 'media-1250000000', object: 'out/a.zip' }],
      createdAt: '2026-10-02T08:11:50+08:00',
      startedAt: '2026-10-02T08:11:51+08:00',
      endedAt: '2026-10-02T08:11:58+08:00',
      detail: {},
    },
    ...fields,
  };
  CloudEvent.parse(event);
  return event;
}

/** An event a handler emitted, as a cause of another. */
export function appEvent(fields: Partial<AppEvent> = {}): AppEvent {
  return {
    specversion: '1.0',
    id: '5b0e6c1a-0f59-5a3e-8f5e-1f2d3c4b5a69',
    source: '/jobhook/thumbs',
    type: 'app.thumbs.ready',
    time: '2026-10-02T00:12:00.000Z',
    datacontenttype: 'application/json',
    data: { count: 3 },
    causationid: '0d1b3b6e-8d2a-5d0c-9a57-3a1f4f0b9d21',
    correlationid: '0d1b3b6e-8d2a-5d0c-9a57-3a1f4f0b9d21',
    ...fields,
  };
}
