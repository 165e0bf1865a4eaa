/**
 * The WaveNet as plain tfjs functions over named weight tensors: used for teacher-forced
 * parallel training over whole windows, and by the naive generator. The fast generator
 * (fast-generator.ts) runs the same arithmetic sample by sample from the same weights.
 *
 * Weight layout is [in, out] for matMul. The dilated kernel-2 causal conv is written as one
 * matMul over [h(t-d); h(t)] (a shift and a concat) because tfjs has no gradient for dilated
 * conv2d, and because that is exactly the layout the per-sample kernel uses.
 */
import * as tf from '@tensorflow/tfjs';
import { condOffset, type VocoderConfig } from './config.ts';
import { glorotLimit, seededWeights, type WeightShapes } from '../common/init.ts';
import { matMul2d } from '../common/mat-mul.ts';

export type VocoderWeights = Record<string, tf.Tensor>;

/** Every weight's shape, in the stable order of the saved weights file. */
export function weightShapes(c: VocoderConfig): WeightShapes {
  const { quantizationChannels: Q, residualChannels: R, skipChannels: S, headChannels: H, numMels: M, condChannels: C } = c;
  const L = c.dilations.length;
  const shapes: WeightShapes = [
    ['embed', [Q, R]],
    ...(c.excitation === 'lpc' ? ([['embedPred', [Q, R]], ['embedExc', [Q, R]]] as WeightShapes) : []),
    ...(c.pitchBins > 0 ? ([['embedLtp', [Q, R]]] as WeightShapes) : []),
    ...(c.pulses ? ([['pulse', [1, R]]] as WeightShapes) : []),
    ['cond/w', [3 * M, C]],
    ['cond/b', [C]],
    ['cond/proj', [C, L * 2 * R]],
  ];
  for (let l = 0; l < L; l++) {
    shapes.push([`layer${l}/wd`, [2 * R, 2 * R]], [`layer${l}/bd`, [2 * R]]);
    // The last layer's residual output feeds nothing.
    if (l < L - 1) shapes.push([`layer${l}/wr`, [R, R]], [`layer${l}/br`, [R]]);
    shapes.push([`layer${l}/ws`, [R, S]], [`layer${l}/bs`, [S]]);
  }
  shapes.push(['head/w1', [S, H]], ['head/b1', [H]], ['head/w2', [H, Q]], ['head/b2', [Q]]);
  if (c.pitchBins > 0) shapes.push(['pitch/w1', [3 * M, c.pitchHidden]], ['pitch/b1', [c.pitchHidden]], ['pitch/w2', [c.pitchHidden, c.pitchBins + 1]], ['pitch/b2', [c.pitchBins + 1]]);
  return shapes;
}

/** Uniform Glorot-style initial weights (biases zero), reproducible from config.seed. */
export function initialWeights(c: VocoderConfig): Record<string, Float32Array> {
  return seededWeights(weightShapes(c), c.seed, (name, shape) => {
    if (shape.length !== 2) return undefined;
    // zeros: a long-term input added to a trained model starts as no change to it
    if (name === 'embedLtp') return 0;
    // the pulse vector like an embedding row: from zero, Adam's ~lr-sized steps would need
    // about a thousand steps to make it heard; a random direction the layers can learn to read
    return name.startsWith('embed') || name === 'pulse' ? 1 : glorotLimit(shape[0], shape[1]);
  });
}

/**
 * Frame-rate conditioning: raw log-mel context rows [B, F, 3M] (see melContext)
 * -> normalise -> kernel-3 conv (one matMul) -> tanh -> per-layer gate inputs [B, F, L * 2R].
 */
export function conditionFrames(w: VocoderWeights, c: VocoderConfig, context: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, F, K] = context.shape;
    const x = context.sub(c.melMean).div(c.melStd).reshape([B * F, K]);
    const hidden = tf.tanh(matMul2d(x, w['cond/w']).add(w['cond/b']));
    return matMul2d(hidden, w['cond/proj']).reshape([B, F, -1]) as tf.Tensor3D;
  });
}

/**
 * The pitch head (long-term prediction): the same normalised mel context rows [B, F, 3M] ->
 * tanh hidden -> logits [B * F, pitchBins + 1] over "unvoiced" (class 0) and the period classes.
 */
export function pitchLogits(w: VocoderWeights, c: VocoderConfig, context: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, F, K] = context.shape;
    const x = context.sub(c.melMean).div(c.melStd).reshape([B * F, K]);
    const hidden = tf.tanh(matMul2d(x, w['pitch/w1']).add(w['pitch/b1']));
    return matMul2d(hidden, w['pitch/w2']).add(w['pitch/b2']) as tf.Tensor2D;
  });
}

/**
 * Each listed frame with its neighbours, [index.length * 3 * bins]: frames f-1, f, f+1, clamped
 * to the utterance (the edge frames are repeated), so a frame's conditioning never depends on
 * where a training window or a stream was cut.
 */
export function melContext(mel: Float32Array, frames: number, bins: number, index: ArrayLike<number>): Float32Array {
  const out = new Float32Array(index.length * 3 * bins);
  const clamp = (f: number) => (f < 0 ? 0 : f >= frames ? frames - 1 : f);
  for (let i = 0; i < index.length; i++) {
    const f = clamp(index[i]);
    for (let k = 0; k < 3; k++) {
      const src = clamp(f - 1 + k) * bins;
      out.set(mel.subarray(src, src + bins), (i * 3 + k) * bins);
    }
  }
  return out;
}

/** All frames of an utterance as conditioning input [1, F, 3M]. */
export function utteranceContext(mel: Float32Array, frames: number, bins: number): tf.Tensor3D {
  return tf.tensor3d(melContext(mel, frames, bins, Array.from({ length: frames }, (_, f) => f)), [1, frames, 3 * bins]);
}

/** In 'lpc' excitation mode, the stack's other two inputs per position (see config.ts). */
export interface ExcitationInputs {
  /** [B, T] mu-law codes of the linear prediction p(t). */
  pred: tf.Tensor2D;
  /** [B, T] mu-law codes of the previous residual e(t-1). */
  prevExc: tf.Tensor2D;
  /** With long-term prediction: [B, T] codes of the residual one pitch period back, e(t-P) (silence where unvoiced). */
  ltp?: tf.Tensor2D;
  /** With pulses: [B, T] 1 where a glottal pulse falls, else 0. */
  pulse?: tf.Tensor2D;
}

/**
 * The sample-rate stack. prev: [B, T] int32 codes of the previous samples (the input is the
 * target shifted by one; in 'lpc' mode the pre-emphasised samples, with `excitation` the
 * prediction and previous residual); condFrames: [B, F, L * 2R] conditioning, frame f covering samples
 * [f * hop, (f + 1) * hop), T = F * hop (hop 1 passes one row per sample). Returns logits [B * T, Q].
 * Positions before the window start see zeros, exactly as the generator's empty queues do.
 *
 * Written for the WASM backend's costs (measured: column slices of [B*T, 2R] tensors and
 * channel concats were ~25% of a training step): the gate's tanh and sigmoid halves come from
 * separate matMuls against row/column blocks of the small weight, and the conditioning is
 * sliced at frame rate and broadcast over the hop instead of being upsampled first.
 */
export function stackForward(w: VocoderWeights, c: VocoderConfig, prev: tf.Tensor2D, condFrames: tf.Tensor3D, hop: number, excitation?: ExcitationInputs): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T] = prev.shape;
    const F = condFrames.shape[1];
    if (F * hop !== T) throw new Error(`stackForward: ${F} frames x hop ${hop} != ${T} samples`);
    const R = c.residualChannels;
    const N = B * T;
    const withCond = (z: tf.Tensor, l: number, part: number) =>
      z.reshape([B, F, hop, R]).add(condFrames.slice([0, 0, (2 * l + part) * R], [B, F, R]).reshape([B, F, 1, R])).reshape([N, R]);
    // one-hot matMul rather than gather: gather's gradient (UnsortedSegmentSum) is missing on WASM
    const embed = (codes: tf.Tensor2D, table: string) => matMul2d(tf.oneHot(codes.reshape([-1]) as tf.Tensor1D, c.quantizationChannels), w[table]);
    let h = embed(prev, 'embed');
    if (c.excitation === 'lpc') {
      if (!excitation) throw new Error('stackForward: an lpc-excitation vocoder needs the prediction and previous-residual codes');
      h = h.add(embed(excitation.pred, 'embedPred')).add(embed(excitation.prevExc, 'embedExc'));
      if (c.pitchBins > 0) {
        if (!excitation.ltp) throw new Error('stackForward: a long-term-prediction vocoder needs the e(t-P) codes');
        h = h.add(embed(excitation.ltp, 'embedLtp'));
      }
      if (c.pulses) {
        if (!excitation.pulse) throw new Error('stackForward: a pulse-input vocoder needs the pulse marks');
        h = h.add(matMul2d(excitation.pulse.reshape([-1, 1]).toFloat(), w['pulse']));
      }
    }
    let skip: tf.Tensor | null = null;
    c.dilations.forEach((d, l) => {
      const wd = w[`layer${l}/wd`];
      const bd = w[`layer${l}/bd`];
      const h3 = h.reshape([B, T, R]);
      const past = (d >= T ? tf.zeros([B, T, R]) : tf.concat([tf.zeros([B, d, R]), h3.slice([0, 0, 0], [B, T - d, R])], 1)).reshape([N, R]);
      const za = matMul2d(past, wd.slice([0, 0], [R, R])).add(matMul2d(h, wd.slice([R, 0], [R, R]))).add(bd.slice([0], [R]));
      const zb = matMul2d(past, wd.slice([0, R], [R, R])).add(matMul2d(h, wd.slice([R, R], [R, R]))).add(bd.slice([R], [R]));
      const g = tf.mul(tf.tanh(withCond(za, l, 0)), tf.sigmoid(withCond(zb, l, 1)));
      const s = matMul2d(g, w[`layer${l}/ws`]).add(w[`layer${l}/bs`]);
      skip = skip ? skip.add(s) : s;
      if (l < c.dilations.length - 1) h = h.add(matMul2d(g, w[`layer${l}/wr`]).add(w[`layer${l}/br`]));
    });
    const a = tf.relu(matMul2d(tf.relu(skip!), w['head/w1']).add(w['head/b1']));
    return matMul2d(a, w['head/w2']).add(w['head/b2']) as tf.Tensor2D;
  });
}

/** Index of the mel frame (of `frames`) that conditions output sample t. */
export function frameOf(t: number, frames: number, c: Pick<VocoderConfig, 'hop' | 'melWindow'>): number {
  const f = Math.floor((t - condOffset(c)) / c.hop);
  return f < 0 ? 0 : f >= frames ? frames - 1 : f;
}

/** Output length for F mel frames: about the length of the audio they were computed from. */
export function samplesForFrames(frames: number, c: Pick<VocoderConfig, 'hop' | 'melWindow'>): number {
  return frames <= 0 ? 0 : frames * c.hop + 2 * condOffset(c);
}
