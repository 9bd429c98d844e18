import type { JobhookEvent } from '../events/types.js';

/**
 * An event as the store takes it: its id and type, and its JSON, serialized once by the receiver. While a
 * callback waits for Redis only this string stays alive, not the parsed document and the event built from it.
 */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  /** `JSON.stringify` of the CloudEvent. */
  readonly json: string;
}

/** Any event of `jobhook-events`: a provider's, a handler's (`app.…`) or jobhook's own (`jobhook.…`). */
export const encodeEvent = (event: { readonly id: string; readonly type: string }): EncodedEvent => ({
  id: event.id,
  type: event.type,
  json: JSON.stringify(event),
});

/** The parsed event again (tests, and the path that adds events one by one with `Queue.add`). */
export const decodeEvent = (event: EncodedEvent): JobhookEvent => JSON.parse(event.json) as JobhookEvent;
