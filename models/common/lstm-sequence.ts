/**
 * A whole LSTM layer's recurrence as one differentiable op, with a hand-written
 * backpropagation through time.
 *
 * Why: through tfjs's tape every step of the loop records a dozen ops, and each step's
 * recurrent-weight gradient is its own [H, 4H] matrix (plus two transposes) that the tape
 * then sums. On WASM, where per-op overhead dominates, and in the 4 GB heap, that made the
 * backward pass the bulk of a translator training step (about 0.6 MB of tape per padded
 * token). Here the backward loop carries only dh and dc (about seven small ops per step),
 * the element-wise derivatives are computed for all steps at once, and the recurrent
 * weights' gradient is one matMul over all steps: dU = [h_0 .. h_{T-1}]^T dZ.
 *
 * Rows may be split into equal groups with their own recurrent weights (the bidirectional
 * encoder runs its forward and backward directions as the two halves of one batch).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * One LSTM cell update from gate pre-activations z [N, 4H] (order i, f, o, g) and the previous
 * cell state; also returns the activated gates, sigmoid(i, f, o) and tanh(g), which the
 * backward pass of `lstmSequence` needs.
 */
export function lstmCell(z: tf.Tensor2D, c: tf.Tensor2D, units: number): { h: tf.Tensor2D; c: tf.Tensor2D; ifo: tf.Tensor2D; g: tf.Tensor2D } {
  const [zIfo, zG] = tf.split(z, [3 * units, units], 1);
  const ifo = tf.sigmoid(zIfo) as tf.Tensor2D;
  const g = tf.tanh(zG) as tf.Tensor2D;
  const [i, f, o] = tf.split(ifo, 3, 1);
  const c2 = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
  return { h: tf.mul(o, tf.tanh(c2)) as tf.Tensor2D, c: c2, ifo, g };
}

/**
 * Runs the recurrence h_t, c_t = LSTM(z_t = x_t + h_{t-1} U_group, c_{t-1}) from c_0 = 0.
 * Gate order in the 4H columns: input, forget, output, cell input (i, f, o, g).
 *
 * @param inputs [T, N, 4H] input projections x_t W + b, time-major
 * @param h0 [N, H] initial hidden state
 * @param Us one [H, 4H] recurrent matrix per row group; N must divide evenly among them
 * @returns [T, N, H] hidden states
 */
export function lstmSequence(inputs: tf.Tensor3D, h0: tf.Tensor2D, Us: tf.Tensor2D[]): tf.Tensor3D {
  const [T, N, H4] = inputs.shape;
  const H = H4 / 4;
  const G = Us.length;
  if (G < 1 || N % G !== 0) throw new Error(`lstmSequence: ${N} rows do not split into ${G} groups`);
  if (h0.shape[0] !== N || h0.shape[1] !== H) throw new Error(`lstmSequence: h0 is [${h0.shape}], expected [${N}, ${H}]`);
  const n = N / G;

  /** h [N, H] times each group's matrix, rows kept in order. */
  const recurrent = (h: tf.Tensor2D, mats: tf.Tensor2D[]): tf.Tensor2D =>
    G === 1 ? tf.matMul(h, mats[0]) : tf.concat(mats.map((m, g) => tf.matMul(tf.slice(h, [g * n, 0], [n, h.shape[1]]), m)), 0);

  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [x, hInit, ...mats] = args.slice(0, -1) as [tf.Tensor3D, tf.Tensor2D, ...tf.Tensor2D[]];
    const { hs, acts, cs } = tf.tidy(() => {
      const xs = tf.unstack(x);
      let h = hInit;
      let c: tf.Tensor2D = tf.zeros([N, H]);
      const hList: tf.Tensor2D[] = [];
      const actList: tf.Tensor2D[] = [];
      const cList: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const step = lstmCell(tf.add(xs[t], recurrent(h, mats)), c, H);
        ({ h, c } = step);
        hList.push(h);
        actList.push(tf.concat([step.ifo, step.g], 1) as tf.Tensor2D);
        cList.push(c);
      }
      return { hs: tf.stack(hList) as tf.Tensor3D, acts: tf.stack(actList) as tf.Tensor3D, cs: tf.stack(cList) as tf.Tensor3D };
    });
    save([hInit, ...mats, hs, acts, cs]);
    return { value: hs, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy as tf.Tensor3D, saved) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  function backward(dHs: tf.Tensor3D, saved: tf.Tensor[]): tf.Tensor[] {
    const hInit = saved[0] as tf.Tensor2D;
    const mats = saved.slice(1, 1 + G) as tf.Tensor2D[];
    const [hs, acts, cs] = saved.slice(1 + G) as tf.Tensor3D[];
    return tf.tidy(() => {
      // element-wise derivatives of every step at once: with dc_t the gradient reaching
      // c_t, dz_t = [dc_t, dc_t, dh_t, dc_t] * M_t and dc_{t-1} = dc_t * f_t, where
      // M = [g, c_{t-1}, tanh c_t, i] * [i', f', o', g'] (sigmoid' = s(1 - s), tanh' = 1 - g^2)
      const [i, f, o, g] = tf.split(acts, 4, 2);
      const cPrev = shiftedDown(cs, tf.zeros([1, N, H]));
      const tc = tf.tanh(cs);
      const ifo = tf.slice(acts, [0, 0, 0], [T, N, 3 * H]);
      const deriv = tf.concat([tf.mul(ifo, tf.sub(1, ifo)), tf.sub(1, tf.square(g))], 2);
      const M = tf.unstack(tf.mul(tf.concat([g, cPrev, tc, i], 2), deriv));
      const P = tf.unstack(tf.mul(o, tf.sub(1, tf.square(tc)))); // dh_t -> dc_t
      const F = tf.unstack(f);
      const dOut = tf.unstack(dHs);
      const matsT = mats.map((m) => tf.transpose(m));
      let dhNext: tf.Tensor2D = tf.zeros([N, H]);
      let dcNext: tf.Tensor2D = tf.zeros([N, H]);
      const dz: tf.Tensor2D[] = new Array(T);
      for (let t = T - 1; t >= 0; t--) {
        const dh = tf.add(dOut[t], dhNext);
        const dc = tf.add(dcNext, tf.mul(dh, P[t]));
        dz[t] = tf.mul(tf.concat([dc, dc, dh, dc], 1), M[t]);
        dcNext = tf.mul(dc, F[t]);
        dhNext = recurrent(dz[t], matsT);
      }
      const dInputs = tf.stack(dz) as tf.Tensor3D; // [T, N, 4H]
      // each group's recurrent gradient over all steps in one matMul
      const hPrev = shiftedDown(hs, hInit.expandDims(0) as tf.Tensor3D);
      const dMats = mats.map((_, gi) => {
        const rows = (t: tf.Tensor3D, width: number) => tf.slice(t, [0, gi * n, 0], [T, n, width]).reshape([T * n, width]) as tf.Tensor2D;
        return tf.matMul(tf.transpose(rows(hPrev, H)), rows(dInputs, 4 * H));
      });
      return [dInputs, dhNext, ...dMats];
    });
  }

  return op(inputs, h0, ...Us) as tf.Tensor3D;
}

/** [first, x_0 .. x_{T-2}]: a time-major sequence delayed by one step. */
function shiftedDown(x: tf.Tensor3D, first: tf.Tensor3D): tf.Tensor3D {
  const [T, N, H] = x.shape;
  return T === 1 ? first : tf.concat([first, tf.slice(x, [0, 0, 0], [T - 1, N, H])], 0);
}
