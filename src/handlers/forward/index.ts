// TEMPORARY local placeholder until the forward branch is merged; never committed.
import type { ForwardOptions } from '../config/schema.js';
import type { HandleFunction } from '../types.js';
export function createForward(options: ForwardOptions): HandleFunction {
  return async (event) => {
    const r = await fetch(options.url, { method: 'POST', body: JSON.stringify(event) });
    if (!r.ok) throw new Error(String(r.status));
  };
}
