import { describe, it, expect } from 'vitest';
import { corpusChrf, sentenceChrf, chrfFromStatistics, charNgramCounts } from '../../src/metrics/chrf.ts';

const README_REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const README_HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

describe('chrF: hand-derived cases', () => {
  it('counts character n-grams without whitespace, by code point', () => {
    const [uni, bi] = charNgramCounts('a b\u00a0ab', 2, false); // "abab"
    expect(Object.fromEntries(uni)).toEqual({ a: 2, b: 2 });
    expect(Object.fromEntries(bi)).toEqual({ ab: 2, ba: 1 });
    const [emoji] = charNgramCounts('😀é', 1, false);
    expect([...emoji.keys()]).toEqual(['😀', 'é']);
  });

  it('averages precision and recall over the orders both sides have (sacrebleu default)', () => {
    // hyp "abc" vs ref "abd":
    // 1-grams 2/3 both ways; 2-grams ab|bc vs ab|bd 1/2; 3-grams abc vs abd 0/1;
    // orders 4..6 are empty on both sides and do not count.
    // P = R = (2/3 + 1/2 + 0) / 3 = 7/18, so F2 = 7/18.
    const s = corpusChrf(['abc'], ['abd']);
    expect(s.statistics.slice(0, 9)).toEqual([3, 3, 2, 2, 2, 1, 1, 1, 0]);
    expect(s.score).toBeCloseTo((100 * 7) / 18, 10);
  });

  it('weights recall by beta: F_beta = (1+b^2)PR/(b^2 P + R)', () => {
    // hyp "ab" vs ref "abcd": 1-grams P = 1, R = 2/4; 2-grams ab: P = 1, R = 1/3; 3-grams: hyp has none.
    const P = 1;
    const R = (1 / 2 + 1 / 3) / 2;
    expect(corpusChrf(['ab'], ['abcd']).score).toBeCloseTo((100 * 5 * P * R) / (4 * P + R), 10);
    expect(corpusChrf(['ab'], ['abcd'], { beta: 1 }).score).toBeCloseTo((100 * 2 * P * R) / (P + R), 10);
  });

  it('sums statistics over the corpus before computing F', () => {
    const a = corpusChrf(['abc'], ['abd']).statistics;
    const b = corpusChrf(['xyz w'], ['xyzw']).statistics;
    const both = corpusChrf(['abc', 'xyz w'], ['abd', 'xyzw']);
    expect(both.statistics).toEqual(a.map((v, i) => v + b[i]));
    expect(both.score).toBeCloseTo(chrfFromStatistics(both.statistics), 12);
  });

  it('does not count hypothesis n-grams of an order the reference lacks (sacrebleu)', () => {
    // s1 "abcd" vs "ab": 1-grams (4,2,2), 2-grams (3,1,1), 3-grams: ref has none -> (0,0,0), not (2,0,0)
    // s2 "xyz" vs "xyz": (3,3,3), (2,2,2), (1,1,1)
    // sums: (7,5,5) (5,3,3) (1,1,1); P = (5/7 + 3/5 + 1)/3 = 27/35, R = 1; F2 = 5PR/(4P+R) = 135/143
    const s = corpusChrf(['abcd', 'xyz'], ['ab', 'xyz']);
    expect(s.statistics.slice(0, 12)).toEqual([7, 5, 5, 5, 3, 3, 1, 1, 1, 0, 0, 0]);
    expect(s.score).toBeCloseTo((100 * 135) / 143, 10);
  });

  it('is 100 for a perfect match and 0 for an empty or disjoint hypothesis', () => {
    expect(corpusChrf(['Guten Morgen, Welt!'], ['Guten Morgen, Welt!']).score).toBeCloseTo(100, 10);
    expect(corpusChrf([''], ['Guten Morgen']).score).toBe(0);
    expect(corpusChrf(['xyz'], ['abc']).score).toBe(0);
  });
});

describe('chrF: published sacrebleu values', () => {
  it('README example: chrF2 = 59.73 with two references', () => {
    expect(corpusChrf(README_HYPS, README_REFS).score.toFixed(2)).toBe('59.73');
  });

  it('test_chrf.py, eps smoothing, beta 3', () => {
    const cases: [string[], string[], number][] = [
      [['abcdefg'], ['hijklmnop'], 0.0],
      [['a'], ['b'], 0.0],
      [[''], ['b'], 0.0],
      [[''], ['ref'], 0.0],
      [[''], ['reference'], 0.0],
      [['aa'], ['ab'], 8.3333],
      [['a', 'b'], ['a', 'c'], 8.3333],
      [['a'], ['a'], 16.6667],
      [['a b c'], ['a b c'], 50.0],
      [['a b c'], ['abc'], 50.0],
      [
        [' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'],
        ['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .'],
        63.36173,
      ],
      [
        [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
        ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
        64.1302698,
      ],
      [['Niemand hat die Absicht, eine Mauer zu errichten'], ['Niemand hat die Absicht, eine Mauer zu errichten'], 100.0],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(corpusChrf(h, r, { beta: 3, epsSmoothing: true }).score - expected)).toBeLessThan(1e-4);
    }
  });

  it('test_chrf.py, effective order (default smoothing), beta 3', () => {
    const cases: [string[], string[], number][] = [
      [['a'], ['a'], 100.0],
      [[''], ['reference'], 0.0],
      [['a b c'], ['a b c'], 100.0],
      [['a b c'], ['abc'], 100.0],
      [[''], ['c'], 0.0],
      [['a', 'b'], ['a', 'c'], 50.0],
      [['aa'], ['ab'], 25.0],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(corpusChrf(h, r, { beta: 3 }).score - expected)).toBeLessThan(1e-4);
    }
  });

  it('test_chrf.py, keeping whitespace, beta 3', () => {
    const cases: [string, string, number][] = [
      [
        'Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
        'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
        67.3481606,
      ],
      [
        'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
        'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
        65.2414427,
      ],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(corpusChrf([h], [r], { beta: 3, whitespace: true }).score - expected)).toBeLessThan(1e-4);
    }
  });

  it('test_chrf.py sentence level, eps smoothing, beta 2', () => {
    const cases: [string, string, number][] = [
      [
        'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
        'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.',
        39.14078509,
      ],
      [
        'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
        'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.',
        31.22557079,
      ],
      [
        'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
        'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.',
        57.15704367,
      ],
    ];
    for (const [h, r, expected] of cases) {
      expect(Math.abs(sentenceChrf(h, [r], { epsSmoothing: true }).score - expected)).toBeLessThan(1e-4);
    }
  });
});
