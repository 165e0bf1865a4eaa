/**
 * Connectionist Temporal Classification loss (Graves et al. 2006), which tfjs lacks.
 *
 * The forward-backward recursions run in log space over the "extended" label
 * (blank, l1, blank, l2, ..., blank; S = 2L + 1 states), one example at a time, in plain
 * float64 loops over the logits read back from the backend. A state update is a handful of
 * flops: as tfjs ops, every frame cost a dozen kernel calls on [B, S] tensors, and the loss
 * took a sixth of a speech-encoder training step; as loops it is a few milliseconds.
 *
 * The loss takes RAW LOGITS [B, T, C] and applies log-softmax itself, and the
 * gradient is taken against those logits:
 *
 *     dLoss_b / dz_{b,t,c} = softmax(z)_{b,t,c} - (1 / p_b) * sum_{s : ext_s = c} alpha_t(s) beta_t(s)
 *
 * (alpha includes the emission at t, beta excludes it), which is the numerically
 * clean form: no division by a tiny softmax output. It is computed with the loss, in the
 * same pass, and kept for the backward pass. The gradient is zero on frames past an
 * example's input length, so padding content never matters.
 *
 * An alignment is impossible when the input is shorter than the label plus one
 * blank between each pair of equal neighbours; such examples get the finite loss
 * `impossibleLoss` (or 0 with `zeroInfinity`) and a zero gradient, never NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { BabelfishError } from '../errors.ts';

export interface CtcLossOptions {
  /** Index of the blank symbol; 0 by default. */
  blank?: number;
  /** Report 0 (instead of `impossibleLoss`) for examples no alignment can explain. */
  zeroInfinity?: boolean;
  /** The finite stand-in for -log 0. */
  impossibleLoss?: number;
}

const DEFAULT_IMPOSSIBLE_LOSS = 1e4;

/** The fewest frames that can emit `label`: one each, plus a blank between equal neighbours. */
export function minFramesFor(label: ArrayLike<number>): number {
  let n = label.length;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) n++;
  return n;
}

function checkArguments(shape: number[], labels: ArrayLike<number>[], inputLengths: number[], blank: number): void {
  const [B, T, C] = shape;
  if (labels.length !== B || inputLengths.length !== B) {
    throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: batch of ${B} but ${labels.length} labels and ${inputLengths.length} input lengths`);
  }
  if (blank < 0 || blank >= C) throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: blank ${blank} outside 0..${C - 1}`);
  for (let b = 0; b < B; b++) {
    const len = inputLengths[b];
    if (!Number.isInteger(len) || len < 0 || len > T) {
      throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: input length ${len} of example ${b} outside 0..${T}`);
    }
    for (let i = 0; i < labels[b].length; i++) {
      const c = labels[b][i];
      if (!Number.isInteger(c) || c < 0 || c >= C || c === blank) {
        throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: label ${c} in example ${b} is not a non-blank class of 0..${C - 1}`);
      }
    }
  }
}

/** log(e^a + e^b) that is exact when either is -Infinity. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

export interface CtcResult {
  /** [B] negative log-likelihoods (NaN-free; impossible examples get `impossibleLoss`). */
  nll: Float64Array;
  /** [B, T, C] gradient of each example's loss with respect to its logits. */
  grad: Float32Array;
}

/**
 * The CTC loss and its gradient for a batch of logits laid out [B, T, C], as plain arrays
 * (no tensors: the math apart from the backend, and testable on its own).
 */
export function ctcForwardBackward(
  logits: ArrayLike<number>,
  shape: [number, number, number],
  labels: ArrayLike<number>[],
  inputLengths: number[],
  options: CtcLossOptions = {},
): CtcResult {
  const blank = options.blank ?? 0;
  checkArguments(shape, labels, inputLengths, blank);
  const [B, T, C] = shape;
  const impossible = options.zeroInfinity ? 0 : (options.impossibleLoss ?? DEFAULT_IMPOSSIBLE_LOSS);
  const nll = new Float64Array(B);
  const grad = new Float32Array(B * T * C);
  let maxS = 1;
  for (const l of labels) maxS = Math.max(maxS, 2 * l.length + 1);
  const logProbs = new Float64Array(T * C);
  const alpha = new Float64Array(T * maxS);
  const beta = new Float64Array(T * maxS);
  const ext = new Int32Array(maxS);
  const skip = new Uint8Array(maxS); // skip[s]: the transition s - 2 -> s is allowed

  for (let b = 0; b < B; b++) {
    const label = labels[b];
    const len = inputLengths[b];
    if (len === 0 || minFramesFor(label) > len) {
      nll[b] = impossible;
      continue;
    }
    const S = 2 * label.length + 1;
    for (let s = 0; s < S; s++) {
      ext[s] = s % 2 === 0 ? blank : label[(s - 1) >> 1];
      skip[s] = s >= 2 && s % 2 === 1 && ext[s] !== ext[s - 2] ? 1 : 0;
    }
    // log-softmax of the valid frames
    const base = b * T * C;
    for (let t = 0; t < len; t++) {
      const o = base + t * C;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, logits[o + c]);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c] - m);
      const lse = m + Math.log(sum);
      for (let c = 0; c < C; c++) logProbs[t * C + c] = logits[o + c] - lse;
    }
    // alpha_t(s): log-probability of the label's first states ending in s at frame t, emission included
    alpha.fill(-Infinity, 0, len * S);
    alpha[0] = logProbs[ext[0]];
    if (S > 1) alpha[1] = logProbs[ext[1]];
    for (let t = 1; t < len; t++) {
      const prev = (t - 1) * S;
      const cur = t * S;
      for (let s = 0; s < S; s++) {
        let a = alpha[prev + s];
        if (s >= 1) a = logAdd(a, alpha[prev + s - 1]);
        if (skip[s]) a = logAdd(a, alpha[prev + s - 2]);
        alpha[cur + s] = a === -Infinity ? a : a + logProbs[t * C + ext[s]];
      }
    }
    const last = (len - 1) * S;
    const logLik = S > 1 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
    nll[b] = -logLik;
    // beta_t(s): log-probability of emitting the rest after frame t from state s, emission at t excluded
    beta.fill(-Infinity, 0, len * S);
    beta[last + S - 1] = 0;
    if (S > 1) beta[last + S - 2] = 0;
    for (let t = len - 2; t >= 0; t--) {
      const next = (t + 1) * S;
      const cur = t * S;
      const lp = (t + 1) * C;
      for (let s = 0; s < S; s++) {
        let v = beta[next + s] + logProbs[lp + ext[s]];
        if (s + 1 < S) v = logAdd(v, beta[next + s + 1] + logProbs[lp + ext[s + 1]]);
        if (s + 2 < S && skip[s + 2]) v = logAdd(v, beta[next + s + 2] + logProbs[lp + ext[s + 2]]);
        beta[cur + s] = v;
      }
    }
    // gradient: softmax minus the posterior occupancy of each class
    for (let t = 0; t < len; t++) {
      const o = base + t * C;
      for (let c = 0; c < C; c++) grad[o + c] = Math.exp(logProbs[t * C + c]);
      for (let s = 0; s < S; s++) {
        const occ = alpha[t * S + s] + beta[t * S + s] - logLik;
        if (occ > -Infinity) grad[o + ext[s]] -= Math.exp(occ);
      }
    }
  }
  return { nll, grad };
}

/**
 * Per-example CTC negative log-likelihood, a [B] vector, differentiable with respect to `logits`.
 *
 * @param logits       [B, T, C] unnormalised scores (log-softmax is applied inside).
 * @param labels       B label sequences (no blanks), any lengths.
 * @param inputLengths valid frames per example (<= T); frames past it are ignored.
 * @param optionsOrBlank options, or just the blank index.
 */
export function ctcLossPerExample(
  logits: tf.Tensor3D,
  labels: ArrayLike<number>[],
  inputLengths: number[],
  optionsOrBlank: CtcLossOptions | number = {},
): tf.Tensor1D {
  const options = typeof optionsOrBlank === 'number' ? { blank: optionsOrBlank } : optionsOrBlank;
  const [B, T, C] = logits.shape;
  const f = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
    const { nll, grad } = ctcForwardBackward(z.dataSync(), [B, T, C], labels, inputLengths, options);
    save([tf.tensor3d(grad, [B, T, C])]);
    return {
      value: tf.tensor1d(Float32Array.from(nll)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], dy.reshape([B, 1, 1])),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Tensor1D;
}

/** Mean over the batch of the per-example CTC negative log-likelihood. */
export function ctcLoss(
  logits: tf.Tensor3D,
  labels: ArrayLike<number>[],
  inputLengths: number[],
  options: CtcLossOptions | number = {},
): tf.Scalar {
  return tf.tidy(() => tf.mean(ctcLossPerExample(logits, labels, inputLengths, options)) as tf.Scalar);
}
