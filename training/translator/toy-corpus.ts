/**
 * A made-up two-language parallel corpus for tests and smoke runs: a 24-word lexicon
 * `a0..a23` <-> `b0..b23`, and language b says sentences in reverse word order, so a model
 * must learn both the lexicon and attention that runs backwards.
 */
import { mulberry32 } from '../../src/random.ts';
import type { ParallelCorpus } from './train.ts';

export function toySentencePairs(count: number, seed: number, words = 24): [string, string][] {
  const rand = mulberry32(seed);
  const out: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const n = 2 + Math.floor(rand() * 4);
    const ids = Array.from({ length: n }, () => Math.floor(rand() * words));
    out.push([ids.map((k) => `a${k}`).join(' '), ids.map((k) => `b${k}`).reverse().join(' ')]);
  }
  return out;
}

/** Pair `aa-bb` (two-letter codes like the real corpus). */
export function toyCorpus(trainPairs = 400, devPairs = 30, seed = 1): ParallelCorpus {
  return { train: { 'aa-bb': toySentencePairs(trainPairs, seed) }, dev: { 'aa-bb': toySentencePairs(devPairs, seed + 1000) } };
}
