import { contentCodings, decodeContent } from '../body/content-encoding.js';
import { decodeBody } from '../body/decode.js';
import { parseDocument, type DocumentLimits } from '../body/parse.js';
import { JobhookError } from '../errors.js';
import type { Delivery } from '../events/build.js';
import { isoTime } from '../events/time.js';
import type { ProviderSet } from '../providers/index.js';
import { headerOf, type CallbackProvider, type ParsedDocument, type RawRequest } from '../providers/types.js';
import { encodeEvent, type EncodedEvent } from '../queue/encoded.js';
import type { CallbackStore, QuarantineEntry, StoreReceipt, StoredEvent } from '../queue/types.js';
import { quarantineEntry } from './quarantine.js';

/** `POST /v1/callbacks` detects the provider; `POST /v1/callbacks/<route>` names it. */
export const AUTO_ROUTE = 'auto';

export interface CallbackRequest extends RawRequest {
  readonly route: string;
  readonly receivedAt: Date;
}

export interface Receipt {
  readonly events: readonly StoredEvent[];
  readonly quarantined?: true;
  readonly spooled?: true;
  /** Why the body was quarantined (for logs; not sent to the caller). */
  readonly reason?: string;
}

export interface Receiver {
  receive(request: CallbackRequest): Promise<Receipt>;
}

export interface ReceiverOptions {
  readonly providers: ProviderSet;
  readonly store: CallbackStore;
  readonly limits: DocumentLimits;
  /** `JOBHOOK_BODY_LIMIT`: the largest body once its Content-Encoding is undone (the HTTP edge bounds the wire bytes). */
  readonly bodyLimitBytes: number;
}

/**
 * The framework-free core: decode → parse → pick the provider → verify → normalize → store. Resolves only
 * once the result is durable; throws JobhookError for every input it refuses (nothing is stored then).
 *
 * The Content-Encoding is undone here rather than at the HTTP edge, so that every way into the core (HTTP, tests,
 * a replay of a quarantined request) honours it and no body is ever parsed as if its coding were absent. The request
 * keeps the bytes as sent: a provider's signature covers those (Qiniu's SDKs sign and verify `req.Body`, the
 * bytes on the wire, compressed or not; Content-Encoding is not among the signed headers), and a quarantined
 * body is kept as received, next to its Content-Encoding header. Only the parser sees the decoded bytes.
 */
export function createReceiver({ providers, store, limits, bodyLimitBytes }: ReceiverOptions): Receiver {
  const named = (route: string): CallbackProvider | undefined =>
    route === AUTO_ROUTE ? undefined : providers.byRoute.get(route);

  const detect = (doc: ParsedDocument, request: RawRequest): CallbackProvider | undefined =>
    providers.detectOrder.find((provider) => provider.detect(doc, request));

  /**
   * Everything up to storing, synchronously: what it builds (text, parsed document, events) is garbage before the
   * callback waits for Redis; only the encoded events or the quarantine entry are kept.
   */
  const prepare = (
    request: CallbackRequest,
    body: Uint8Array,
    provider: CallbackProvider | undefined,
  ): Prepared => {
    const { format, text } = decodeBody(body, headerOf(request, 'content-type'));
    const doc = parseDocument(text, format, limits);
    const chosen = provider ?? detect(doc, request);
    const receivedAt = isoTime(request.receivedAt);
    if (chosen === undefined) return quarantined(request, 'no provider recognizes the document', receivedAt);
    chosen.verify?.(request);
    const delivery: Delivery = { channel: 'http', receivedAt };
    const normalized = chosen.normalize(doc, request, delivery);
    if (!normalized.ok) return quarantined(request, normalized.reason, receivedAt);
    return { events: normalized.events.map(encodeEvent) };
  };

  const quarantined = (request: CallbackRequest, reason: string, receivedAt: string): Prepared => ({
    quarantine: quarantineEntry(request, request.route, reason, receivedAt),
  });

  const stored = (receipt: StoreReceipt): Receipt =>
    receipt.spooled ? { events: receipt.events, spooled: true } : { events: receipt.events };

  const settle = (
    request: CallbackRequest,
    body: Uint8Array,
    provider: CallbackProvider | undefined,
  ): Promise<Receipt> => {
    const prepared = prepare(request, body, provider);
    if ('events' in prepared) return store.storeEvents(prepared.events).then(stored);
    const { reason } = prepared.quarantine;
    return store
      .storeQuarantine(prepared.quarantine)
      .then(({ spooled }) =>
        spooled
          ? { events: [], quarantined: true, spooled: true, reason }
          : { events: [], quarantined: true, reason },
      );
  };

  return {
    // Not async: the common path (no Content-Encoding) is one promise from the store, mapped once.
    receive(request) {
      try {
        const provider = named(request.route);
        if (request.route !== AUTO_ROUTE && provider === undefined)
          throw new JobhookError('NotFound', `no callback route '${request.route.slice(0, 64)}'`);
        const codings = contentCodings(headerOf(request, 'content-encoding'));
        if (codings.length === 0) return settle(request, request.body, provider);
        // Inflating runs on zlib's thread pool; a throw in `settle` rejects the promise `then` returns.
        return decodeContent(request.body, codings, bodyLimitBytes).then((body) =>
          settle(request, body, provider),
        );
      } catch (error) {
        // Refusals (and a store that throws) reject, as from an async function.
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

type Prepared = { readonly events: readonly EncodedEvent[] } | { readonly quarantine: QuarantineEntry };
