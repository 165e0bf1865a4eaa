/**
 * The translator's network as plain functions over named weight tensors: the encoder,
 * the teacher-forced decoder and loss (training), and one batched decoder step (inference).
 *
 * Speed on WASM is set by the number of op calls inside the recurrent loops, so:
 * - every layer's input projection is one matMul over all timesteps, before the loop;
 * - the four gates are one matMul per step (order i, f, o, g), split once;
 * - the two encoder directions run in the same loop, their rows stacked [2B, 4E] for the cell's
 *   elementwise ops (batched matMul with batch > 1 is far slower than two 2-D matMuls on WASM);
 *   the backward direction reads each sentence reversed within its own length, so no masking
 *   is needed inside the loop (padding comes after every real token in both directions);
 * - attention is computed after the decoder loop for all target positions at once (see config.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { TranslatorConfig } from './config.ts';
import { glorotLimit, seededWeights, sizeOf, type WeightShapes } from '../common/init.ts';
import { matMul2d } from '../common/mat-mul.ts';
import { lstmCell, lstmSequence } from '../common/lstm-sequence.ts';

export type Weights = Record<string, tf.Tensor>;

/** Shapes of every weight, in a stable order (the order of the saved weights file). */
export function weightShapes(c: TranslatorConfig): WeightShapes {
  const { vocabSize: V, embedDim: D, encoderUnits: E, decoderUnits: H } = c;
  const shapes: WeightShapes = [
    ['embed', [V, D]],
    ['out/b', [V]],
  ];
  for (let l = 0; l < c.encoderLayers; l++) {
    const inDim = l === 0 ? D : 2 * E;
    for (const d of ['fw', 'bw']) shapes.push([`enc${l}/${d}/W`, [inDim, 4 * E]], [`enc${l}/${d}/U`, [E, 4 * E]], [`enc${l}/${d}/b`, [4 * E]]);
  }
  shapes.push(['bridge/w', [2 * E, c.decoderLayers * H]], ['bridge/b', [c.decoderLayers * H]]);
  for (let l = 0; l < c.decoderLayers; l++) {
    const inDim = l === 0 ? D : H;
    shapes.push([`dec${l}/W`, [inDim, 4 * H]], [`dec${l}/U`, [H, 4 * H]], [`dec${l}/b`, [4 * H]]);
  }
  shapes.push(['att/w', [2 * E, H]], ['comb/w', [H + 2 * E, D]], ['comb/b', [D]]);
  return shapes;
}

export function parameterCount(c: TranslatorConfig): number {
  return weightShapes(c).reduce((n, [, s]) => n + sizeOf(s), 0);
}

/** Glorot-uniform matrices, forget-gate bias 1 (Jozefowicz et al. 2015), small embeddings. */
export function initialWeights(c: TranslatorConfig): Record<string, Float32Array> {
  return seededWeights(weightShapes(c), c.seed, (name, shape) => {
    if (name === 'embed') {
      const s = 1 / Math.sqrt(c.embedDim);
      return (v, uniform) => {
        for (let i = 0; i < v.length; i++) v[i] = uniform() * s * Math.sqrt(3);
      };
    }
    if (name.endsWith('/b')) {
      if (!/^(enc|dec)\d/.test(name)) return undefined;
      const units = name.startsWith('enc') ? c.encoderUnits : c.decoderUnits;
      return (v) => {
        for (let i = 0; i < v.length; i++) if (Math.floor(i / units) % 4 === 1) v[i] = 1;
      };
    }
    return glorotLimit(shape[shape.length - 2], shape[shape.length - 1]);
  });
}

/**
 * Weights of a deeper model that computes exactly what `old` computes: the layers `c` adds on
 * top of `oldConfig`'s are residual (see encode), and each starts with the cell-input gate's
 * weights at zero, so its cell stays at 0 and it outputs h = 0 until trained. Its other gates
 * keep their random init, which makes the gradient reach the zeroed weights at once
 * (dL/dW_g = dL/dc * i * x) and differ from unit to unit. The bridge gains fresh columns for
 * the new decoder layers' initial states, which only feed those layers' gates.
 */
export function grownWeights(old: Record<string, Float32Array>, oldConfig: TranslatorConfig, c: TranslatorConfig): Record<string, Float32Array> {
  const fresh = initialWeights(c);
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of weightShapes(c)) {
    const own = old[name];
    if (name === 'bridge/w') {
      // [2E, layers * H] row-major: the old columns first, the new layers' columns fresh
      const v = fresh[name].slice();
      const cols = shape[1];
      const oldCols = oldConfig.decoderLayers * oldConfig.decoderUnits;
      for (let r = 0; r < shape[0]; r++) v.set(own.subarray(r * oldCols, (r + 1) * oldCols), r * cols);
      out[name] = v;
    } else if (name === 'bridge/b') {
      const v = fresh[name].slice();
      v.set(own);
      out[name] = v;
    } else if (own) {
      if (own.length !== sizeOf(shape)) throw new Error(`grownWeights: ${name} changed shape; only layers can be added`);
      out[name] = own.slice();
    } else {
      const v = fresh[name].slice();
      const m = /^(enc|dec)\d+\/(?:fw\/|bw\/)?(W|U)$/.exec(name);
      if (m) {
        const units = m[1] === 'enc' ? c.encoderUnits : c.decoderUnits;
        const cols = shape[1];
        for (let r = 0; r < shape[0]; r++) v.fill(0, r * cols + 3 * units, r * cols + 4 * units);
      }
      out[name] = v;
    }
  }
  return out;
}

/**
 * Embedding lookup whose gradient is a scatter-add: tfjs's gather gradient needs
 * UnsortedSegmentSum, which the WASM backend lacks; ScatterNd sums duplicate rows.
 */
export function embedLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const flat = ids.reshape([-1]);
  const shape = table.shape;
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    // the ids must outlive the forward tidy scope until backprop
    save([flat]);
    return {
      value: tf.gather(t, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0].reshape([-1, 1]), dy as tf.Tensor2D, shape),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const D = table.shape[1] as number;
  return (f(table) as tf.Tensor).reshape([...ids.shape, D]);
}

/**
 * Row permutation x[perm] whose gradient is the inverse permutation (a gather, not the
 * UnsortedSegmentSum tfjs's gather gradient needs and WASM lacks). `perm` here is the
 * within-sentence reversal, which is its own inverse.
 */
export function permuteRows(x: tf.Tensor2D, perm: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([perm]);
    return { value: tf.gather(t, perm), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.gather(dy, saved[0]) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

function maybeDropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
  return training && rate > 0 ? tf.dropout(x, rate) : x;
}

/** Source ids padded, plus the same sentences reversed within their lengths. */
export interface SourceBatch {
  B: number;
  S: number;
  lengths: number[];
  ids: Int32Array;
  reversedIds: Int32Array;
  /** gather index [B*S] mapping the backward direction's outputs back to source positions. */
  reverseIndex: Int32Array;
}

export function sourceBatch(sources: number[][], padId: number): SourceBatch {
  const B = sources.length;
  const lengths = sources.map((s) => Math.max(1, s.length));
  const S = Math.max(1, ...lengths);
  const ids = new Int32Array(B * S).fill(padId);
  const reversedIds = new Int32Array(B * S).fill(padId);
  const reverseIndex = new Int32Array(B * S);
  for (let b = 0; b < B; b++) {
    const s = sources[b];
    const n = lengths[b];
    for (let t = 0; t < S; t++) {
      if (t < s.length) {
        ids[b * S + t] = s[t];
        reversedIds[b * S + t] = s[s.length - 1 - t];
      }
      reverseIndex[b * S + t] = b * S + (t < n ? n - 1 - t : t);
    }
  }
  return { B, S, lengths, ids, reversedIds, reverseIndex };
}

export interface Encoded {
  /** [B, S, 2E] encoder states. */
  memory: tf.Tensor3D;
  /** [B, S, H] attention keys W_a s. */
  keys: tf.Tensor3D;
  /** [B, 1, S]: 0 on real tokens, -1e9 on padding. */
  maskBias: tf.Tensor3D;
  /** [B, 2E] mean of the encoder states over real tokens. */
  pooled: tf.Tensor2D;
  /** Per decoder layer [B, H] initial hidden states. */
  h0: tf.Tensor2D[];
}

/** The bidirectional encoder over a source batch (call inside tf.tidy or dispose the result). */
export function encode(w: Weights, c: TranslatorConfig, src: SourceBatch, training = false): Encoded {
  const { B, S, lengths } = src;
  const E = c.encoderUnits;
  const H = c.decoderUnits;
  const revIdx = tf.tensor1d(src.reverseIndex, 'int32');
  let xF = maybeDropout(embedLookup(w['embed'], tf.tensor2d(src.ids, [B, S], 'int32')), c.dropout, training);
  let xB = maybeDropout(embedLookup(w['embed'], tf.tensor2d(src.reversedIds, [B, S], 'int32')), c.dropout, training);
  let out: tf.Tensor3D | null = null;
  for (let l = 0; l < c.encoderLayers; l++) {
    const inDim = xF.shape[2] as number;
    const proj = (x: tf.Tensor, d: string) => tf.add(matMul2d(x.reshape([B * S, inDim]), w[`enc${l}/${d}/W`]), w[`enc${l}/${d}/b`]).reshape([B, S, 4 * E]);
    // both directions as the two row halves of one time-major recurrence [S, 2B, 4E]
    const inputs = tf.transpose(tf.concat([proj(xF, 'fw'), proj(xB, 'bw')], 0), [1, 0, 2]) as tf.Tensor3D;
    const hs = lstmSequence(inputs, tf.zeros([2 * B, E]), [w[`enc${l}/fw/U`], w[`enc${l}/bw/U`]] as tf.Tensor2D[]);
    const all = tf.transpose(hs, [1, 0, 2]); // [2B, S, E]
    const fw = tf.slice(all, [0, 0, 0], [B, S, E]);
    const bwRev = tf.slice(all, [B, 0, 0], [B, S, E]);
    const bw = permuteRows(bwRev.reshape([B * S, E]) as tf.Tensor2D, revIdx).reshape([B, S, E]);
    const layerOut = tf.concat([fw, bw], 2) as tf.Tensor3D;
    // layers above the first are residual (GNMT): they add to the layer below, so a layer
    // grown onto a trained model with its cell input at zero leaves the model as it was
    out = out ? (tf.add(out, layerOut) as tf.Tensor3D) : layerOut;
    if (l + 1 < c.encoderLayers) {
      xF = maybeDropout(out, c.dropout, training);
      xB = permuteRows(xF.reshape([B * S, 2 * E]) as tf.Tensor2D, revIdx).reshape([B, S, 2 * E]);
    }
  }
  const memory = out!;
  const valid = new Float32Array(B * S);
  const bias = new Float32Array(B * S);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < S; t++) {
      if (t < lengths[b]) valid[b * S + t] = 1 / lengths[b];
      else bias[b * S + t] = -1e9;
    }
  const pooled = tf.sum(tf.mul(memory, tf.tensor3d(valid, [B, S, 1])), 1) as tf.Tensor2D;
  const keys = matMul2d(memory.reshape([B * S, 2 * E]), w['att/w']).reshape([B, S, H]) as tf.Tensor3D;
  const bridged = tf.tanh(tf.add(matMul2d(pooled, w['bridge/w']), w['bridge/b']));
  const h0 = c.decoderLayers === 1 ? [bridged as tf.Tensor2D] : (tf.split(bridged, c.decoderLayers, 1) as tf.Tensor2D[]);
  return { memory, keys, maskBias: tf.tensor3d(bias, [B, 1, S]), pooled, h0 };
}

/** Luong attention + attentional hidden state + tied output logits, for [B, T, H] decoder tops. */
function attendAndProject(w: Weights, c: TranslatorConfig, enc: Encoded, top: tf.Tensor3D, training: boolean): { logits: tf.Tensor; attention: tf.Tensor3D } {
  const [B, T, H] = top.shape;
  const E2 = 2 * c.encoderUnits;
  // batched matMuls: measured faster here than a loop over sentences or broadcast-multiply-sum
  const scores = tf.add(tf.matMul(top, tf.transpose(enc.keys, [0, 2, 1])), enc.maskBias); // [B, T, S]
  const attention = tf.softmax(scores) as tf.Tensor3D;
  const ctx = tf.matMul(attention, enc.memory); // [B, T, 2E]
  const joined = tf.concat([top, ctx], 2).reshape([B * T, H + E2]);
  const hTilde = maybeDropout(tf.tanh(tf.add(matMul2d(joined, w['comb/w']), w['comb/b'])), c.dropout, training);
  const logits = tf.add(matMul2d(hTilde, tf.transpose(w['embed'])), w['out/b']); // [B*T, V], tied to the embedding
  return { logits, attention };
}

/** Decoder inputs (<s> y1 .. yn) and outputs (y1 .. yn </s>), padded. */
export interface TargetBatch {
  B: number;
  T: number;
  inputs: Int32Array;
  outputs: Int32Array;
  /** 1 on real output tokens, 0 on padding. */
  mask: Float32Array;
}

export function targetBatch(targets: number[][], c: Pick<TranslatorConfig, 'padId' | 'bosId' | 'eosId'>): TargetBatch {
  const B = targets.length;
  const T = Math.max(...targets.map((t) => t.length)) + 1;
  const inputs = new Int32Array(B * T).fill(c.padId);
  const outputs = new Int32Array(B * T).fill(c.padId);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const y = targets[b];
    inputs[b * T] = c.bosId;
    for (let t = 0; t < y.length; t++) {
      inputs[b * T + t + 1] = y[t];
      outputs[b * T + t] = y[t];
      mask[b * T + t] = 1;
    }
    outputs[b * T + y.length] = c.eosId;
    mask[b * T + y.length] = 1;
  }
  return { B, T, inputs, outputs, mask };
}

/** Teacher-forced decoder: logits [B*T, V] and attention [B, T, S]. */
export function decodeTeacherForced(w: Weights, c: TranslatorConfig, enc: Encoded, tgt: TargetBatch, training = false): { logits: tf.Tensor; attention: tf.Tensor3D } {
  const { B, T } = tgt;
  const H = c.decoderUnits;
  let x = maybeDropout(embedLookup(w['embed'], tf.tensor2d(tgt.inputs, [B, T], 'int32')), c.dropout, training);
  let out: tf.Tensor | null = null;
  for (let l = 0; l < c.decoderLayers; l++) {
    const inDim = x.shape[2] as number;
    const proj = tf.add(matMul2d(x.reshape([B * T, inDim]), w[`dec${l}/W`]), w[`dec${l}/b`]).reshape([B, T, 4 * H]);
    const hs = lstmSequence(tf.transpose(proj, [1, 0, 2]) as tf.Tensor3D, enc.h0[l], [w[`dec${l}/U`] as tf.Tensor2D]);
    const layerOut = tf.transpose(hs, [1, 0, 2]); // [B, T, H]
    out = out ? tf.add(out, layerOut) : layerOut; // residual above the first layer, as in encode()
    if (l + 1 < c.decoderLayers) x = maybeDropout(out, c.dropout, training);
  }
  return attendAndProject(w, c, enc, out as tf.Tensor3D, training);
}

/**
 * Label-smoothed cross-entropy, masked on padding, averaged over real target tokens.
 * The smoothed target puts 1 - eps on the reference and eps / V on every piece.
 */
export function smoothedLoss(logits: tf.Tensor, outputs: Int32Array, mask: Float32Array, vocabSize: number, eps: number): tf.Scalar {
  const logp = tf.logSoftmax(logits); // [N, V]
  const ids = tf.tensor1d(outputs, 'int32');
  // (oneHot with an explicit float32 dtype returns garbage on tfjs-backend-wasm 4.22: cast instead)
  const m = tf.tensor1d(mask);
  const nll = tf.neg(tf.sum(tf.mul(logp, tf.cast(tf.oneHot(ids, vocabSize), 'float32')), 1));
  const perToken = eps > 0 ? tf.add(tf.mul(nll, 1 - eps), tf.mul(tf.neg(tf.mean(logp, 1)), eps)) : nll;
  const count = Math.max(1, mask.reduce((a, b) => a + b, 0));
  return tf.div(tf.sum(tf.mul(perToken, m)), count) as tf.Scalar;
}

/** Loss of a batch of (source ids, target ids) pairs; sources carry their <2xx> tag and </s>. */
export function batchLoss(w: Weights, c: TranslatorConfig, sources: number[][], targets: number[][], training: boolean): tf.Scalar {
  const enc = encode(w, c, sourceBatch(sources, c.padId), training);
  const tgt = targetBatch(targets, c);
  const { logits } = decodeTeacherForced(w, c, enc, tgt, training);
  return smoothedLoss(logits, tgt.outputs, tgt.mask, c.vocabSize, training ? c.labelSmoothing : 0);
}

// ---------------------------------------------------------------- inference

/** Weights rearranged once for decoding: the first layer's input projection folded into a lookup table. */
export interface InferenceWeights {
  /** [V, 4H] = embed @ dec0/W + dec0/b */
  embedProj0: tf.Tensor2D;
  embedT: tf.Tensor2D;
  /** out/b with -1e9 on ids that must never be generated (<pad>, <s>, <2xx>). */
  outBias: tf.Tensor1D;
}

export function prepareInference(w: Weights, bannedIds: number[] = []): InferenceWeights {
  const V = w['embed'].shape[0] as number;
  const ban = new Float32Array(V);
  for (const id of bannedIds) if (id >= 0 && id < V) ban[id] = -1e9;
  return tf.tidy(() => ({
    embedProj0: tf.add(tf.matMul(w['embed'] as tf.Tensor2D, w['dec0/W'] as tf.Tensor2D), w['dec0/b']) as tf.Tensor2D,
    embedT: tf.transpose(w['embed']) as tf.Tensor2D,
    outBias: tf.add(w['out/b'], tf.tensor1d(ban)) as tf.Tensor1D,
  }));
}

/**
 * The source side of the decoder state: encoder outputs, attention keys and the padding bias.
 * Every step reads them unchanged, so successive states share one copy (a clone per step was
 * a full copy on WASM); `users` counts the states holding it, and the last one to be disposed frees it.
 */
export interface SourceSide {
  memory: tf.Tensor3D;
  keys: tf.Tensor3D;
  maskBias: tf.Tensor3D;
  users: number;
}

/** Per-row decoder state; rows are (sentence, beam) pairs. */
export interface DecoderState {
  h: tf.Tensor2D[];
  c: tf.Tensor2D[];
  source: SourceSide;
}

export function initialDecoderState(c: TranslatorConfig, enc: Encoded): DecoderState {
  const B = enc.memory.shape[0];
  return {
    h: enc.h0.map((h) => h.clone()),
    c: enc.h0.map(() => tf.zeros([B, c.decoderUnits]) as tf.Tensor2D),
    source: { memory: enc.memory.clone(), keys: enc.keys.clone(), maskBias: enc.maskBias.clone(), users: 1 },
  };
}

export function selectDecoderRows(s: DecoderState, rows: Int32Array): DecoderState {
  const picked = tf.tidy(() => {
    const idx = tf.tensor1d(rows, 'int32');
    const { memory, keys, maskBias } = s.source;
    return {
      h: s.h.map((t) => tf.gather(t, idx)),
      c: s.c.map((t) => tf.gather(t, idx)),
      memory: tf.gather(memory, idx),
      keys: tf.gather(keys, idx),
      maskBias: tf.gather(maskBias, idx),
    };
  });
  return { h: picked.h, c: picked.c, source: { memory: picked.memory, keys: picked.keys, maskBias: picked.maskBias, users: 1 } };
}

export function disposeDecoderState(s: DecoderState): void {
  tf.dispose([...s.h, ...s.c]);
  if (--s.source.users === 0) tf.dispose([s.source.memory, s.source.keys, s.source.maskBias]);
}

function shareSource(source: SourceSide): SourceSide {
  source.users++;
  return source;
}

/** One decoder step for N rows: log-probabilities [N, V], attention [N, S], next state (tensors the caller owns). */
export function decoderStep(w: Weights, iw: InferenceWeights, c: TranslatorConfig, prev: Int32Array, s: DecoderState): { logProbs: tf.Tensor2D; attention: tf.Tensor2D; state: DecoderState } {
  const r = tf.tidy(() => {
    const N = prev.length;
    const H = c.decoderUnits;
    let gates: tf.Tensor = tf.add(tf.gather(iw.embedProj0, tf.tensor1d(prev, 'int32')), tf.matMul(s.h[0], w['dec0/U'] as tf.Tensor2D));
    const h: tf.Tensor2D[] = [];
    const cs: tf.Tensor2D[] = [];
    // `top` is the residual sum of the layers' outputs so far; `h` keeps each layer's own recurrent state
    let top: tf.Tensor2D | null = null;
    for (let l = 0; l < c.decoderLayers; l++) {
      if (l > 0) gates = tf.add(tf.add(tf.matMul(top!, w[`dec${l}/W`] as tf.Tensor2D), w[`dec${l}/b`]), tf.matMul(s.h[l], w[`dec${l}/U`] as tf.Tensor2D));
      const r = lstmCell(gates as tf.Tensor2D, s.c[l], H);
      h.push(r.h as tf.Tensor2D);
      cs.push(r.c as tf.Tensor2D);
      top = top ? (tf.add(top, r.h) as tf.Tensor2D) : (r.h as tf.Tensor2D);
    }
    // broadcast-multiply-sum instead of a batched matMul of [N, 1, S] rows (slow on WASM)
    const { memory, keys, maskBias } = s.source;
    const S = keys.shape[1];
    const attention = tf.softmax(tf.add(tf.sum(tf.mul(top!.reshape([N, 1, H]), keys), 2), maskBias.reshape([N, S]))); // [N, S]
    const ctx = tf.sum(tf.mul(attention.reshape([N, S, 1]), memory), 1); // [N, 2E]
    const hTilde = tf.tanh(tf.add(tf.matMul(tf.concat([top!, ctx], 1) as tf.Tensor2D, w['comb/w'] as tf.Tensor2D), w['comb/b']));
    const logProbs = tf.logSoftmax(tf.add(tf.matMul(hTilde as tf.Tensor2D, iw.embedT), iw.outBias)) as tf.Tensor2D;
    return { logProbs, attention: attention as tf.Tensor2D, h, cs };
  });
  return { logProbs: r.logProbs, attention: r.attention, state: { h: r.h, c: r.cs, source: shareSource(s.source) } };
}
