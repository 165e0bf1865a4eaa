/**
 * The speech encoder's network as plain functions over named weight tensors, so the
 * same code serves training (whole padded batches), batch inference and streaming
 * (chunks with carried context). Every layer is causal or has a fixed lookahead, which
 * is what lets chunked and whole-signal outputs be identical.
 */
import * as tf from '@tensorflow/tfjs';
import { futureTapsOf, lookaheadFrames, type SpeechEncoderConfig } from './config.ts';
import { glorotLimit, heLimit, ones, seededWeights, type WeightShapes } from '../common/init.ts';
import { layerNorm } from '../common/layer-norm.ts';
import { matMul2d } from '../common/mat-mul.ts';

export type Weights = Record<string, tf.Tensor>;

/** One convolution layer's geometry. */
export interface ConvSpec {
  kernel: number;
  dilation: number;
  stride: number;
  /** Taps in the future (0: causal). */
  future: number;
}

export function frontEndSpecs(config: SpeechEncoderConfig): ConvSpec[] {
  return [
    { kernel: config.frontEndKernel, dilation: 1, stride: 2, future: 0 },
    { kernel: config.frontEndKernel, dilation: 1, stride: 2, future: 0 },
  ];
}

export function blockSpec(config: SpeechEncoderConfig, i: number): ConvSpec {
  return { kernel: config.kernel, dilation: config.dilations[i], stride: 1, future: futureTapsOf(config, i) };
}

/** Frames a conv's taps span besides the current one: (k - 1) * d. */
export const contextFrames = (s: ConvSpec) => (s.kernel - 1) * s.dilation;
/** Of those, the frames in the past, and in the future (the conv's lookahead). */
export const pastFrames = (s: ConvSpec) => (s.kernel - 1 - s.future) * s.dilation;
export const futureFrames = (s: ConvSpec) => s.future * s.dilation;

/** Shapes of every weight, in a stable order (the order of the saved weights file). */
export function weightShapes(config: SpeechEncoderConfig): WeightShapes {
  const { numMels, frontEndChannels: F, frontEndKernel: K, hidden: H, kernel, vocabSize: V } = config;
  const shapes: WeightShapes = [
    ['front0/w', [K * numMels, F]],
    ['front0/b', [F]],
    ['front1/w', [K * F, H]],
    ['front1/b', [H]],
  ];
  config.dilations.forEach((_, i) => {
    shapes.push([`block${i}/ln/g`, [H]], [`block${i}/ln/b`, [H]]);
    shapes.push([`block${i}/conv/w`, [kernel * H, H]], [`block${i}/conv/b`, [H]]);
    shapes.push([`block${i}/proj/w`, [H, H]], [`block${i}/proj/b`, [H]]);
  });
  shapes.push(['out/ln/g', [H]], ['out/ln/b', [H]], ['out/w', [H, V]], ['out/b', [V]]);
  if (config.languages.length) shapes.push(['lang/w', [H, config.languages.length]], ['lang/b', [config.languages.length]]);
  return shapes;
}

/** He-uniform for layers followed by ReLU, Glorot otherwise; residual projections start small so the stack starts near identity. */
export function initialWeights(config: SpeechEncoderConfig): Record<string, Float32Array> {
  return seededWeights(weightShapes(config), config.seed, (name, [fanIn, fanOut]) => {
    if (name.endsWith('/ln/g')) return ones;
    if (!name.endsWith('/w')) return undefined;
    const relu = name.startsWith('front') || name.endsWith('conv/w');
    let limit = relu ? heLimit(fanIn) : glorotLimit(fanIn, fanOut);
    if (name.endsWith('proj/w')) limit *= 0.5;
    return limit;
  });
}

/**
 * Convolution over already padded input (a causal conv's input left-padded by its context,
 * one with lookahead also right-padded by its future frames): output u sees
 * xp[u * stride + j * dilation] for taps j = 0..k-1 (oldest first), as one matMul
 * over the taps concatenated along channels. Dilated conv2d has no gradient in
 * tfjs, and this form is as fast on WASM.
 */
export function causalConv(xp: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor, spec: ConvSpec, nOut: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, P, C] = xp.shape;
    const { kernel, dilation, stride } = spec;
    const need = (kernel - 1) * dilation + stride * nOut;
    const padded = need > P ? tf.pad(xp, [[0, 0], [0, need - P], [0, 0]]) : xp;
    const taps: tf.Tensor3D[] = [];
    for (let j = 0; j < kernel; j++) {
      let tap = tf.slice(padded, [0, j * dilation, 0], [B, stride * nOut, C]) as tf.Tensor3D;
      if (stride > 1) tap = tf.slice(tap.reshape([B, nOut, stride, C]), [0, 0, 0, 0], [B, nOut, 1, C]).reshape([B, nOut, C]);
      taps.push(tap);
    }
    const x = (kernel === 1 ? taps[0] : tf.concat(taps, 2)).reshape([B * nOut, kernel * C]);
    return tf.add(matMul2d(x, w), b).reshape([B, nOut, w.shape[1] as number]) as tf.Tensor3D;
  });
}

/** Outputs a causal conv can produce from `available` left-padded frames. */
export function convOutputs(available: number, spec: ConvSpec): number {
  const span = contextFrames(spec) + 1;
  return available < span ? 0 : Math.floor((available - span) / spec.stride) + 1;
}

/** (x - mean) / std per bin, with the training-set statistics from the config. */
export function normalizeFeatures(x: tf.Tensor3D, config: SpeechEncoderConfig): tf.Tensor3D {
  if (!config.featureMean || !config.featureStd) return x.clone();
  const mean = config.featureMean;
  const std = config.featureStd;
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor3D);
}

/** Left-pad with the zeros a causal conv sees before the signal starts. */
export function leftPad(x: tf.Tensor3D, frames: number): tf.Tensor3D {
  return frames ? (tf.pad(x, [[0, 0], [frames, 0], [0, 0]]) as tf.Tensor3D) : x;
}

/** Zeros before the signal (a conv's past) and after it (its future: the end of the utterance). */
export function padTime(x: tf.Tensor3D, before: number, after: number): tf.Tensor3D {
  return before || after ? (tf.pad(x, [[0, 0], [before, after], [0, 0]]) as tf.Tensor3D) : x;
}

/** Residual block body given its already-normalised, left-padded conv input. */
export function blockFromPadded(
  xResidual: tf.Tensor3D,
  lnPadded: tf.Tensor3D,
  w: Weights,
  i: number,
  spec: ConvSpec,
  nOut: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const c = tf.relu(causalConv(lnPadded, w[`block${i}/conv/w`], w[`block${i}/conv/b`], spec, nOut));
    const [B, T, H] = c.shape;
    const p = tf.add(matMul2d(c.reshape([B * T, H]), w[`block${i}/proj/w`]), w[`block${i}/proj/b`]).reshape([B, T, H]);
    return tf.add(xResidual, p) as tf.Tensor3D;
  });
}

/** Final LayerNorm and character logits of the stack's output. */
export function outputHead(h: tf.Tensor3D, w: Weights): { logits: tf.Tensor3D; top: tf.Tensor3D } {
  return tf.tidy(() => {
    const top = layerNorm(h, w['out/ln/g'], w['out/ln/b']) as tf.Tensor3D;
    const [B, T, H] = top.shape;
    const logits = tf.add(matMul2d(top.reshape([B * T, H]), w['out/w']), w['out/b']).reshape([B, T, -1]) as tf.Tensor3D;
    return { logits, top };
  });
}

export interface ForwardResult {
  /** [B, T', V] character logits (T' = outputFrames(T)). */
  logits: tf.Tensor3D;
  /** [B, L] language logits, or null without a language head. */
  langLogits: tf.Tensor2D | null;
  /** Valid output frames per example. */
  outputLengths: number[];
}

/**
 * The whole network on a padded batch of raw log-mel features [B, T, numMels].
 * Causal layers keep frames past an example's length from its valid outputs; where a block
 * looks ahead, its input past each example's end is zeroed, as the end of a lone utterance is
 * (so padding never reaches a valid output). `lengths` also set the language head's pooling.
 */
export function forward(w: Weights, config: SpeechEncoderConfig, features: tf.Tensor3D, lengths?: number[]): ForwardResult {
  const [B, T] = features.shape;
  const inLengths = lengths ?? new Array(B).fill(T);
  const outputLengths = inLengths.map((n) => Math.ceil(Math.ceil(n / 2) / 2));
  const result = tf.tidy(() => {
    let x = normalizeFeatures(features, config);
    const specs = frontEndSpecs(config);
    for (let l = 0; l < 2; l++) {
      const n = Math.ceil(x.shape[1] / 2);
      x = tf.relu(causalConv(leftPad(x, contextFrames(specs[l])), w[`front${l}/w`], w[`front${l}/b`], specs[l], n)) as tf.Tensor3D;
    }
    const T2 = x.shape[1];
    const valid = lookaheadFrames(config) > 0 && outputLengths.some((n) => n < T2) ? validMask(outputLengths, T2) : null;
    for (let i = 0; i < config.dilations.length; i++) {
      const spec = blockSpec(config, i);
      let ln = layerNorm(x, w[`block${i}/ln/g`], w[`block${i}/ln/b`]) as tf.Tensor3D;
      if (valid && spec.future) ln = tf.mul(ln, valid) as tf.Tensor3D;
      x = blockFromPadded(x, padTime(ln, pastFrames(spec), futureFrames(spec)), w, i, spec, T2);
    }
    const { logits, top } = outputHead(x, w);
    let langLogits: tf.Tensor2D | null = null;
    if (config.languages.length) {
      const mask = new Float32Array(B * T2);
      for (let b = 0; b < B; b++) for (let t = 0; t < outputLengths[b]; t++) mask[b * T2 + t] = 1 / Math.max(1, outputLengths[b]);
      const pooled = tf.sum(tf.mul(top, tf.tensor3d(mask, [B, T2, 1])), 1) as tf.Tensor2D;
      langLogits = tf.add(matMul2d(pooled, w['lang/w']), w['lang/b']) as tf.Tensor2D;
    }
    return langLogits ? { logits, langLogits } : { logits };
  }) as { logits: tf.Tensor3D; langLogits?: tf.Tensor2D };
  return { logits: result.logits, langLogits: result.langLogits ?? null, outputLengths };
}

/** [B, T, 1]: 1 on each example's valid frames, 0 on its padding. */
function validMask(lengths: readonly number[], T: number): tf.Tensor3D {
  const m = new Float32Array(lengths.length * T);
  lengths.forEach((n, b) => m.fill(1, b * T, b * T + Math.min(n, T)));
  return tf.tensor3d(m, [lengths.length, T, 1]);
}
