import { describe, it, expect } from 'vitest';
import { batchForStep, lengthBatches } from '../../training/common/length-batches.ts';

describe('lengthBatches', () => {
  it('batches by length within the frame budget and the batch size', () => {
    const utts = [50, 10, 30, 11, 49, 12].map((frames) => ({ frames }));
    const batches = lengthBatches(utts, 40, 3);
    // Sorted 10, 11, 12 | 30 | 49 | 50: 4 x 30 would exceed 40 frames, and so on.
    expect(batches).toEqual([[1, 3, 5], [2], [4], [0]]);
    expect(lengthBatches(utts, 1000, 4)).toEqual([[1, 3, 5, 2], [4, 0]]);
    expect(lengthBatches([], 10, 2)).toEqual([]);
  });
});

describe('batchForStep', () => {
  it('visits every batch once per epoch, and a new order each epoch', () => {
    const epoch = (e: number) => Array.from({ length: 7 }, (_, s) => batchForStep(e * 7 + s, 7, 3));
    expect([...epoch(0)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...epoch(1)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(epoch(0)).not.toEqual(epoch(1));
  });

  it('gives the order running trainings were started with (resume replays it)', () => {
    // Computed by the speech encoder's batchOrder and the synthesizer's batchForStep before they were merged.
    expect(Array.from({ length: 12 }, (_, s) => batchForStep(s, 5, 1))).toEqual([0, 1, 3, 2, 4, 2, 4, 3, 1, 0, 2, 3]);
    expect(Array.from({ length: 8 }, (_, s) => batchForStep(s + 300, 3, 42))).toEqual([1, 0, 2, 1, 0, 2, 1, 2]);
  });
});
