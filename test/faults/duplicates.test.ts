import { afterAll, describe, it } from 'vitest';
import {
  callbackUrl,
  ciCallback,
  deliver,
  jobIdFactory,
  settle,
  tdmqEnvelope,
  type Delivery,
} from './load.js';
import { cleanUpRigs, withRig } from './rig.js';

afterAll(cleanUpRigs, 30_000);

const OUTCOMES = 50;
let msgIds = 0;
const msgId = (): string => `135107988821${String(++msgIds).padStart(5, '0')}`;

/** The ten ways one outcome arrives: CI directly (XML, JSON), TDMQ envelope and SIMPLIFIED, auto-detected. */
const variants: readonly {
  readonly name: string;
  readonly route: string;
  readonly body: (jobId: string) => string;
  readonly headers?: () => Record<string, string>;
}[] = [
  { name: 'xml', route: '/v1/callbacks/tencent-ci', body: (id) => ciCallback(id, 'xml') },
  { name: 'json', route: '/v1/callbacks/tencent-ci', body: (id) => ciCallback(id, 'json') },
  {
    name: 'tdmq(xml)',
    route: '/v1/callbacks/tdmq',
    body: (id) => tdmqEnvelope(ciCallback(id, 'xml'), msgId()),
  },
  {
    name: 'tdmq(json)',
    route: '/v1/callbacks/tdmq',
    body: (id) => tdmqEnvelope(ciCallback(id, 'json'), msgId()),
  },
  {
    name: 'tdmq simplified xml',
    route: '/v1/callbacks/tdmq',
    body: (id) => ciCallback(id, 'xml'),
    headers: () => ({ 'x-cmq-message-id': msgId() }),
  },
  {
    name: 'tdmq simplified json',
    route: '/v1/callbacks/tdmq',
    body: (id) => ciCallback(id, 'json'),
    headers: () => ({ 'x-cmq-message-id': msgId() }),
  },
  { name: 'auto xml', route: '/v1/callbacks', body: (id) => ciCallback(id, 'xml') },
  { name: 'auto json', route: '/v1/callbacks', body: (id) => ciCallback(id, 'json') },
  {
    name: 'auto tdmq(xml)',
    route: '/v1/callbacks',
    body: (id) => tdmqEnvelope(ciCallback(id, 'xml'), msgId()),
  },
  {
    name: 'auto tdmq(json)',
    route: '/v1/callbacks',
    body: (id) => tdmqEnvelope(ciCallback(id, 'json'), msgId()),
  },
];

describe('fault: every callback delivered 10 times, concurrently, over HTTP and TDMQ, as XML and JSON', () => {
  it('stores each outcome exactly once under one event id', async (test) => {
    const { expect } = test;
    await withRig(test, async (rig) => {
      const jobhook = await rig.startJobhook();
      const jobId = jobIdFactory();
      const deliveries: Delivery[] = [];
      let next = 0;
      // Four outcomes at a time, each outcome's ten deliveries all at once (40 requests in flight).
      const worker = async (): Promise<void> => {
        for (let outcome = next++; outcome < OUTCOMES; outcome = next++) {
          const id = jobId(outcome);
          deliveries.push(
            ...(await Promise.all(
              variants.map((v) =>
                deliver(callbackUrl(jobhook.url, v.route), v.body(id), {
                  jobId: id,
                  route: v.route,
                  variant: v.name,
                  ...(v.headers === undefined ? {} : { headers: v.headers() }),
                }),
              ),
            )),
          );
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));

      const t = await settle(jobhook, rig.redis.port, deliveries);
      rig.check('duplicates x10 (HTTP, TDMQ, XML, JSON)', t);
      expect(t.sent).toBe(OUTCOMES * variants.length);
      const refused = deliveries.filter((d) => !d.acknowledged);
      expect(
        refused.map((d) => `${d.variant}: ${d.status ?? d.error ?? '?'}`),
        'every delivery is acknowledged',
      ).toEqual([]);
      expect(t.jobs, 'one job per outcome in jobhook-events').toBe(OUTCOMES);
      // However it arrived, an outcome has one event id.
      const idsPerJob = new Map<string, Set<string>>();
      for (const d of deliveries) {
        expect(d.eventIds, `${d.variant} of ${d.jobId}: one event`).toHaveLength(1);
        const ids = idsPerJob.get(d.jobId) ?? new Set();
        for (const id of d.eventIds) ids.add(id);
        idsPerJob.set(d.jobId, ids);
      }
      for (const [job, ids] of idsPerJob) expect([...ids], `event ids of job ${job}`).toHaveLength(1);
    });
  }, 120_000);
});
