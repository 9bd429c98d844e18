import type { z } from 'zod';
import type { EventType } from './catalog.js';
import type { CloudEvent, EventData as EventDataSchema } from './schema.js';

export type EventData = z.infer<typeof EventDataSchema>;
export type EventChannel = NonNullable<z.infer<typeof CloudEvent>['channel']>;

type DataFor<T extends EventType> = T extends `tencent.ci.job.${string}`
  ? EventData & { provider: 'tencent-ci'; kind: 'job' }
  : T extends `tencent.ci.workflow.${string}`
    ? EventData & { provider: 'tencent-ci'; kind: 'workflow'; tasks: NonNullable<EventData['tasks']> }
    : T extends `qiniu.pfop.${string}`
      ? EventData & { provider: 'qiniu'; kind: 'pfop' }
      : EventData & { provider: 'tencent-cos-batch'; kind: 'batch' };

/** A jobhook CloudEvent; `JobhookEvent<'qiniu.pfop.failed'>` narrows `data`. */
export type JobhookEvent<T extends EventType = EventType> = Omit<
  z.infer<typeof CloudEvent>,
  'type' | 'data'
> & {
  type: T;
  data: DataFor<T>;
};
