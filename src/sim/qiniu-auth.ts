/**
 * The simulator's own Qiniu request signatures (formats.md §3.4, §4.4), written from the specification and not
 * shared with jobhook's signer: it checks the `Qiniu` (v2) and `QBox` (v1) requests jobhook's client sends, and
 * signs the notifications it delivers with `Qiniu`, as pfop notifications are signed since 2024.
 */
import { createHmac } from 'node:crypto';
import { sameText } from './same-text.js';

export interface QiniuCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface QiniuRequestView {
  readonly method: string;
  /** The provider's path and raw query, e.g. `/status/get/prefop?id=z0.1`. */
  readonly target: string;
  /** The Host header verbatim. */
  readonly host: string;
  readonly contentType: string | undefined;
  /** Every header, lowercase names. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

const FORM = 'application/x-www-form-urlencoded';

/** urlsafe base64 with padding of HMAC-SHA1(secretKey, data). */
export function qiniuSignData(secretKey: string, data: Uint8Array | string): string {
  return createHmac('sha1', secretKey).update(data).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** `x-qiniu-date` → `X-Qiniu-Date`. */
const mimeCase = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');

/** The bytes of a v2 signature: request line, Host, Content-Type, X-Qiniu-* headers, blank line, body. */
export function qiniuV2Data(request: QiniuRequestView): Buffer {
  const contentType =
    request.contentType === undefined || request.contentType === '' ? FORM : request.contentType;
  const target = request.target.endsWith('?') ? request.target.slice(0, -1) : request.target;
  const xHeaders = request.headers
    .filter(([name]) => name.toLowerCase().startsWith('x-qiniu-') && name.length > 'x-qiniu-'.length)
    .map(([name, value]) => [mimeCase(name), value] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let head = `${request.method} ${target}\nHost: ${request.host}\nContent-Type: ${contentType}\n`;
  for (const [name, value] of xHeaders) head += `${name}: ${value}\n`;
  head += '\n';
  const withBody = contentType === FORM || contentType === 'application/json';
  return withBody ? Buffer.concat([Buffer.from(head, 'utf8'), request.body]) : Buffer.from(head, 'utf8');
}

/** The bytes of a QBox (v1) signature: target, newline, the body when it is a form. */
function qboxData(request: QiniuRequestView): Buffer {
  const head = Buffer.from(`${request.target}\n`, 'utf8');
  return request.contentType === FORM ? Buffer.concat([head, request.body]) : head;
}

/** `Qiniu <ak>:<sig>` for a request the simulator sends. */
export function qiniuAuthorizationFor(key: QiniuCredentials, request: QiniuRequestView): string {
  return `Qiniu ${key.accessKey}:${qiniuSignData(key.secretKey, qiniuV2Data(request))}`;
}

/** Whether `authorization` (`Qiniu …` or `QBox …`) signs the request with the key. */
export function verifyQiniuRequest(
  authorization: string | undefined,
  request: QiniuRequestView,
  key: QiniuCredentials,
): boolean {
  const match = /^(Qiniu|QBox) ([^:\s]+):(\S+)$/.exec(authorization ?? '');
  if (match === null || match[2] !== key.accessKey) return false;
  const data = match[1] === 'Qiniu' ? qiniuV2Data(request) : qboxData(request);
  return sameText(qiniuSignData(key.secretKey, data), match[3] ?? '');
}
