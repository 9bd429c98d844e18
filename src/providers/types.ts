import type { JsonObject } from '../body/json.js';
import type { XmlObject } from '../body/xml.js';
import type { Delivery } from '../events/build.js';
import type { JobhookEvent } from '../events/types.js';

/** A parsed callback document: the content of the XML root (with its name) or the JSON object. */
export type ParsedDocument =
  | { readonly format: 'xml'; readonly root: string; readonly content: XmlObject }
  | { readonly format: 'json'; readonly content: JsonObject };

/** What a provider made of a document: events, or why it is not one of its callbacks (→ quarantine). */
export type Normalized =
  | { readonly ok: true; readonly events: readonly JobhookEvent[] }
  | { readonly ok: false; readonly reason: string };

/** The request as a provider may need it for signature checks (raw bytes, exact target). */
export interface RawRequest {
  readonly method: string;
  readonly pathAndQuery: string;
  /** Header values by lowercase name, as node:http parses them (only `set-cookie` is ever a list). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The headers exactly as received, `[name, value, …]` (node:http drops some, such as `__proto__`, from `headers`). */
  readonly rawHeaders?: readonly string[];
  /** The body as sent, still in its Content-Encoding: signatures cover these bytes (the parser gets them decoded). */
  readonly body: Uint8Array;
}

export interface CallbackProvider {
  /** The route segment: `POST /v1/callbacks/<route>`. */
  readonly route: string;
  /** Cheap shape test used by auto-detection on `POST /v1/callbacks`. */
  detect(doc: ParsedDocument, request: RawRequest): boolean;
  /** Provider-specific authentication over the raw request, in addition to the token; throws JobhookError. */
  verify?(request: RawRequest): void;
  normalize(doc: ParsedDocument, request: RawRequest, delivery: Delivery): Normalized;
}

/** One header's value; a repeated header's values joined the way HTTP allows (`, `). */
export function headerOf(request: RawRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export const unrecognized = (reason: string): Normalized => ({ ok: false, reason });
