/**
 * The event trail of `npm run demo` (scripts/demo.ts): the events of the demo's subscription of `*`, read as
 * CloudEvents, one line each, and the check that they form one chain.
 */
import { z } from 'zod';

/** The fields of a CloudEvent the trail shows (the rest passes through). */
export const TrailEvent = z.looseObject({
  id: z.string(),
  type: z.string(),
  subject: z.string().optional(),
  time: z.string().optional(),
  channel: z.string().optional(),
  correlationid: z.string().optional(),
  causationid: z.string().optional(),
  data: z.looseObject({ tag: z.string().optional(), state: z.string().optional() }).optional(),
});
export type TrailEvent = z.infer<typeof TrailEvent>;

/** The steps of the demo chain, in order: each must appear in the trail. */
export const CHAIN_STEPS = [
  'FileUncompress',
  'submitted FileCompress',
  'FileCompress',
  'submitted FileHashCode',
  'FileHashCode',
  'submitted tencent-cos-batch.job',
  'batch',
] as const;

const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** Whether this event ends the demo: the COS batch job reached a terminal state. */
export function endsChain(event: TrailEvent): boolean {
  return event.type.startsWith('tencent.cos.batch.') && TERMINAL.has(event.data?.state ?? '');
}

/** Which step of CHAIN_STEPS an event is, if any. */
export function stepOf(event: TrailEvent): string | undefined {
  if (event.type === 'tencent.ci.job.succeeded') return event.data?.tag;
  if (event.type.startsWith('tencent.cos.batch.') && TERMINAL.has(event.data?.state ?? '')) return 'batch';
  if (event.type === 'jobhook.job.submitted') {
    const data = event.data ?? {};
    const api = typeof data['api'] === 'string' ? data['api'] : '';
    const handler = typeof data['handler'] === 'string' ? data['handler'] : '';
    return api === 'tencent-cos-batch.job' ? `submitted ${api}` : `submitted ${SUBMITS[handler] ?? api}`;
  }
  return undefined;
}

/** The Tag each handler of examples/chains.config.yaml submits. */
const SUBMITS: Readonly<Record<string, string>> = {
  'compress-unpacked': 'FileCompress',
  'hash-archive': 'FileHashCode',
};

const HEADER = ['time', 'type', 'subject', 'channel', 'correlationid', 'causationid'] as const;
const WIDTHS = [25, 42, 36, 7, 36, 36] as const;

const row = (cells: readonly string[]): string =>
  cells
    .map((cell, i) => cell.padEnd(WIDTHS[i] ?? 0))
    .join('  ')
    .trimEnd();

export const trailHeader = (): string => row(HEADER);

/** One line of the trail: the event's time, type, subject, channel and lineage (`-` where it has none). */
export function trailLine(event: TrailEvent): string {
  const tag = event.data?.tag;
  const type = tag === undefined ? event.type : `${event.type} (${tag})`;
  return row([
    event.time ?? '-',
    type,
    event.subject ?? '-',
    event.channel ?? '-',
    event.correlationid ?? '-',
    event.causationid ?? '-',
  ]);
}

export interface ChainCheck {
  readonly ok: boolean;
  readonly correlationId: string | undefined;
  readonly problems: readonly string[];
}

/**
 * The trail is one chain when every step appears and every event after the first (the FileUncompress job the
 * demo started itself, which no ledger entry caused) carries the first one's id as its correlation id.
 */
export function checkChain(events: readonly TrailEvent[]): ChainCheck {
  const first = events.find((e) => stepOf(e) === 'FileUncompress');
  const problems: string[] = [];
  const seen = new Set(events.map(stepOf));
  for (const step of CHAIN_STEPS) if (!seen.has(step)) problems.push(`no ${step} event`);
  const correlationId = first?.id;
  for (const event of events)
    if (event !== first && event.correlationid !== correlationId)
      problems.push(
        `${event.type} ${event.subject ?? ''} has correlationid ${event.correlationid ?? 'none'}`,
      );
  return { ok: problems.length === 0, correlationId, problems };
}
