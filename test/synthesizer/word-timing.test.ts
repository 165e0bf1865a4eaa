import { describe, it, expect } from 'vitest';
import { wordStartFrames, wordTimingError } from '../../training/synthesizer/word-timing.ts';

describe('word timing check', () => {
  it('finds word start frames from character durations (hand-computed)', () => {
    // ' ', 'h', 'i', ',', ' ', 'y', 'o', 'u', '.'
    expect(wordStartFrames(' hi, you.', [5, 2, 3, 1, 2, 1, 1, 1, 4])).toEqual([5, 13]);
    expect(wordStartFrames(" it's", [1, 1, 1, 1, 1])).toEqual([1]);
  });

  it('averages |ours - espeak| in ms over comparable utterances only', () => {
    const r = wordTimingError([
      // starts at frames 5 and 13 -> 0.0625 s and 0.1425 s
      { text: ' hi, you.', durations: [5, 2, 3, 1, 2, 1, 1, 1, 4], wordStarts: [0.0525, 0.1625] },
      { text: ' a b', durations: [1, 1, 1, 1], wordStarts: [0] }, // word count differs: skipped
      { text: ' a', durations: [1, 1], wordStarts: null },
    ]);
    expect(r.compared).toBe(1);
    expect(r.meanMs).toBeCloseTo((10 + 20) / 2, 6);
  });
});
