/**
 * Real FFTs through fft.js (radix-4, precomputed twiddles). A plan per size is
 * built once and cached: the feature extractor, the VAD and Griffin-Lim all
 * ask for the same few sizes thousands of times a second.
 */
import FFT from 'fft.js';
import { BabelfishError } from '../errors.ts';

export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly out: Float64Array;
  private readonly full: Float64Array;
  private readonly inv: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0)
      throw new BabelfishError('BAD_ARGUMENT', `FFT size must be a power of two >= 4, got ${size}`);
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.out = new Float64Array(2 * size);
    this.full = new Float64Array(2 * size);
    this.inv = new Float64Array(2 * size);
  }

  /** Transform of `frame` zero-padded to `size`; returns interleaved re/im for bins 0..size/2 (a shared buffer). */
  private forward(frame: ArrayLike<number>): Float64Array {
    const n = Math.min(frame.length, this.size);
    const input = this.input;
    for (let i = 0; i < n; i++) input[i] = frame[i]!;
    input.fill(0, n);
    this.fft.realTransform(this.out, input);
    return this.out;
  }

  /** |X_k|^2 for k = 0..size/2 (unnormalised DFT) into `out` (length >= bins). */
  powerSpectrum(frame: ArrayLike<number>, out: Float32Array | Float64Array = new Float64Array(this.bins)): typeof out {
    const X = this.forward(frame);
    for (let k = 0; k < this.bins; k++) {
      const re = X[2 * k]!;
      const im = X[2 * k + 1]!;
      out[k] = re * re + im * im;
    }
    return out;
  }

  /** Complex spectrum, bins 0..size/2, into separate re/im arrays. */
  spectrum(frame: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const X = this.forward(frame);
    for (let k = 0; k < this.bins; k++) {
      re[k] = X[2 * k]!;
      im[k] = X[2 * k + 1]!;
    }
  }

  /** Real signal (length size) whose spectrum has the given bins 0..size/2 (Hermitian symmetry implied). */
  inverse(re: ArrayLike<number>, im: ArrayLike<number>, out: Float64Array = new Float64Array(this.size)): Float64Array {
    const N = this.size;
    const full = this.full;
    for (let k = 0; k < this.bins; k++) {
      full[2 * k] = re[k]!;
      full[2 * k + 1] = k === 0 || k === N / 2 ? 0 : im[k]!;
    }
    for (let k = this.bins; k < N; k++) {
      full[2 * k] = re[N - k]!;
      full[2 * k + 1] = -im[N - k]!;
    }
    this.fft.inverseTransform(this.inv, full); // fft.js divides by N here
    for (let i = 0; i < N; i++) out[i] = this.inv[2 * i]!;
    return out;
  }
}

const plans = new Map<number, RealFft>();

/** A cached plan. Plans own scratch buffers, so they are for synchronous use (which all of this is). */
export function realFft(size: number): RealFft {
  let p = plans.get(size);
  if (!p) {
    p = new RealFft(size);
    plans.set(size, p);
  }
  return p;
}

/** Smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
