import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks symmetric signature (CONTRACT.md §5.7): `v1,<base64 HMAC-SHA256>` over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret's bytes — the base64 after an optional
 * `whsec_` prefix, decoded. Written here on node:crypto; the `standardwebhooks` package only checks it in tests.
 */

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key a secret stands for. Throws a TypeError (which never repeats the secret) when it is not base64. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded))
    throw new TypeError('a Standard Webhooks secret must be base64, optionally after whsec_');
  return Buffer.from(encoded, 'base64');
}

/** The `webhook-signature` value for one delivery; `body` is signed as the UTF-8 bytes that are sent. */
export function sign(key: Uint8Array, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body, 'utf8');
  return `v1,${mac.digest('base64')}`;
}
