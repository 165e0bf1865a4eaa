import { describe, it, expect } from 'vitest';
import { alignmentScore, durationsFromLog, monotonicAlignment, regulateLength, spreadDurations } from '../../models/synthesizer/alignment.ts';
import { decoderBookkeeping } from '../../models/synthesizer/network.ts';
import { mulberry32 } from '../../src/random.ts';

/** Every way to give n tokens >= 1 frame each, summing to t. */
function compositions(n: number, t: number): number[][] {
  if (n === 1) return [[t]];
  const out: number[][] = [];
  for (let d = 1; d <= t - (n - 1); d++) for (const rest of compositions(n - 1, t - d)) out.push([d, ...rest]);
  return out;
}

describe('monotonic alignment search', () => {
  it('finds the best of all monotonic alignments (brute force, random scores)', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rand() * 4);
      const t = n + Math.floor(rand() * 5);
      const logp = Float32Array.from({ length: n * t }, () => -5 * rand());
      const d = monotonicAlignment(logp, n, t);
      expect(d.reduce((a, b) => a + b, 0)).toBe(t);
      expect(Math.min(...d)).toBeGreaterThanOrEqual(1);
      const best = Math.max(...compositions(n, t).map((c) => alignmentScore(logp, n, t, c)));
      expect(alignmentScore(logp, n, t, d)).toBeCloseTo(best, 4);
    }
  });

  it('recovers the segmentation that generated the scores', () => {
    // 3 tokens, frames 0-1 token 0, 2-5 token 1, 6 token 2: score 0 on the true token, -1 elsewhere.
    const truth = [2, 4, 1];
    const t = 7;
    const logp = new Float32Array(3 * t).fill(-1);
    let f = 0;
    truth.forEach((d, i) => {
      for (let k = 0; k < d; k++) logp[i * t + f++] = 0;
    });
    expect(monotonicAlignment(logp, 3, t)).toEqual(truth);
  });

  it('falls back to an even spread when there are fewer frames than tokens', () => {
    expect(monotonicAlignment(new Float32Array(12), 4, 3)).toEqual(spreadDurations(4, 3));
    expect(spreadDurations(4, 3).reduce((a, b) => a + b, 0)).toBe(3);
    expect(spreadDurations(3, 7)).toEqual([2, 2, 3]);
    expect(monotonicAlignment([], 0, 5)).toEqual([]);
  });
});

describe('length regulator', () => {
  it('repeats each token for its duration (hand-computed)', () => {
    const r = regulateLength([2, 0, 3, 1]);
    expect(Array.from(r.token)).toEqual([0, 0, 2, 2, 2, 3]);
    expect(Array.from(r.position)).toEqual([0.25, 0.75, 1 / 6, 0.5, 5 / 6, 0.5].map((x) => Math.fround(x)));
    expect(Array.from(r.span)).toEqual([2, 2, 3, 3, 3, 1]);
  });

  it('rejects negative or fractional durations', () => {
    expect(() => regulateLength([1, -1])).toThrow();
    expect(() => regulateLength([1.5])).toThrow();
  });

  it('batch bookkeeping points padded items at their own rows and masks the padding', () => {
    const b = decoderBookkeeping([[1, 2], [3, 0]], 2);
    expect(b.maxFrames).toBe(3);
    expect(b.frames).toEqual([3, 3]);
    expect(Array.from(b.gather)).toEqual([0, 1, 1, 2, 2, 2]);
    const c = decoderBookkeeping([[1], [2, 2]], 2);
    expect(Array.from(c.gather)).toEqual([0, 0, 0, 0, 2, 2, 3, 3]);
    expect(Array.from(c.frameMask)).toEqual([1, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe('durations from predictions', () => {
  it('inverts log(1 + d), applies speed and clamps', () => {
    expect(durationsFromLog([Math.log(5), Math.log(1), -3, Math.log(1000)], 1, 40)).toEqual([4, 0, 0, 40]);
    expect(durationsFromLog([Math.log(9)], 2, 40)).toEqual([4]);
  });
});
