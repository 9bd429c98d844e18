import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { JobsOptions } from 'bullmq';
import { Packr } from 'msgpackr';

/**
 * jobhook's Lua script that adds a batch of events to `jobhook-events`: what BullMQ's `addStandardJob` script does
 * for the one kind of job jobhook adds — a custom job id, deduplication by that id with a TTL, no parent, delay,
 * priority or LIFO —, doing once per batch what can be done once (the queue's settings, the job counter, the wait
 * list, the marker). The jobs, the deduplication keys, the wait list, the marker and the event stream it writes
 * are the ones `Queue.add(type, event, { jobId, deduplication: { id, ttl } })` writes (test/batched-add.test.ts
 * compares them field by field); per event it costs Redis about half of what `addStandardJob` costs
 * (docs/performance.md).
 *
 * It is used only with a bullmq whose `addStandardJob` is one it was checked against
 * ({@link VERIFIED_ADD_STANDARD_JOB}); with any other, the store adds events one by one with `Queue.add`.
 */

/** SHA-256 of the `addStandardJob` scripts (bullmq/dist/cjs/scripts/addStandardJob-9.js) this script mirrors. */
export const VERIFIED_ADD_STANDARD_JOB: Readonly<Record<string, string>> = {
  '2eee45c9ffc54d24681b737f926016a7f7464f0d32a5f87f623bffa2fc55413c': '6.7.0',
};

/** The queue keys the script takes, in its order. */
export const ADD_SCRIPT_KEYS = ['wait', 'meta', 'id', 'active', 'events', 'marker'] as const;

/** Arguments before the events: job key prefix, deduplication key prefix, TTL, the three parts of the options. */
export const ADD_SCRIPT_HEADER = 6;

/** Arguments per event: id, name (the event type), timestamp (ms), data (the event JSON). */
export const ADD_SCRIPT_ARGS_PER_EVENT = 4;

/** Per event: stored. */
export const ADDED = 0;
/** Per event: not stored, its deduplication key or its job already existed. */
export const DUPLICATE = 1;

/**
 * KEYS: wait, meta, id, active, events, marker.
 * ARGV: job key prefix (`<prefix>:jobhook-events:`), deduplication key prefix (`…:de:`), deduplication TTL (ms),
 * the job options' JSON before, between and after the two places of the job id; then per event id, name,
 * timestamp, data. Returns one integer per event: 0 stored, 1 duplicate.
 *
 * Each step names the part of addStandardJob it stands for.
 */
export const ADD_SCRIPT = `
local rcall = redis.call
local waitKey, metaKey, idKey, activeKey, eventsKey, markerKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local jobPrefix, dedupePrefix, ttl = ARGV[1], ARGV[2], ARGV[3]
local optsHead, optsMid, optsTail = ARGV[4], ARGV[5], ARGV[6]

-- getOrSetMaxEvents
local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
if not maxEvents then
  maxEvents = 10000
  rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
end

-- isQueuePausedOrMaxed: nothing in this script changes 'paused', 'concurrency' or the active list.
local pausedOrMaxed = false
local queueAttributes = rcall("HMGET", metaKey, "paused", "concurrency")
if queueAttributes[1] then
  pausedOrMaxed = true
elseif queueAttributes[2] then
  pausedOrMaxed = rcall("LLEN", activeKey) >= tonumber(queueAttributes[2])
end

local results = {}
-- The ids of the jobs stored, pushed at the end in one LPUSH (the same list as one LPUSH per job).
local waiting = {}
for i = ${ADD_SCRIPT_HEADER + 1}, #ARGV, ${ADD_SCRIPT_ARGS_PER_EVENT} do
  local jobId, name, timestamp, data = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local jobIdKey = jobPrefix .. jobId
  local deduplicationKey = dedupePrefix .. jobId
  local stored = false
  if rcall("EXISTS", jobIdKey) == 1 then
    -- handleDuplicatedJob, without a parent
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "duplicated", "jobId", jobId)
  elseif rcall("SET", deduplicationKey, jobId, "PX", ttl, "NX") then
    stored = true
  else
    -- deduplicateJobWithoutReplace with a TTL, and recoverStaleDeduplicationKey
    local current = rcall("GET", deduplicationKey)
    if current and rcall("PTTL", deduplicationKey) == -1 and rcall("EXISTS", jobPrefix .. current) == 0 then
      rcall("DEL", deduplicationKey)
      rcall("DEL", jobPrefix .. "dn:" .. jobId)
      rcall("SET", deduplicationKey, jobId, "PX", ttl)
      stored = true
    else
      rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "deduplicated", "jobId", current,
        "deduplicationId", jobId, "deduplicatedJobId", jobId)
    end
  end
  if stored then
    -- storeJob: the options as cjson encodes them, the id in its two places
    local quotedId = cjson.encode(jobId)
    rcall("HMSET", jobIdKey, "name", name, "data", data, "opts", optsHead .. quotedId .. optsMid .. quotedId .. optsTail,
      "timestamp", timestamp, "delay", 0, "priority", 0, "deid", jobId)
    rcall("XADD", eventsKey, "*", "event", "added", "jobId", jobId, "name", name)
    waiting[#waiting + 1] = jobId
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "waiting", "jobId", jobId)
    results[#results + 1] = ${ADDED}
  else
    results[#results + 1] = ${DUPLICATE}
  end
end
-- The job counter: BullMQ increases it for every job, also one with a custom id.
rcall("INCRBY", idKey, #results)
if #waiting > 0 then
  -- addJobInTargetList (FIFO), and addBaseMarkerIfNeeded: the same ZADD for every job, so once.
  rcall("LPUSH", waitKey, unpack(waiting))
  if not pausedOrMaxed then
    rcall("ZADD", markerKey, 0, "0")
  end
end
return results
`;

/** The installed bullmq's version, or why the script must not be used with it. */
export function checkBullmq(): { version: string } | { unavailable: string } {
  const require = createRequire(import.meta.url);
  let content: unknown;
  let version: string;
  try {
    version = (require('bullmq/dist/cjs/version.js') as { version: string }).version;
    const module = require('bullmq/dist/cjs/scripts/addStandardJob-9.js') as {
      addStandardJob?: { content?: unknown };
    };
    content = module.addStandardJob?.content;
  } catch (error) {
    return { unavailable: `bullmq's addStandardJob script was not found (${(error as Error).message})` };
  }
  if (typeof content !== 'string') return { unavailable: `bullmq ${version} has no addStandardJob script` };
  const digest = createHash('sha256').update(content).digest('hex');
  if (VERIFIED_ADD_STANDARD_JOB[digest] === undefined)
    return {
      unavailable: `bullmq ${version}'s addStandardJob (sha256 ${digest}) is not one jobhook's script was checked against`,
    };
  return { version };
}

/** Packed the way BullMQ packs job options (its Packr settings). */
const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/** Stands for the job id in the options whose JSON is split into the script's three parts. */
const ID_MARK = 'jobhook-job-id-mark';

/**
 * Lua that turns msgpacked options into the JSON addStandardJob stores: its own `cjson.encode(cmsgpack.unpack())`,
 * so the key order and number format are those of this Redis.
 */
export const OPTIONS_JSON_SCRIPT = 'return cjson.encode(cmsgpack.unpack(ARGV[1]))';

/**
 * The stored options' JSON for a marked id, split around the id: `[head, mid, tail]`, the quoted id between them.
 * Throws when the marked id does not appear exactly twice.
 */
export function splitOptionsJson(json: string): [string, string, string] {
  const parts = json.split(JSON.stringify(ID_MARK));
  if (parts.length !== 3) throw new Error(`the job options' JSON does not hold the job id twice: ${json}`);
  return parts as [string, string, string];
}

/**
 * The options `Queue.add` stores for `{ jobId, deduplication: { id: jobId, ttl } }` over the queue's default job
 * options — merged and msgpacked as BullMQ does — with the marked id, for {@link OPTIONS_JSON_SCRIPT}.
 */
export const markedJobOptions = (defaults: JobsOptions, dedupeWindowMs: number): Buffer =>
  packr.pack({ attempts: 0, ...defaults, jobId: ID_MARK, de: { id: ID_MARK, ttl: dedupeWindowMs } });
