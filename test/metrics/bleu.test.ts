import { describe, it, expect } from 'vitest';
import { computeBleu, corpusBleu, sentenceBleu, closestRefLength } from '../../src/metrics/bleu.ts';
import { tokenize13a } from '../../src/metrics/tokenizer-13a.ts';
import { isBabelfishError } from '../../src/errors.ts';

// The example in sacrebleu's README and test_bleu.py (two reference streams).
const README_REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const README_HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

describe('tokenize13a (mteval-v13a as in sacrebleu)', () => {
  it('splits punctuation but keeps numbers and apostrophes together', () => {
    expect(tokenize13a('Hello, world.')).toBe('Hello , world .');
    expect(tokenize13a('It costs $3.50, ok?')).toBe('It costs $ 3.50 , ok ?');
    expect(tokenize13a("It wasn't 1,000")).toBe("It wasn't 1,000");
    expect(tokenize13a('pages 10-20 and a-b')).toBe('pages 10 - 20 and a-b');
    expect(tokenize13a('a/b (c) [d] {e}')).toBe('a / b ( c ) [ d ] { e }');
  });

  it('unescapes the four XML entities and drops <skipped>', () => {
    expect(tokenize13a('&quot;hi&quot; &amp; &lt;x&gt; <skipped>')).toBe('" hi " & < x >');
  });

  it('joins hyphenated line breaks and collapses whitespace', () => {
    expect(tokenize13a('  con-\ntinue\nhere\t now ')).toBe('continue here now');
  });
});

describe('computeBleu from statistics', () => {
  it('matches sacrebleu test_scoring', () => {
    // compute_bleu([9,7,5,3],[10,8,6,4],11,11) with its default smoothing 'none'
    const s = computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, { smoothMethod: 'none' });
    expect(s.score / 100).toBeCloseTo(0.8375922397, 9);
  });

  it('scores 0 when nothing matches, whatever the smoothing (sacrebleu degenerate stats)', () => {
    for (const smoothMethod of ['exp', 'floor', 'add-k', 'none'] as const) {
      expect(computeBleu([0, 0, 0, 0], [4, 4, 2, 1], 0, 1, { smoothMethod }).score).toBe(0);
      expect(computeBleu([0, 0, 0, 0], [0, 0, 0, 0], 0, 0, { smoothMethod }).score).toBe(0);
    }
    // a zero 4-gram count without smoothing also gives 0
    expect(computeBleu([6, 5, 4, 0], [6, 5, 4, 3], 6, 6, { smoothMethod: 'floor', smoothValue: 0 }).score).toBe(0);
  });
});

describe('corpusBleu: hand-derived cases', () => {
  it('counts clipped n-grams', () => {
    // hyp: the cat sat on the mat / ref: the cat sat on a mat
    // 1-grams: the(min(2,1)=1) cat sat on mat -> 5/6
    // 2-grams: the-cat cat-sat sat-on | on-the the-mat -> 3/5
    // 3-grams: the-cat-sat cat-sat-on | sat-on-the on-the-mat -> 2/4
    // 4-grams: the-cat-sat-on | 2 others -> 1/3; equal lengths, BP = 1
    // BLEU = (5/6 * 3/5 * 1/2 * 1/3)^(1/4) = (1/12)^(1/4)
    const s = corpusBleu(['the cat sat on the mat'], ['the cat sat on a mat']);
    expect(s.counts).toEqual([5, 3, 2, 1]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
    expect(s.bp).toBe(1);
    expect(s.score).toBeCloseTo(100 * Math.pow(1 / 12, 0.25), 10);
  });

  it("applies 'exp' smoothing: the k-th zero order gets 1/(2^k * total)", () => {
    // hyp a b c d / ref a b x d: 1-grams 3/4, 2-grams 1/3, 3-grams 0/2 -> 1/(2*2), 4-grams 0/1 -> 1/(4*1)
    const s = corpusBleu(['a b c d'], ['a b x d']);
    expect(s.counts).toEqual([3, 1, 0, 0]);
    expect(s.precisions[2]).toBeCloseTo(25, 12);
    expect(s.precisions[3]).toBeCloseTo(25, 12);
    expect(s.score).toBeCloseTo(100 * Math.pow((3 / 4) * (1 / 3) * (1 / 4) * (1 / 4), 0.25), 10);
  });

  it('applies the brevity penalty and sums statistics over the corpus', () => {
    // sentence 1: 'a b c' vs 'a b c d e' (3 vs 5); sentence 2: 'x y z w' vs 'x y z w' (4 vs 4)
    // 1-grams 7/7, 2-grams 5/5, 3-grams 3/3, 4-grams 1/1; BP = exp(1 - 9/7)
    const s = corpusBleu(['a b c', 'x y z w'], ['a b c d e', 'x y z w']);
    expect(s.sysLen).toBe(7);
    expect(s.refLen).toBe(9);
    expect(s.totals).toEqual([7, 5, 3, 1]);
    expect(s.bp).toBeCloseTo(Math.exp(1 - 9 / 7), 12);
    expect(s.score).toBeCloseTo(100 * Math.exp(1 - 9 / 7), 10);
  });

  it('picks the closest reference length, ties to the shorter', () => {
    expect(closestRefLength(5, [3, 7])).toBe(3);
    expect(closestRefLength(5, [7, 3])).toBe(3);
    expect(closestRefLength(5, [8, 6, 2])).toBe(6);
  });

  it('scores a perfect match 100 and an empty or disjoint hypothesis 0', () => {
    expect(corpusBleu(['The quick brown fox jumps.'], ['The quick brown fox jumps.']).score).toBeCloseTo(100, 10);
    expect(corpusBleu([''], ['The quick brown fox jumps.']).score).toBe(0);
    expect(corpusBleu(['zzz yyy'], ['The quick brown fox jumps.']).score).toBe(0);
  });

  it('rejects mismatched lengths and missing references with BAD_ARGUMENT', () => {
    const bad = [() => corpusBleu(['a', 'b'], ['a']), () => corpusBleu(['a'], [''])];
    for (const f of bad) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isBabelfishError(e) && e.code).toBe('BAD_ARGUMENT');
      }
    }
  });
});

describe('corpusBleu: published sacrebleu values', () => {
  it('README example: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943, hyp_len 17, ref_len 18)', () => {
    const s = corpusBleu(README_HYPS, README_REFS);
    expect(Math.abs(s.score - 48.530827)).toBeLessThan(1e-6);
    expect(s.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '50.0', '45.5', '37.5']);
    expect(s.bp.toFixed(3)).toBe('0.943');
    expect(s.sysLen).toBe(17);
    expect(s.refLen).toBe(18);
  });

  it('test_corpus_bleu variants (empty hyps, tokenize none, smoothing none)', () => {
    expect(corpusBleu(['', '', ''], README_REFS).score).toBe(0);
    expect(Math.abs(corpusBleu(README_HYPS, README_REFS, { tokenize: 'none' }).score - 49.1919566)).toBeLessThan(1e-6);
    expect(Math.abs(corpusBleu(README_HYPS, README_REFS, { smoothMethod: 'none' }).score - 48.530827)).toBeLessThan(1e-6);
  });

  it('test_max_ngram_order', () => {
    const expected = ['77.65', '60.50', '53.93', '48.53', '46.14', '43.28'];
    expected.forEach((v, i) => {
      expect(corpusBleu(README_HYPS, README_REFS, { maxNgramOrder: i + 1 }).score.toFixed(2)).toBe(v);
    });
  });

  it('README variable number of references: 29.44 82.4/42.9/27.3/12.5 (ref_len 19)', () => {
    const refs = [['', ...README_REFS[0].slice(1)], README_REFS[1]];
    const s = corpusBleu(README_HYPS, refs);
    expect(s.score.toFixed(2)).toBe('29.44');
    expect(s.precisions.map((p) => p.toFixed(1))).toEqual(['82.4', '42.9', '27.3', '12.5']);
    expect(s.refLen).toBe(19);
  });

  // sacrebleu.raw_corpus_bleu = floor smoothing, tokenize none, effective order on.
  const raw = (h: string[], r: string[], smoothValue = 0.1) =>
    corpusBleu(h, r, { tokenize: 'none', smoothMethod: 'floor', smoothValue, effectiveOrder: true }).score / 100;

  it('test_statistics, test_offset, test_raw_bleu, test_effective_order', () => {
    const s = corpusBleu(['am I am a character sequence'], ['I am a symbol string sequence a a'], { tokenize: 'none' });
    expect(s.counts).toEqual([4, 2, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
    expect(raw(['am I am a character sequence'], ['I am a symbol string sequence a a'])).toBeCloseTo(0.1555722182, 9);
    expect(raw(['am I am a character sequence'], ['I am a symbol string sequence a a'], 0)).toBe(0);
    expect(raw(['this is a test', 'another test'], ['ref1', 'ref2'], 0.01)).toBe(0);
    expect(raw(['this is a test'], ['this is a test'], 0.01)).toBeCloseTo(1, 9);
    expect(raw(['this is a fest'], ['this is a test'], 0.01)).toBeCloseTo(0.223606797749979, 9);
    expect(raw(['test'], ['a test'], 0.01)).toBeCloseTo(0.3678794411714425, 9);
    expect(raw(['a test'], ['a test'], 0.01)).toBeCloseTo(1, 9);
    expect(raw(['a little test'], ['a test'], 0.01)).toBeCloseTo(0.03218297948685433, 9);
  });
});

describe('sentenceBleu (sacrebleu test_sentence_bleu.py, effective order on)', () => {
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';

  it('matches the published scores for each smoothing', () => {
    const cases: [Parameters<typeof sentenceBleu>[2], number][] = [
      [{}, 8.493],
      [{ smoothMethod: 'none' }, 0.0],
      [{ smoothMethod: 'floor' }, 4.51688],
      [{ smoothMethod: 'floor', smoothValue: 0.5 }, 10.1],
      [{ smoothMethod: 'add-k' }, 14.882],
      [{ smoothMethod: 'add-k', smoothValue: 2 }, 21.389],
      [{ tokenize: 'none' }, 7.347],
    ];
    for (const [opts, expected] of cases) {
      expect(Math.abs(sentenceBleu(SYS, [REF], opts).score - expected)).toBeLessThan(1e-3);
    }
  });

  it('is 0 when nothing matches (sacrebleu #141)', () => {
    expect(sentenceBleu('this is a cat', 'okay thanks').score).toBe(0);
    expect(sentenceBleu('this is a cat', 'okay thanks', { smoothMethod: 'add-k' }).score).toBe(0);
  });
});
