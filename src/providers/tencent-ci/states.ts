import type { Outcome } from '../../events/catalog.js';

/** CI job, task and workflow states (formats.md §1.2) → the event vocabulary. Others are not guessed at. */
const STATES: ReadonlyMap<string, Outcome> = new Map([
  ['success', 'succeeded'],
  ['failed', 'failed'],
  ['cancel', 'canceled'],
  ['canceled', 'canceled'],
  ['cancelled', 'canceled'],
  ['submitted', 'pending'],
  ['running', 'pending'],
  ['pause', 'pending'],
  ['paused', 'pending'],
]);

/** The capitalizations CI sends (`Success`, `Failed`, …), looked up without lower-casing first. */
const AS_SENT: ReadonlyMap<string, Outcome> = new Map(
  [...STATES].map(([state, outcome]) => [state.charAt(0).toUpperCase() + state.slice(1), outcome]),
);

export const ciState = (providerState: string): Outcome | undefined =>
  AS_SENT.get(providerState) ?? STATES.get(providerState.toLowerCase());
