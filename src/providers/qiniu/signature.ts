/**
 * Qiniu request signatures, used to authenticate pfop / upload callbacks (formats.md §3.4) and, later, to sign
 * our own management API calls (§4.4).
 *
 * - QBox (v1): data = path[?query] + "\n" [+ body]; the Go SDK adds the body only for form-urlencoded bodies.
 * - Qiniu (v2): data = "METHOD path[?query]\nHost: <host>\nContent-Type: <ct>\n" + "X-Qiniu-Name: value\n"…
 *   + "\n" [+ body]; the Go SDK adds the body only for form-urlencoded or JSON bodies.
 * - Both: signature = urlsafe base64 (with `=` padding) of HMAC-SHA1(secretKey, data); header value
 *   `<Scheme> <AccessKey>:<signature>`.
 *
 * Receiver pitfalls: use the Host header verbatim (a rewriting proxy breaks verification), the raw request
 * target, the raw body bytes, and the X-Qiniu-* headers exactly as received.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface QiniuKey {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface QiniuSignedRequest {
  /** e.g. 'POST'; signed verbatim (v2 only). */
  readonly method: string;
  /** Raw request target as received, e.g. '/v1/callbacks/qiniu?token=abc'. */
  readonly pathAndQuery: string;
  /** The Host header verbatim (may include :port). */
  readonly host: string;
  /** The Content-Type header verbatim; undefined when absent. */
  readonly contentType: string | undefined;
  /** Lowercase header names; X-Qiniu-* headers among them are signed by v2. */
  readonly headers: ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;
  /** Raw body bytes. */
  readonly body: Uint8Array;
}

export type QiniuVerdict =
  | { ok: true; accessKey: string }
  | { ok: false; reason: 'unknown-scheme' | 'unknown-key' | 'bad-signature' | 'malformed' };

export type QiniuScheme = 'QBox' | 'Qiniu';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const JSON_CONTENT_TYPE = 'application/json';
const OCTET_STREAM_CONTENT_TYPE = 'application/octet-stream';
const X_QINIU_PREFIX = 'x-qiniu-';
/** Longer Authorization values are rejected as malformed before any parsing. */
const MAX_AUTHORIZATION_LENGTH = 1024;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * The request target as the Go SDK sees it: `URL.Path` plus `?RawQuery` only when the query is non-empty
 * (a bare trailing `?` is dropped). A fragment never reaches a server, but is dropped defensively.
 */
function normalizedTarget(pathAndQuery: string): string {
  const hash = pathAndQuery.indexOf('#');
  const target = hash === -1 ? pathAndQuery : pathAndQuery.slice(0, hash);
  const q = target.indexOf('?');
  if (q === -1) return target;
  return q === target.length - 1 ? target.slice(0, q) : target;
}

/** The bytes signed by QBox (v1). */
export function qboxSigningData(req: QiniuSignedRequest, includeBody: boolean): Buffer {
  const head = Buffer.from(`${normalizedTarget(req.pathAndQuery)}\n`, 'utf8');
  return includeBody ? Buffer.concat([head, req.body]) : head;
}

/** Go SDK rule (`incBody`): QBox signs the body only when the Content-Type is exactly form-urlencoded. */
export function qboxIncludesBody(contentType: string | undefined): boolean {
  return contentType === FORM_CONTENT_TYPE;
}

/** The Content-Type line used by v2: the header verbatim, or form-urlencoded when absent or empty. */
function v2ContentType(contentType: string | undefined): string {
  return contentType === undefined || contentType === '' ? FORM_CONTENT_TYPE : contentType;
}

/** Go SDK rule (`incBodyV2`): v2 signs the body only for form-urlencoded (also the default) or JSON. */
export function qiniuV2IncludesBody(contentType: string | undefined): boolean {
  const ct = v2ContentType(contentType);
  return ct === FORM_CONTENT_TYPE || ct === JSON_CONTENT_TYPE;
}

function isMap(headers: QiniuSignedRequest['headers']): headers is ReadonlyMap<string, string> {
  return headers instanceof Map;
}

function headerEntries(headers: QiniuSignedRequest['headers']): [string, string][] {
  const out: [string, string][] = [];
  if (isMap(headers)) {
    for (const [name, value] of headers) out.push([name, value]);
    return out;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out.push([name, value]);
  }
  return out;
}

const TOKEN_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go `textproto.CanonicalMIMEHeaderKey`: `x-qiniu-date` → `X-Qiniu-Date`; invalid names stay unchanged. */
export function canonicalHeaderName(name: string): string {
  if (!TOKEN_CHAR.test(name)) return name;
  let upper = true;
  let out = '';
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Name: value\n` lines for every X-Qiniu-<something> header, canonical case, sorted by name then value. */
function xQiniuLines(headers: QiniuSignedRequest['headers']): string {
  const items: [string, string][] = [];
  for (const [name, value] of headerEntries(headers)) {
    const lower = name.toLowerCase();
    // The bare prefix `X-Qiniu-` (nothing after the dash) is not signed, as in the Go SDK.
    if (lower.length > X_QINIU_PREFIX.length && lower.startsWith(X_QINIU_PREFIX)) {
      items.push([canonicalHeaderName(name), value]);
    }
  }
  items.sort((x, y) => compareCodeUnits(x[0], y[0]) || compareCodeUnits(x[1], y[1]));
  return items.map(([name, value]) => `${name}: ${value}\n`).join('');
}

/** The bytes signed by Qiniu (v2). */
export function qiniuV2SigningData(req: QiniuSignedRequest, includeBody: boolean): Buffer {
  const head =
    `${req.method} ${normalizedTarget(req.pathAndQuery)}\n` +
    `Host: ${req.host}\n` +
    `Content-Type: ${v2ContentType(req.contentType)}\n` +
    xQiniuLines(req.headers) +
    '\n';
  const headBytes = Buffer.from(head, 'utf8');
  return includeBody ? Buffer.concat([headBytes, req.body]) : headBytes;
}

/** urlsafe base64, `=` padding kept (Go `base64.URLEncoding`). */
function urlsafeBase64(bytes: Buffer): string {
  return bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/** The Qiniu signature of arbitrary data (Go `Credentials.Sign` without the `AK:` prefix). */
export function qiniuSign(secretKey: string, data: Uint8Array): string {
  return urlsafeBase64(createHmac('sha1', secretKey).update(data).digest());
}

/** QBox (v1) signature; pass `qboxIncludesBody(req.contentType)` for the Go SDK behaviour. */
export function signQBox(secretKey: string, req: QiniuSignedRequest, includeBody: boolean): string {
  return qiniuSign(secretKey, qboxSigningData(req, includeBody));
}

/** Qiniu (v2) signature; the body is included per the Go SDK rule unless `includeBody` overrides it. */
export function signQiniuV2(
  secretKey: string,
  req: QiniuSignedRequest,
  includeBody: boolean = qiniuV2IncludesBody(req.contentType),
): string {
  return qiniuSign(secretKey, qiniuV2SigningData(req, includeBody));
}

/** `QBox <ak>:<sig>` or `Qiniu <ak>:<sig>`, signed the way the Go SDK signs (body rules as above). */
export function qiniuAuthorizationHeader(
  scheme: QiniuScheme,
  key: QiniuKey,
  req: QiniuSignedRequest,
): string {
  const sig =
    scheme === 'QBox'
      ? signQBox(key.secretKey, req, qboxIncludesBody(req.contentType))
      : signQiniuV2(key.secretKey, req);
  return `${scheme} ${key.accessKey}:${sig}`;
}

/**
 * Which body variants a received signature may have been computed with.
 *
 * QBox: the Go SDK signs the body only for exactly form-urlencoded; the Node SDK signs whatever body its caller
 * passes. formats.md §3.4 calls QBox + JSON ambiguous and says to try both. So: form-urlencoded → with body
 * only (both SDKs agree); any other Content-Type → with or without the body. Accepting the body-less variant
 * grants nothing the sender did not already grant: a body-less signature covers only the request target, and a
 * with-body signature cannot be replayed as a body-less one (request targets cannot contain the "\n" that would
 * be needed to align the two inputs).
 *
 * Qiniu (v2): the Go rule (body for form-urlencoded or JSON, the default being form) is always tried. The Node
 * SDK instead signs the body for any present Content-Type except application/octet-stream, so where the two
 * disagree (e.g. `application/json; charset=utf-8`) the with-body variant is accepted too.
 */
function bodyVariants(scheme: QiniuScheme, contentType: string | undefined): readonly boolean[] {
  if (scheme === 'QBox') return qboxIncludesBody(contentType) ? [true] : [false, true];
  const goRule = qiniuV2IncludesBody(contentType);
  const nodeRule =
    contentType !== undefined && contentType !== '' && contentType !== OCTET_STREAM_CONTENT_TYPE;
  if (goRule || !nodeRule) return [goRule];
  return [false, true];
}

/** Per-process key: comparing HMACs of both sides makes the comparison length- and content-independent. */
const COMPARE_KEY = randomBytes(32);

function constantTimeEqual(a: string, b: string): boolean {
  const da = createHmac('sha256', COMPARE_KEY).update(a, 'utf8').digest();
  const db = createHmac('sha256', COMPARE_KEY).update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

function parseScheme(raw: string): QiniuScheme | undefined {
  // Auth schemes are case-insensitive (RFC 9110 §11.1); Qiniu sends `QBox` and `Qiniu`.
  const lower = raw.toLowerCase();
  return lower === 'qbox' ? 'QBox' : lower === 'qiniu' ? 'Qiniu' : undefined;
}

/**
 * Verifies an incoming `Authorization: QBox|Qiniu <ak>:<sig>` against the request and a set of keys (several
 * keys allow rotation; keys sharing an access key are all tried). Never throws.
 */
export function verifyQiniuAuthorization(
  authorization: string,
  req: QiniuSignedRequest,
  keys: readonly QiniuKey[],
): QiniuVerdict {
  try {
    if (typeof authorization !== 'string' || authorization.length > MAX_AUTHORIZATION_LENGTH) {
      return { ok: false, reason: 'malformed' };
    }
    const space = authorization.indexOf(' ');
    if (space <= 0) return { ok: false, reason: 'malformed' };
    const scheme = parseScheme(authorization.slice(0, space));
    if (scheme === undefined) return { ok: false, reason: 'unknown-scheme' };

    const token = authorization.slice(space + 1);
    const colon = token.indexOf(':');
    if (colon <= 0) return { ok: false, reason: 'malformed' };
    const accessKey = token.slice(0, colon);
    const signature = token.slice(colon + 1);
    if (/\s/.test(accessKey) || !SIGNATURE_PATTERN.test(signature)) {
      return { ok: false, reason: 'malformed' };
    }

    const candidates = keys.filter((k) => k.accessKey === accessKey);
    if (candidates.length === 0) return { ok: false, reason: 'unknown-key' };

    const variants = bodyVariants(scheme, req.contentType);
    let matched = false;
    // No early exit: every candidate/variant is computed and compared.
    for (const key of candidates) {
      for (const includeBody of variants) {
        const expected =
          scheme === 'QBox'
            ? signQBox(key.secretKey, req, includeBody)
            : signQiniuV2(key.secretKey, req, includeBody);
        matched = constantTimeEqual(expected, signature) || matched;
      }
    }
    return matched ? { ok: true, accessKey } : { ok: false, reason: 'bad-signature' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
