import { normalizeTime } from '../events/time.js';
import type { SimApi } from './apis.js';
import { invalidArgument } from './errors.js';
import type { apiHandler, ApiCall } from './handle.js';
import { xmlResponse } from './handle.js';
import type { SimJob } from './jobs.js';
import { renderXml, type OutDoc } from './xml.js';

/** `/ci/<bucket>/<region>` has three segments before the API's own path. */
export const CI_PREFIX_SEGMENTS = 3;

export type CiRoute = (
  api: SimApi,
  run: (call: ApiCall) => Response | Promise<Response>,
) => ReturnType<typeof apiHandler>;

export const scopeOf = (call: ApiCall): { bucket: string; region: string; scope: string } => {
  const [bucket = '', region = ''] = call.scope;
  return { bucket, region, scope: `${bucket}/${region}` };
};

export const answer = (call: ApiCall, api: SimApi, content: OutDoc): Response =>
  xmlResponse(api, renderXml('Response', content), call.requestId);

/** The `size`/`nextToken` page of a listing (`nextToken` is the offset). */
export function page<T>(items: readonly T[], call: ApiCall): { items: T[]; nextToken: string } {
  const size = Number(call.url.searchParams.get('size') ?? '10');
  if (!Number.isInteger(size) || size < 1 || size > 100) throw invalidArgument('size must be 1 to 100');
  const start = Number(call.url.searchParams.get('nextToken') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw invalidArgument('nextToken is not one this API gave');
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : '' };
}

/** Jobs filtered by the listing query CI's list APIs share. */
export function listed(jobs: readonly SimJob[], call: ApiCall, state: (job: SimJob) => string): SimJob[] {
  const query = call.url.searchParams;
  const states = (query.get('states') ?? 'All').split(',');
  const since = Date.parse(normalizeTime(query.get('startCreationTime')) ?? '');
  const until = Date.parse(normalizeTime(query.get('endCreationTime')) ?? '');
  const tag = query.get('tag');
  const chosen = jobs.filter(
    (job) =>
      (states.includes('All') || states.includes(state(job))) &&
      (tag === null || tag === job.tag) &&
      (Number.isNaN(since) || job.createdAt.getTime() >= since) &&
      (Number.isNaN(until) || job.createdAt.getTime() <= until),
  );
  return query.get('orderByTime') === 'Asc' ? chosen : chosen.reverse();
}

/** A path parameter of the route ('' when absent). */
export const param = (call: ApiCall, name: string): string => call.c.req.param(name) ?? '';
