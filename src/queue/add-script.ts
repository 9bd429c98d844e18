import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
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

/** Arguments before the events: the queue's key prefix, the deduplication TTL, the three parts of the options. */
export const ADD_SCRIPT_HEADER = 5;

/** Arguments per event: id, name (the event type), timestamp (ms), data (the event JSON). */
export const ADD_SCRIPT_ARGS_PER_EVENT = 4;

/** Per job: stored. */
export const ADDED = 0;
/** Per job: not stored, its deduplication key or its job already existed. */
export const DUPLICATE = 1;
/** The dispatch script's reply for each job of an event whose data was to be copied from a job that is gone. */
export const SOURCE_MISSING = 2;

/**
 * Lua functions that add jobs to BullMQ queues as `addStandardJob` does for jobhook's kind of job, doing once per
 * queue and call what can be done once. A queue is named by its key prefix (`<prefix>:<name>:`); the scripts
 * build the keys from it, as BullMQ's own scripts build job keys, so on a Redis Cluster every queue must share
 * one hash slot (a hash-tag prefix such as `{jobhook}`).
 *
 * Each step names the part of addStandardJob it stands for.
 */
const ADD_JOBS_LUA = `
local rcall = redis.call

-- A queue's state for this call: getOrSetMaxEvents, and isQueuePausedOrMaxed (nothing here changes 'paused',
-- 'concurrency' or the active list, so it is read once).
local function openQueue(queueKey)
  local metaKey = queueKey .. "meta"
  local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
  if not maxEvents then
    maxEvents = 10000
    rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
  end
  local pausedOrMaxed = false
  local queueAttributes = rcall("HMGET", metaKey, "paused", "concurrency")
  if queueAttributes[1] then
    pausedOrMaxed = true
  elseif queueAttributes[2] then
    pausedOrMaxed = rcall("LLEN", queueKey .. "active") >= tonumber(queueAttributes[2])
  end
  return { key = queueKey, events = queueKey .. "events", maxEvents = maxEvents, pausedOrMaxed = pausedOrMaxed,
    count = 0, waiting = {} }
end

-- One job with a custom id, deduplicated by that id for ttl ms; the options' JSON in three parts around the id.
-- Returns ${ADDED} when stored, ${DUPLICATE} when its job or its deduplication key existed.
local function addJob(q, ttl, optsHead, optsMid, optsTail, jobId, name, timestamp, data)
  q.count = q.count + 1
  local jobIdKey = q.key .. jobId
  local deduplicationKey = q.key .. "de:" .. jobId
  if rcall("EXISTS", jobIdKey) == 1 then
    -- handleDuplicatedJob, without a parent
    rcall("XADD", q.events, "MAXLEN", "~", q.maxEvents, "*", "event", "duplicated", "jobId", jobId)
    return ${DUPLICATE}
  end
  if not rcall("SET", deduplicationKey, jobId, "PX", ttl, "NX") then
    -- deduplicateJobWithoutReplace with a TTL, and recoverStaleDeduplicationKey
    local current = rcall("GET", deduplicationKey)
    if current and rcall("PTTL", deduplicationKey) == -1 and rcall("EXISTS", q.key .. current) == 0 then
      rcall("DEL", deduplicationKey)
      rcall("DEL", q.key .. "dn:" .. jobId)
      rcall("SET", deduplicationKey, jobId, "PX", ttl)
    else
      rcall("XADD", q.events, "MAXLEN", "~", q.maxEvents, "*", "event", "deduplicated", "jobId", current,
        "deduplicationId", jobId, "deduplicatedJobId", jobId)
      return ${DUPLICATE}
    end
  end
  -- storeJob: the options as cjson encodes them, the id in its two places
  local quotedId = cjson.encode(jobId)
  rcall("HMSET", jobIdKey, "name", name, "data", data, "opts", optsHead .. quotedId .. optsMid .. quotedId .. optsTail,
    "timestamp", timestamp, "delay", 0, "priority", 0, "deid", jobId)
  rcall("XADD", q.events, "*", "event", "added", "jobId", jobId, "name", name)
  q.waiting[#q.waiting + 1] = jobId
  rcall("XADD", q.events, "MAXLEN", "~", q.maxEvents, "*", "event", "waiting", "jobId", jobId)
  return ${ADDED}
end

-- Once per queue and call: the job counter (BullMQ increases it for every add, also one with a custom id or a
-- duplicate), the wait list (one LPUSH: the same list as one per job, FIFO) and addBaseMarkerIfNeeded.
local function closeQueue(q)
  rcall("INCRBY", q.key .. "id", q.count)
  if #q.waiting > 0 then
    rcall("LPUSH", q.key .. "wait", unpack(q.waiting))
    if not q.pausedOrMaxed then
      rcall("ZADD", q.key .. "marker", 0, "0")
    end
  end
end
`;

/**
 * The receiver's script: a batch of events into one queue (`jobhook-events`).
 * KEYS[1]: the queue's meta key (it places the call on the queue's node of a cluster).
 * ARGV: the queue's key prefix (`<prefix>:jobhook-events:`), the deduplication TTL (ms), the job options' JSON
 * before, between and after the two places of the job id; then per event id, name, timestamp, data.
 * Returns one integer per event: 0 stored, 1 duplicate.
 */
export const ADD_SCRIPT = `${ADD_JOBS_LUA}
local q = openQueue(ARGV[1])
local ttl, optsHead, optsMid, optsTail = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local results = {}
for i = ${ADD_SCRIPT_HEADER + 1}, #ARGV, ${ADD_SCRIPT_ARGS_PER_EVENT} do
  results[#results + 1] = addJob(q, ttl, optsHead, optsMid, optsTail, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
end
closeQueue(q)
return results
`;

/** Arguments per target queue of the dispatch script: key prefix, deduplication TTL, the options' three parts. */
export const DISPATCH_ARGS_PER_TARGET = 5;

/**
 * The worker's script: events into several queues at once (handler runs and subscription copies), each event's
 * data given once for all its jobs.
 * KEYS[1]: a key of the queues' slot (it places the call on their node of a cluster).
 * ARGV: the number of targets; per target its queue key prefix, deduplication TTL and options' three parts; then
 * per event its name, timestamp, source, data and number of jobs, and per job the target's number (1-based) and job
 * id. `source`, when not empty, is the key of a stored job (the event's own job in jobhook-events, in the same slot)
 * whose data the jobs get, copied inside Redis; `data` is then empty.
 * Returns one integer per job, in order: 0 stored, 1 duplicate, 2 not written because the source job is gone.
 */
export const DISPATCH_SCRIPT = `${ADD_JOBS_LUA}
local targets = tonumber(ARGV[1])
local queues = {}
local results = {}
local i = 2 + targets * ${DISPATCH_ARGS_PER_TARGET}
while i <= #ARGV do
  local name, timestamp, source, data, jobs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  i = i + 5
  if source ~= "" then
    data = rcall("HGET", source, "data")
  end
  for _ = 1, jobs do
    if not data then
      results[#results + 1] = ${SOURCE_MISSING}
    else
      local target = tonumber(ARGV[i])
      local at = 2 + (target - 1) * ${DISPATCH_ARGS_PER_TARGET}
      local q = queues[target]
      if not q then
        q = openQueue(ARGV[at])
        queues[target] = q
      end
      results[#results + 1] = addJob(q, ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4], ARGV[i + 1], name,
        timestamp, data)
    end
    i = i + 2
  end
end
for _, q in pairs(queues) do
  closeQueue(q)
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
 * The options `Queue.add` stores for `{ jobId, deduplication: { id: jobId, ttl } }` over `options` (the queue's
 * default job options merged with the job's own) — msgpacked as BullMQ does — with the marked id, for
 * {@link OPTIONS_JSON_SCRIPT}.
 */
export const markedJobOptions = (options: JobsOptions, dedupeWindowMs: number): Buffer =>
  packr.pack({ attempts: 0, ...options, jobId: ID_MARK, de: { id: ID_MARK, ttl: dedupeWindowMs } });

/**
 * The JSON `addStandardJob` stores as the options of a job added with `options` and deduplication for
 * `dedupeWindowMs` — encoded by this Redis's own `cjson`, so the key order and number format are its — split
 * around the two places of the job id.
 */
export async function storedOptionsJson(
  redis: RedisClient,
  options: JobsOptions,
  dedupeWindowMs: number,
): Promise<[string, string, string]> {
  const json = await redis.eval(OPTIONS_JSON_SCRIPT, 0, markedJobOptions(options, dedupeWindowMs));
  if (typeof json !== 'string') throw new Error('Redis did not encode the job options');
  return splitOptionsJson(json);
}
