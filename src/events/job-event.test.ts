import { describe, expect, it } from 'vitest';
import { jobSubmitted } from './jobhook.js';
import { isJobEvent } from './job-event.js';
import { eventsOfFixtures } from '../../test/helpers/fixtures.js';

describe('isJobEvent', () => {
  it('is true of every provider event of the fixtures', async () => {
    const events = (await eventsOfFixtures()).flatMap((made) => made.events);
    expect(events.length).toBeGreaterThan(10);
    expect(events.filter((event) => !isJobEvent(event))).toEqual([]);
  });

  it('is false of jobhook’s own events, which name a provider and a job too, and of app events', () => {
    const submitted = jobSubmitted({
      provider: 'tencent-ci',
      kind: 'job',
      api: 'tencent-ci.file-job',
      jobId: 'f0123456789abcdef0123456789abcdef',
      handler: 'h',
      causationId: 'c',
      correlationId: 'c',
      deadline: '2026-12-06T00:00:00Z',
    });
    expect(isJobEvent(submitted)).toBe(false);
    expect(
      isJobEvent({
        ...submitted,
        type: 'app.job.done',
        data: { provider: 'x', jobId: 'y', state: 'succeeded' },
      }),
    ).toBe(false);
  });
});
