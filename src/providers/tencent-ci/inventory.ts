import { buildEvent, eventSource, type Delivery } from '../../events/build.js';
import type { EventData, JobhookEvent } from '../../events/types.js';
import { present } from '../fields.js';
import { polledTime } from '../poll-time.js';
import { nonEmpty, record, text } from '../read.js';
import type { CiInventoryJob } from './api-wire.js';
import { ciState } from './states.js';

/** Where an inventory trigger job runs: it names no bucket of its own, so the one it was asked on. */
export interface InventoryPlace {
  readonly bucket?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * A CI inventory (batch) trigger job's record (`GET /inventorytriggerjob/<id>`, `JobsDetail`) → its event
 * `tencent.ci.inventory.<outcome>` (CONTRACT.md §6.5): `Success` → succeeded, `Failed` → failed, `Cancel` →
 * canceled, `Submitted`/`Running`/`Pause` → pending; Go's zero time or `-` → null. `detail` is the whole answer.
 * Returns a reason instead for a State outside these.
 */
export function inventoryEvent(
  job: CiInventoryJob,
  detail: Record<string, unknown>,
  place: InventoryPlace,
  delivery: Delivery,
): JobhookEvent | string {
  const state = ciState(job.State);
  if (state === undefined) return `CI inventory job ${job.JobId}: unknown State '${job.State}'`;
  const operation = record(job.Operation);
  const input = record(job.Input);
  const userData = text(operation?.UserData);
  const data: EventData = {
    provider: 'tencent-ci',
    kind: 'inventory',
    jobId: job.JobId,
    state,
    providerState: job.State,
    ...present('tag', nonEmpty(operation?.Tag)),
    ...present('code', job.Code),
    ...present('message', job.Message),
    ...present('queueId', nonEmpty(operation?.QueueId)),
    input: {
      ...present('region', place.region),
      ...present('bucket', place.bucket),
      ...present('object', nonEmpty(input?.Object) ?? nonEmpty(input?.Prefix)),
    },
    outputs: [],
    ...(userData === undefined ? {} : { userData }),
    createdAt: polledTime(job.CreationTime),
    startedAt: polledTime(job.StartTime),
    endedAt: polledTime(job.EndTime),
    detail,
  };
  const source = eventSource('tencent-ci', [place.region, place.bucket]);
  return buildEvent({ provider: 'tencent-ci', kind: 'inventory', state, source, data }, delivery);
}
