import { uuidV5 } from '../events/id.js';
import type { RedisClient } from '../redis/connect.js';
import { ScriptBatcher } from './script-batcher.js';

/**
 * The job ledger (CONTRACT.md §6.4): every job jobhook submitted, by (provider, job id) — which handler submitted
 * it, the event that caused it (`causationId`), the first event of its chain (`correlationId`), when, its deadline
 * and its last known state — and every submission in progress (an *intent*, by its marker), so that a callback
 * that arrives before the submit's answer was recorded still links back to its cause. Kept in Redis under the
 * BullMQ prefix (one slot with a hash-tag prefix), each key for the retention period.
 */

export type LedgerState = 'succeeded' | 'failed' | 'canceled' | 'pending';

const TERMINAL = new Set<LedgerState>(['succeeded', 'failed', 'canceled']);
export const isTerminal = (state: string): boolean => TERMINAL.has(state as LedgerState);

/** A job jobhook submitted. */
export interface LedgerJob {
  readonly provider: string;
  /** `job`, `workflow`, `inventory`, `batch`, `pfop`: the event kind its outcomes have. */
  readonly kind: string;
  readonly jobId: string;
  readonly api: string;
  readonly handler: string;
  readonly causationId: string;
  readonly correlationId: string;
  /** The marker written into the request (`UserData`, `Description`), when jobhook wrote one. */
  readonly marker: string;
  /** RFC 3339. */
  readonly submittedAt: string;
  /** RFC 3339: no terminal event by then → `jobhook.job.overdue`, then polling. */
  readonly deadline: string;
  /** Where to ask about it (CONTRACT.md §6.2). */
  readonly bucket?: string | undefined;
  readonly region?: string | undefined;
  readonly uin?: string | undefined;
  readonly state: LedgerState;
}

/** A submission that started: recorded before the provider is called, completed with its job id after. */
export interface Intent {
  /** `calling`: the call may have reached the provider; `submitted`: it answered with `jobId`. */
  readonly status: 'calling' | 'submitted';
  readonly provider: string;
  readonly api: string;
  readonly handler: string;
  readonly causationId: string;
  readonly correlationId: string;
  /** When the first call started (ms): a look-up for a job the call may have made searches from here. */
  readonly startedAt: number;
  readonly jobId?: string;
}

/** The lineage of an event of a ledger job, and whether its state moved forward. */
export interface Lineage {
  readonly causationId: string;
  readonly correlationId: string;
  /** True when the event is older than, or not terminal after, a terminal state the job already has. */
  readonly stale: boolean;
}

/** The marker jobhook writes into a request it submits: derived from the causing event and the handler. */
export const submitMarker = (eventId: string, handler: string, key = ''): string =>
  `jobhook-${uuidV5(JSON.stringify(['submit', eventId, handler, key]))}`;

/** Whether a provider's `UserData`/`Description` is one of jobhook's markers. */
export const isMarker = (value: unknown): value is string =>
  typeof value === 'string' &&
  /^jobhook-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(value);

/**
 * KEYS[1]: a key of the ledger's slot (the other keys are built from ARGV[1], the ledger's key prefix, as
 * BullMQ's scripts build theirs); ARGV: prefix, retention (ms), then per event the job key (`<provider>:<jobId>`),
 * the marker or '', the event's state and time (ms). Returns per event `{}` (not a ledger job) or
 * `{causationId, correlationId, stale}`.
 *
 * A job's state only moves forward: after a terminal state, a pending event or an older terminal one is stale; a
 * newer one is taken.
 */
const LINEAGE_SCRIPT = `
local rcall = redis.call
local prefix, retention = ARGV[1], ARGV[2]
local results = {}
for i = 3, #ARGV, 4 do
  local jobKey = prefix .. "job:" .. ARGV[i]
  local marker, state, at = ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local terminal = state ~= "pending"
  local found = rcall("HMGET", jobKey, "causationId", "correlationId", "state", "stateAt")
  if found[1] then
    local current, currentAt = found[3], tonumber(found[4]) or 0
    local stale = false
    if current ~= "pending" then
      stale = (not terminal) or at < currentAt
    end
    if not stale and (state ~= current or at > currentAt) then
      rcall("HSET", jobKey, "state", state, "stateAt", at)
    end
    results[#results + 1] = { found[1], found[2], stale and 1 or 0 }
  elseif marker ~= "" then
    local intent = rcall("HMGET", prefix .. "intent:" .. marker, "causationId", "correlationId")
    if intent[1] then
      -- The callback came before the submission's answer was recorded: keep its state for the job's entry.
      rcall("HSET", jobKey, "state", state, "stateAt", at)
      rcall("PEXPIRE", jobKey, retention)
      results[#results + 1] = { intent[1], intent[2], 0 }
    else
      results[#results + 1] = {}
    end
  else
    results[#results + 1] = {}
  end
end
return results
`;

/** KEYS[1] the intent; ARGV retention (ms), then field, value, …: nil when it was recorded now, else the intent. */
const BEGIN_SCRIPT = `
if redis.call("EXISTS", KEYS[1]) == 1 then
  return redis.call("HGETALL", KEYS[1])
end
redis.call("HSET", KEYS[1], unpack(ARGV, 2))
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return false
`;

/** The key of a submission's intent (by its marker), under BullMQ's key prefix. */
export const intentKeyOf = (prefix: string, marker: string): string =>
  `${prefix}:jobhook-ledger:intent:${marker}`;

/** The markers named in a text (a `SubmitOutcomeUnknown` message names its submission's). */
export const markersIn = (text: string): string[] =>
  [...text.matchAll(/jobhook-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g)].map(
    (m) => m[0],
  );

export interface LedgerOptions {
  readonly redis: RedisClient;
  /** BullMQ's key prefix; the ledger's keys are `<prefix>:jobhook-ledger:…`. */
  readonly prefix: string;
  /** How long entries are kept. */
  readonly retentionMs: number;
  readonly timeoutMs: number;
}

/** What the dispatcher asks about one event. */
export interface LineageQuery {
  readonly provider: string;
  readonly jobId: string;
  readonly marker: string | undefined;
  readonly state: string;
  /** ms since the epoch: the event's time. */
  readonly at: number;
}

export class Ledger {
  private readonly keyPrefix: string;
  private readonly lineageBatch: ScriptBatcher;

  constructor(private readonly options: LedgerOptions) {
    this.keyPrefix = `${options.prefix}:jobhook-ledger:`;
    this.lineageBatch = new ScriptBatcher({
      redis: options.redis,
      command: 'jobhookLineage',
      lua: LINEAGE_SCRIPT,
      // The one key places the call on the ledger's node of a cluster.
      header: [`${this.keyPrefix}slot`, this.keyPrefix, options.retentionMs],
      maxItems: 256,
      maxChars: 1024 * 1024,
      timeoutMs: options.timeoutMs,
      what: 'reading the ledger',
    });
  }

  private jobKey(provider: string, jobId: string): string {
    return `${this.keyPrefix}job:${provider}:${jobId}`;
  }

  private intentKey(marker: string): string {
    return intentKeyOf(this.options.prefix, marker);
  }

  /**
   * The lineage of an event, and whether it is stale, advancing the job's state when it is newer — batched with
   * the other events of the same moment into one call. Undefined: not a job jobhook submitted.
   */
  lineage(query: LineageQuery): Promise<Lineage | undefined> {
    return new Promise((resolve, reject) => {
      this.lineageBatch
        .args()
        .push(`${query.provider}:${query.jobId}`, query.marker ?? '', query.state, Math.round(query.at));
      this.lineageBatch.added(
        {
          replies: 1,
          resolve: (replies, at) => {
            const reply = replies[at];
            if (!Array.isArray(reply) || reply.length < 3) return resolve(undefined);
            const [causationId, correlationId, stale] = reply as [unknown, unknown, unknown];
            resolve({
              causationId: String(causationId),
              correlationId: String(correlationId),
              stale: stale === 1,
            });
          },
          reject,
        },
        query.jobId.length + 64,
      );
    });
  }

  /**
   * Records the start of a submission, unless one was recorded before: resolves `undefined` when this call
   * recorded it (go ahead and call the provider), or the intent found (an earlier attempt got that far).
   */
  async begin(marker: string, intent: Omit<Intent, 'status' | 'startedAt'>): Promise<Intent | undefined> {
    const fields = { ...intent, status: 'calling', startedAt: String(Date.now()) };
    const reply = (await this.options.redis.eval(
      BEGIN_SCRIPT,
      1,
      this.intentKey(marker),
      this.options.retentionMs,
      ...Object.entries(fields).flat(),
    )) as string[] | null;
    if (reply === null) return undefined;
    const found: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) found[reply[i] ?? ''] = reply[i + 1] ?? '';
    return {
      status: found.status === 'submitted' ? 'submitted' : 'calling',
      provider: found.provider ?? intent.provider,
      api: found.api ?? intent.api,
      handler: found.handler ?? intent.handler,
      causationId: found.causationId ?? intent.causationId,
      correlationId: found.correlationId ?? intent.correlationId,
      startedAt: Number(found.startedAt ?? Date.now()),
      ...(found.jobId === undefined ? {} : { jobId: found.jobId }),
    };
  }

  /** Forgets an intent whose call certainly did not create a job (refused, or never sent), so it may be made again. */
  async abandon(marker: string): Promise<void> {
    await this.options.redis.del(this.intentKey(marker));
  }

  /** The submission was answered with a job: the intent says so, and the job enters the ledger. */
  async submitted(marker: string, job: LedgerJob): Promise<void> {
    const jobKey = this.jobKey(job.provider, job.jobId);
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(job)) if (value !== undefined) fields[name] = String(value);
    await this.options.redis
      .multi()
      .hset(this.intentKey(marker), 'status', 'submitted', 'jobId', job.jobId)
      .pexpire(this.intentKey(marker), this.options.retentionMs)
      // A callback that came first may have left a state: keep it (HSETNX), set everything else.
      .hsetnx(jobKey, 'state', job.state)
      .hsetnx(jobKey, 'stateAt', '0')
      .hset(jobKey, Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'state')))
      .pexpire(jobKey, this.options.retentionMs)
      .exec();
  }

  /** A ledger job, or undefined. */
  async get(provider: string, jobId: string): Promise<LedgerJob | undefined> {
    const fields = await this.options.redis.hgetall(this.jobKey(provider, jobId));
    if (fields.jobId === undefined || fields.handler === undefined) return undefined;
    return {
      provider: fields.provider ?? provider,
      kind: fields.kind ?? '',
      jobId: fields.jobId,
      api: fields.api ?? '',
      handler: fields.handler,
      causationId: fields.causationId ?? '',
      correlationId: fields.correlationId ?? '',
      marker: fields.marker ?? '',
      submittedAt: fields.submittedAt ?? '',
      deadline: fields.deadline ?? '',
      bucket: fields.bucket,
      region: fields.region,
      uin: fields.uin,
      state: (fields.state ?? 'pending') as LedgerState,
    };
  }

  /** Sets a job's state as a poll found it (forward only, like an event's). */
  async advance(
    provider: string,
    jobId: string,
    state: LedgerState,
    atMs: number,
  ): Promise<Lineage | undefined> {
    return this.lineage({ provider, jobId, marker: undefined, state, at: atMs });
  }
}
