import { createHash } from 'node:crypto';
import type { RawRequest } from '../providers/types.js';
import type { QuarantineEntry } from '../queue/types.js';

/** Headers never kept with a quarantined body: they carry credentials. */
const DROPPED = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-jobhook-token']);

export function quarantineEntry(
  request: RawRequest,
  route: string,
  reason: string,
  receivedAt: string,
): QuarantineEntry {
  // No prototype: a header named __proto__ is kept like any other. The raw list keeps what node:http drops.
  const headers = Object.create(null) as Record<string, string>;
  const keep = (name: string, value: string): void => {
    if (DROPPED.has(name)) return;
    headers[name] = name in headers ? `${headers[name] ?? ''}, ${value}` : value;
  };
  if (request.rawHeaders !== undefined)
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
      keep((request.rawHeaders[i] ?? '').toLowerCase(), request.rawHeaders[i + 1] ?? '');
  else
    for (const [name, value] of Object.entries(request.headers))
      if (value !== undefined) keep(name, Array.isArray(value) ? value.join(', ') : value);
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const id = createHash('sha256').update(route).update('\n').update(body).digest('hex').slice(0, 40);
  return { id: `q-${id}`, route, reason, receivedAt, headers, body: body.toString('base64') };
}
