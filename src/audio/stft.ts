/** Short-time Fourier transform with the non-centred framing of config.ts. */
import type { FeatureConfig } from './config.ts';
import { realFft } from './fft.ts';
import { frameCount } from './framing.ts';
import { checkFeatureConfig } from './mel.ts';

/** Hann window; periodic (the DFT-even form that overlap-adds to a constant) unless `periodic` is false. */
export function hannWindow(length: number, periodic = true): Float64Array {
  const w = new Float64Array(length);
  const d = periodic ? length : length - 1;
  if (d === 0) return w.fill(1);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / d);
  return w;
}

export interface Spectrogram {
  /** Row-major [frames x bins]. */
  data: Float32Array;
  frames: number;
  /** nFft / 2 + 1 */
  bins: number;
}

export type StftConfig = Pick<FeatureConfig, 'nFft' | 'winLength' | 'hopLength'>;

/** Power (|X|^2, default) or magnitude (|X|) frames of `x`. */
export function stft(x: Float32Array, config: StftConfig, mode: 'power' | 'magnitude' = 'power'): Spectrogram {
  const { nFft, winLength, hopLength } = config;
  checkFeatureConfig({ sampleRate: 1, nMels: 1, fMin: 0, fMax: 0.5, logFloor: 1, ...config });
  const fft = realFft(nFft);
  const window = hannWindow(winLength);
  const frames = frameCount(x.length, winLength, hopLength);
  const bins = nFft / 2 + 1;
  const data = new Float32Array(frames * bins);
  const buf = new Float64Array(winLength);
  const power = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    const o = t * hopLength;
    for (let n = 0; n < winLength; n++) buf[n] = x[o + n]! * window[n]!;
    fft.powerSpectrum(buf, power);
    for (let k = 0; k < bins; k++) data[t * bins + k] = mode === 'power' ? power[k]! : Math.sqrt(power[k]!);
  }
  return { data, frames, bins };
}
