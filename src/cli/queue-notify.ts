import { z } from 'zod';
import type { XmlObject } from '../body/xml.js';
import { redactUrl } from '../log.js';
import type { CiQueueKind } from '../providers/tencent-ci/client.js';

const Text = z.string().optional().catch(undefined);

/** A queue's `NotifyConfig` as the queue APIs answer it (formats.md §4.2); unknown fields pass through. */
const NotifyConfig = z.looseObject({
  Url: Text,
  State: Text,
  Type: Text,
  Event: Text,
  ResultFormat: Text,
});

/** One queue of `QueueList` (or the `Queue` of an update's answer). */
export const CiQueueRecord = z.looseObject({
  QueueId: z.string().min(1),
  Name: z.string().min(1),
  State: z.string().min(1),
  NotifyConfig: NotifyConfig.optional().catch(undefined),
});
export type CiQueueRecord = z.infer<typeof CiQueueRecord>;

/** What `register` shows of a queue, before and after; the URL's token redacted. */
export interface QueueView {
  readonly queueId: string;
  readonly name: string;
  readonly state: string;
  readonly notify: {
    readonly url: string;
    readonly state: string;
    readonly type: string;
    readonly event: string;
    readonly resultFormat?: string | undefined;
  };
}

/** The queue `queueId` in a queue listing's record, or undefined when it is not there. */
export function findQueue(record: XmlObject, queueId: string): CiQueueRecord | undefined {
  const list = z
    .array(z.unknown())
    .catch([])
    .parse(record.QueueList ?? []);
  for (const entry of list) {
    const queue = CiQueueRecord.safeParse(entry);
    if (queue.success && queue.data.QueueId === queueId) return queue.data;
  }
  return undefined;
}

/** The queue for display: the URL's token and any password redacted. */
export function queueView(queue: CiQueueRecord): QueueView {
  const notify = queue.NotifyConfig;
  return {
    queueId: queue.QueueId,
    name: queue.Name,
    state: queue.State,
    notify: {
      url: redactUrl(notify?.Url ?? ''),
      state: notify?.State ?? '',
      type: notify?.Type ?? '',
      event: notify?.Event ?? '',
      ...(notify?.ResultFormat === undefined ? {} : { resultFormat: notify.ResultFormat }),
    },
  };
}

/** The `PUT` body of a queue update. */
export type NotifyRequest = {
  readonly Name: string;
  readonly QueueID: string;
  readonly State: string;
  readonly NotifyConfig: {
    readonly Url: string;
    readonly State: 'On';
    readonly Type: 'Url';
    readonly Event: string;
    readonly ResultFormat?: 'XML' | 'JSON';
  };
};

/**
 * The `PUT` body that points a queue's notifications at jobhook (CONTRACT.md §7.1): its name and Active/Paused
 * state kept, `NotifyConfig` On, Url, both events (TaskFinish only for doc queues, which have no ResultFormat);
 * the result format is the one asked for, else the queue's own, else XML.
 */
export function notifyRequest(
  kind: CiQueueKind,
  queue: CiQueueRecord,
  url: string,
  format: 'XML' | 'JSON' | undefined,
): NotifyRequest {
  const own = queue.NotifyConfig?.ResultFormat;
  const resultFormat = format ?? (own === 'XML' || own === 'JSON' ? own : 'XML');
  return {
    Name: queue.Name,
    QueueID: queue.QueueId,
    State: queue.State,
    NotifyConfig: {
      Url: url,
      State: 'On',
      Type: 'Url',
      Event: kind === 'doc' ? 'TaskFinish' : 'TaskFinish,WorkflowFinish',
      ...(kind === 'doc' ? {} : { ResultFormat: resultFormat }),
    },
  };
}
