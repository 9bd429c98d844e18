/**
 * The simulator's own check of COS / CI request signatures (`q-sign-algorithm=sha1`, formats.md §4.1), written from
 * the specification and not shared with jobhook's signer, so that a mistake in one is not mirrored in the other.
 *
 * Stricter than COS on one point: every query parameter must be signed, and so must `host` (the simulator stands
 * in for a cloud that jobhook's clients must sign completely).
 */
import { createHash, createHmac } from 'node:crypto';
import { sameText } from './same-text.js';

export interface CosKey {
  readonly secretId: string;
  readonly secretKey: string;
}

/** What of a request the signature covers: the provider's own path (no simulator prefix), query and headers. */
export interface CosRequestView {
  readonly method: string;
  /** Decoded, e.g. `/file_jobs/f0a1…`. */
  readonly pathname: string;
  readonly query: readonly (readonly [string, string])[];
  /** Lowercase names. */
  readonly header: (name: string) => string | undefined;
}

export type CosVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId';
      readonly message: string;
    };

const REQUIRED = [
  'q-sign-algorithm',
  'q-ak',
  'q-sign-time',
  'q-key-time',
  'q-header-list',
  'q-url-param-list',
  'q-signature',
] as const;

/** RFC 3986: all but `A-Za-z0-9-_.~` percent-encoded, uppercase hex. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const byKey = (a: readonly [string, string], b: readonly [string, string]): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** `k=v&…` over encoded pairs, keys lowercased, sorted. */
function canonical(pairs: readonly (readonly [string, string])[]): { text: string; keys: string } {
  const encoded = pairs.map(([k, v]) => [rfc3986(k).toLowerCase(), rfc3986(v)] as const).sort(byKey);
  return {
    text: encoded.map(([k, v]) => `${k}=${v}`).join('&'),
    keys: encoded.map(([k]) => k).join(';'),
  };
}

const hmacHex = (key: string, data: string): string =>
  createHmac('sha1', key).update(data, 'utf8').digest('hex');

/** The signature of a canonical request (steps 2, 6 and 7 of formats.md §4.1). */
function cosSignatureOf(secretKey: string, keyTime: string, httpString: string): string {
  const digest = createHash('sha1').update(httpString, 'utf8').digest('hex');
  return hmacHex(hmacHex(secretKey, keyTime), `sha1\n${keyTime}\n${digest}\n`);
}

function fieldsOf(authorization: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of authorization.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return fields;
}

const denied = (message: string): CosVerdict => ({ ok: false, code: 'AccessDenied', message });
const mismatch = (message: string): CosVerdict => ({ ok: false, code: 'SignatureDoesNotMatch', message });

/** Checks an `Authorization` header against the request, the keys and the time (Unix seconds). */
export function verifyCosRequest(
  authorization: string | undefined,
  request: CosRequestView,
  keys: readonly CosKey[],
  nowSeconds: number,
): CosVerdict {
  if (authorization === undefined || authorization === '') return denied('Authorization is missing');
  const fields = fieldsOf(authorization);
  for (const name of REQUIRED) if (!fields.has(name)) return denied(`Authorization has no ${name}`);
  if (fields.get('q-sign-algorithm') !== 'sha1') return denied('q-sign-algorithm must be sha1');
  const keyTime = fields.get('q-key-time') ?? '';
  const time = /^(\d+);(\d+)$/.exec(keyTime);
  if (time === null || fields.get('q-sign-time') !== keyTime)
    return denied('q-key-time must be <start>;<end>, equal to q-sign-time');
  if (nowSeconds < Number(time[1]) || nowSeconds > Number(time[2])) return denied('Request has expired');
  const key = keys.find((k) => k.secretId === fields.get('q-ak'));
  if (key === undefined)
    return {
      ok: false,
      code: 'InvalidAccessKeyId',
      message: 'The access key Id format you provided is invalid',
    };

  const headerNames = (fields.get('q-header-list') ?? '').split(';').filter((n) => n !== '');
  if (!headerNames.includes('host')) return mismatch('the host header must be signed');
  const headers: [string, string][] = [];
  for (const name of headerNames) {
    const value = request.header(name);
    if (value === undefined) return mismatch(`signed header ${name} is not in the request`);
    headers.push([name, value]);
  }
  const query = canonical(request.query);
  if (query.keys !== (fields.get('q-url-param-list') ?? ''))
    return mismatch('q-url-param-list must name every query parameter');
  const signedHeaders = canonical(headers);
  const httpString = `${request.method.toLowerCase()}\n${request.pathname}\n${query.text}\n${signedHeaders.text}\n`;
  const expected = cosSignatureOf(key.secretKey, keyTime, httpString);
  return sameText(expected, fields.get('q-signature') ?? '')
    ? { ok: true }
    : mismatch('The request signature we calculated does not match the signature you provided');
}
