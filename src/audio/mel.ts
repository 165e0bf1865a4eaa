/** HTK mel scale and triangular filterbank (see config.ts for why HTK). */
import { BabelfishError } from '../errors.ts';
import type { FeatureConfig } from './config.ts';

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** The nMels + 2 filter edges in Hz: filter m rises from edge m, peaks at edge m+1, falls to edge m+2. */
export function melEdges(config: Pick<FeatureConfig, 'nMels' | 'fMin' | 'fMax'>): Float64Array {
  const { nMels, fMin, fMax } = config;
  const lo = hzToMel(fMin);
  const hi = hzToMel(fMax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(lo + ((hi - lo) * i) / (nMels + 1));
  return edges;
}

export function checkFeatureConfig(config: FeatureConfig): void {
  const { sampleRate, nFft, winLength, hopLength, nMels, fMin, fMax, logFloor } = config;
  const bad = (msg: string) => new BabelfishError('BAD_ARGUMENT', `feature config: ${msg}`);
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new BabelfishError('BAD_SAMPLE_RATE', `feature config: sample rate must be positive, got ${sampleRate}`);
  if (!Number.isInteger(nFft) || nFft < 4 || (nFft & (nFft - 1)) !== 0) throw bad(`nFft must be a power of two, got ${nFft}`);
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft) throw bad(`winLength must be an integer in 1..nFft, got ${winLength}`);
  if (!Number.isInteger(hopLength) || hopLength < 1) throw bad(`hopLength must be a positive integer, got ${hopLength}`);
  if (!Number.isInteger(nMels) || nMels < 1) throw bad(`nMels must be a positive integer, got ${nMels}`);
  if (!(fMin >= 0) || !(fMax > fMin) || fMax > sampleRate / 2) throw bad(`need 0 <= fMin < fMax <= sampleRate/2, got ${fMin}..${fMax}`);
  if (!(logFloor > 0)) throw bad(`logFloor must be positive, got ${logFloor}`);
}

/** Dense filterbank: nMels rows of nFft/2 + 1 weights over FFT bin k at frequency k * sampleRate / nFft. */
export function melFilterbank(config: FeatureConfig): Float32Array[] {
  checkFeatureConfig(config);
  const { nFft, sampleRate, nMels } = config;
  const bins = nFft / 2 + 1;
  const edges = melEdges(config);
  const rows: Float32Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const l = edges[m]!;
    const c = edges[m + 1]!;
    const r = edges[m + 2]!;
    const row = new Float32Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      if (f > l && f < r) row[k] = f <= c ? (f - l) / (c - l) : (r - f) / (r - c);
    }
    rows.push(row);
  }
  return rows;
}

/** The same filterbank stored as each row's nonzero run: 80 filters touch ~2 bins each on average instead of 257. */
export interface SparseFilterbank {
  rows: number;
  cols: number;
  start: Int32Array;
  weights: Float32Array[];
}

export function sparseFilterbank(dense: Float32Array[]): SparseFilterbank {
  const start = new Int32Array(dense.length);
  const weights: Float32Array[] = [];
  dense.forEach((row, m) => {
    let a = 0;
    while (a < row.length && row[a] === 0) a++;
    let b = row.length;
    while (b > a && row[b - 1] === 0) b--;
    start[m] = a;
    weights.push(row.slice(a, b));
  });
  return { rows: dense.length, cols: dense[0]?.length ?? 0, start, weights };
}

/** out[m] = sum_k W[m][k] * power[k]. */
export function applyFilterbank(fb: SparseFilterbank, power: ArrayLike<number>, out: Float32Array | Float64Array, outOffset = 0): void {
  for (let m = 0; m < fb.rows; m++) {
    const w = fb.weights[m]!;
    const s = fb.start[m]!;
    let acc = 0;
    for (let j = 0; j < w.length; j++) acc += w[j]! * power[s + j]!;
    out[outOffset + m] = acc;
  }
}
