/** Timers that can all be cleared at once (a reset, a stop). */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  get size(): number {
    return this.pending.size;
  }

  later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      run();
    }, ms);
    this.pending.add(timer);
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
