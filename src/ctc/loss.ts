/**
 * Connectionist Temporal Classification loss (Graves et al. 2006), which tfjs lacks.
 *
 * The forward-backward recursions run in log space over the "extended" label
 * (blank, l1, blank, l2, ..., blank; S = 2L + 1 states), batched over B and
 * vectorised over the S states with tfjs ops; only time is a JS loop.
 *
 * The loss takes RAW LOGITS [B, T, C] and applies log-softmax itself, and the
 * gradient is taken against those logits:
 *
 *     dLoss_b / dz_{b,t,c} = softmax(z)_{b,t,c} - (1 / p_b) * sum_{s : ext_s = c} alpha_t(s) beta_t(s)
 *
 * (alpha includes the emission at t, beta excludes it), which is the numerically
 * clean form: no division by a tiny softmax output. The gradient is zero on
 * frames past an example's input length, so padding content never matters.
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

/** Stands for log 0; finite so that logsumexp and masks never produce inf - inf. */
const LOG_ZERO = -1e30;
const DEFAULT_IMPOSSIBLE_LOSS = 1e4;

/** The fewest frames that can emit `label`: one each, plus a blank between equal neighbours. */
export function minFramesFor(label: ArrayLike<number>): number {
  let n = label.length;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) n++;
  return n;
}

interface Prepared {
  B: number;
  T: number;
  C: number;
  S: number;
  /** [B, S, C] one-hot of the extended labels (rows past S_b are zero). */
  oneHot: Float32Array;
  /** The same, [B, C, S]: WASM's matMul with a transpose flag is 10x slower than without. */
  oneHotT: Float32Array;
  /** [B, S] 0 where the state exists, LOG_ZERO past S_b. */
  stateMask: Float32Array;
  /** [B, S] 0 where the skip s-2 -> s is allowed, LOG_ZERO elsewhere. */
  skipIn: Float32Array;
  /** [B, S] 0 where the skip s -> s+2 is allowed (the same transitions seen from the source). */
  skipOut: Float32Array;
  /** [B, S] 0 on the two accepting states (S_b - 1, S_b - 2), LOG_ZERO elsewhere. */
  finalMask: Float32Array;
  /** [B, T] 1 for frames inside the input length. */
  timeMask: Float32Array;
  inputLengths: number[];
  feasible: boolean[];
}

function prepare(shape: number[], labels: ArrayLike<number>[], inputLengths: number[], blank: number): Prepared {
  const [B, T, C] = shape;
  if (labels.length !== B || inputLengths.length !== B) {
    throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: batch of ${B} but ${labels.length} labels and ${inputLengths.length} input lengths`);
  }
  if (blank < 0 || blank >= C) throw new BabelfishError('BAD_ARGUMENT', `ctcLoss: blank ${blank} outside 0..${C - 1}`);
  const feasible: boolean[] = [];
  const used: ArrayLike<number>[] = [];
  let maxL = 0;
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
    const ok = len > 0 && minFramesFor(labels[b]) <= len;
    feasible.push(ok);
    // An impossible example is run with an empty label, so its numbers stay tame; its result is replaced.
    used.push(ok ? labels[b] : []);
    maxL = Math.max(maxL, ok ? labels[b].length : 0);
  }
  const S = 2 * maxL + 1;
  const oneHot = new Float32Array(B * S * C);
  const oneHotT = new Float32Array(B * C * S);
  const stateMask = new Float32Array(B * S).fill(LOG_ZERO);
  const skipIn = new Float32Array(B * S).fill(LOG_ZERO);
  const skipOut = new Float32Array(B * S).fill(LOG_ZERO);
  const finalMask = new Float32Array(B * S).fill(LOG_ZERO);
  const timeMask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const lab = used[b];
    const Sb = 2 * lab.length + 1;
    const ext = (s: number) => (s % 2 === 0 ? blank : lab[(s - 1) >> 1]);
    for (let s = 0; s < Sb; s++) {
      oneHot[(b * S + s) * C + ext(s)] = 1;
      oneHotT[(b * C + ext(s)) * S + s] = 1;
      stateMask[b * S + s] = 0;
      if (s >= 2 && s % 2 === 1 && ext(s) !== ext(s - 2)) {
        skipIn[b * S + s] = 0;
        skipOut[b * S + s - 2] = 0;
      }
    }
    finalMask[b * S + Sb - 1] = 0;
    if (Sb >= 2) finalMask[b * S + Sb - 2] = 0;
    for (let t = 0; t < inputLengths[b]; t++) timeMask[b * T + t] = 1;
  }
  return { B, T, C, S, oneHot, oneHotT, stateMask, skipIn, skipOut, finalMask, timeMask, inputLengths, feasible };
}

/** Shifts [B, S] right by k states along S, filling with log 0. */
function shiftRight(x: tf.Tensor2D, k: number): tf.Tensor2D {
  const [B, S] = x.shape;
  if (k >= S) return tf.fill([B, S], LOG_ZERO) as tf.Tensor2D;
  return tf.concat([tf.fill([B, k], LOG_ZERO), tf.slice(x, [0, 0], [B, S - k])], 1) as tf.Tensor2D;
}

function shiftLeft(x: tf.Tensor2D, k: number): tf.Tensor2D {
  const [B, S] = x.shape;
  if (k >= S) return tf.fill([B, S], LOG_ZERO) as tf.Tensor2D;
  return tf.concat([tf.slice(x, [0, k], [B, S - k]), tf.fill([B, k], LOG_ZERO)], 1) as tf.Tensor2D;
}

function logSumExp3(a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
  const m = tf.maximum(tf.maximum(a, b), c);
  const sum = tf.addN([tf.exp(tf.sub(a, m)), tf.exp(tf.sub(b, m)), tf.exp(tf.sub(c, m))]);
  return tf.add(m, tf.log(sum)) as tf.Tensor2D;
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
  const blank = options.blank ?? 0;
  const p = prepare(logits.shape, labels, inputLengths, blank);
  const { B, T, C, S } = p;
  const impossible = options.zeroInfinity ? 0 : (options.impossibleLoss ?? DEFAULT_IMPOSSIBLE_LOSS);
  const feasibleVec = p.feasible.map((f) => (f ? 1 : 0));

  const f = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
    const logProbs = tf.logSoftmax(z as tf.Tensor3D) as tf.Tensor3D;
    const oneHotT = tf.tensor3d(p.oneHotT, [B, C, S]);
    // Emission log-probabilities of every extended-label state: [B, T, S].
    // A one-hot matMul is an exact gather here (log-softmax outputs are finite).
    const emit = tf.add(tf.matMul(logProbs, oneHotT), tf.tensor2d(p.stateMask, [B, S]).expandDims(1)) as tf.Tensor3D;
    const emitT = tf.unstack(emit, 1) as tf.Tensor2D[];
    const skipIn = tf.tensor2d(p.skipIn, [B, S]);
    const timeCols = tf.unstack(tf.tensor2d(p.timeMask, [B, T]).expandDims(2).cast('bool'), 1) as tf.Tensor2D[];

    // alpha_0: start in the first blank or the first label.
    const init = new Float32Array(B * S).fill(LOG_ZERO);
    for (let b = 0; b < B; b++) {
      init[b * S] = 0;
      if (S > 1) init[b * S + 1] = 0;
    }
    const alphas: tf.Tensor2D[] = [];
    let alpha = tf.add(tf.tensor2d(init, [B, S]), emitT[0]) as tf.Tensor2D;
    alphas.push(alpha);
    for (let t = 1; t < T; t++) {
      const next = tf.tidy(() => {
        const stepped = tf.add(logSumExp3(alpha, shiftRight(alpha, 1), tf.add(shiftRight(alpha, 2), skipIn) as tf.Tensor2D), emitT[t]);
        // Past the input length alpha stays put, so alpha_{T-1} = alpha_{len-1}.
        return tf.maximum(tf.where(timeCols[t], stepped, alpha), LOG_ZERO) as tf.Tensor2D;
      });
      alphas.push(next);
      alpha = next;
    }
    const final = tf.add(alpha, tf.tensor2d(p.finalMask, [B, S]));
    const logLik = tf.logSumExp(final, 1) as tf.Tensor1D;
    const feasible = tf.tensor1d(feasibleVec);
    const loss = tf.add(tf.mul(tf.neg(logLik), feasible), tf.mul(tf.sub(1, feasible), impossible)) as tf.Tensor1D;
    save([logProbs, emit, tf.stack(alphas, 1), logLik]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedLogProbs, savedEmit, alphaAll, savedLogLik] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor1D];
        return tf.tidy(() => backward(p, savedLogProbs, savedEmit, alphaAll, savedLogLik, feasibleVec, dy as tf.Tensor1D));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Tensor1D;
}

/** The beta recursion and the gradient with respect to the logits. */
function backward(
  p: Prepared,
  logProbs: tf.Tensor3D,
  emit: tf.Tensor3D,
  alphaAll: tf.Tensor3D,
  logLik: tf.Tensor1D,
  feasibleVec: number[],
  dy: tf.Tensor1D,
): tf.Tensor3D {
  const { B, T, C, S } = p;
  const emitT = tf.unstack(emit, 1) as tf.Tensor2D[];
  const skipOut = tf.tensor2d(p.skipOut, [B, S]);
  const finalMask = tf.tensor2d(p.finalMask, [B, S]);
  // beta_t(s): log-probability of emitting the rest of the label after frame t from state s.
  // For t >= len-1 it is the accepting-state indicator.
  const lastFrame = p.inputLengths.map((n) => n - 1);
  const betas: tf.Tensor2D[] = new Array(T);
  let beta = finalMask as tf.Tensor2D;
  betas[T - 1] = beta;
  for (let t = T - 2; t >= 0; t--) {
    const atOrPastEnd = tf.tensor2d(lastFrame.map((l) => (t >= l ? 1 : 0)), [B, 1]).cast('bool');
    const withEmit = tf.add(beta, emitT[t + 1]) as tf.Tensor2D;
    const stepped = logSumExp3(withEmit, shiftLeft(withEmit, 1), tf.add(shiftLeft(withEmit, 2), skipOut) as tf.Tensor2D);
    beta = tf.maximum(tf.where(atOrPastEnd, finalMask, stepped), LOG_ZERO) as tf.Tensor2D;
    betas[t] = beta;
  }
  const betaAll = tf.stack(betas, 1) as tf.Tensor3D;
  // Occupancy of each state at each frame, divided by p: [B, T, S].
  const occ = tf.exp(tf.sub(tf.add(alphaAll, betaAll), logLik.reshape([B, 1, 1])));
  const perClass = tf.matMul(occ, tf.tensor3d(p.oneHot, [B, S, C])) as tf.Tensor3D;
  const weight = tf.mul(tf.tensor2d(p.timeMask, [B, T]), tf.tensor1d(feasibleVec).reshape([B, 1])).reshape([B, T, 1]);
  const grad = tf.mul(tf.sub(tf.exp(logProbs), perClass), weight);
  return tf.mul(grad, dy.reshape([B, 1, 1])) as tf.Tensor3D;
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
