import { describe, it, expect } from 'vitest';
import { realFft } from '../../src/audio/fft.ts';
import { stft, hannWindow } from '../../src/audio/stft.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';
import { noise, rng, tone } from './helpers.ts';

function bruteDft(x: ArrayLike<number>, N: number): { re: number[]; im: number[] } {
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= N / 2; k++) {
    let a = 0;
    let b = 0;
    for (let n = 0; n < x.length; n++) {
      a += x[n]! * Math.cos((2 * Math.PI * k * n) / N);
      b -= x[n]! * Math.sin((2 * Math.PI * k * n) / N);
    }
    re.push(a);
    im.push(b);
  }
  return { re, im };
}

describe('real FFT', () => {
  it('matches a brute-force DFT (with zero padding)', () => {
    const r = rng(5);
    for (const [N, len] of [[8, 8], [64, 50], [512, 400]] as const) {
      const x = Float64Array.from({ length: len }, () => r() - 0.5);
      const { re, im } = bruteDft(x, N);
      const fre = new Float64Array(N / 2 + 1);
      const fim = new Float64Array(N / 2 + 1);
      realFft(N).spectrum(x, fre, fim);
      const p = realFft(N).powerSpectrum(x);
      for (let k = 0; k <= N / 2; k++) {
        expect(fre[k]).toBeCloseTo(re[k]!, 9);
        expect(fim[k]).toBeCloseTo(im[k]!, 9);
        expect(p[k]).toBeCloseTo(re[k]! ** 2 + im[k]! ** 2, 8);
      }
    }
  });

  it('inverse undoes forward', () => {
    const x = Float64Array.from(noise(256, 0.3, 9));
    const re = new Float64Array(129);
    const im = new Float64Array(129);
    realFft(256).spectrum(x, re, im);
    const y = realFft(256).inverse(re, im);
    for (let i = 0; i < 256; i++) expect(y[i]).toBeCloseTo(x[i]!, 10);
  });
});

describe('STFT', () => {
  it('a 1 kHz tone peaks in bin 32 (1000 / (16000/512)), 1250 Hz in bin 40', () => {
    for (const [f, bin] of [[1000, 32], [1250, 40]] as const) {
      const s = stft(tone(f, 16000, 0.1), DEFAULT_FEATURE_CONFIG);
      for (let t = 0; t < s.frames; t++) {
        const row = s.data.subarray(t * s.bins, (t + 1) * s.bins);
        expect(row.indexOf(Math.max(...row))).toBe(bin);
      }
    }
  });

  it('Parseval: sum |X_k|^2 over the full spectrum / N equals the windowed frame energy', () => {
    const x = noise(4000, 0.2, 3);
    const cfg = DEFAULT_FEATURE_CONFIG;
    const s = stft(x, cfg);
    const w = hannWindow(cfg.winLength);
    const N = cfg.nFft;
    for (const t of [0, 7, s.frames - 1]) {
      let energy = 0;
      for (let n = 0; n < cfg.winLength; n++) energy += (x[t * cfg.hopLength + n]! * w[n]!) ** 2;
      const P = s.data.subarray(t * s.bins, (t + 1) * s.bins);
      let total = P[0]! + P[N / 2]!;
      for (let k = 1; k < N / 2; k++) total += 2 * P[k]!;
      expect(total / N / energy).toBeCloseTo(1, 5);
    }
  });

  it('a sine of amplitude A has peak power (A * sum(w) / 2)^2 when on a bin', () => {
    const s = stft(tone(1000, 16000, 0.05, 0.8), DEFAULT_FEATURE_CONFIG);
    // Periodic Hann of length 400 sums to exactly 200.
    expect(s.data[32]! / (0.8 * 200 / 2) ** 2).toBeCloseTo(1, 2);
    const m = stft(tone(1000, 16000, 0.05, 0.8), DEFAULT_FEATURE_CONFIG, 'magnitude');
    expect(m.data[32]).toBeCloseTo(Math.sqrt(s.data[32]!), 3);
  });

  it('periodic Hann: w[0] = 0, w[N/2] = 1, sums to N/2', () => {
    const w = hannWindow(400);
    expect(w[0]).toBe(0);
    expect(w[200]).toBeCloseTo(1, 12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(200, 9);
    expect(hannWindow(5, false)[4]).toBeCloseTo(0, 12);
  });
});
