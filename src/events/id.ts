import { createHash } from 'node:crypto';
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

export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
