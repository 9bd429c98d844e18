import { z } from 'zod';
import { SIM_APIS, type SimApi } from './apis.js';
import type { Random } from './rng.js';

/** Something that happens to the next `next` occasions, then to each further one with `probability`. */
const Chance = z.strictObject({
  probability: z.number().min(0).max(1).default(0),
  next: z.number().int().min(0).default(0),
});

const Counts = z.partialRecord(z.enum([...SIM_APIS, '*']), z.number().int().min(0));

/** The fault knobs (docs/simulator.md): set by flags at start, read and changed over `GET/PUT /_sim/faults`. */
export const FaultsSchema = z.strictObject({
  /** Extra wait before each callback is sent, a random value in [min, max] ms. */
  callbackDelayMs: z
    .tuple([z.number().int().min(0), z.number().int().min(0)])
    .refine(([min, max]) => min <= max, 'min must not exceed max')
    .default([0, 0]),
  /** Callbacks not sent at all. */
  drop: Chance.default({ probability: 0, next: 0 }),
  /** Callbacks sent twice. */
  duplicate: Chance.default({ probability: 0, next: 0 }),
  /** Hold this many callbacks, then send them newest first. */
  reorder: z.number().int().min(0).default(0),
  /** Held callbacks go anyway, newest first, once the oldest has waited this long. */
  reorderMaxWaitMs: z.number().int().min(0).default(2000),
  /** Jobs that end Failed (code 3 for Qiniu) instead of succeeding. */
  fail: Chance.default({ probability: 0, next: 0 }),
  /**
   * Describe calls that do not tell the truth: `other` reports the other terminal state (Success ↔ Failed),
   * `running` a job still running, `unknown` a job that does not exist. `next`: only that many describes.
   */
  spoofDescribe: z
    .strictObject({
      as: z.enum(['off', 'other', 'running', 'unknown']),
      next: z.number().int().min(1).optional(),
    })
    .default({ as: 'off' }),
  /** The next n calls of an api (`*`: of any) answered 5xx before anything is done. */
  errors: Counts.default({}),
  /** The next n calls of an api carried out, then the connection closed unanswered: the answer is lost. */
  lose: Counts.default({}),
  /** The next n calls of an api carried out, then answered 5xx: the provider took it but said it did not. */
  errorAfter: Counts.default({}),
  /** Every API answer waits this long. */
  slowMs: z.number().int().min(0).default(0),
});

export type Faults = z.infer<typeof FaultsSchema>;
export type FaultsInput = z.input<typeof FaultsSchema>;

/** A change over the control API: the knobs named replace their values, the per-api counts merge per api. */
export const FaultsPatch = FaultsSchema.partial();

export function applyPatch(current: Faults, patch: z.infer<typeof FaultsPatch>): Faults {
  return FaultsSchema.parse({
    ...current,
    ...patch,
    errors: { ...current.errors, ...patch.errors },
    lose: { ...current.lose, ...patch.lose },
    errorAfter: { ...current.errorAfter, ...patch.errorAfter },
  });
}

/** Whether the chance strikes now (and uses up one of `next`). */
export function strikes(chance: { probability: number; next: number }, random: Random): boolean {
  if (chance.next > 0) {
    chance.next -= 1;
    return true;
  }
  return chance.probability > 0 && random.next() < chance.probability;
}

/** Whether a counter for this api (or `*`) is set, using one up. */
export function takeCount(counts: Faults['errors'], api: SimApi): boolean {
  for (const key of [api, '*'] as const) {
    const left = counts[key] ?? 0;
    if (left > 0) {
      counts[key] = left - 1;
      return true;
    }
  }
  return false;
}

/** What a describe reports instead of the truth, if anything (and uses up one of `next`). */
export function takeSpoof(faults: Faults): 'other' | 'running' | 'unknown' | undefined {
  const spoof = faults.spoofDescribe;
  if (spoof.as === 'off') return undefined;
  const as = spoof.as;
  if (spoof.next !== undefined)
    faults.spoofDescribe = spoof.next <= 1 ? { as: 'off' } : { as, next: spoof.next - 1 };
  return as;
}
