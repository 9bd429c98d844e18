import type { SimApi } from './apis.js';
import type { OutDoc } from './xml.js';

/** Where a job is in its life; each provider names these its own way. */
export type Phase = 'submitted' | 'running' | 'succeeded' | 'failed' | 'canceled';

export const isTerminal = (phase: Phase): boolean =>
  phase === 'succeeded' || phase === 'failed' || phase === 'canceled';

export type JobKind = 'file' | 'media' | 'doc' | 'workflow' | 'inventory' | 'batch' | 'pfop';

/** A callback to send when the job ends. */
export interface Notification {
  /** What it is, for logs: `TaskFinish`, `WorkflowFinish`, `tdmq TaskFinish`, `pfop`. */
  readonly what: string;
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface CallbackCounts {
  /** Callbacks the job's end called for (before drops and duplicates). */
  planned: number;
  dropped: number;
  duplicated: number;
  /** Sends answered 2xx. */
  delivered: number;
  /** Sends answered otherwise, or not answered. */
  failed: number;
}

export interface SimJob {
  readonly id: string;
  readonly api: SimApi;
  readonly kind: JobKind;
  /** `<bucket>/<region>` (CI), `<uin>/<region>` (COS batch), `<bucket>` (Qiniu). */
  readonly scope: string;
  readonly tag: string | undefined;
  readonly userData: string | undefined;
  readonly description: string | undefined;
  readonly clientRequestToken: string | undefined;
  readonly createdAt: Date;
  phase: Phase;
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  /** Create requests received for this job (COS batch: repeats of its ClientRequestToken). */
  createRequests: number;
  /** Objects the job wrote, when it succeeded. */
  readonly objects: readonly string[];
  readonly callbacks: CallbackCounts;
  /** The provider's record of the job as a describe call reports it in `phase`. */
  readonly record: (phase: Phase) => OutDoc;
  /** The callbacks its end sends, worked out when it ends (none for polled jobs). */
  readonly notifications: () => readonly Notification[];
}

export type NewJob = Omit<
  SimJob,
  | 'phase'
  | 'startedAt'
  | 'endedAt'
  | 'createRequests'
  | 'callbacks'
  | 'userData'
  | 'description'
  | 'clientRequestToken'
> &
  Partial<Pick<SimJob, 'userData' | 'description' | 'clientRequestToken'>>;

/** Every job the simulator was given, in order of creation. */
export class JobStore {
  private readonly jobs = new Map<string, SimJob>();

  add(job: NewJob): SimJob {
    const added: SimJob = {
      userData: undefined,
      description: undefined,
      clientRequestToken: undefined,
      ...job,
      phase: 'submitted',
      startedAt: undefined,
      endedAt: undefined,
      createRequests: 1,
      callbacks: { planned: 0, dropped: 0, duplicated: 0, delivered: 0, failed: 0 },
    };
    this.jobs.set(job.id, added);
    return added;
  }

  get(id: string, kind: JobKind, scope: string): SimJob | undefined {
    const job = this.jobs.get(id);
    return job?.kind === kind && job.scope === scope ? job : undefined;
  }

  /** The jobs of these kinds in a scope, oldest first. */
  list(kinds: JobKind | readonly JobKind[], scope: string): SimJob[] {
    const wanted: readonly JobKind[] = typeof kinds === 'string' ? [kinds] : kinds;
    return [...this.jobs.values()].filter((job) => wanted.includes(job.kind) && job.scope === scope);
  }

  all(): SimJob[] {
    return [...this.jobs.values()];
  }

  clear(): void {
    this.jobs.clear();
  }
}

/** Which phase a describe reports when a spoof is asked for (undefined: the job is reported unknown). */
export function spoofedPhase(
  phase: Phase,
  spoof: 'other' | 'running' | 'unknown' | undefined,
): Phase | undefined {
  if (spoof === undefined) return phase;
  if (spoof === 'unknown') return undefined;
  if (spoof === 'running') return 'running';
  return phase === 'succeeded' ? 'failed' : 'succeeded';
}
