/**
 * Per-connection message rate limit as a token bucket: `rate` tokens a second, holding at
 * most `burstSeconds` of them. A window counter punishes a well-behaved client whenever the
 * server's event loop stalls (frames sent 20 ms apart arrive together after a busy second);
 * the bucket lets such a backlog through and still stops a client that keeps sending faster
 * than `rate`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burstSeconds: number,
    now: number,
  ) {
    this.tokens = rate * burstSeconds;
    this.last = now;
  }

  /** Takes one token at time `now` (ms); false when none is left. */
  take(now: number): boolean {
    const capacity = this.rate * this.burstSeconds;
    this.tokens = Math.min(capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
