import { describe, it, expect } from 'vitest';
import { greedyDecode, prefixBeamSearch, PrefixBeamSearch } from '../../src/ctc/decode.ts';
import { mulberry32 as rng } from '../../src/random.ts';


function randomLogProbs(T: number, C: number, r: () => number, sharpness = 3): number[][] {
  return Array.from({ length: T }, () => {
    const z = Array.from({ length: C }, () => sharpness * r());
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    return z.map((v) => v - lse);
  });
}

/** Probability of every collapsed label sequence, by enumerating all C^T alignments. */
function bruteForce(rows: number[][], blank: number): Map<string, number> {
  const T = rows.length;
  const C = rows[0].length;
  const out = new Map<string, number>();
  const path: number[] = [];
  const visit = (t: number, logp: number) => {
    if (t === T) {
      const labels: number[] = [];
      let prev = -1;
      for (const c of path) {
        if (c !== prev && c !== blank) labels.push(c);
        prev = c;
      }
      const key = labels.join(',');
      out.set(key, (out.get(key) ?? 0) + Math.exp(logp));
      return;
    }
    for (let c = 0; c < C; c++) {
      path[t] = c;
      visit(t + 1, logp + rows[t][c]);
    }
  };
  visit(0, 0);
  return out;
}

describe('greedyDecode', () => {
  it('merges repeats and drops blanks', () => {
    const one = (c: number) => [0, 1, 2, 3].map((i) => (i === c ? 0 : -5));
    const rows = [1, 1, 0, 1, 2, 2, 0, 0, 3, 3].map(one);
    expect(greedyDecode(rows, 0)).toEqual([1, 1, 2, 3]);
    expect(greedyDecode([3, 0, 3].map(one), 3)).toEqual([0]);
    expect(greedyDecode([], 0)).toEqual([]);
  });
});

describe('prefixBeamSearch', () => {
  it('finds the most probable label sequence of the brute-force sum over alignments', () => {
    const r = rng(42);
    let disagreementsWithGreedy = 0;
    for (let trial = 0; trial < 30; trial++) {
      const T = 3 + (trial % 3);
      const C = 3 + (trial % 2);
      const rows = randomLogProbs(T, C, r, 2);
      const truth = bruteForce(rows, 0);
      let bestKey = '';
      let bestP = -1;
      for (const [k, p] of truth) if (p > bestP) [bestKey, bestP] = [k, p];
      const hyps = prefixBeamSearch(rows, { beamWidth: 200, blank: 0 });
      expect(hyps[0].labels.join(',')).toBe(bestKey);
      expect(Math.exp(hyps[0].logProb)).toBeCloseTo(bestP, 6);
      // Every surviving hypothesis carries its exact total probability.
      for (const h of hyps) expect(Math.exp(h.logProb)).toBeCloseTo(truth.get(h.labels.join(',')) ?? 0, 6);
      if (greedyDecode(rows, 0).join(',') !== bestKey) disagreementsWithGreedy++;
    }
    // The cases are hard enough that summing alignments matters somewhere.
    expect(disagreementsWithGreedy).toBeGreaterThan(0);
  });

  it('lets a language-model bonus change the winner', () => {
    // Two frames, ambiguous between label 1 and label 2.
    const rows = [
      [Math.log(0.1), Math.log(0.46), Math.log(0.44)],
      [Math.log(0.9), Math.log(0.05), Math.log(0.05)],
    ];
    expect(prefixBeamSearch(rows, { beamWidth: 4 })[0].labels).toEqual([1]);
    const lm = (_prefix: readonly number[], next: number) => (next === 2 ? 0 : Math.log(0.5));
    expect(prefixBeamSearch(rows, { beamWidth: 4, lm, lmWeight: 1 })[0].labels).toEqual([2]);
  });

  it('adds the end-of-text score once, to the final ranking', () => {
    // "1" is acoustically a little likelier than "1 2", but the end score says texts end after 2
    const rows = [
      [Math.log(0.05), Math.log(0.9), Math.log(0.05)],
      [Math.log(0.52), Math.log(0.0), Math.log(0.48)].map((v) => Math.max(v, -50)),
    ];
    const plain = prefixBeamSearch(rows, { beamWidth: 4 });
    expect(plain[0].labels).toEqual([1]);
    const lmEnd = (prefix: readonly number[]) => (prefix[prefix.length - 1] === 2 ? 0 : Math.log(0.5));
    const biased = prefixBeamSearch(rows, { beamWidth: 4, lmEnd, lmWeight: 1 });
    expect(biased[0].labels).toEqual([1, 2]);
    // the scores are the plain ones plus the end term, nothing else
    const score = (hs: { labels: number[]; logProb: number }[], key: string) => hs.find((h) => h.labels.join() === key)!.logProb;
    expect(score(biased, '1')).toBeCloseTo(score(plain, '1') + Math.log(0.5), 12);
    expect(score(biased, '1,2')).toBeCloseTo(score(plain, '1,2'), 12);
  });

  it('returns the empty hypothesis for no frames', () => {
    expect(prefixBeamSearch([], {})[0]).toEqual({ labels: [], logProb: 0 });
  });

  it('fed frame by frame in chunks of any size, gives the whole-input result; best() is the leader so far', () => {
    const r = rng(7);
    const rows = randomLogProbs(40, 6, r, 3);
    // a toy bigram-ish LM and end term, so that the fusion paths run too
    const lm = (prefix: readonly number[], next: number) => (prefix.length && prefix[prefix.length - 1] === next ? -2 : -0.5);
    const lmEnd = (prefix: readonly number[]) => -0.3 * prefix.length;
    const options = { beamWidth: 5, lm, lmEnd, lmWeight: 0.7, pruneLogProb: 8 };
    const whole = prefixBeamSearch(rows, options);
    for (const sizes of [[1], [3, 1, 7], [40]]) {
      const search = new PrefixBeamSearch(options);
      let at = 0;
      let k = 0;
      while (at < rows.length) {
        const n = Math.min(sizes[k++ % sizes.length], rows.length - at);
        search.push(rows.slice(at, at + n));
        at += n;
        // the partial: the top of a whole search over the frames so far, ranked without the end term
        expect(search.best()).toEqual(prefixBeamSearch(rows.slice(0, at), { ...options, lmEnd: undefined })[0].labels);
      }
      expect(search.hypotheses()).toEqual(whole);
    }
    // the end term can make the final text differ from the last partial, which is why finish re-ranks
    expect(new PrefixBeamSearch(options).best()).toEqual([]);
  });
});
