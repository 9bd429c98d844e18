import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventId } from '../src/events/id.js';
import { CloudEvent } from '../src/events/schema.js';
import type { JobhookEvent } from '../src/events/types.js';
import { loadFixtures, type ExpectedEvent, type Fixture } from './helpers/fixtures.js';
import {
  flush,
  quarantined,
  startJobhook,
  storedEvents,
  withToken,
  type RunningJobhook,
} from './helpers/jobhook.js';
import { RedisServer } from './helpers/redis-server.js';

const fixtures = await loadFixtures();
let redis: RedisServer;
let jobhook: RunningJobhook;

beforeAll(async () => {
  redis = await RedisServer.start();
  jobhook = await startJobhook(redis);
});
afterAll(async () => {
  await jobhook.stop();
  await redis.stop();
});

/** Posts the fixture to a fresh queue and returns what was stored. */
async function deliver(
  fixture: Fixture,
  path: string,
): Promise<{ status: number; events: JobhookEvent[]; quarantine: number }> {
  await flush(redis);
  const response = await jobhook.post(withToken(path), fixture.body, fixture.headers);
  return {
    status: response.status,
    events: await storedEvents(redis),
    quarantine: (await quarantined(redis)).length,
  };
}

function expectEvent(actual: JobhookEvent, expected: ExpectedEvent): void {
  expect(CloudEvent.safeParse(actual).error).toBeUndefined();
  const { detail, ...data } = actual.data;
  expect(data).toEqual(expected.data);
  expect(detail).toBeTypeOf('object');
  expect({
    type: actual.type,
    subject: actual.subject,
    source: actual.source,
    channel: actual.channel,
    tdmqmsgid: actual.tdmqmsgid,
  }).toEqual({
    type: expected.type,
    subject: expected.subject,
    source: expected.source,
    channel: expected.channel,
    tdmqmsgid: expected.tdmqmsgid,
  });
  expect(actual.time).toBe(expected.time ?? actual.receivedat);
  const { provider, kind, jobId, state } = actual.data;
  expect(actual.id).toBe(eventId(provider, kind, jobId, state));
  expect(actual.specversion).toBe('1.0');
  expect(actual.datacontenttype).toBe('application/json');
}

const byOrder = (events: JobhookEvent[], expected: readonly ExpectedEvent[]): JobhookEvent[] =>
  expected.map((e) => events.find((a) => a.subject === e.subject && a.type === e.type) ?? events[0]!);

describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
  it(`gives what ${fixture.name}.expected.json says on /v1/callbacks/${fixture.route}`, async () => {
    const { status, events, quarantine } = await deliver(fixture, `/v1/callbacks/${fixture.route}`);
    expect(status).toBe(200);
    if (fixture.result === 'quarantined') {
      expect(events).toEqual([]);
      expect(quarantine).toBe(1);
      return;
    }
    expect(quarantine).toBe(0);
    expect(events).toHaveLength(fixture.events.length);
    byOrder(events, fixture.events).forEach((event, i) => expectEvent(event, fixture.events[i]!));
  });

  it('gives the same events when auto-detected on /v1/callbacks', async () => {
    const named = await deliver(fixture, `/v1/callbacks/${fixture.route}`);
    const auto = await deliver(fixture, '/v1/callbacks');
    expect(auto.status).toBe(200);
    expect(auto.events.map((e) => [e.id, e.type, e.channel]).sort()).toEqual(
      named.events.map((e) => [e.id, e.type, e.channel]).sort(),
    );
    expect(auto.quarantine).toBe(named.quarantine);
  });
});

describe('same outcomes', () => {
  const pairs = fixtures.flatMap((f) => f.sameOutcomeAs.map((other) => [f.name, other] as const));
  it.each(pairs)('%s and %s get the same event ids', async (a, b) => {
    const first = fixtures.find((f) => f.name === a)!;
    const second = fixtures.find((f) => f.name === b)!;
    const ids = async (f: Fixture): Promise<string[]> =>
      (await deliver(f, `/v1/callbacks/${f.route}`)).events.map((e) => e.id).sort();
    expect(await ids(first)).toEqual(await ids(second));
  });
});
