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

export const ciState = (providerState: string): Outcome | undefined =>
  STATES.get(providerState.toLowerCase());
