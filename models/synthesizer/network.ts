/**
 * The synthesizer's network as plain functions over named weight tensors (the shape of
 * models/speech-encoder/network.ts): one code path for training on padded batches and for
 * inference on one sentence. Padded positions are zeroed after every layer, so a sentence
 * gives the same output alone or in a batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { SynthesizerConfig } from './config.ts';
import { regulateLength } from './alignment.ts';
import { glorotLimit, heLimit, ones, seededWeights, type WeightShapes } from '../common/init.ts';
import { layerNorm } from '../common/layer-norm.ts';
import { matMul2d } from '../common/mat-mul.ts';

export type Weights = Record<string, tf.Tensor>;

/** Extra per-frame inputs of the decoder: position inside the character, and its length / 20. */
export const FRAME_FEATURES = 2;

function blockShapes(prefix: string, H: number, K: number, out: WeightShapes): void {
  out.push([`${prefix}/ln/g`, [H]], [`${prefix}/ln/b`, [H]]);
  out.push([`${prefix}/conv/w`, [K * H, H]], [`${prefix}/conv/b`, [H]]);
  out.push([`${prefix}/proj/w`, [H, H]], [`${prefix}/proj/b`, [H]]);
}

/** Shapes of every weight, in a stable order (the order of the saved weights file). */
export function weightShapes(c: SynthesizerConfig): WeightShapes {
  const H = c.hidden;
  const K = c.kernel;
  const s: WeightShapes = [
    ['embed/symbol', [c.symbols.length, H]],
    ['embed/lang', [c.languages.length, H]],
    ['embed/voice', [c.voices, H]],
    ['embed/decVoice', [c.voices, H]],
  ];
  for (let i = 0; i < c.encoderLayers; i++) blockShapes(`enc${i}`, H, K, s);
  s.push(['enc/ln/g', [H]], ['enc/ln/b', [H]]);
  s.push(['prior/w', [H, c.numMels]], ['prior/b', [c.numMels]]);
  for (let i = 0; i < c.durationLayers; i++) blockShapes(`dur${i}`, H, 3, s);
  s.push(['dur/ln/g', [H]], ['dur/ln/b', [H]], ['dur/w', [H, 1]], ['dur/b', [1]]);
  s.push(['frame/w', [FRAME_FEATURES, H]], ['frame/b', [H]]);
  for (let i = 0; i < c.decoderLayers; i++) blockShapes(`dec${i}`, H, K, s);
  s.push(['out/ln/g', [H]], ['out/ln/b', [H]], ['out/w', [H, c.numMels]], ['out/b', [c.numMels]]);
  return s;
}

/** He-uniform before ReLU, Glorot otherwise; residual projections start small (near-identity blocks). */
export function initialWeights(c: SynthesizerConfig): Record<string, Float32Array> {
  return seededWeights(weightShapes(c), c.seed, (name, [fanIn, fanOut]) => {
    if (name.endsWith('/ln/g')) return ones;
    if (name.startsWith('embed/')) {
      // Voice/language embeddings start small so early training shares everything across them.
      const scale = name === 'embed/symbol' ? 1 : 0.1;
      return (v, uniform) => {
        for (let i = 0; i < v.length; i++) v[i] = uniform() * Math.sqrt(3) * scale;
      };
    }
    if (!name.endsWith('/w')) return undefined;
    let limit = name.endsWith('conv/w') ? heLimit(fanIn!) : glorotLimit(fanIn!, fanOut!);
    if (name.endsWith('proj/w')) limit *= 0.5;
    return limit;
  });
}

function dense(x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  const [B, T, C] = x.shape;
  return tf.add(matMul2d(x.reshape([B * T, C]), w), b).reshape([B, T, w.shape[1] as number]) as tf.Tensor3D;
}

/**
 * Centred ("same") 1-D convolution as one matMul over the k shifted copies concatenated
 * along channels: as fast as conv1d on WASM, and its gradient is plain matMul/slice.
 */
export function sameConv(x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor, kernel: number): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const left = Math.floor((kernel - 1) / 2);
  const xp = tf.pad(x, [[0, 0], [left, kernel - 1 - left], [0, 0]]);
  const taps: tf.Tensor3D[] = [];
  for (let j = 0; j < kernel; j++) taps.push(tf.slice(xp, [0, j, 0], [B, T, C]) as tf.Tensor3D);
  const cat = kernel === 1 ? taps[0]! : tf.concat(taps, 2);
  return dense(cat as tf.Tensor3D, w, b);
}

/** Pre-norm residual block: x + proj(relu(conv(LN(x)))), re-masked. mask: [B, T, 1]. */
function block(x: tf.Tensor3D, w: Weights, p: string, kernel: number, mask: tf.Tensor): tf.Tensor3D {
  const h = layerNorm(x, w[`${p}/ln/g`]!, w[`${p}/ln/b`]!) as tf.Tensor3D;
  const c = tf.relu(sameConv(tf.mul(h, mask) as tf.Tensor3D, w[`${p}/conv/w`]!, w[`${p}/conv/b`]!, kernel)) as tf.Tensor3D;
  return tf.mul(tf.add(x, dense(c, w[`${p}/proj/w`]!, w[`${p}/proj/b`]!)), mask) as tf.Tensor3D;
}

/** Identity forward, zero gradient backward (tfjs has no stop_gradient). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as never) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * Rows `index` of a 2-D tensor, with a gradient that scatter-adds in JavaScript: tfjs's own
 * gather gradient needs UnsortedSegmentSum, which the WASM backend lacks. The indices are
 * host data anyway (the length regulator builds them).
 */
export function gatherRows(x: tf.Tensor2D, index: Int32Array): tf.Tensor2D {
  const [rows, cols] = x.shape;
  const idx = tf.tensor1d(index, 'int32');
  const f = tf.customGrad(((v: tf.Tensor) => ({
    value: tf.gather(v, idx),
    gradFunc: (dy: tf.Tensor) => {
      const g = dy.dataSync() as Float32Array;
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < index.length; r++) {
        const o = index[r]! * cols;
        const p = r * cols;
        for (let c = 0; c < cols; c++) out[o + c] += g[p + c]!;
      }
      return tf.tensor2d(out, [rows, cols]);
    },
  })) as never) as unknown as (v: tf.Tensor) => tf.Tensor2D;
  const y = f(x);
  idx.dispose();
  return y;
}

/** Embedding lookup as one-hot x table (differentiable on WASM, and tables here are small). */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const V = table.shape[0]!;
  const flat = ids.reshape([-1]);
  const rows = matMul2d(tf.oneHot(tf.cast(flat, 'int32') as tf.Tensor1D, V).toFloat(), table);
  return rows.reshape([...ids.shape, table.shape[1]!]);
}

export interface EncoderInputs {
  /** [B, N] symbol ids, 0 = padding. */
  ids: tf.Tensor2D;
  /** [B] language index and voice id. */
  lang: tf.Tensor1D;
  voice: tf.Tensor1D;
}

export interface EncoderOutputs {
  /** [B, N, H] character states. */
  hidden: tf.Tensor3D;
  /** [B, N, numMels] per-character mel mean used to align (normalised mel space). */
  prior: tf.Tensor3D;
  /** [B, N] predicted log(1 + frames). */
  logDuration: tf.Tensor2D;
  /** [B, N, 1] 1 on real characters. */
  mask: tf.Tensor3D;
}

export function encode(w: Weights, c: SynthesizerConfig, inp: EncoderInputs): EncoderOutputs {
  const [B, N] = inp.ids.shape;
  const mask = tf.cast(tf.greater(inp.ids, 0), 'float32').reshape([B, N, 1]) as tf.Tensor3D;
  const cond = tf.add(embed(w['embed/lang']!, inp.lang), embed(w['embed/voice']!, inp.voice)).reshape([B, 1, c.hidden]);
  let x = tf.mul(tf.add(embed(w['embed/symbol']!, inp.ids), cond), mask) as tf.Tensor3D;
  for (let i = 0; i < c.encoderLayers; i++) x = block(x, w, `enc${i}`, c.kernel, mask);
  const hidden = tf.mul(layerNorm(x, w['enc/ln/g']!, w['enc/ln/b']!), mask) as tf.Tensor3D;
  const prior = dense(hidden, w['prior/w']!, w['prior/b']!);
  // The duration predictor learns from the encoder but must not pull it around (FastSpeech 2 / Glow-TTS).
  let d = stopGradient(hidden) as tf.Tensor3D;
  for (let i = 0; i < c.durationLayers; i++) d = block(d, w, `dur${i}`, 3, mask);
  d = layerNorm(d, w['dur/ln/g']!, w['dur/ln/b']!) as tf.Tensor3D;
  const logDuration = tf.mul(dense(d, w['dur/w']!, w['dur/b']!), mask).reshape([B, N]) as tf.Tensor2D;
  return { hidden, prior, logDuration, mask };
}

export interface DecoderInputs {
  /** [B * T] row of the flattened [B * N, H] character states each frame repeats (length regulator). */
  gather: Int32Array;
  /** [B, T, FRAME_FEATURES] position inside the character and its length. */
  frameFeatures: tf.Tensor3D;
  /** [B, T, 1] 1 on real frames. */
  frameMask: tf.Tensor3D;
  voice: tf.Tensor1D;
}

/** Repeated character states -> normalised log-mel [B, T, numMels]. */
export function decode(w: Weights, c: SynthesizerConfig, hidden: tf.Tensor3D, inp: DecoderInputs): tf.Tensor3D {
  const [B, N, H] = hidden.shape;
  const T = inp.frameFeatures.shape[1];
  const rep = gatherRows(hidden.reshape([B * N, H]), inp.gather).reshape([B, T, H]);
  const voice = embed(w['embed/decVoice']!, inp.voice).reshape([B, 1, H]);
  let x = tf.mul(tf.add(tf.add(rep, dense(inp.frameFeatures, w['frame/w']!, w['frame/b']!)), voice), inp.frameMask) as tf.Tensor3D;
  for (let i = 0; i < c.decoderLayers; i++) x = block(x, w, `dec${i}`, c.kernel, inp.frameMask);
  const h = layerNorm(x, w['out/ln/g']!, w['out/ln/b']!) as tf.Tensor3D;
  return tf.mul(dense(h, w['out/w']!, w['out/b']!), inp.frameMask) as tf.Tensor3D;
}

/** Batch bookkeeping for the decoder from per-item durations (padded to the longest item). */
export function decoderBookkeeping(durations: number[][], tokensPerItem: number): {
  gather: Int32Array;
  frameFeatures: Float32Array;
  frameMask: Float32Array;
  frames: number[];
  maxFrames: number;
} {
  const frames = durations.map((d) => d.reduce((a, b) => a + b, 0));
  const T = Math.max(1, ...frames);
  const B = durations.length;
  const gather = new Int32Array(B * T);
  const frameFeatures = new Float32Array(B * T * FRAME_FEATURES);
  const frameMask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const r = regulateLength(durations[b]!);
    for (let f = 0; f < r.token.length; f++) {
      const o = b * T + f;
      gather[o] = b * tokensPerItem + r.token[f]!;
      frameFeatures[o * FRAME_FEATURES] = r.position[f]!;
      frameFeatures[o * FRAME_FEATURES + 1] = r.span[f]! / 20;
      frameMask[o] = 1;
    }
    // Padding frames read token 0 of their item and are masked to zero.
    for (let f = r.token.length; f < T; f++) gather[b * T + f] = b * tokensPerItem;
  }
  return { gather, frameFeatures, frameMask, frames, maxFrames: T };
}
