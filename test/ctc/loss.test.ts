import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { ctcForwardBackward, ctcLoss, ctcLossPerExample, minFramesFor } from '../../src/ctc/loss.ts';
import { mulberry32 as rng } from '../../src/random.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

function collapse(path: number[], blank: number): number[] {
  const out: number[] = [];
  let prev = -1;
  for (const c of path) {
    if (c !== prev && c !== blank) out.push(c);
    prev = c;
  }
  return out;
}

/** -log sum over every path of length T that collapses to `label`, in float64. */
function bruteForceNll(logits: number[][], label: number[], blank: number): number {
  const T = logits.length;
  const C = logits[0].length;
  const probs = logits.map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
  let total = 0;
  const path = new Array<number>(T).fill(0);
  const visit = (t: number, p: number) => {
    if (t === T) {
      const c = collapse(path, blank);
      if (c.length === label.length && c.every((v, i) => v === label[i])) total += p;
      return;
    }
    for (let c = 0; c < C; c++) {
      path[t] = c;
      visit(t + 1, p * probs[t][c]);
    }
  };
  visit(0, 1);
  return -Math.log(total);
}

function randomLogits(B: number, T: number, C: number, seed: number): number[][][] {
  const r = rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: C }, () => 3 * (r() - 0.5))));
}

describe('ctcLoss', () => {
  it('gives the hand-computed loss and gradient of a two-frame example', () => {
    // label [1] in 2 frames: paths (1,1), (0,1), (1,0) with p_0 = [1/4, 3/4], p_1 = [1/2, 1/2]:
    // P = 3/8 + 1/8 + 3/8 = 7/8. Occupancy of class 1 at t = 0: (3/8 + 3/8) / P = 6/7, at t = 1: (3/8 + 1/8) / P = 4/7.
    const logits = [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)];
    const { nll, grad } = ctcForwardBackward(logits, [1, 2, 2], [[1]], [2]);
    expect(nll[0]).toBeCloseTo(-Math.log(7 / 8), 10);
    const want = [0.25 - 1 / 7, 0.75 - 6 / 7, 0.5 - 3 / 7, 0.5 - 4 / 7];
    want.forEach((g, i) => expect(grad[i]).toBeCloseTo(g, 6));
  });

  it('matches the brute-force sum over alignments, with repeats and variable lengths in one batch', () => {
    const T = 6;
    const C = 4;
    const labels = [[1, 2], [1, 1], [3], [2, 1, 2], [], [1, 1, 2]];
    const lengths = [6, 5, 3, 6, 4, 6];
    const x = randomLogits(labels.length, T, C, 1);
    const got = tf.tidy(() => ctcLossPerExample(tf.tensor3d(x), labels, lengths).arraySync());
    for (let b = 0; b < labels.length; b++) {
      const expected = bruteForceNll(x[b].slice(0, lengths[b]), labels[b], 0);
      expect(got[b]).toBeCloseTo(expected, 4);
    }
    const mean = tf.tidy(() => ctcLoss(tf.tensor3d(x), labels, lengths).arraySync() as number);
    expect(mean).toBeCloseTo(got.reduce((a, b) => a + b, 0) / got.length, 4);
  });

  it('honours a non-zero blank index', () => {
    const x = randomLogits(1, 5, 3, 7);
    const got = tf.tidy(() => ctcLossPerExample(tf.tensor3d(x), [[0, 0]], [5], { blank: 2 }).arraySync());
    expect(got[0]).toBeCloseTo(bruteForceNll(x[0], [0, 0], 2), 4);
    const viaNumber = tf.tidy(() => ctcLoss(tf.tensor3d(x), [[0, 0]], [5], 2).arraySync() as number);
    expect(viaNumber).toBeCloseTo(got[0], 5);
  });

  it('ignores whatever lies in the padding beyond each input length', () => {
    const labels = [[1, 2], [2]];
    const lengths = [4, 3];
    const a = randomLogits(2, 7, 3, 3);
    const b = a.map((ex, i) => ex.map((row, t) => (t >= lengths[i] ? row.map(() => 50 * Math.random() - 25) : row)));
    const la = tf.tidy(() => ctcLoss(tf.tensor3d(a), labels, lengths).arraySync() as number);
    const va = tf.tidy(() => {
      const z = tf.tensor3d(a);
      return tf.grad((q: tf.Tensor) => ctcLoss(q as tf.Tensor3D, labels, lengths))(z).arraySync() as number[][][];
    });
    const vb = tf.tidy(() => {
      const z = tf.tensor3d(b);
      return tf.grad((q: tf.Tensor) => ctcLoss(q as tf.Tensor3D, labels, lengths))(z).arraySync() as number[][][];
    });
    const lb = tf.tidy(() => ctcLoss(tf.tensor3d(b), labels, lengths).arraySync() as number);
    expect(lb).toBeCloseTo(la, 5);
    for (let i = 0; i < 2; i++) {
      for (let t = 0; t < 7; t++) {
        for (let c = 0; c < 3; c++) {
          expect(vb[i][t][c]).toBeCloseTo(va[i][t][c], 5);
          if (t >= lengths[i]) expect(Math.abs(va[i][t][c])).toBe(0);
        }
      }
    }
  });

  it('has the gradient of central finite differences', () => {
    const labels = [[1, 1], [2, 1]];
    const lengths = [5, 4];
    const x = randomLogits(2, 5, 3, 11);
    const analytic = tf.tidy(() => tf.grad((q: tf.Tensor) => ctcLoss(q as tf.Tensor3D, labels, lengths))(tf.tensor3d(x)).arraySync() as number[][][]);
    // The loss in float64 via brute force, so the difference quotient is clean.
    const lossAt = (z: number[][][]) => z.reduce((s, ex, b) => s + bruteForceNll(ex.slice(0, lengths[b]), labels[b], 0), 0) / z.length;
    const h = 1e-4;
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 5; t++) {
        for (let c = 0; c < 3; c++) {
          const plus = structuredClone(x);
          const minus = structuredClone(x);
          plus[b][t][c] += h;
          minus[b][t][c] -= h;
          const numeric = (lossAt(plus) - lossAt(minus)) / (2 * h);
          expect(Math.abs(analytic[b][t][c] - numeric)).toBeLessThan(2e-4);
        }
      }
    }
  });

  it('gives the same gradient whether fed logits or log-probabilities (log-softmax is idempotent)', () => {
    const x = randomLogits(1, 4, 3, 5);
    const viaLogits = tf.tidy(() => tf.grad((q: tf.Tensor) => ctcLoss(q as tf.Tensor3D, [[1, 2]], [4]))(tf.tensor3d(x)).arraySync() as number[][][]);
    const viaLogProbs = tf.tidy(() =>
      tf.grad((q: tf.Tensor) => ctcLoss(tf.logSoftmax(q) as tf.Tensor3D, [[1, 2]], [4]))(tf.tensor3d(x)).arraySync() as number[][][],
    );
    for (let t = 0; t < 4; t++) for (let c = 0; c < 3; c++) expect(viaLogProbs[0][t][c]).toBeCloseTo(viaLogits[0][t][c], 5);
  });

  it('gives impossible alignments a finite loss (or zero) and a zero gradient, never NaN', () => {
    expect(minFramesFor([1, 1, 2])).toBe(4);
    const x = randomLogits(3, 4, 3, 9);
    const labels = [[1, 1, 1], [1, 2, 1, 2, 1], [1]]; // needs 5 frames; longer than input; possible
    const lengths = [4, 4, 4];
    const { loss, grad } = tf.tidy(() => {
      const z = tf.tensor3d(x);
      const g = tf.grad((q: tf.Tensor) => tf.sum(ctcLossPerExample(q as tf.Tensor3D, labels, lengths)))(z);
      return { loss: ctcLossPerExample(z, labels, lengths).arraySync(), grad: g.arraySync() as number[][][] };
    });
    expect(loss[0]).toBe(1e4);
    expect(loss[1]).toBe(1e4);
    expect(loss[2]).toBeCloseTo(bruteForceNll(x[2], [1], 0), 4);
    for (const v of grad[0].flat().concat(grad[1].flat())) expect(Math.abs(v)).toBe(0);
    for (const v of grad.flat(2)) expect(Number.isFinite(v)).toBe(true);
    const zeroed = tf.tidy(() => ctcLossPerExample(tf.tensor3d(x), labels, lengths, { zeroInfinity: true }).arraySync());
    expect(zeroed[0]).toBe(0);
    expect(zeroed[2]).toBeCloseTo(loss[2], 5);
  });

  it('does not leak tensors', () => {
    const x = tf.tensor3d(randomLogits(2, 6, 4, 2));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grad((q: tf.Tensor) => ctcLoss(q as tf.Tensor3D, [[1], [2, 3]], [6, 5]))(x);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
