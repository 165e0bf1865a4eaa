/**
 * Mel frames back to audio for listening checks: the filterbank's ridge-
 * regularised pseudo-inverse gives a power spectrogram (negatives clipped),
 * then Griffin-Lim with momentum ("fast Griffin-Lim", Perraudin et al. 2013,
 * alpha 0.99) finds a phase consistent with it. It is not a vocoder: expect
 * the familiar phasey buzz, but the right pitch, words and loudness.
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from './config.ts';
import { realFft } from './fft.ts';
import { melFilterbank } from './mel.ts';
import { hannWindow } from './stft.ts';
import type { MelSpectrogram } from './types.ts';
import { BabelfishError } from '../errors.ts';
import { mulberry32 } from '../random.ts';

const MOMENTUM = 0.99;

/** P = M^T (M M^T + lambda I)^-1, [bins x nMels]: maps mel energies to the least-norm power spectrum. */
export function melPseudoInverse(config: FeatureConfig): Float64Array {
  const M = melFilterbank(config);
  const m = M.length;
  const bins = M[0]!.length;
  const G = new Float64Array(m * m);
  let trace = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += M[i]![k]! * M[j]![k]!;
      G[i * m + j] = s;
      if (i === j) trace += s;
    }
  const lambda = (1e-4 * trace) / m; // narrow low filters overlap heavily; keep G well conditioned
  for (let i = 0; i < m; i++) G[i * m + i] += lambda;
  // Cholesky G = L L^T, then P^T = G^-1 M column by column.
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j <= i; j++) {
      let s = G[i * m + j]!;
      for (let k = 0; k < j; k++) s -= L[i * m + k]! * L[j * m + k]!;
      L[i * m + j] = i === j ? Math.sqrt(s) : s / L[j * m + j]!;
    }
  const P = new Float64Array(bins * m);
  const y = new Float64Array(m);
  for (let k = 0; k < bins; k++) {
    for (let i = 0; i < m; i++) {
      let s = M[i]![k]!;
      for (let j = 0; j < i; j++) s -= L[i * m + j]! * y[j]!;
      y[i] = s / L[i * m + i]!;
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let j = i + 1; j < m; j++) s -= L[j * m + i]! * P[k * m + j]!;
      P[k * m + i] = s / L[i * m + i]!;
    }
  }
  return P;
}

/** `mel` is a log-mel spectrogram as logMelSpectrogram makes it (natural log of power). */
export function melToAudio(mel: MelSpectrogram, config: FeatureConfig = DEFAULT_FEATURE_CONFIG, iterations = 32): Float32Array {
  if (mel.bins !== config.nMels) throw new BabelfishError('BAD_ARGUMENT', `mel has ${mel.bins} bins but the config says ${config.nMels}`);
  const { nFft, winLength: W, hopLength: H, nMels } = config;
  const T = mel.frames;
  if (T === 0) return new Float32Array(0);
  const bins = nFft / 2 + 1;
  const P = melPseudoInverse(config);
  const floor = Math.log(config.logFloor) + 1e-6;

  // Target magnitudes |X| (frames x bins).
  const S = new Float64Array(T * bins);
  const melLin = new Float64Array(nMels);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < nMels; i++) {
      const v = mel.data[t * nMels + i]!;
      melLin[i] = v <= floor ? 0 : Math.exp(v);
    }
    for (let k = 0; k < bins; k++) {
      let s = 0;
      for (let i = 0; i < nMels; i++) s += P[k * nMels + i]! * melLin[i]!;
      S[t * bins + k] = s > 0 ? Math.sqrt(s) : 0;
    }
  }

  const fft = realFft(nFft);
  const win = hannWindow(W);
  const N = (T - 1) * H + W;
  // Weighted overlap-add normaliser: sum of squared windows at each sample.
  const wsum = new Float64Array(N);
  for (let t = 0; t < T; t++) for (let n = 0; n < W; n++) wsum[t * H + n] += win[n]! * win[n]!;
  const wmax = Math.max(...wsum.subarray(0, Math.min(N, 4 * W)));
  for (let i = 0; i < N; i++) wsum[i] = 1 / Math.max(wsum[i]!, 1e-3 * wmax);

  const rand = mulberry32(0x5eed);
  const re = new Float64Array(T * bins);
  const im = new Float64Array(T * bins);
  for (let i = 0; i < T * bins; i++) {
    const ph = 2 * Math.PI * rand();
    re[i] = S[i]! * Math.cos(ph);
    im[i] = S[i]! * Math.sin(ph);
  }
  const prevRe = new Float64Array(T * bins);
  const prevIm = new Float64Array(T * bins);
  const x = new Float64Array(N);
  const frame = new Float64Array(nFft);
  const fr = new Float64Array(W);
  const cr = new Float64Array(bins);
  const ci = new Float64Array(bins);

  const synthesize = () => {
    x.fill(0);
    for (let t = 0; t < T; t++) {
      fft.inverse(re.subarray(t * bins, (t + 1) * bins), im.subarray(t * bins, (t + 1) * bins), frame);
      for (let n = 0; n < W; n++) x[t * H + n] += frame[n]! * win[n]!;
    }
    for (let i = 0; i < N; i++) x[i] *= wsum[i]!;
  };

  for (let it = 0; it < iterations; it++) {
    synthesize();
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < W; n++) fr[n] = x[t * H + n]! * win[n]!;
      fft.spectrum(fr, cr, ci);
      for (let k = 0; k < bins; k++) {
        const i = t * bins + k;
        const mag = Math.hypot(cr[k]!, ci[k]!);
        // Projection onto the target magnitudes, keeping the consistent phase.
        const pr = mag > 1e-12 ? (S[i]! * cr[k]!) / mag : S[i]!;
        const pi = mag > 1e-12 ? (S[i]! * ci[k]!) / mag : 0;
        re[i] = pr + MOMENTUM * (pr - prevRe[i]!);
        im[i] = pi + MOMENTUM * (pi - prevIm[i]!);
        prevRe[i] = pr;
        prevIm[i] = pi;
      }
    }
  }
  // Final synthesis from the projected (not extrapolated) spectrum.
  if (iterations > 0) {
    re.set(prevRe);
    im.set(prevIm);
  }
  synthesize();
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) out[i] = x[i]!;
  return out;
}
