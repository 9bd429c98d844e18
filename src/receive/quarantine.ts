import { createHash } from 'node:crypto';
import type { RawRequest } from '../providers/types.js';
import type { QuarantineEntry } from '../store/types.js';

/** Headers never kept with a quarantined body: they carry credentials. */
const DROPPED = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-jobhook-token']);

export function quarantineEntry(
  request: RawRequest,
  route: string,
  reason: string,
  receivedAt: string,
): QuarantineEntry {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined && !DROPPED.has(name))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const id = createHash('sha256').update(route).update('\n').update(body).digest('hex').slice(0, 40);
  return { id: `q-${id}`, route, reason, receivedAt, headers, body: body.toString('base64') };
}
