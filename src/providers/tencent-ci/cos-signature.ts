/**
 * COS / CI request signature, `q-sign-algorithm=sha1` (formats.md §4.1; official doc "请求签名").
 *
 *   SignKey      = hex HMAC-SHA1(SecretKey, KeyTime)
 *   HttpString   = lower(method) \n pathname \n HttpParameters \n HttpHeaders \n
 *   StringToSign = sha1 \n KeyTime \n hex SHA1(HttpString) \n
 *   Signature    = hex HMAC-SHA1(SignKey as its hex string, StringToSign)
 */
import { createHash, createHmac } from 'node:crypto';

export interface CosCredentials {
  readonly secretId: string;
  readonly secretKey: string;
  /**
   * Temporary-credential token. When set, it is signed as header `x-cos-security-token` (overriding any value in
   * `headers`), so the caller must send that header with this value.
   */
  readonly sessionToken?: string;
}

export interface CosSignInput {
  readonly method: string;
  /** Decoded path, e.g. `/file_jobs/f0a1…` or `/exampleobject(腾讯云)`. */
  readonly pathname: string;
  /**
   * Query parameters. `''` is a flag parameter (`?cancel` → signed as `cancel=`); `undefined` means absent and
   * is skipped. Use `cosQueryString` to render the URL query with the same semantics.
   */
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Request headers, any case. Only the signable ones (see `isCosSignedHeader`) are signed. */
  readonly headers: Readonly<Record<string, string>>;
  /** `start;end` in Unix seconds (see `cosKeyTime`). */
  readonly keyTime: string;
  /**
   * Lowercase header names to sign instead of the default selection (e.g. to also sign `date`, as the
   * official documentation examples do). Names absent from `headers` are ignored.
   */
  readonly signHeaders?: readonly string[];
}

const SIGNED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-type',
  'content-length',
  'content-md5',
  'content-disposition',
  'content-encoding',
  'cache-control',
  'expires',
  'expect',
  'range',
  'origin',
  'transfer-encoding',
  'pic-operations',
]);

/** The SDKs' selection: a fixed list, plus every `if-*`, `x-cos-*` and `x-ci-*` header. */
export function isCosSignedHeader(lowercaseName: string): boolean {
  return (
    SIGNED_HEADERS.has(lowercaseName) ||
    lowercaseName.startsWith('if-') ||
    lowercaseName.startsWith('x-cos-') ||
    lowercaseName.startsWith('x-ci-')
  );
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/**
 * RFC 3986 percent-encoding of the UTF-8 bytes: everything except `A-Za-z0-9-_.~` (so `!'()*` and space too),
 * uppercase hex. Works on bytes, so a lone surrogate becomes U+FFFD instead of throwing like encodeURIComponent.
 */
export function cosEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += isUnreserved(byte)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Encoded, key-lowercased, sorted pairs → [`k=v&…`, `k;…`]. */
function canonicalPairs(pairs: readonly (readonly [string, string])[]): [string, string] {
  const encoded = pairs
    .map(([k, v]) => [cosEncode(k).toLowerCase(), cosEncode(v)] as const)
    .sort((x, y) => compareCodeUnits(x[0], y[0]) || compareCodeUnits(x[1], y[1]));
  return [encoded.map(([k, v]) => `${k}=${v}`).join('&'), encoded.map(([k]) => k).join(';')];
}

function queryPairs(query: CosSignInput['query']): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out.push([k, v]);
  return out;
}

function headerPairs(creds: CosCredentials, input: CosSignInput): [string, string][] {
  const explicit = input.signHeaders === undefined ? undefined : new Set(input.signHeaders);
  const wanted = (name: string): boolean => (explicit ? explicit.has(name) : isCosSignedHeader(name));
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(input.headers)) {
    const name = k.toLowerCase();
    if (creds.sessionToken !== undefined && name === 'x-cos-security-token') continue;
    if (wanted(name)) out.push([name, v]);
  }
  if (creds.sessionToken !== undefined) out.push(['x-cos-security-token', creds.sessionToken]);
  return out;
}

function hmacSha1Hex(key: string, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('hex');
}

/** The full `Authorization` header value. */
export function cosAuthorization(creds: CosCredentials, input: CosSignInput): string {
  const [httpParameters, urlParamList] = canonicalPairs(queryPairs(input.query));
  const [httpHeaders, headerList] = canonicalPairs(headerPairs(creds, input));
  const httpString = `${input.method.toLowerCase()}\n${input.pathname}\n${httpParameters}\n${httpHeaders}\n`;
  const httpStringSha1 = createHash('sha1').update(httpString, 'utf8').digest('hex');
  const stringToSign = `sha1\n${input.keyTime}\n${httpStringSha1}\n`;
  const signKey = hmacSha1Hex(creds.secretKey, input.keyTime);
  const signature = hmacSha1Hex(signKey, stringToSign);
  return [
    'q-sign-algorithm=sha1',
    `q-ak=${creds.secretId}`,
    `q-sign-time=${input.keyTime}`,
    `q-key-time=${input.keyTime}`,
    `q-header-list=${headerList}`,
    `q-url-param-list=${urlParamList}`,
    `q-signature=${signature}`,
  ].join('&');
}

/** Seconds the start of the key time is backdated, to tolerate clock skew (the Python SDK uses 60). */
export const COS_KEY_TIME_BACKDATE_SECONDS = 60;

/** `start;end` in Unix seconds: start = now − 60 s, end = now + validitySeconds. */
export function cosKeyTime(nowMs: number, validitySeconds: number): string {
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError(`invalid nowMs: ${nowMs}`);
  if (!Number.isSafeInteger(validitySeconds) || validitySeconds <= 0) {
    throw new RangeError(`invalid validitySeconds: ${validitySeconds}`);
  }
  const now = Math.floor(nowMs / 1000);
  return `${Math.max(0, now - COS_KEY_TIME_BACKDATE_SECONDS)};${now + validitySeconds}`;
}

/**
 * The URL query string for `query`, consistent with what `cosAuthorization` signs: `undefined` is skipped,
 * `''` renders as a bare flag (`cancel`). No leading `?`; empty when there are no parameters.
 */
export function cosQueryString(query: CosSignInput['query']): string {
  return queryPairs(query)
    .map(([k, v]) => (v === '' ? cosEncode(k) : `${cosEncode(k)}=${cosEncode(v)}`))
    .join('&');
}
