/**
 * Augmentations checked against independent measurements: SNR from the RMS of
 * what was added, tone levels through the telephone channel, durations and
 * frequencies after speed perturbation, the impulse response's decay rate,
 * FFT convolution against the direct sum.
 */
import { describe, expect, it } from 'vitest';
import {
  addNoise,
  addReverb,
  applyAugment,
  colouredNoise,
  convolve,
  DEFAULT_AUGMENT,
  planAugment,
  rms,
  snrDb,
  speedPerturb,
  syntheticImpulseResponse,
  telephoneBand,
} from '../../training/corpus/speech/augment.ts';
import { createRng, hashSeed } from '../../training/corpus/speech/random.ts';

const SR = 16000;

function tone(freq: number, seconds: number, amp = 0.5): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

/** RMS over the middle half, away from filter start-up and resampler edges. */
function middleRms(x: Float32Array): number {
  return rms(x.subarray(Math.floor(x.length / 4), Math.floor((3 * x.length) / 4)));
}

function gainDb(freq: number, f: (x: Float32Array) => Float32Array): number {
  const x = tone(freq, 1);
  return 20 * Math.log10(middleRms(f(x)) / middleRms(x));
}

function upwardCrossingsPerSecond(x: Float32Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) n++;
  return n / (x.length / SR);
}

describe('additive noise', () => {
  it('hits the requested SNR exactly, measured from the RMS of what was added', () => {
    const speech = tone(220, 1.3);
    for (const colour of ['white', 'pink', 'brown'] as const) {
      for (const snr of [-5, 0, 7.5, 20, 40]) {
        // Noise shorter than the signal is tiled.
        const noise = colouredNoise(9000, colour, createRng(hashSeed(colour, snr)));
        const y = addNoise(speech, noise, snr);
        const added = y.map((v, i) => v - speech[i]);
        expect(snrDb(speech, added)).toBeCloseTo(snr, 4);
      }
    }
  });

  it('makes unit-RMS noise whose colour shows in its spectrum balance', () => {
    const rng = createRng(5);
    const lowShare = (x: Float32Array) => {
      // Energy kept by a 16-sample moving average (a low-pass) over the total.
      const y = new Float32Array(x.length);
      let acc = 0;
      for (let i = 0; i < x.length; i++) {
        acc += x[i] - (i >= 16 ? x[i - 16] : 0);
        y[i] = acc / 16;
      }
      return rms(y) / rms(x);
    };
    const white = colouredNoise(SR, 'white', rng);
    const pink = colouredNoise(SR, 'pink', rng);
    const brown = colouredNoise(SR, 'brown', rng);
    for (const n of [white, pink, brown]) expect(rms(n)).toBeCloseTo(1, 5);
    expect(lowShare(white)).toBeLessThan(lowShare(pink));
    expect(lowShare(pink)).toBeLessThan(lowShare(brown));
  });
});

describe('telephone band', () => {
  it('passes 1 kHz, cuts 100 Hz and 6 kHz', () => {
    const tel = (x: Float32Array) => telephoneBand(x, SR);
    expect(Math.abs(gainDb(1000, tel))).toBeLessThan(1);
    // 4th-order Butterworth high-pass at 300 Hz: 1/sqrt(1 + 3^8) = -38 dB at 100 Hz.
    expect(gainDb(100, tel)).toBeLessThan(-30);
    // Above the 8 kHz round trip's Nyquist: the resampler's stopband on top of the low-pass.
    expect(gainDb(6000, tel)).toBeLessThan(-50);
    expect(tel(tone(1000, 0.5)).length).toBe(8000);
  });
});

describe('speed perturbation', () => {
  it('changes the duration by 1/factor and frequencies by the factor', () => {
    const x = tone(500, 2);
    for (const factor of [0.9, 1.1, 1.25]) {
      const y = speedPerturb(x, SR, factor);
      expect(Math.abs(y.length - x.length / factor)).toBeLessThanOrEqual(2);
      expect(upwardCrossingsPerSecond(y)).toBeCloseTo(500 * factor, -1);
    }
  });
});

describe('reverb', () => {
  it('impulse response: direct path first, tail decays 60 dB per rt60', () => {
    const rt60 = 0.5;
    const h = syntheticImpulseResponse(SR, rt60, 0.5, createRng(3));
    expect(h[0]).toBe(1);
    expect(h.length).toBe(rt60 * SR);
    const windowRms = (t: number) => rms(h.subarray(Math.round(t * SR), Math.round((t + 0.05) * SR)));
    const decayDb = 20 * Math.log10(windowRms(0.05) / windowRms(0.3));
    expect(decayDb).toBeGreaterThan(60 * (0.25 / rt60) - 4);
    expect(decayDb).toBeLessThan(60 * (0.25 / rt60) + 4);
    // Tail energy relative to the direct path is the requested wet level.
    const tail = h.subarray(1);
    expect(Math.sqrt(tail.reduce((s, v) => s + v * v, 0))).toBeCloseTo(0.5, 6);
  });

  it('FFT convolution equals the direct sum', () => {
    const rng = createRng(11);
    const x = Float32Array.from({ length: 37 }, () => rng() - 0.5);
    const h = Float32Array.from({ length: 9 }, () => rng() - 0.5);
    const y = convolve(x, h);
    for (let n = 0; n < x.length; n++) {
      let s = 0;
      for (let k = 0; k <= n && k < h.length; k++) s += h[k] * x[n - k];
      expect(y[n]).toBeCloseTo(s, 5);
    }
  });

  it('keeps loudness and smears a click into a decaying tail', () => {
    const x = new Float32Array(SR);
    x[100] = 1;
    const y = addReverb(x, SR, 0.4, 0.6, createRng(2));
    expect(rms(y)).toBeCloseTo(rms(x), 6);
    const energyAfter = (t: number) => rms(y.subarray(100 + Math.round(t * SR), 100 + Math.round((t + 0.05) * SR)));
    expect(energyAfter(0.02)).toBeGreaterThan(energyAfter(0.3) * 10);
    expect(y.subarray(0, 100).every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });
});

describe('augmentation plans', () => {
  it('augments about the configured fraction, always with at least one effect, reproducibly', () => {
    let augmented = 0;
    for (let i = 0; i < 4000; i++) {
      const p = planAugment(DEFAULT_AUGMENT, hashSeed('plan', i));
      expect(p).toEqual(planAugment(DEFAULT_AUGMENT, hashSeed('plan', i)));
      if (!p) continue;
      augmented++;
      expect(Boolean(p.noise || p.reverb || p.speed || p.telephone)).toBe(true);
      if (p.noise) {
        expect(p.noise.snrDb).toBeGreaterThanOrEqual(DEFAULT_AUGMENT.snrDb[0]);
        expect(p.noise.snrDb).toBeLessThanOrEqual(DEFAULT_AUGMENT.snrDb[1]);
      }
    }
    expect(augmented / 4000).toBeGreaterThan(DEFAULT_AUGMENT.fraction - 0.03);
    expect(augmented / 4000).toBeLessThan(DEFAULT_AUGMENT.fraction + 0.03);
    expect(planAugment({ ...DEFAULT_AUGMENT, fraction: 0 }, 1)).toBeNull();
  });

  it('applying a plan is deterministic and follows it', () => {
    const x = tone(300, 1);
    const plan = { seed: 9, speed: 1.1, noise: { colour: 'white' as const, snrDb: 10 } };
    const a = applyAugment(x, SR, plan);
    expect(a).toEqual(applyAugment(x, SR, plan));
    expect(Math.abs(a.length - x.length / 1.1)).toBeLessThanOrEqual(2);
    const clean = speedPerturb(x, SR, 1.1);
    expect(snrDb(clean, a.map((v, i) => v - clean[i]))).toBeCloseTo(10, 4);
  });
});
