import type { Random } from './rng.js';
import { ciTime } from './times.js';
import type { OutDoc } from './xml.js';

/** The CI queue kinds and their paths (formats.md §4.2). */
export const QUEUE_KINDS = ['media', 'file', 'doc', 'pic'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];
export const QUEUE_PATHS: Readonly<Record<QueueKind, string>> = {
  media: 'queue',
  file: 'file_queue',
  doc: 'docqueue',
  pic: 'picqueue',
};

export interface NotifyConfig {
  Url: string;
  State: string;
  Type: string;
  Event: string;
  ResultFormat?: string;
  MqMode?: string;
  MqRegion?: string;
  MqName?: string;
}

export interface SimQueue {
  readonly queueId: string;
  readonly kind: QueueKind;
  readonly bucketId: string;
  name: string;
  state: string;
  notifyConfig: NotifyConfig;
  readonly createTime: Date;
  updateTime: Date;
}

/** One queue per bucket, region and kind, made when first asked for, as a new bucket has. */
export class QueueStore {
  private readonly queues = new Map<string, SimQueue>();

  constructor(private readonly random: Random) {}

  of(scope: string, kind: QueueKind): SimQueue {
    const key = `${scope}|${kind}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      const now = new Date();
      const notifyConfig: NotifyConfig =
        kind === 'doc'
          ? { Url: '', State: 'Off', Type: 'Url', Event: 'TaskFinish' }
          : { Url: '', State: 'Off', Type: 'Url', Event: 'TaskFinish,WorkflowFinish', ResultFormat: 'XML' };
      queue = {
        queueId: `p${this.random.hex(32)}`,
        kind,
        bucketId: scope.split('/')[0] ?? '',
        name: `${kind}-queue-1`,
        state: 'Active',
        notifyConfig,
        createTime: now,
        updateTime: now,
      };
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** The queue a job named, when it is one of this bucket's. */
  find(scope: string, queueId: string | undefined): SimQueue | undefined {
    if (queueId === undefined) return undefined;
    for (const kind of QUEUE_KINDS) {
      const queue = this.of(scope, kind);
      if (queue.queueId === queueId) return queue;
    }
    return undefined;
  }

  clear(): void {
    this.queues.clear();
  }
}

/** A queue as the queue APIs answer it. */
export function queueRecord(queue: SimQueue): OutDoc {
  return {
    QueueId: queue.queueId,
    Name: queue.name,
    State: queue.state,
    MaxSize: '10000',
    MaxConcurrent: '10',
    Category: 'CateAll',
    BucketId: queue.bucketId,
    CreateTime: ciTime(queue.createTime),
    UpdateTime: ciTime(queue.updateTime),
    NotifyConfig: { ...queue.notifyConfig },
  };
}
