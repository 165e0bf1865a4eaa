import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { lstmSequence } from '../../models/common/lstm-sequence.ts';

beforeAll(async () => {
  await initBackend();
});

/** The textbook loop, differentiated by tfjs's tape: the reference the fused op must match. */
function referenceLoop(x: tf.Tensor3D, h0: tf.Tensor2D, Us: tf.Tensor2D[]): tf.Tensor3D {
  const [T, N, H4] = x.shape;
  const H = H4 / 4;
  const n = N / Us.length;
  let h: tf.Tensor2D = h0;
  let c: tf.Tensor2D = tf.zeros([N, H]);
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const rec = tf.concat(Us.map((U, g) => tf.matMul(tf.slice(h, [g * n, 0], [n, H]), U)), 0);
    const z = tf.add(tf.squeeze(tf.slice(x, [t, 0, 0], [1, N, H4]), [0]), rec);
    const i = tf.sigmoid(tf.slice(z, [0, 0], [N, H]));
    const f = tf.sigmoid(tf.slice(z, [0, H], [N, H]));
    const o = tf.sigmoid(tf.slice(z, [0, 2 * H], [N, H]));
    const g = tf.tanh(tf.slice(z, [0, 3 * H], [N, H]));
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    h = tf.mul(o, tf.tanh(c));
    hs.push(h);
  }
  return tf.stack(hs) as tf.Tensor3D;
}

function randomInputs(T: number, N: number, H: number, groups: number, seed: number) {
  return {
    x: tf.randomNormal([T, N, 4 * H], 0, 1, 'float32', seed) as tf.Tensor3D,
    h0: tf.randomNormal([N, H], 0, 0.5, 'float32', seed + 1) as tf.Tensor2D,
    Us: Array.from({ length: groups }, (_, g) => tf.randomNormal([H, 4 * H], 0, 0.4, 'float32', seed + 2 + g) as tf.Tensor2D),
  };
}

/** A loss that weighs every output differently, so every gradient entry is exercised. */
function weightedSum(hs: tf.Tensor3D, weights: tf.Tensor3D): tf.Scalar {
  return tf.sum(tf.mul(hs, weights));
}

describe('lstmSequence (fused LSTM layer with hand-written backpropagation through time)', () => {
  it.each([
    [1, 1, 1],
    [5, 3, 1],
    [6, 4, 2],
  ])('T=%i, N=%i, %i row group(s): outputs and gradients equal the tape-differentiated loop', (T, N, groups) => {
    const H = 3;
    const { x, h0, Us } = randomInputs(T, N, H, groups, 11 * T + N);
    const weights = tf.randomNormal([T, N, H], 0, 1, 'float32', 99) as tf.Tensor3D;
    const fused = tf.tidy(() => lstmSequence(x, h0, Us).arraySync());
    const ref = tf.tidy(() => referenceLoop(x, h0, Us).arraySync());
    const flat = (a: unknown) => (a as number[][][]).flat(2);
    flat(fused).forEach((v, k) => expect(v).toBeCloseTo(flat(ref)[k], 5));

    const inputs: tf.Tensor[] = [x, h0, ...Us];
    const gFused = tf.grads((...a: tf.Tensor[]) => weightedSum(lstmSequence(a[0] as tf.Tensor3D, a[1] as tf.Tensor2D, a.slice(2) as tf.Tensor2D[]), weights))(inputs);
    const gRef = tf.grads((...a: tf.Tensor[]) => weightedSum(referenceLoop(a[0] as tf.Tensor3D, a[1] as tf.Tensor2D, a.slice(2) as tf.Tensor2D[]), weights))(inputs);
    expect(gFused.map((g) => g.shape)).toEqual(inputs.map((t) => t.shape));
    for (let k = 0; k < inputs.length; k++) {
      const a = gFused[k].dataSync();
      const b = gRef[k].dataSync();
      let maxAbs = 0;
      for (let j = 0; j < b.length; j++) maxAbs = Math.max(maxAbs, Math.abs(b[j]));
      expect(maxAbs).toBeGreaterThan(1e-3); // a gradient that is really there
      for (let j = 0; j < b.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThan(1e-5 + 1e-4 * maxAbs);
    }
    tf.dispose([...gFused, ...gRef, x, h0, ...Us, weights]);
  });

  it('the gradient matches central finite differences (float64 arithmetic not needed at this size)', () => {
    const T = 4;
    const N = 2;
    const H = 2;
    const { x, h0, Us } = randomInputs(T, N, H, 2, 5);
    const weights = tf.randomNormal([T, N, H], 0, 1, 'float32', 6) as tf.Tensor3D;
    const inputs: tf.Tensor[] = [x, h0, ...Us];
    const loss = (a: tf.Tensor[]) => weightedSum(lstmSequence(a[0] as tf.Tensor3D, a[1] as tf.Tensor2D, a.slice(2) as tf.Tensor2D[]), weights);
    const grads = tf.grads((...a: tf.Tensor[]) => loss(a))(inputs);
    const eps = 1e-2;
    for (let k = 0; k < inputs.length; k++) {
      const base = inputs[k].dataSync().slice();
      const g = grads[k].dataSync();
      for (let j = 0; j < base.length; j += 3) {
        const at = (delta: number) =>
          tf.tidy(() => {
            const moved = base.slice();
            moved[j] += delta;
            const a = inputs.slice();
            a[k] = tf.tensor(moved, inputs[k].shape);
            return loss(a).dataSync()[0];
          });
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        expect(Math.abs(fd - g[j])).toBeLessThan(2e-3 + 0.02 * Math.abs(g[j]));
      }
    }
    tf.dispose([...grads, ...inputs, weights]);
  });

  it('leaves no tensors behind, with or without a gradient taken', () => {
    const { x, h0, Us } = randomInputs(3, 2, 2, 1, 8);
    const U = tf.variable(Us[0]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(lstmSequence(x, h0, [U])), [U]);
      expect(Math.abs(grads[U.name].dataSync()[0])).toBeGreaterThan(0);
      value.dataSync();
      tf.dispose(Object.values(grads));
    });
    expect(tf.memory().numTensors).toBe(before);
    // outside a gradient nothing is saved for backprop: only the output remains
    const y = lstmSequence(x, h0, [U]);
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    tf.dispose([x, h0, ...Us, U]);
  });

  it('rejects rows that do not split among the groups, and a mis-shaped h0', () => {
    const { x, h0, Us } = randomInputs(2, 3, 2, 2, 4);
    expect(() => lstmSequence(x, h0, Us)).toThrow(/3 rows do not split into 2 groups/);
    expect(() => lstmSequence(x, tf.zeros([3, 5]), Us.slice(0, 1))).toThrow(/h0 is \[3,5\]/);
    tf.dispose([x, h0, ...Us]);
  });
});
