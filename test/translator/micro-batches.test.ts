import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { batchLoss, type Weights } from '../../models/translator/network.ts';
import { autoBatchTokens, batchGradients, microBatches, paddedTokens } from '../../training/translator/micro-batches.ts';

beforeAll(async () => {
  await initBackend();
});

describe('micro-batches', () => {
  const src = [[4, 5, 6, 2], [7, 2], [8, 9, 2], [4, 4, 4, 4, 4, 2], [5, 2]];
  const tgt = [[10, 11], [12, 13, 14], [10], [11, 12], [13, 13, 13, 13]];

  it('splits into the fewest equal parts under the token budget', () => {
    // 5 sentences x (6 + 4 + 1) = 55 padded tokens
    expect(paddedTokens(src, tgt)).toBe(55);
    expect(microBatches(src, tgt, 0)).toEqual([[0, 5]]);
    expect(microBatches(src, tgt, 55)).toEqual([[0, 5]]);
    expect(microBatches(src, tgt, 54)).toEqual([[0, 2], [2, 5]]);
    // parts are padded to their own longest: [0, 2) is 2 x (4 + 3 + 1) = 16, but with 3 or 4
    // parts the last, [3, 5), is 2 x (6 + 4 + 1) = 22 > 20
    expect(microBatches(src, tgt, 33)).toEqual([[0, 2], [2, 5]]);
    expect(microBatches(src, tgt, 20)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
    expect(microBatches(src, tgt, 22)).toEqual([[0, 1], [1, 3], [3, 5]]);
    // never below one sentence per part
    expect(microBatches(src, tgt, 1)).toHaveLength(5);
    // by default only models deeper than the shipped 1+1 layers split their batches
    expect(autoBatchTokens({ encoderLayers: 1, decoderLayers: 1 })).toBe(0);
    expect(autoBatchTokens({ encoderLayers: 2, decoderLayers: 1 })).toBeGreaterThan(0);
    expect(autoBatchTokens({ encoderLayers: 1, decoderLayers: 2 })).toBeGreaterThan(0);
  });

  it('accumulated gradients and loss equal the whole batch\'s', () => {
    const tok = WordTokenizer.train(['a b c d e f g h i j k'], ['en', 'xx']);
    const m = Translator.build({ languages: ['en', 'xx'], embedDim: 6, encoderUnits: 5, decoderUnits: 7, encoderLayers: 2, dropout: 0, labelSmoothing: 0.1, seed: 5 }, tok);
    const vars = Object.values(m.weights);
    const w = m.weights as Weights;
    const { value, grads: whole } = tf.variableGrads(() => batchLoss(w, m.config, src, tgt, true), vars);
    for (const budget of [30, 20]) {
      const { loss, grads } = batchGradients(w, m.config, vars, src, tgt, budget);
      expect(loss).toBeCloseTo(value.dataSync()[0], 5);
      for (const v of vars) {
        const a = whole[v.name].dataSync();
        const b = grads[v.name].dataSync();
        let maxDiff = 0;
        let maxAbs = 0;
        for (let i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
          maxAbs = Math.max(maxAbs, Math.abs(a[i]));
        }
        expect(maxDiff).toBeLessThan(1e-5 + 1e-4 * maxAbs);
      }
      tf.dispose(Object.values(grads));
    }
    tf.dispose([value, ...Object.values(whole)]);
    m.dispose();
  });
});
