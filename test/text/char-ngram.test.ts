import { describe, it, expect } from 'vitest';
import { CharNgramLM, BOUNDARY } from '../../src/text/char-ngram.ts';
import { mulberry32 } from '../../src/random.ts';

const sumExp = (d: Float64Array) => d.reduce((s, v) => s + Math.exp(v), 0);

function randomSentences(n: number, V: number, seed: number): number[][] {
  const r = mulberry32(seed);
  // a skewed distribution with some structure (symbol i tends to follow i - 1)
  return Array.from({ length: n }, () => {
    const len = 1 + Math.floor(r() * 12);
    const s: number[] = [];
    for (let i = 0; i < len; i++) s.push(i > 0 && r() < 0.5 ? (s[i - 1] % (V - 1)) + 1 : 1 + Math.floor(r() * r() * (V - 1)));
    return s;
  });
}

describe('CharNgramLM (interpolated Kneser-Ney)', () => {
  it('matches hand-computed probabilities on a tiny corpus (order 2)', () => {
    // symbols: 0 boundary, 1 = a, 2 = b; sentences "ab" and "a"
    const lm = CharNgramLM.train([[1, 2], [1]], 3, { order: 2, minCount: 1 });
    // order-1 continuation counts a:1 b:1 end:2 -> D1 = n1/(n1+2n2) = 2/4; bigram counts Ba:2 ab:1 bB:1 aB:1 -> D2 = 3/5
    expect(lm.discounts[0]).toBeCloseTo(0.5, 12);
    expect(lm.discounts[1]).toBeCloseTo(0.6, 12);
    // unigram: (c - 0.5)/4 + gamma/3 with gamma = 1 - 2.5/4
    const uni = { a: 0.5 / 4 + 0.375 / 3, b: 0.5 / 4 + 0.375 / 3, end: 1.5 / 4 + 0.375 / 3 };
    expect(uni.a + uni.b + uni.end).toBeCloseTo(1, 12);
    // after "a": ab:1, aB:1, total 2, gamma = 1 - 0.8/2
    expect(Math.exp(lm.logProb([1], 2))).toBeCloseTo(0.4 / 2 + 0.6 * uni.b, 12);
    expect(Math.exp(lm.logProb([1], 1))).toBeCloseTo(0.6 * uni.a, 12);
    expect(Math.exp(lm.logProbEnd([1]))).toBeCloseTo(0.4 / 2 + 0.6 * uni.end, 12);
    // sentence start: context is the boundary, Ba:2 -> 1.4/2 + 0.3 * P1(a)
    expect(Math.exp(lm.logProb([], 1))).toBeCloseTo(1.4 / 2 + 0.3 * uni.a, 12);
    // a longer prefix only looks at the last symbol (order 2)
    expect(lm.logProb([2, 2, 1], 2)).toBeCloseTo(lm.logProb([1], 2), 12);
  });

  it('gives a proper distribution for every context, pruned or not', () => {
    const V = 9;
    const sentences = randomSentences(400, V, 7);
    const r = mulberry32(3);
    for (const minCount of [1, 3]) {
      const lm = CharNgramLM.train(sentences, V, { order: 4, minCount });
      for (let trial = 0; trial < 60; trial++) {
        const ctx = Array.from({ length: Math.floor(r() * 7) }, () => 1 + Math.floor(r() * (V - 1)));
        expect(sumExp(lm.distribution(ctx))).toBeCloseTo(1, 10);
      }
      // the boundary can end a sentence but every probability is positive
      expect(Number.isFinite(lm.logProbEnd([1, 2]))).toBe(true);
    }
    const full = CharNgramLM.train(sentences, V, { order: 4, minCount: 1 });
    const pruned = CharNgramLM.train(sentences, V, { order: 4, minCount: 3 });
    expect(pruned.size).toBeLessThan(full.size);
  });

  it('prefers text like its training text over shuffled text; order 3 catches a second-order rule that order 2 cannot', () => {
    const V = 9;
    // the next symbol is usually a function of the previous two
    const secondOrder = (n: number, seed: number) => {
      const r = mulberry32(seed);
      return Array.from({ length: n }, () => {
        const s = [1 + Math.floor(r() * (V - 1)), 1 + Math.floor(r() * (V - 1))];
        while (s.length < 14) s.push(r() < 0.8 ? ((s[s.length - 1] + 2 * s[s.length - 2]) % (V - 1)) + 1 : 1 + Math.floor(r() * (V - 1)));
        return s;
      });
    };
    const train = secondOrder(800, 11);
    const heldOut = secondOrder(100, 12);
    const r = mulberry32(5);
    const shuffled = heldOut.map((s) => s.map(() => s[Math.floor(r() * s.length)]));
    const bigram = CharNgramLM.train(train, V, { order: 2, minCount: 1 });
    const trigram = CharNgramLM.train(train, V, { order: 3, minCount: 1 });
    expect(trigram.averageLogProb(heldOut)).toBeGreaterThan(trigram.averageLogProb(shuffled) + 0.5);
    expect(trigram.averageLogProb(heldOut)).toBeGreaterThan(bigram.averageLogProb(heldOut) + 0.5);
    // and beats the uniform model, log(1/V) per symbol
    expect(bigram.averageLogProb(heldOut)).toBeGreaterThan(Math.log(1 / V));
  });

  it('round-trips through JSON', () => {
    const V = 7;
    const lm = CharNgramLM.train(randomSentences(200, V, 2), V, { order: 3, minCount: 2 });
    const back = CharNgramLM.fromJSON(JSON.parse(JSON.stringify(lm.toJSON())));
    for (const ctx of [[], [1], [2, 3], [4, 5, 6, 1]]) expect(Array.from(back.distribution(ctx))).toEqual(Array.from(lm.distribution(ctx)));
    expect(() => CharNgramLM.fromJSON({ format: 'other' } as never)).toThrow(/babelfish-char-ngram/);
  });

  it('writes the same JSON whatever order the sentences came in; long contexts of different lengths stay apart', () => {
    const V = 5;
    const sentences = randomSentences(150, V, 4);
    const a = CharNgramLM.train(sentences, V, { order: 5, minCount: 1 });
    const b = CharNgramLM.train([...sentences].reverse(), V, { order: 5, minCount: 1 });
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    // contexts are coded as numbers: "a", "Ba" (boundary + a) and "aa" must be three contexts
    const lm = CharNgramLM.train([[1, 1, 1], [2, 1]], 3, { order: 3, minCount: 1 });
    const keys = lm.toJSON().contexts.map((c) => c[0]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Math.exp(lm.logProb([1, 1], 1))).not.toBeCloseTo(Math.exp(lm.logProb([2, 1], 1)), 6);
  });

  it('refuses a context too long to index exactly', () => {
    // (61 symbols + 1)^10 > 2^53
    expect(() => CharNgramLM.train([[1, 2]], 61, { order: 11 })).toThrow(RangeError);
    expect(() => CharNgramLM.train([[1, 2]], 61, { order: 9 })).not.toThrow();
  });

  it('rejects symbols outside the vocabulary (the boundary included)', () => {
    expect(() => CharNgramLM.train([[1, BOUNDARY, 2]], 4)).toThrow(RangeError);
    expect(() => CharNgramLM.train([[1, 4]], 4)).toThrow(RangeError);
  });
});
