import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection before a memory reading, so the numbers show what is retained rather than how lazily
 * V8 grows its heap: the global gc when the process was started with --expose-gc, else one obtained by turning
 * the flag on now (a fresh vm context then carries `gc`); when neither works the memory is just read.
 */
export const collect: { readonly run: () => void; readonly how: string } = (() => {
  const exposed = globalThis.gc;
  if (exposed !== undefined) return { run: () => exposed(), how: 'global gc' };
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return { run: gc as () => void, how: 'gc via --expose-gc set at run time' };
  } catch {
    // not available: measure without collecting
  }
  return { run: () => undefined, how: 'no gc (memory as found)' };
})();

/**
 * Buffer memory (`arrayBuffers`) once the garbage of earlier work is collected and its memory given back: V8 frees
 * the memory of collected buffers on another thread after the collection, so a reading taken right after `gc()`
 * can still count them and drop later, in the middle of what is being measured.
 */
export async function settledBufferMemory(): Promise<number> {
  let last = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 50; round++) {
    collect.run();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = process.memoryUsage().arrayBuffers;
    if (now >= last) return now;
    last = now;
  }
  return last;
}
