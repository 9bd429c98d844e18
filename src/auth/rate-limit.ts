/**
 * Token buckets per client address, in memory, bounded: the least recently seen addresses are forgotten
 * first once `maxAddresses` is reached. Each process limits on its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** Tokens added per second. */
    private readonly ratePerSecond: number,
    /** Bucket size: the burst allowed after a quiet period. */
    private readonly burst: number,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `address`; false when its bucket is empty. */
  take(address: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(address);
    let tokens = this.burst;
    if (bucket !== undefined) {
      this.buckets.delete(address);
      tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    } else if (this.buckets.size >= this.maxAddresses) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.buckets.set(address, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }
}
