/**
 * One training step of the synthesizer on a batch, with durations found by Monotonic
 * Alignment Search against the model's own per-character prior (see models/synthesizer/alignment.ts).
 *
 * Loss = L1(decoder mel, target) + prior loss (Gaussian NLL of the target frames under the
 * aligned per-character means, unit variance: what makes MAS alignments meaningful)
 * + MSE(log(1 + duration) predicted, from MAS). All in normalised mel space.
 */
import * as tf from '@tensorflow/tfjs';
import type { Synthesizer } from '../../models/synthesizer/model.ts';
import { decode, decoderBookkeeping, encode, gatherRows, FRAME_FEATURES, type Weights } from '../../models/synthesizer/network.ts';
import { monotonicAlignment } from '../../models/synthesizer/alignment.ts';
import type { Adam } from '../common/adam.ts';

/** One utterance ready for training: symbol ids and its normalised mel [frames x bins]. */
export interface TrainItem {
  id: string;
  ids: number[];
  lang: number;
  voice: number;
  mel: Float32Array;
  frames: number;
}

export interface StepResult {
  loss: number;
  melLoss: number;
  priorLoss: number;
  durLoss: number;
  gradNorm: number;
  frames: number;
}

interface Padded {
  ids: tf.Tensor2D;
  lang: tf.Tensor1D;
  voice: tf.Tensor1D;
  mel: tf.Tensor3D;
  N: number;
  T: number;
}

function pad(items: TrainItem[], bins: number): Padded {
  const B = items.length;
  const N = Math.max(1, ...items.map((x) => x.ids.length));
  const T = Math.max(1, ...items.map((x) => x.frames));
  const ids = new Int32Array(B * N);
  const mel = new Float32Array(B * T * bins);
  items.forEach((x, b) => {
    ids.set(x.ids, b * N);
    mel.set(x.mel.subarray(0, x.frames * bins), b * T * bins);
  });
  return {
    ids: tf.tensor2d(ids, [B, N], 'int32'),
    lang: tf.tensor1d(items.map((x) => x.lang), 'int32'),
    voice: tf.tensor1d(items.map((x) => x.voice), 'int32'),
    mel: tf.tensor3d(mel, [B, T, bins]),
    N,
    T,
  };
}

/** MAS durations of each item under the model's current prior. */
export function alignBatch(model: Synthesizer, items: TrainItem[]): number[][] {
  const bins = model.config.numMels;
  const p = pad(items, bins);
  const logp = tf.tidy(() => {
    const enc = encode(model.weights as Weights, model.config, p);
    // -0.5 ||x_t - mu_i||^2 = mu_i . x_t - 0.5 |mu_i|^2 - 0.5 |x_t|^2, one batched matMul.
    const cross = tf.matMul(enc.prior, p.mel, false, true); // [B, N, T]
    const mu2 = tf.sum(tf.square(enc.prior), -1, true); // [B, N, 1]
    const x2 = tf.sum(tf.square(p.mel), -1).expandDims(1); // [B, 1, T]
    return tf.sub(cross, tf.mul(tf.add(mu2, x2), 0.5));
  });
  const flat = logp.dataSync() as Float32Array;
  tf.dispose([logp, p.ids, p.lang, p.voice, p.mel]);
  return items.map((x, b) => {
    const n = x.ids.length;
    const sub = new Float32Array(n * x.frames);
    for (let i = 0; i < n; i++) sub.set(flat.subarray((b * p.N + i) * p.T, (b * p.N + i) * p.T + x.frames), i * x.frames);
    return monotonicAlignment(sub, n, x.frames);
  });
}

/** Loss terms of a batch with given durations; the scalar tensors are for variableGrads. */
export function batchLoss(model: Synthesizer, items: TrainItem[], durations: number[][]) {
  const bins = model.config.numMels;
  const p = pad(items, bins);
  const book = decoderBookkeeping(durations, p.N);
  const B = items.length;
  // Durations sum to each item's frame count, so the padded frame axis is the mel's.
  const T = book.maxFrames;
  const gather = book.gather;
  const frameFeatures = tf.tensor3d(book.frameFeatures, [B, T, FRAME_FEATURES]);
  const frameMask = tf.tensor3d(book.frameMask, [B, T, 1]);
  const target = T === p.T ? p.mel : (tf.slice(p.mel, [0, 0, 0], [B, T, bins]) as tf.Tensor3D);
  const logDurTarget = new Float32Array(B * p.N);
  durations.forEach((d, b) => d.forEach((v, i) => (logDurTarget[b * p.N + i] = Math.log1p(v))));
  const durTarget = tf.tensor2d(logDurTarget, [B, p.N]);
  const nFrames = book.frames.reduce((a, c) => a + c, 0);
  const nTokens = items.reduce((a, x) => a + x.ids.length, 0);
  const inputs = [frameFeatures, frameMask, durTarget, p.ids, p.lang, p.voice, p.mel];
  const compute = () => {
    const enc = encode(model.weights as Weights, model.config, p);
    const mu = gatherRows(enc.prior.reshape([B * p.N, bins]) as tf.Tensor2D, gather).reshape([B, T, bins]);
    const priorLoss = tf.div(tf.sum(tf.mul(tf.square(tf.sub(mu, target)), frameMask)), 2 * nFrames * bins) as tf.Scalar;
    const out = decode(model.weights as Weights, model.config, enc.hidden, { gather, frameFeatures, frameMask, voice: p.voice });
    const melLoss = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(out, target)), frameMask)), nFrames * bins) as tf.Scalar;
    const durLoss = tf.div(tf.sum(tf.square(tf.sub(enc.logDuration, durTarget))), nTokens) as tf.Scalar;
    return { melLoss, priorLoss, durLoss, total: tf.addN([melLoss, priorLoss, durLoss]) as tf.Scalar };
  };
  return { compute, dispose: () => tf.dispose(inputs), frames: nFrames };
}

/** Align, then one Adam update. */
export function trainStep(model: Synthesizer, adam: Adam, items: TrainItem[], lr: number, durations?: number[][]): StepResult {
  const durs = durations ?? alignBatch(model, items);
  const batch = batchLoss(model, items, durs);
  let parts: number[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const r = batch.compute();
    parts = [r.melLoss, r.priorLoss, r.durLoss].map((t) => t.dataSync()[0]!);
    return r.total;
  }, Object.values(model.weights));
  const named: Record<string, tf.Tensor> = {};
  const byVar = new Map(Object.entries(model.weights).map(([n, v]) => [v.name, n]));
  for (const [vname, g] of Object.entries(grads)) named[byVar.get(vname) ?? vname] = g;
  const gradNorm = adam.apply(model.weights, named, lr);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  batch.dispose();
  return { loss, melLoss: parts[0]!, priorLoss: parts[1]!, durLoss: parts[2]!, gradNorm, frames: batch.frames };
}

/** Loss of a batch without updating (for dev evaluation). */
export function evalLoss(model: Synthesizer, items: TrainItem[]): Omit<StepResult, 'gradNorm'> {
  const durs = alignBatch(model, items);
  const batch = batchLoss(model, items, durs);
  const r = tf.tidy(() => {
    const x = batch.compute();
    return [x.total, x.melLoss, x.priorLoss, x.durLoss].map((t) => t.dataSync()[0]!);
  });
  batch.dispose();
  return { loss: r[0]!, melLoss: r[1]!, priorLoss: r[2]!, durLoss: r[3]!, frames: batch.frames };
}
