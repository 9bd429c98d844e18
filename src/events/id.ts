import { hash } from 'node:crypto';
import type { Kind, Outcome, Provider } from './catalog.js';

/** jobhook's UUID namespace for event ids (RFC 9562 version 5). */
export const EVENT_ID_NAMESPACE = '6f1c2b1e-8f5a-4c4e-9a57-3a1f4f0b9d21';
const NAMESPACE_BYTES = Buffer.from(EVENT_ID_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * The event id of a job outcome: UUID v5 of `<provider>/<kind>/<jobId>/<state>`. Deterministic, so the same
 * outcome delivered twice, in any rendering and over any channel, gets the same id (and BullMQ job id).
 */
export function eventId(provider: Provider, kind: Kind, jobId: string, state: Outcome): string {
  return uuidV5(`${provider}/${kind}/${jobId}/${state}`);
}

/** UUID version 5 (SHA-1) of `name` in `namespace` (16 bytes; jobhook's namespace by default). */
export function uuidV5(name: string, namespace: Buffer = NAMESPACE_BYTES): string {
  const input = Buffer.allocUnsafe(namespace.length + Buffer.byteLength(name, 'utf8'));
  namespace.copy(input);
  input.write(name, namespace.length, 'utf8');
  const hex = hash('sha1', input, 'hex');
  // Version 5 in the high nibble of byte 6; variant 10xx in the high bits of byte 8.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
