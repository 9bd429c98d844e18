/**
 * jobhook's public API for TypeScript consumers: the event types and schemas, and the framework-free core.
 * Downstream services in other languages use schema/cloudevent.schema.json, generated from the same source.
 */
export { EVENT_TYPES, KINDS, OUTCOMES, PROVIDERS, eventType } from './events/catalog.js';
export type { EventType, Kind, Outcome, Provider } from './events/catalog.js';
export { CloudEvent, EventData as EventDataSchema } from './events/schema.js';
export type { EventChannel, EventData, JobhookEvent } from './events/types.js';
export { EVENT_ID_NAMESPACE, eventId } from './events/id.js';
export { ERRORS, JobhookError, isJobhookError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { EVENTS_QUEUE, QUARANTINE_QUEUE, DEFAULT_PREFIX } from './queue/queues.js';
export type { QuarantineEntry } from './queue/types.js';
export { createReceiver, AUTO_ROUTE } from './receive/receiver.js';
export type { CallbackRequest, Receipt, Receiver } from './receive/receiver.js';
export { createProviders } from './providers/index.js';
export type { CallbackProvider, ParsedDocument, Normalized } from './providers/types.js';

// Handlers (CONTRACT.md §5): the configuration's typed helpers, the errors that steer retries, the types of a
// handler module, the queue names a consumer reads.
export { defineConfig, defineHandler } from './handlers/define.js';
export type {
  ConfigInput,
  EventsMatching,
  HandlerDefinition,
  HandlerEntryInput,
  SubscriptionInput,
} from './handlers/define.js';
export { NonRetryableError, RetryLaterError } from './handlers/errors.js';
export type { Emitted, EmitOptions, HandlerContext } from './handlers/types.js';
export type { AnyEvent, AnyEventType, AppEvent, AppEventType, JsonValue } from './events/types.js';
export { AnyCloudEvent, AppCloudEvent } from './events/schema.js';
export { DEAD_QUEUE, handlerQueue } from './queue/queues.js';
export type { DeadLetter } from './queue/dead-letters.js';

// Cloud clients (CONTRACT.md §6): `ctx.clouds`, their errors, and re-query.
export { CloudError, isCloudError } from './providers/cloud-error.js';
export type { CloudOutcome, CloudProvider } from './providers/cloud-error.js';
export type { Clouds } from './providers/clouds.js';
export type { TencentCiClient, CiTarget, CiJobKind, CiQueueKind } from './providers/tencent-ci/client.js';
export type { CosBatchClient } from './providers/tencent-cos-batch/client.js';
export { CreateJobError } from './providers/tencent-cos-batch/errors.js';
export type { CreateJobErrorReason } from './providers/tencent-cos-batch/errors.js';
export type { QiniuClient, PfopRequest } from './providers/qiniu/client.js';
export type { DescribeResult } from './providers/describe.js';
