import { eventType, type Kind, type Outcome, type Provider } from './catalog.js';
import { eventId } from './id.js';
import type { EventChannel, EventData, JobhookEvent } from './types.js';

/** Where and how a callback arrived; the same for every event made from it. */
export interface Delivery {
  readonly channel: EventChannel;
  /** RFC 3339 UTC. */
  readonly receivedAt: string;
  readonly tdmqMsgId?: string | undefined;
}

/** A lone surrogate (legal in JSON escapes) would make encodeURIComponent throw: replace it with U+FFFD. */
const wellFormed = (s: string): string =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Characters encodeURIComponent leaves as they are (a region or bucket name is made of them). */
const PLAIN = /^[\w.~!*'()-]+$/;

/** One path segment of a source: `-` when unknown, percent-encoded otherwise. */
const segment = (part: string | undefined): string =>
  part === undefined || part === '' ? '-' : PLAIN.test(part) ? part : encodeURIComponent(wellFormed(part));

/** `/tencent-ci/<region>/<bucket>`: unknown parts are `-`, trailing unknown parts are left out. */
export function eventSource(provider: Provider, parts: readonly (string | undefined)[]): string {
  let end = parts.length;
  while (end > 0 && segment(parts[end - 1]) === '-') end--;
  let source = `/${provider}`;
  for (let i = 0; i < end; i++) source += `/${segment(parts[i])}`;
  return source;
}

export interface EventParts {
  readonly provider: Provider;
  readonly kind: Kind;
  readonly state: Outcome;
  readonly source: string;
  readonly data: EventData;
}

export function buildEvent(parts: EventParts, delivery: Delivery): JobhookEvent {
  const { provider, kind, state, data } = parts;
  const event = {
    specversion: '1.0',
    id: eventId(provider, kind, data.jobId, state),
    source: parts.source,
    type: eventType(provider, kind, state),
    subject: data.jobId,
    time: data.endedAt ?? delivery.receivedAt,
    datacontenttype: 'application/json',
    channel: delivery.channel,
    receivedat: delivery.receivedAt,
    ...(delivery.tdmqMsgId === undefined ? {} : { tdmqmsgid: delivery.tdmqMsgId }),
    data,
  } as const;
  return event as JobhookEvent;
}
