import type { EncodedEvent } from './encoded.js';

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  /** True when an event with this id was already stored (within the dedupe window). */
  readonly duplicate: boolean;
}

export interface StoreReceipt {
  readonly events: readonly StoredEvent[];
  /** True when the events went to the local spool because Redis could not take them. */
  readonly spooled: boolean;
}

/** An authenticated, well-formed callback of no known shape, kept whole for inspection and replay. */
export interface QuarantineEntry {
  readonly id: string;
  readonly route: string;
  readonly reason: string;
  readonly receivedAt: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, base64. */
  readonly body: string;
}

/**
 * Where accepted callbacks go before the 2xx. Resolves only once the data is durable; rejects with
 * `JobhookError('StoreUnavailable')` within a bounded time otherwise. A spooling store (issue 3) wraps one of these.
 */
export interface CallbackStore {
  storeEvents(events: readonly EncodedEvent[]): Promise<StoreReceipt>;
  storeQuarantine(entry: QuarantineEntry): Promise<{ readonly spooled: boolean }>;
  /** True when the store can take writes now (for /readyz). */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}
