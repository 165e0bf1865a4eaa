import { describe, it, expect } from 'vitest';
import { mapConcurrent } from '../src/map-concurrent.ts';

describe('mapConcurrent', () => {
  it('keeps the items\' order, calls each once, and never has more than the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const calls: number[] = [];
    const delays = [30, 5, 20, 1, 15, 2, 25, 3];
    const out = await mapConcurrent(delays, 3, async (d, i) => {
      calls.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, d));
      inFlight--;
      return d * 10;
    });
    expect(out).toEqual(delays.map((d) => d * 10));
    expect(calls.slice().sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
    expect(peak).toBe(3);
  });

  it('handles no items and a limit below one, and passes a rejection through', async () => {
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
    expect(await mapConcurrent([1, 2], 0, async (x) => x + 1)).toEqual([2, 3]);
    await expect(mapConcurrent([1, 2, 3], 2, async (x) => { if (x === 2) throw new Error('boom'); return x; })).rejects.toThrow('boom');
  });
});
