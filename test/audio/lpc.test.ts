import { describe, it, expect } from 'vitest';
import { MelLpc, deEmphasize, levinsonDurbin, preEmphasize, predictSample } from '../../src/audio/lpc.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';
import { melFilterbank } from '../../src/audio/mel.ts';
import { mulberry32 } from '../../src/random.ts';

/** Gaussian noise from a seeded uniform source (Box-Muller). */
function gaussian(seed: number): () => number {
  const rand = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** An autoregressive signal x[t] = sum_k a[k] x[t-1-k] + g * noise. */
function arSignal(a: number[], n: number, seed: number, gain = 0.01): Float32Array {
  const noise = gaussian(seed);
  const x = new Float32Array(n);
  for (let t = 0; t < n; t++) x[t] = predictSample(a, x, t) + gain * noise();
  return x;
}

function autocorrelation(x: ArrayLike<number>, lags: number): Float64Array {
  const r = new Float64Array(lags + 1);
  for (let k = 0; k <= lags; k++) for (let t = k; t < x.length; t++) r[k] += x[t] * x[t - k];
  return r;
}

/** Solves the normal equations sum_j a_j r|i-j| = r[i+1] by Gaussian elimination: the reference for Levinson. */
function solveNormalEquations(r: Float64Array, p: number): number[] {
  const m = Array.from({ length: p }, (_, i) => [...Array.from({ length: p }, (_, j) => r[Math.abs(i - j)]), r[i + 1]]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let i = c + 1; i < p; i++) if (Math.abs(m[i][c]) > Math.abs(m[piv][c])) piv = i;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let i = 0; i < p; i++) {
      if (i === c) continue;
      const f = m[i][c] / m[c][c];
      for (let j = c; j <= p; j++) m[i][j] -= f * m[c][j];
    }
  }
  return m.map((row, i) => row[p] / row[i]);
}

describe('levinsonDurbin', () => {
  it('solves the normal equations (Gaussian elimination) for autocorrelations of random signals', () => {
    for (const seed of [1, 2, 3]) {
      const x = arSignal([0.5, -0.3, 0.2], 4000, seed, 1);
      const r = autocorrelation(x, 8);
      const { a, error } = levinsonDurbin(r, 8);
      const ref = solveNormalEquations(r, 8);
      for (let k = 0; k < 8; k++) expect(a[k]).toBeCloseTo(ref[k], 9);
      // the error energy is r0 - sum a_k r_{k+1}
      expect(error).toBeCloseTo(r[0] - ref.reduce((s, v, k) => s + v * r[k + 1], 0), 6);
    }
  });

  it('hand case, order 1: a = r1 / r0, error = r0 (1 - (r1/r0)^2)', () => {
    const { a, error } = levinsonDurbin([4, 2], 1);
    expect(a[0]).toBeCloseTo(0.5, 12);
    expect(error).toBeCloseTo(3, 12);
  });

  it('recovers the coefficients of an AR(2) process', () => {
    const x = arSignal([1.3, -0.6], 50000, 7, 1);
    const { a } = levinsonDurbin(autocorrelation(x, 2), 2);
    expect(a[0]).toBeCloseTo(1.3, 1);
    expect(a[1]).toBeCloseTo(-0.6, 1);
  });

  it('gives the zero predictor for a silent frame', () => {
    const { a, error } = levinsonDurbin([0, 0, 0], 2);
    expect(Array.from(a)).toEqual([0, 0]);
    expect(error).toBe(0);
  });
});

describe('pre-emphasis', () => {
  it('hand case and exact inverse, also chunk by chunk', () => {
    expect(Array.from(preEmphasize(Float32Array.from([1, 1, 0]), 0.5))).toEqual([1, 0.5, -0.5]);
    const x = arSignal([0.9], 1000, 4, 0.1);
    const y = preEmphasize(x, 0.85);
    const whole = new Float32Array(x.length);
    deEmphasize(y, 0.85, 0, whole);
    let max = 0;
    for (let t = 0; t < x.length; t++) max = Math.max(max, Math.abs(whole[t] - x[t]));
    expect(max).toBeLessThan(1e-5);
    // chunked with the state carried gives the same samples
    const chunked = new Float32Array(x.length);
    let last = 0;
    for (let s = 0; s < x.length; s += 137) last = deEmphasize(y.subarray(s, s + 137), 0.85, last, chunked.subarray(s, s + 137));
    expect(Array.from(chunked)).toEqual(Array.from(whole));
  });
});

describe('MelLpc', () => {
  const features = DEFAULT_FEATURE_CONFIG;
  const weights = melFilterbank(features).map((row) => row.reduce((a, b) => a + b, 0));

  it('turns mel energies of a flat power density back into that flat density', () => {
    const density = 3.5;
    // a filter's energy over a flat spectrum is the density times its weight sum
    const logMel = weights.map((w) => Math.log(w > 0 ? density * w : 1e-10));
    const p = new MelLpc().powerSpectrum(logMel);
    for (const v of p) expect(v).toBeCloseTo(density, 9);
  });

  it('flat spectrum without pre-emphasis: the zero predictor', () => {
    const logMel = weights.map((w) => Math.log(w > 0 ? w : 1e-10));
    const a = new MelLpc({ preEmphasis: 0 }).predictor(logMel);
    for (const v of a) expect(Math.abs(v)).toBeLessThan(1e-3);
  });

  it('flat spectrum with pre-emphasis: about the first-order filter of the emphasis, a1 ~ -alpha / (1 + alpha^2)', () => {
    // the autocorrelation of (1 - alpha z^-1) white noise is r0 = 1 + alpha^2, r1 = -alpha; order 1 gives r1 / r0
    const logMel = weights.map((w) => Math.log(w > 0 ? w : 1e-10));
    const alpha = 0.85;
    const a = new MelLpc({ order: 1, preEmphasis: alpha, lagWindowHz: 0, noiseFloor: 0 }).predictor(logMel);
    expect(a[0]).toBeCloseTo(-alpha / (1 + alpha * alpha), 2);
  });

  it('predicts an AR(2) signal from its log-mel nearly as well as its own true coefficients', () => {
    const ar = [1.6, -0.8]; // a resonance near 1.2 kHz
    const x = arSignal(ar, 16000, 3, 0.05);
    const mel = logMelSpectrogram(x, features);
    const lpc = new MelLpc({ order: 16, preEmphasis: 0 });
    const taps = lpc.predictors(mel);
    let signal = 0;
    let errMel = 0;
    let errTrue = 0;
    for (let t = 1000; t < 15000; t++) {
      const f = Math.min(mel.frames - 1, Math.floor((t - 120) / 160));
      const p = predictSample(taps.subarray(f * 16, (f + 1) * 16), x, t);
      signal += x[t] ** 2;
      errMel += (x[t] - p) ** 2;
      errTrue += (x[t] - predictSample(ar, x, t)) ** 2;
    }
    const gainMel = 10 * Math.log10(signal / errMel);
    const gainTrue = 10 * Math.log10(signal / errTrue);
    expect(gainTrue).toBeGreaterThan(10);
    expect(gainMel).toBeGreaterThan(gainTrue - 3);
  });

  it('gives stable filters for random spectra (every reflection coefficient inside the unit circle)', () => {
    const rand = mulberry32(12);
    const lpc = new MelLpc();
    for (let trial = 0; trial < 50; trial++) {
      const logMel = Array.from({ length: 80 }, () => -20 + 25 * rand());
      const a = lpc.predictor(logMel);
      // the synthesis filter's impulse response must decay
      const h = new Float64Array(4000);
      for (let t = 0; t < h.length; t++) h[t] = (t === 0 ? 1 : 0) + predictSample(a, h, t);
      const tail = Math.max(...Array.from(h.subarray(3000)).map(Math.abs));
      expect(tail).toBeLessThan(1e-3);
    }
  });
});
