import { describe, it, expect } from 'vitest';
import { beamSearch, gnmtPenalty, greedySearch, repeatedNgramTokens, type BeamModel } from '../../models/translator/beam-search.ts';

/** A toy autoregressive model: next-token log-probs are a pseudo-random function of (sentence seed, prefix). */
type Prefixes = { seed: number; prefix: number[] }[];

function hash(xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x + 0x9e3779b9;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

function toyLogProbs(seed: number, prefix: number[], V: number, eos: number, eosBias = 0): Float32Array {
  const logits = new Float32Array(V);
  for (let v = 0; v < V; v++) logits[v] = ((hash([seed, ...prefix, v]) % 10007) / 10007) * 4 - 2 + (v === eos ? eosBias : 0);
  let m = -Infinity;
  for (const x of logits) m = Math.max(m, x);
  let z = 0;
  for (const x of logits) z += Math.exp(x - m);
  const lse = m + Math.log(z);
  return logits.map((x) => x - lse);
}

function toyModel(V: number, eos: number, eosBias = 0, log?: number[]): BeamModel<Prefixes> {
  return {
    vocabSize: V,
    step(prev, state) {
      log?.push(prev.length);
      const next = state.map((r, i) => ({ seed: r.seed, prefix: [...r.prefix, prev[i]] }));
      const lp = new Float32Array(state.length * V);
      const extras: Float32Array[] = [];
      next.forEach((r, i) => {
        lp.set(eosBias === -Infinity ? toyLogProbs(r.seed, r.prefix, V, eos).map((x, v) => (v === eos ? -Infinity : x)) : toyLogProbs(r.seed, r.prefix, V, eos, eosBias), i * V);
        extras.push(Float32Array.of(r.prefix.length));
      });
      return { logProbs: lp, state: next, extras };
    },
    select: (state, rows) => Array.from(rows, (r) => state[r]),
    dispose() {},
  };
}

const BOS = 99;

/** Every sequence the search may return: </s> only at the end, or cut at length L. */
function bruteForce(seed: number, V: number, eos: number, L: number, alpha: number, eosBias = 0, noRepeat = 0) {
  let best = { tokens: [] as number[], score: -Infinity, logProb: -Infinity };
  /** Whether appending v repeats an n-gram of the prefix (checked by scanning every n-gram). */
  const repeats = (prefix: number[], v: number) => {
    if (!noRepeat) return false;
    const seq = [...prefix, v];
    const last = seq.slice(-noRepeat).join();
    if (seq.length < noRepeat) return false;
    for (let i = 0; i + noRepeat < seq.length; i++) if (seq.slice(i, i + noRepeat).join() === last) return true;
    return false;
  };
  const visit = (prefix: number[], lp: number) => {
    const probs = toyLogProbs(seed, [BOS, ...prefix], V, eos, eosBias);
    for (let v = 0; v < V; v++) {
      if (repeats(prefix, v)) continue;
      const total = lp + probs[v];
      const len = prefix.length + 1;
      if (v === eos || len === L) {
        const score = total / gnmtPenalty(len, alpha);
        if (score > best.score) best = { tokens: v === eos ? prefix : [...prefix, v], score, logProb: total };
      } else visit([...prefix, v], total);
    }
  };
  visit([], 0);
  return best;
}

describe('beamSearch', () => {
  for (const alpha of [0, 0.6, 1]) {
    it(`with a beam as wide as all sequences finds the exact best (alpha ${alpha})`, async () => {
      const V = 4;
      const L = 4;
      for (const seed of [1, 2, 3, 4, 5]) {
        const want = bruteForce(seed, V, 0, L, alpha, -1.5);
        const [hyps] = await beamSearch(toyModel(V, 0, -1.5), [{ seed, prefix: [] }], 1, { beam: V ** L, bos: BOS, eos: 0, maxLen: L, lengthPenalty: alpha });
        expect(hyps[0].tokens).toEqual(want.tokens);
        expect(hyps[0].score).toBeCloseTo(want.score, 5);
        expect(hyps[0].logProb).toBeCloseTo(want.logProb, 5);
      }
    });
  }

  it('with a beam of one is greedy decoding', async () => {
    const V = 6;
    for (const seed of [7, 8, 9]) {
      const prefix = [BOS];
      let lp = 0;
      for (let t = 0; t < 10; t++) {
        const p = toyLogProbs(seed, prefix, V, 0);
        let arg = 0;
        for (let v = 1; v < V; v++) if (p[v] > p[arg]) arg = v;
        lp += p[arg];
        if (arg === 0) break;
        prefix.push(arg);
      }
      const [[h]] = await greedySearch(toyModel(V, 0), [{ seed, prefix: [] }], 1, { bos: BOS, eos: 0, maxLen: 10 });
      expect(h.tokens).toEqual(prefix.slice(1));
      expect(h.logProb).toBeCloseTo(lp, 5);
    }
  });

  it('a batch of sentences gives the same as one by one, and finished sentences leave the batch', async () => {
    const V = 7;
    const seeds = [11, 12, 13, 14, 15];
    const maxLen = [3, 8, 5, 12, 1];
    const rowsPerStep: number[] = [];
    const batched = await beamSearch(toyModel(V, 2, 0.5, rowsPerStep), seeds.map((seed) => ({ seed, prefix: [] })), seeds.length, { beam: 3, bos: BOS, eos: 2, maxLen });
    for (let i = 0; i < seeds.length; i++) {
      const [alone] = await beamSearch(toyModel(V, 2, 0.5), [{ seed: seeds[i], prefix: [] }], 1, { beam: 3, bos: BOS, eos: 2, maxLen: maxLen[i] });
      expect(batched[i]).toEqual(alone);
    }
    expect(rowsPerStep[0]).toBe(5);
    expect(rowsPerStep[rowsPerStep.length - 1]).toBeLessThan(rowsPerStep[1]);
  });

  it('respects maxLen and never returns </s> inside tokens', async () => {
    const V = 5;
    const res = await beamSearch(toyModel(V, 0), [1, 2, 3].map((seed) => ({ seed, prefix: [] })), 3, { beam: 4, bos: BOS, eos: 0, maxLen: 6 });
    for (const hyps of res) {
      expect(hyps.length).toBeGreaterThan(0);
      expect(hyps.length).toBeLessThanOrEqual(4);
      for (const h of hyps) {
        expect(h.tokens).not.toContain(0);
        expect(h.tokens.length + (h.finished ? 1 : 0)).toBeLessThanOrEqual(6);
        expect(h.extras!.length).toBe(h.tokens.length + (h.finished ? 1 : 0));
        // extras are recorded for the step that produced each token: prefix lengths 1, 2, ...
        expect(Array.from(h.extras!, (e) => e[0])).toEqual(h.extras!.map((_, i) => i + 1));
      }
      for (let i = 1; i < hyps.length; i++) expect(hyps[i - 1].score).toBeGreaterThanOrEqual(hyps[i].score);
    }
  });

  it('a model that never ends stops at maxLen with unfinished hypotheses', async () => {
    const res = await beamSearch(toyModel(4, 0, -Infinity), [{ seed: 3, prefix: [] }], 1, { beam: 2, bos: BOS, eos: 0, maxLen: 5 });
    expect(res[0]).toHaveLength(2);
    for (const h of res[0]) {
      expect(h.finished).toBe(false);
      expect(h.tokens).toHaveLength(5);
    }
  });

  it('an immediate </s> gives an empty hypothesis', async () => {
    const res = await beamSearch(toyModel(4, 0, 50), [{ seed: 1, prefix: [] }], 1, { beam: 2, bos: BOS, eos: 0, maxLen: 5 });
    expect(res[0][0].tokens).toEqual([]);
    expect(res[0][0].finished).toBe(true);
  });

  it('GNMT penalty matches its formula', () => {
    expect(gnmtPenalty(1, 0.6)).toBeCloseTo(1, 12);
    expect(gnmtPenalty(7, 1)).toBeCloseTo(2, 12);
    expect(gnmtPenalty(10, 0)).toBe(1);
  });

  it('repeatedNgramTokens: the tokens that would complete an n-gram seen before', () => {
    expect([...repeatedNgramTokens([1, 2, 3, 1, 2], 3)]).toEqual([3]);
    expect([...repeatedNgramTokens([1, 2, 3, 1, 2], 2)]).toEqual([3]);
    expect([...repeatedNgramTokens([1, 2, 3, 1, 2], 1)].sort()).toEqual([1, 2, 3]);
    expect([...repeatedNgramTokens([5, 5, 5], 2)]).toEqual([5]);
    expect([...repeatedNgramTokens([1, 2, 4, 1, 2, 6], 3)]).toEqual([]);
    expect([...repeatedNgramTokens([1, 2, 4, 1, 2], 3)]).toEqual([4]);
    expect(repeatedNgramTokens([], 2).size).toBe(0);
    expect(repeatedNgramTokens([1, 1], 0).size).toBe(0);
  });

  for (const n of [1, 2]) {
    it(`with no-repeat-ngram ${n} and a full beam, finds the exact best sequence without a repeated ${n}-gram`, async () => {
      const V = 4;
      const L = 5;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const want = bruteForce(seed, V, 0, L, 0.6, -2, n);
        const [hyps] = await beamSearch(toyModel(V, 0, -2), [{ seed, prefix: [] }], 1, { beam: V ** L, bos: BOS, eos: 0, maxLen: L, lengthPenalty: 0.6, noRepeatNgram: n });
        expect(hyps[0].tokens).toEqual(want.tokens);
        expect(hyps[0].score).toBeCloseTo(want.score, 5);
        for (const h of hyps) {
          const grams = h.tokens.map((_, i) => h.tokens.slice(i, i + n).join()).slice(0, Math.max(0, h.tokens.length - n + 1));
          expect(new Set(grams).size).toBe(grams.length);
        }
      }
    });
  }
});
