import { describe, it, expect } from 'vitest';
import { TokenBucket } from '../../server/rate-limit.ts';

describe('TokenBucket', () => {
  it('lets a burst of up to rate x burstSeconds through at once, then refills at the rate', () => {
    const b = new TokenBucket(10, 2, 0);
    let passed = 0;
    for (let i = 0; i < 30; i++) if (b.take(0)) passed++;
    expect(passed).toBe(20); // 10/s for 2 s
    expect(b.take(50)).toBe(false); // half a token after 50 ms
    expect(b.take(100)).toBe(true); // one token after 100 ms
    expect(b.take(100)).toBe(false);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const b = new TokenBucket(10, 2, 0);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (b.take(60_000)) passed++;
    expect(passed).toBe(20);
  });

  it('a client that keeps to the rate is never refused; one at twice the rate is, once the burst is spent', () => {
    const steady = new TokenBucket(50, 5, 0);
    for (let t = 0; t < 60_000; t += 20) expect(steady.take(t)).toBe(true); // 50 a second
    const fast = new TokenBucket(50, 5, 0);
    const refusedAt: number[] = [];
    for (let t = 0; t < 20_000; t += 10) if (!fast.take(t)) refusedAt.push(t); // 100 a second
    // 250 tokens of burst, draining at 50 a second net: refusals begin after about 5 s
    expect(refusedAt[0]).toBeGreaterThanOrEqual(4900);
    expect(refusedAt[0]).toBeLessThanOrEqual(5100);
    expect(refusedAt.length).toBeGreaterThan(700);
  });
});
