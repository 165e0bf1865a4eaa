/**
 * Gradient accumulation: a batch whose padded size would not fit the WASM heap is split into
 * micro-batches, and their gradients are summed with weights that make the result the whole
 * batch's gradient.
 *
 * Why: memory grows with sentences x padded length x layers, and the WASM heap ends at 4 GB.
 * With the fused LSTM layers (models/common/lstm-sequence.ts) the 1+1-layer model's longest
 * batches (48 sentences of 64 source and 80 target pieces) peak at 2.0 GB (tf.profile); a
 * 2+2-layer model would need about 2.9 GB, too close to the end of the heap. Batches are
 * drawn from one length bucket, so only long ones split.
 */
import * as tf from '@tensorflow/tfjs';
import type { TranslatorConfig } from '../../models/translator/config.ts';
import { batchLoss, type Weights } from '../../models/translator/network.ts';

/**
 * The budget the trainer uses unless told: none for the 1+1-layer model, whose longest batches
 * (48 x 145 padded tokens) fit as they are and which splitting would only slow down; 4,800 for a
 * deeper one (a 2+2-layer model peaked at 0.96 GB with 2,288 padded tokens and 1.82 GB with
 * 4,576, tf.profile), which splits its longest batches in two.
 */
export function autoBatchTokens(c: Pick<TranslatorConfig, 'encoderLayers' | 'decoderLayers'>): number {
  return c.encoderLayers === 1 && c.decoderLayers === 1 ? 0 : 4800;
}

/** Padded tokens of a batch as the network sees it: sentences x (longest source + longest target + 1). */
export function paddedTokens(src: number[][], tgt: number[][]): number {
  if (!src.length) return 0;
  return src.length * (Math.max(...src.map((s) => s.length)) + Math.max(...tgt.map((t) => t.length)) + 1);
}

/**
 * Contiguous index ranges [start, end) splitting a batch into the fewest equal parts each of
 * whose padded size (to its own longest sentences) is at most `maxTokens`; at worst one
 * sentence per part, whatever its size. 0 = no limit.
 */
export function microBatches(src: number[][], tgt: number[][], maxTokens: number): [number, number][] {
  const B = src.length;
  const split = (parts: number): [number, number][] => Array.from({ length: parts }, (_, p) => [Math.floor((p * B) / parts), Math.floor(((p + 1) * B) / parts)]);
  if (!(maxTokens > 0)) return split(1);
  for (let parts = 1; parts < B; parts++) {
    const ranges = split(parts);
    if (ranges.every(([a, b]) => paddedTokens(src.slice(a, b), tgt.slice(a, b)) <= maxTokens)) return ranges;
  }
  return split(B);
}

/**
 * The batch's loss and its gradient per variable (keyed by variable name, as tf.variableGrads
 * returns them). The loss is a mean over target tokens (with </s>), so a part's gradient is
 * weighted by its share of them.
 */
export function batchGradients(w: Weights, c: TranslatorConfig, vars: tf.Variable[], src: number[][], tgt: number[][], maxTokens: number): { loss: number; grads: Record<string, tf.Tensor> } {
  const ranges = microBatches(src, tgt, maxTokens);
  const targetTokens = (from: number, to: number) => tgt.slice(from, to).reduce((n, t) => n + t.length + 1, 0);
  const total = targetTokens(0, tgt.length);
  let loss = 0;
  let sum: Record<string, tf.Tensor> | null = null;
  for (const [from, to] of ranges) {
    const share = ranges.length === 1 ? 1 : targetTokens(from, to) / total;
    const { value, grads } = tf.variableGrads(() => batchLoss(w, c, src.slice(from, to), tgt.slice(from, to), true), vars);
    loss += value.dataSync()[0] * share;
    value.dispose();
    if (!sum) {
      sum = share === 1 ? grads : tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, share)])));
      if (share !== 1) tf.dispose(Object.values(grads));
      continue;
    }
    const prev: Record<string, tf.Tensor> = sum;
    sum = tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k], tf.mul(g, share))])));
    tf.dispose([...Object.values(prev), ...Object.values(grads)]);
  }
  return { loss, grads: sum! };
}
