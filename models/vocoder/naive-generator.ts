/**
 * NaiveWaveNetGenerator: the baseline the cached-queue algorithm is measured against. For every
 * new sample it runs the tfjs network over the last receptive-field window of inputs (what
 * autoregressive generation costs without caching: O(receptive field x layers) per sample)
 * and keeps only the last position's distribution. It is exact: the last output of a window
 * that spans the receptive field depends on nothing outside it.
 */
import * as tf from '@tensorflow/tfjs';
import { receptiveField, type VocoderConfig } from './config.ts';
import { stackForward, type VocoderWeights } from './network.ts';

export class NaiveWaveNetGenerator {
  readonly config: VocoderConfig;
  private readonly weights: VocoderWeights;
  private readonly window: number;
  private readonly inputs: number[] = [];
  private readonly conds: Float32Array[] = [];

  constructor(config: VocoderConfig, weights: VocoderWeights) {
    this.config = config;
    this.weights = weights;
    this.window = receptiveField(config);
  }

  reset(): void {
    this.inputs.length = 0;
    this.conds.length = 0;
  }

  /** Appends history without computing anything (to start timing at a full window). */
  push(prev: number, cond: Float32Array): void {
    this.inputs.push(prev);
    this.conds.push(cond);
    if (this.inputs.length > this.window) {
      this.inputs.shift();
      this.conds.shift();
    }
  }

  /**
   * Advances one sample: prev is the previous code, cond the sample's conditioning [L * 2R]
   * (conv bias excluded, as from conditionFrames). Returns the next-code logits.
   */
  stepLogits(prev: number, cond: Float32Array): Float32Array {
    this.push(prev, cond);
    const T = this.inputs.length;
    const C = cond.length;
    const condRows = new Float32Array(T * C);
    this.conds.forEach((c, i) => condRows.set(c, i * C));
    const logits = tf.tidy(() => {
      const out = stackForward(this.weights, this.config, tf.tensor2d(this.inputs, [1, T], 'int32'), tf.tensor3d(condRows, [1, T, C]), 1);
      return out.slice([T - 1, 0], [1, -1]);
    });
    const row = logits.dataSync() as Float32Array;
    logits.dispose();
    return Float32Array.from(row);
  }

  /** Greedy (argmax) generation of n codes under per-sample conditioning rows. */
  generateArgmax(prev: number, conds: Float32Array[]): Int32Array {
    const out = new Int32Array(conds.length);
    for (let t = 0; t < conds.length; t++) {
      const logits = this.stepLogits(prev, conds[t]);
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      out[t] = prev = best;
    }
    return out;
  }
}
