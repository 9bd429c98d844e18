import type { z } from 'zod';
import type { EventType } from './catalog.js';
import type { JobhookOwnEvent, JobhookOwnEventType } from './jobhook.js';
import type { AppCloudEvent, CloudEvent, EventData as EventDataSchema } from './schema.js';

export type EventData = z.infer<typeof EventDataSchema>;
export type EventChannel = NonNullable<z.infer<typeof CloudEvent>['channel']>;

type DataFor<T extends EventType> = T extends `tencent.ci.job.${string}`
  ? EventData & { provider: 'tencent-ci'; kind: 'job' }
  : T extends `tencent.ci.workflow.${string}`
    ? EventData & { provider: 'tencent-ci'; kind: 'workflow'; tasks: NonNullable<EventData['tasks']> }
    : T extends `qiniu.pfop.${string}`
      ? EventData & { provider: 'qiniu'; kind: 'pfop' }
      : T extends `tencent.ci.inventory.${string}`
        ? EventData & { provider: 'tencent-ci'; kind: 'inventory' }
        : EventData & { provider: 'tencent-cos-batch'; kind: 'batch' };

/** A jobhook CloudEvent; `JobhookEvent<'qiniu.pfop.failed'>` narrows `data`. */
export type JobhookEvent<T extends EventType = EventType> = Omit<
  z.infer<typeof CloudEvent>,
  'type' | 'data'
> & {
  type: T;
  data: DataFor<T>;
};

/** A JSON value (the data of an emitted event). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The type of an event a handler emits: `app.…`. */
export type AppEventType = `app.${string}`;

/** An event a handler emitted (`ctx.emit`); `AppEvent<'app.thumbs.ready'>` narrows `type`. */
export type AppEvent<T extends AppEventType = AppEventType> = Omit<
  z.infer<typeof AppCloudEvent>,
  'type' | 'data'
> & {
  type: T;
  data: JsonValue;
};

/** Every type an event in `jobhook-events` may have. */
export type AnyEventType = EventType | JobhookOwnEventType | AppEventType;

/** Any event in `jobhook-events`: a provider's job outcome, one of jobhook's own, or a handler's derived event. */
export type AnyEvent = JobhookEvent | JobhookOwnEvent | AppEvent;
