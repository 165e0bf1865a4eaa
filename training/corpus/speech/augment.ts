/**
 * Augmentations for training audio: pure functions on Float32Array, with every
 * random choice drawn from a seeded generator so the corpus stays reproducible.
 *
 * - additive noise at an exact signal-to-noise ratio (RMS based),
 * - reverb: convolution with a synthetic exponentially decaying impulse response,
 * - speed perturbation by resampling (pitch and tempo change together, as in Kaldi's 0.9/1.1 recipe),
 * - telephone band: 300-3400 Hz band-pass, then down to 8 kHz and back.
 */
import FFT from 'fft.js';
import { resample } from '../../../src/audio/resample.ts';
import { createRng, gaussian, randRange, pick, type Rng } from './random.ts';

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? Math.sqrt(s / x.length) : 0;
}

/** 20 log10(rms(signal) / rms(noise)). */
export function snrDb(signal: Float32Array, noise: Float32Array): number {
  return 20 * Math.log10(rms(signal) / rms(noise));
}

export type NoiseColour = 'white' | 'pink' | 'brown';

/** Unit-RMS noise: white (flat), pink (-3 dB/octave), brown (-6 dB/octave). */
export function colouredNoise(length: number, colour: NoiseColour, rng: Rng): Float32Array {
  const out = new Float32Array(length);
  if (colour === 'white') {
    for (let i = 0; i < length; i++) out[i] = gaussian(rng);
  } else if (colour === 'pink') {
    // Paul Kellet's economy pink filter: within 0.5 dB of -3 dB/octave above ~10 Hz.
    let b0 = 0, b1 = 0, b2 = 0;
    for (let i = 0; i < length; i++) {
      const w = gaussian(rng);
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    }
  } else {
    // Leaky integrator: -6 dB/octave above a few Hz without drifting away.
    let y = 0;
    for (let i = 0; i < length; i++) {
      y = 0.995 * y + gaussian(rng);
      out[i] = y;
    }
  }
  const r = rms(out);
  if (r > 0) for (let i = 0; i < length; i++) out[i] /= r;
  return out;
}

/**
 * signal + noise scaled so that the signal-to-noise ratio is exactly `snr` dB.
 * The noise is tiled or cut to the signal's length first.
 */
export function addNoise(signal: Float32Array, noise: Float32Array, snr: number): Float32Array {
  if (noise.length === 0) throw new Error('addNoise: empty noise');
  const fitted = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) fitted[i] = noise[i % noise.length];
  const ns = rms(fitted);
  const ss = rms(signal);
  if (ns === 0 || ss === 0) return signal.slice();
  const gain = ss / (ns * Math.pow(10, snr / 20));
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) out[i] = signal[i] + gain * fitted[i];
  return out;
}

/**
 * Room impulse response: a unit direct path, then Gaussian noise under an
 * exponential envelope that falls 60 dB in `rt60` seconds (Sabine's definition),
 * starting after a short pre-delay. `wet` scales the tail against the direct path.
 */
export function syntheticImpulseResponse(sampleRate: number, rt60: number, wet: number, rng: Rng): Float32Array {
  const length = Math.max(2, Math.round(rt60 * sampleRate));
  const h = new Float32Array(length);
  const preDelay = Math.round(0.005 * sampleRate);
  const decay = Math.log(1000) / (rt60 * sampleRate); // amplitude e^{-decay n}: -60 dB at rt60
  h[0] = 1;
  let tailEnergy = 0;
  for (let n = preDelay; n < length; n++) {
    h[n] = gaussian(rng) * Math.exp(-decay * n);
    tailEnergy += h[n] * h[n];
  }
  const scale = tailEnergy > 0 ? wet / Math.sqrt(tailEnergy) : 0;
  for (let n = preDelay; n < length; n++) h[n] *= scale;
  return h;
}

/** Linear convolution via FFT, cut to the input's length (the tail would only add silence-like decay). */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  const full = x.length + h.length - 1;
  let size = 2;
  while (size < full) size *= 2;
  const fft = new FFT(size);
  const pad = (a: Float32Array) => {
    const p = new Array<number>(size).fill(0);
    for (let i = 0; i < a.length; i++) p[i] = a[i];
    return p;
  };
  const X = fft.createComplexArray() as number[];
  const H = fft.createComplexArray() as number[];
  fft.realTransform(X, pad(x));
  fft.completeSpectrum(X);
  fft.realTransform(H, pad(h));
  fft.completeSpectrum(H);
  for (let k = 0; k < size; k++) {
    const re = X[2 * k] * H[2 * k] - X[2 * k + 1] * H[2 * k + 1];
    const im = X[2 * k] * H[2 * k + 1] + X[2 * k + 1] * H[2 * k];
    X[2 * k] = re;
    X[2 * k + 1] = im;
  }
  const y = fft.createComplexArray() as number[];
  fft.inverseTransform(y, X);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = y[2 * i];
  return out;
}

/** Reverberated copy, rescaled to the input's RMS so loudness does not change. */
export function addReverb(x: Float32Array, sampleRate: number, rt60: number, wet: number, rng: Rng): Float32Array {
  const y = convolve(x, syntheticImpulseResponse(sampleRate, rt60, wet, rng));
  const g = rms(y) > 0 ? rms(x) / rms(y) : 1;
  for (let i = 0; i < y.length; i++) y[i] *= g;
  return y;
}

/** Plays `factor` times faster (factor 1.1: 10% shorter, pitch up 10%). */
export function speedPerturb(x: Float32Array, sampleRate: number, factor: number): Float32Array {
  if (!(factor > 0)) throw new Error(`speed factor must be positive, got ${factor}`);
  return resample(x, Math.round(sampleRate * factor), sampleRate);
}

/** RBJ audio-EQ-cookbook biquad, Butterworth Q, direct form I. */
function biquad(x: Float32Array, sampleRate: number, type: 'lowpass' | 'highpass', cutoff: number): Float32Array {
  const w0 = (2 * Math.PI * cutoff) / sampleRate;
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w0);
  const b1 = type === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = type === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  const a0 = 1 + alpha;
  const [nb0, nb1, nb2, na1, na2] = [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
  const y = new Float32Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = nb0 * x[i] + nb1 * x1 + nb2 * x2 - na1 * y1 - na2 * y2;
    x2 = x1; x1 = x[i]; y2 = y1; y1 = v;
    y[i] = v;
  }
  return y;
}

/**
 * Telephone channel: 4th-order Butterworth band-pass 300-3400 Hz (two biquads
 * each side), then a round trip through 8 kHz as a narrow-band codec would.
 */
export function telephoneBand(x: Float32Array, sampleRate: number): Float32Array {
  let y = biquad(x, sampleRate, 'highpass', 300);
  y = biquad(y, sampleRate, 'highpass', 300);
  y = biquad(y, sampleRate, 'lowpass', 3400);
  y = biquad(y, sampleRate, 'lowpass', 3400);
  const narrow = resample(y, sampleRate, 8000);
  const back = resample(narrow, 8000, sampleRate);
  // Resampling can be off by a sample; keep the input's length.
  const out = new Float32Array(x.length);
  out.set(back.subarray(0, Math.min(back.length, x.length)));
  return out;
}

// ---- what to apply to one utterance

export interface AugmentConfig {
  /** Fraction of training utterances that get any augmentation. */
  fraction: number;
  /** Probability of each effect on an augmented utterance (at least one is always applied). */
  noise: number;
  reverb: number;
  speed: number;
  telephone: number;
  snrDb: [number, number];
  rt60: [number, number];
  speedFactors: readonly number[];
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  fraction: 0.3,
  noise: 0.6,
  reverb: 0.3,
  speed: 0.3,
  telephone: 0.15,
  snrDb: [5, 25],
  rt60: [0.2, 0.7],
  speedFactors: [0.9, 1.1],
};

/** What was done to an utterance, as recorded in its manifest row. */
export interface AugmentPlan {
  speed?: number;
  reverb?: { rt60: number; wet: number };
  noise?: { colour: NoiseColour; snrDb: number };
  telephone?: true;
  /** Seed of the noise and impulse-response generators. */
  seed: number;
}

/** Decide the augmentation of one utterance (null: keep it clean). */
export function planAugment(config: AugmentConfig, seed: number): AugmentPlan | null {
  const rng = createRng(seed);
  if (rng() >= config.fraction) return null;
  const plan: AugmentPlan = { seed: Math.floor(rng() * 2 ** 32) };
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  const draw = () => {
    if (rng() < config.speed && config.speedFactors.length) plan.speed = pick(rng, config.speedFactors);
    if (rng() < config.reverb) plan.reverb = { rt60: round(randRange(rng, ...config.rt60), 2), wet: round(randRange(rng, 0.3, 0.8), 2) };
    if (rng() < config.noise) plan.noise = { colour: pick(rng, ['white', 'pink', 'brown'] as const), snrDb: round(randRange(rng, ...config.snrDb), 1) };
    if (rng() < config.telephone) plan.telephone = true;
  };
  draw();
  if (!plan.speed && !plan.reverb && !plan.noise && !plan.telephone) {
    plan.noise = { colour: pick(rng, ['white', 'pink', 'brown'] as const), snrDb: round(randRange(rng, ...config.snrDb), 1) };
  }
  return plan;
}

/** Apply a plan, in the physical order: speaker speed, room, channel, then noise at the receiver. */
export function applyAugment(x: Float32Array, sampleRate: number, plan: AugmentPlan): Float32Array {
  const rng = createRng(plan.seed);
  let y = x;
  if (plan.speed) y = speedPerturb(y, sampleRate, plan.speed);
  if (plan.reverb) y = addReverb(y, sampleRate, plan.reverb.rt60, plan.reverb.wet, rng);
  if (plan.telephone) y = telephoneBand(y, sampleRate);
  if (plan.noise) y = addNoise(y, colouredNoise(y.length, plan.noise.colour, rng), plan.noise.snrDb);
  return y;
}

/** Peak-normalise to `peak` if the signal would clip in PCM16. */
export function preventClipping(x: Float32Array, peak = 0.99): Float32Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  if (m <= peak) return x;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = (x[i] * peak) / m;
  return y;
}
