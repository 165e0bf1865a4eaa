import { describe, it, expect } from 'vitest';
import { editDistance, cer, wer } from '../../src/metrics/cer.ts';
import { isBabelfishError } from '../../src/errors.ts';

// Textbook recursion, exponential but independent of the DP.
function bruteDistance(a: string[], b: string[]): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const cost = a[0] === b[0] ? 0 : 1;
  return Math.min(
    bruteDistance(a.slice(1), b.slice(1)) + cost,
    bruteDistance(a.slice(1), b) + 1,
    bruteDistance(a, b.slice(1)) + 1,
  );
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('editDistance', () => {
  it('knows the classic cases', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('flaw', 'lawn')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance(['the', 'cat'], ['the', 'dog', 'sat'])).toBe(2);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(editDistance('😀a', 'a')).toBe(1);
    expect(editDistance('é', 'e')).toBe(1);
  });

  it('agrees with brute-force recursion on random short strings', () => {
    const rand = lcg(7);
    const alphabet = ['a', 'b', 'c'];
    for (let t = 0; t < 300; t++) {
      const a = Array.from({ length: Math.floor(rand() * 7) }, () => alphabet[Math.floor(rand() * 3)]);
      const b = Array.from({ length: Math.floor(rand() * 7) }, () => alphabet[Math.floor(rand() * 3)]);
      expect(editDistance(a, b)).toBe(bruteDistance(a, b));
      expect(editDistance(b, a)).toBe(editDistance(a, b));
    }
  });
});

describe('cer / wer', () => {
  it('divide total edits by total reference length (not a mean of sentence rates)', () => {
    // sentence 1: 1 edit / 4 chars; sentence 2: 0 edits / 12 chars -> 1/16 (a mean would give 1/8)
    expect(cer(['abcx', 'hello world!'], ['abcd', 'hello world!'])).toBeCloseTo(1 / 16, 12);
    // words: "the cat sat" vs "the cat sat down" -> 1 deletion / 4; "a b" vs "a c" -> 1 / 2 => 2/6
    expect(wer(['the cat sat', 'a b'], ['the cat sat down', 'a c'])).toBeCloseTo(2 / 6, 12);
  });

  it('is 0 for perfect output and may exceed 1 with insertions', () => {
    expect(wer(['x y z'], ['x y z'])).toBe(0);
    expect(wer(['a b c d'], ['a'])).toBe(3);
  });

  it('rejects mismatched lengths and all-empty references', () => {
    for (const f of [() => cer(['a'], []), () => wer([''], [''])]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isBabelfishError(e) && e.code).toBe('BAD_ARGUMENT');
      }
    }
  });
});
