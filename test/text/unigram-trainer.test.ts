import { describe, it, expect } from 'vitest';
import { UnigramTrainer, trainUnigramVocabulary, digamma } from '../../src/text/unigram-trainer.ts';
import { SAMPLE_SENTENCES } from './sample-sentences.ts';

const quiet = { log: null };

// "the" and "and" are frequent; "xylophone" and "quartz" are rare.
const TOY = [
  ...Array(30).fill('the cat and the dog'),
  ...Array(20).fill('the bird and the fish'),
  'a xylophone',
  'quartz',
];

describe('digamma', () => {
  it('matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 8);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 8);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 8);
  });
});

describe('UnigramTrainer', () => {
  it('makes frequent words single pieces and keeps every character', () => {
    const vocab = trainUnigramVocabulary(TOY, { ...quiet, vocabSize: 30 });
    const pieces = new Set(vocab.map(([p]) => p));
    // the toy corpus has too few useful pieces to fill 30 slots
    expect(vocab.length).toBeLessThanOrEqual(30);
    expect(pieces.has('\u2581the')).toBe(true);
    expect(pieces.has('\u2581and')).toBe(true);
    expect(pieces.has('\u2581xylophone')).toBe(false);
    for (const ch of new Set(TOY.join('').replaceAll(' ', ''))) expect(pieces.has(ch)).toBe(true);
    expect(pieces.has('\u2581')).toBe(true);
    for (const [, lp] of vocab) expect(lp).toBeLessThan(0);
    // most probable first
    for (let i = 1; i < vocab.length; i++) expect(vocab[i][1]).toBeLessThanOrEqual(vocab[i - 1][1]);
  });

  it('fills the requested size but never drops a character to do so', () => {
    expect(trainUnigramVocabulary(SAMPLE_SENTENCES, { ...quiet, vocabSize: 200 }).length).toBe(200);
    const chars = new Set(SAMPLE_SENTENCES.join('').replaceAll(' ', ''));
    const small = trainUnigramVocabulary(SAMPLE_SENTENCES, { ...quiet, vocabSize: 50 });
    expect(small.length).toBe(chars.size + 1); // + the boundary marker
  });

  it('never mixes letters with digits or punctuation in one piece', () => {
    const vocab = trainUnigramVocabulary(SAMPLE_SENTENCES, { ...quiet, vocabSize: 200 });
    for (const [p] of vocab) {
      const body = p.replace(/^\u2581/, '');
      if (body.length < 2) continue;
      const letters = /^[\p{L}\p{M}]+$/u.test(body);
      const digits = /^\p{N}+$/u.test(body);
      const other = /^[^\p{L}\p{M}\p{N}]+$/u.test(body);
      expect(letters || digits || other).toBe(true);
    }
  });

  it('plain EM never decreases the likelihood', () => {
    const trainer = new UnigramTrainer([...TOY, ...SAMPLE_SENTENCES], { ...quiet, seedSize: 400 });
    const lls: number[] = [];
    for (let i = 0; i < 8; i++) lls.push(trainer.emStep(false).logLikelihood);
    for (let i = 1; i < lls.length; i++) expect(lls[i]).toBeGreaterThanOrEqual(lls[i - 1] - 1e-9 * Math.abs(lls[i - 1]));
    expect(lls[lls.length - 1]).toBeGreaterThan(lls[0]);
  });

  it('computes the same expected counts as brute-force enumeration of segmentations', () => {
    const trainer = new UnigramTrainer(['ab ab aab', 'ba'], { ...quiet, seedSize: 50 });
    const { counts, logLikelihood } = trainer.expectedCounts();
    const lp = new Map(trainer.pieces.map((p, i) => [p, trainer.logProbs[i]]));
    const expected = new Map<string, number>();
    let ll = 0;
    for (let w = 0; w < trainer.words.length; w++) {
      const segs = allSegmentations(trainer.words[w], lp);
      const ps = segs.map((seg) => Math.exp(seg.reduce((a, p) => a + lp.get(p)!, 0)));
      const z = ps.reduce((a, b) => a + b, 0);
      ll += trainer.wordCounts[w] * Math.log(z);
      segs.forEach((seg, k) => {
        for (const p of seg) expected.set(p, (expected.get(p) ?? 0) + (trainer.wordCounts[w] * ps[k]) / z);
      });
    }
    expect(logLikelihood).toBeCloseTo(ll, 9);
    trainer.pieces.forEach((p, i) => expect(counts[i]).toBeCloseTo(expected.get(p) ?? 0, 9));
  });

  it('is deterministic and independent of sentence order', () => {
    const a = trainUnigramVocabulary(SAMPLE_SENTENCES, { ...quiet, vocabSize: 150 });
    const b = trainUnigramVocabulary([...SAMPLE_SENTENCES].reverse(), { ...quiet, vocabSize: 150 });
    expect(b).toEqual(a);
  });

  it('leaves characters outside the BMP out (they become <unk>)', () => {
    const vocab = trainUnigramVocabulary(['hello 😀 world', 'hello world'], { ...quiet, vocabSize: 20 });
    expect(vocab.some(([p]) => p.includes('😀'))).toBe(false);
  });
});

function allSegmentations(word: string, lp: Map<string, number>): string[][] {
  if (word.length === 0) return [[]];
  const out: string[][] = [];
  for (let k = 1; k <= word.length; k++) {
    const head = word.slice(0, k);
    if (!lp.has(head)) continue;
    for (const rest of allSegmentations(word.slice(k), lp)) out.push([head, ...rest]);
  }
  return out;
}
