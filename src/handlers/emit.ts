import { uuidV5 } from '../events/id.js';
import { APP_TYPE, AppCloudEvent } from '../events/schema.js';
import { isoTime } from '../events/time.js';
import type { AnyEvent, AppEvent, AppEventType, JsonValue } from '../events/types.js';
import type { CallbackStore } from '../queue/types.js';
import { NonRetryableError } from './errors.js';
import type { Emitted, EmitOptions } from './types.js';

const JSON_VALUE = AppCloudEvent.shape.data;

/**
 * The derived event a handler emits (CONTRACT.md §5.3, §5.6): type `app.…`, source `/jobhook/<handler>`, the
 * causing event's subject, `causationid` the causing event, `correlationid` the causing event's own (or the
 * causing event itself). Its id is derived from (causing event, handler, type, key), so a retried run emits the
 * same event again — which `jobhook-events` collapses — and never a second one. The four are written as a JSON
 * list in the name of the id, so no two different ones give one name (ids and keys may hold any character), and
 * an empty key is not the same as none.
 */
export function derivedEvent(
  cause: AnyEvent,
  handler: string,
  type: AppEventType,
  data: JsonValue,
  options: EmitOptions = {},
  now = new Date(),
): AppEvent {
  if (!APP_TYPE.test(type))
    throw new NonRetryableError(
      `emit: the type must be app.<name> (letters, digits, _ and -), not ${JSON.stringify(type)}`,
      {
        code: 'InvalidEmit',
      },
    );
  if (!JSON_VALUE.safeParse(data).success)
    throw new NonRetryableError(
      'emit: data must be a JSON value (no undefined, functions, NaN, Infinity or class instances)',
      { code: 'InvalidEmit' },
    );
  return {
    specversion: '1.0',
    id: uuidV5(`emit/${JSON.stringify([cause.id, handler, type, options.key ?? null])}`),
    source: `/jobhook/${handler}`,
    type,
    ...(cause.subject === undefined ? {} : { subject: cause.subject }),
    time: isoTime(now),
    datacontenttype: 'application/json',
    data,
    causationid: cause.id,
    correlationid: cause.correlationid ?? cause.id,
  };
}

/** `ctx.emit` over a store of `jobhook-events`. */
export function emitter(store: CallbackStore) {
  return async (
    cause: AnyEvent,
    handler: string,
    type: AppEventType,
    data: JsonValue,
    options?: EmitOptions,
  ): Promise<Emitted> => {
    const event = derivedEvent(cause, handler, type, data, options);
    let encoded;
    try {
      encoded = { id: event.id, type: event.type, json: JSON.stringify(event) };
    } catch (error) {
      throw new NonRetryableError(`emit: data must be JSON-serializable (${String(error)})`, {
        code: 'InvalidEmit',
      });
    }
    const receipt = await store.storeEvents([encoded]);
    return { id: event.id, duplicate: receipt.events[0]?.duplicate === true };
  };
}
