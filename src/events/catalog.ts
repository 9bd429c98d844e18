/**
 * The one catalog of event types: `<provider>.<kind>.<outcome>`.
 * Adding a provider kind here makes every exhaustive switch over `EventType` fail to compile until it is handled.
 */
export const OUTCOMES = ['succeeded', 'failed', 'canceled', 'pending'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PROVIDERS = ['tencent-ci', 'qiniu', 'tencent-cos-batch'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const KINDS = ['job', 'workflow', 'pfop', 'batch', 'inventory'] as const;
export type Kind = (typeof KINDS)[number];

/** Type prefix of each (provider, kind) pair that produces events. */
export const TYPE_PREFIXES = {
  'tencent-ci/job': 'tencent.ci.job',
  'tencent-ci/workflow': 'tencent.ci.workflow',
  'qiniu/pfop': 'qiniu.pfop',
  'tencent-cos-batch/batch': 'tencent.cos.batch',
  'tencent-ci/inventory': 'tencent.ci.inventory',
} as const;

export type SourceKind = keyof typeof TYPE_PREFIXES;
export type TypePrefix = (typeof TYPE_PREFIXES)[SourceKind];
export type EventType = `${TypePrefix}.${Outcome}`;

export const EVENT_TYPES: readonly EventType[] = Object.values(TYPE_PREFIXES).flatMap((prefix) =>
  OUTCOMES.map((outcome): EventType => `${prefix}.${outcome}`),
);

/** Every event type by provider, kind and outcome, made once (the type of every event is looked up here). */
const TYPES = new Map<string, Map<string, Map<string, EventType>>>();
for (const [pair, prefix] of Object.entries(TYPE_PREFIXES)) {
  const [provider = '', kind = ''] = pair.split('/');
  const byKind = TYPES.get(provider) ?? new Map<string, Map<string, EventType>>();
  TYPES.set(provider, byKind);
  byKind.set(kind, new Map(OUTCOMES.map((outcome) => [outcome, `${prefix}.${outcome}`])));
}

export function eventType(provider: Provider, kind: Kind, outcome: Outcome): EventType {
  const type = TYPES.get(provider)?.get(kind)?.get(outcome);
  if (type === undefined) throw new TypeError(`no event type for ${provider}/${kind}`);
  return type;
}
