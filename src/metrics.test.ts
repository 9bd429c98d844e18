import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const series = async (metrics: ReturnType<typeof createMetrics>, name: string): Promise<string[]> =>
  (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith(`${name}{`));

describe('metrics', () => {
  it('reports hot-path counts at every scrape, adding up across scrapes', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countCallback('tencent-ci', 'accepted');
    metrics.countCallback('tencent-ci', 'accepted');
    metrics.countCallback('qiniu', 'rejected');
    metrics.countEvent('tencent.ci.job.succeeded', false);
    metrics.countEvent('tencent.ci.job.succeeded', true);
    expect(await series(metrics, 'jobhook_callbacks_total')).toEqual([
      'jobhook_callbacks_total{route="tencent-ci",outcome="accepted"} 2',
      'jobhook_callbacks_total{route="qiniu",outcome="rejected"} 1',
    ]);
    expect(await series(metrics, 'jobhook_events_total')).toEqual([
      'jobhook_events_total{type="tencent.ci.job.succeeded",duplicate="false"} 1',
      'jobhook_events_total{type="tencent.ci.job.succeeded",duplicate="true"} 1',
    ]);
    metrics.countCallback('tencent-ci', 'accepted');
    expect(await series(metrics, 'jobhook_callbacks_total')).toContain(
      'jobhook_callbacks_total{route="tencent-ci",outcome="accepted"} 3',
    );
    // A scrape with nothing new leaves the totals as they were.
    expect(await series(metrics, 'jobhook_callbacks_total')).toContain(
      'jobhook_callbacks_total{route="tencent-ci",outcome="accepted"} 3',
    );
  });

  it("shows the counts to prom-client's get() as well", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countEvent('qiniu.pfop.failed', false);
    const { values } = await metrics.events.get();
    expect(values).toEqual([{ value: 1, labels: { type: 'qiniu.pfop.failed', duplicate: 'false' } }]);
  });

  it('observes callback durations per route', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observeDuration('tdmq', 0.003);
    expect(await series(metrics, 'jobhook_callback_duration_seconds_count')).toEqual([
      'jobhook_callback_duration_seconds_count{route="tdmq"} 1',
    ]);
  });
});
