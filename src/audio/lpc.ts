/**
 * Linear prediction from a log-mel frame, for the vocoder's LPC excitation mode (LPCNet,
 * Valin & Skoglund 2019): the spectral envelope a mel frame describes becomes a 16-tap
 * predictor, so the network only has to model the prediction residual.
 *
 * Steps for one frame:
 *   1. mel energies -> a power spectrum over the FFT bins: each filter's energy divided by its
 *      weight sum is a power density at its centre frequency; bins in between interpolate
 *      linearly (LPCNet interpolates its band energies the same way);
 *   2. times the pre-emphasis filter's power response |1 - alpha e^{-jw}|^2, because the
 *      vocoder predicts the pre-emphasised signal;
 *   3. autocorrelation = inverse DFT of the (real, even) power spectrum;
 *   4. a Gaussian lag window (bandwidth expansion) and a -40 dB white-noise floor, so that a
 *      spectrum with sharp peaks or holes still gives a stable, well-conditioned filter;
 *   5. Levinson-Durbin.
 * The predictor is x^[t] = sum_k a[k] x[t - 1 - k].
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from './config.ts';
import { melEdges, melFilterbank } from './mel.ts';

export interface LpcConfig {
  order: number;
  /** Pre-emphasis coefficient alpha of y[t] = x[t] - alpha x[t-1]. */
  preEmphasis: number;
  /** Gaussian lag window's bandwidth in Hz (LPC bandwidth expansion). */
  lagWindowHz: number;
  /** Added to r[0] as a fraction of it: a white-noise floor. */
  noiseFloor: number;
}

export const DEFAULT_LPC_CONFIG: Readonly<LpcConfig> = Object.freeze({ order: 16, preEmphasis: 0.85, lagWindowHz: 60, noiseFloor: 1e-4 });

/**
 * Levinson-Durbin recursion: the predictor a[0..order) minimising the prediction error of a
 * signal with autocorrelation r[0..order]. Returns the coefficients and the final error
 * energy. A non-positive r[0] gives the zero predictor.
 */
export function levinsonDurbin(r: ArrayLike<number>, order: number): { a: Float64Array; error: number } {
  const a = new Float64Array(order);
  let error = r[0];
  if (!(error > 0)) return { a, error: 0 };
  const prev = new Float64Array(order);
  for (let i = 0; i < order; i++) {
    let acc = r[i + 1];
    for (let j = 0; j < i; j++) acc -= a[j] * r[i - j];
    const k = acc / error;
    prev.set(a.subarray(0, i));
    a[i] = k;
    for (let j = 0; j < i; j++) a[j] = prev[j] - k * prev[i - 1 - j];
    error *= 1 - k * k;
    if (!(error > 0)) break;
  }
  return { a, error };
}

/** Pre-emphasis y[t] = x[t] - alpha x[t-1] (x[-1] = 0). */
export function preEmphasize(x: Float32Array, alpha: number): Float32Array {
  const y = new Float32Array(x.length);
  let last = 0;
  for (let t = 0; t < x.length; t++) {
    y[t] = x[t] - alpha * last;
    last = x[t];
  }
  return y;
}

/**
 * De-emphasis y[t] = x[t] + alpha y[t-1], the inverse of preEmphasize, carrying its state
 * across chunks: pass the previous chunk's return value as `last`.
 */
export function deEmphasize(x: Float32Array, alpha: number, last = 0, out: Float32Array = new Float32Array(x.length)): number {
  for (let t = 0; t < x.length; t++) {
    last = x[t] + alpha * last;
    out[t] = last;
  }
  return last;
}

/** Turns log-mel frames into predictors, with every table precomputed once. */
export class MelLpc {
  readonly config: LpcConfig;
  private readonly bins: number;
  /** The filters that cover at least one FFT bin: index, centre frequency (Hz), 1 / weight sum. */
  private readonly used: Int32Array;
  private readonly centres: Float64Array;
  private readonly invWeight: Float64Array;
  private readonly density: Float64Array;
  /** Per FFT bin: the pre-emphasis power response. */
  private readonly emphasis: Float64Array;
  /** cos(w_j k) per bin j and lag k, with the DFT's weights for an even spectrum (1 at DC and Nyquist, 2 between). */
  private readonly cosTable: Float64Array;
  private readonly lagWindow: Float64Array;
  private readonly power: Float64Array;
  private readonly r: Float64Array;
  private readonly binHz: number;

  constructor(config: Partial<LpcConfig> = {}, features: FeatureConfig = DEFAULT_FEATURE_CONFIG) {
    this.config = { ...DEFAULT_LPC_CONFIG, ...config };
    const { order, preEmphasis, lagWindowHz } = this.config;
    const { nFft, sampleRate } = features;
    this.bins = nFft / 2 + 1;
    this.binHz = sampleRate / nFft;
    const fb = melFilterbank(features);
    const edges = melEdges(features);
    const sums = fb.map((row) => row.reduce((a, b) => a + b, 0));
    this.used = Int32Array.from(sums.flatMap((sum, m) => (sum > 0 ? [m] : [])));
    this.centres = Float64Array.from(this.used, (m) => edges[m + 1]);
    this.invWeight = Float64Array.from(this.used, (m) => 1 / sums[m]);
    this.density = new Float64Array(this.used.length);
    this.emphasis = Float64Array.from({ length: this.bins }, (_, j) => {
      const w = (Math.PI * j) / (this.bins - 1);
      return 1 + preEmphasis * preEmphasis - 2 * preEmphasis * Math.cos(w);
    });
    this.cosTable = new Float64Array(this.bins * (order + 1));
    for (let j = 0; j < this.bins; j++) {
      const w = (Math.PI * j) / (this.bins - 1);
      const weight = j === 0 || j === this.bins - 1 ? 1 : 2;
      for (let k = 0; k <= order; k++) this.cosTable[j * (order + 1) + k] = weight * Math.cos(w * k);
    }
    this.lagWindow = Float64Array.from({ length: order + 1 }, (_, k) => Math.exp(-0.5 * ((2 * Math.PI * lagWindowHz * k) / sampleRate) ** 2));
    this.power = new Float64Array(this.bins);
    this.r = new Float64Array(order + 1);
  }

  /** The interpolated power spectrum of one log-mel frame (before pre-emphasis), over the FFT bins. */
  powerSpectrum(logMel: ArrayLike<number>, out: Float64Array = new Float64Array(this.bins)): Float64Array {
    // each used filter's energy over its weight sum: a power density at its centre frequency
    const hz = this.centres;
    const density = this.density;
    const n = hz.length;
    for (let i = 0; i < n; i++) density[i] = Math.exp(logMel[this.used[i]]) * this.invWeight[i];
    let m = 0;
    for (let j = 0; j < this.bins; j++) {
      const f = j * this.binHz;
      while (m < n - 1 && hz[m + 1] <= f) m++;
      if (f <= hz[0]) out[j] = density[0];
      else if (m >= n - 1) out[j] = density[n - 1];
      else {
        const u = (f - hz[m]) / (hz[m + 1] - hz[m]);
        out[j] = density[m] * (1 - u) + density[m + 1] * u;
      }
    }
    return out;
  }

  /** The predictor of one log-mel frame, written into out[0..order). */
  predictor(logMel: ArrayLike<number>, out: Float32Array | Float64Array = new Float32Array(this.config.order)): Float32Array | Float64Array {
    const { order, noiseFloor } = this.config;
    const p = this.powerSpectrum(logMel, this.power);
    const r = this.r;
    r.fill(0);
    for (let j = 0; j < this.bins; j++) {
      const v = p[j] * this.emphasis[j];
      const row = j * (order + 1);
      for (let k = 0; k <= order; k++) r[k] += v * this.cosTable[row + k];
    }
    for (let k = 0; k <= order; k++) r[k] *= this.lagWindow[k];
    r[0] *= 1 + noiseFloor;
    const { a } = levinsonDurbin(r, order);
    for (let k = 0; k < order; k++) out[k] = a[k];
    return out;
  }

  /** Predictors of every frame, [frames * order]. */
  predictors(mel: { data: Float32Array; frames: number; bins: number }): Float32Array {
    const { order } = this.config;
    const out = new Float32Array(mel.frames * order);
    for (let f = 0; f < mel.frames; f++) this.predictor(mel.data.subarray(f * mel.bins, (f + 1) * mel.bins), out.subarray(f * order, (f + 1) * order));
    return out;
  }
}

/** The prediction sum_k a[k] x[t - 1 - k] with x taken as 0 before the start. */
export function predictSample(a: ArrayLike<number>, x: ArrayLike<number>, t: number): number {
  let s = 0;
  for (let k = 0; k < a.length && t - 1 - k >= 0; k++) s += a[k] * x[t - 1 - k];
  return s;
}
