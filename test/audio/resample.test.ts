import { describe, it, expect } from 'vitest';
import { resample, Resampler } from '../../src/audio/resample.ts';
import { concat, expectCode, noise, peakFrequency, randomChunks, rms, tone } from './helpers.ts';

const db = (r: number) => 20 * Math.log10(r);

describe('resample: passband', () => {
  // 16001 and 44101 have more than 4096 phases: they take the interpolated-table path.
  for (const from of [44100, 48000, 8000, 22050, 11025, 16001, 44101]) {
    it(`1 kHz tone ${from} -> 16000 keeps frequency, level (0.1 dB) and waveform`, () => {
      const A = 0.5;
      const y = resample(tone(1000, from, 1, A), from, 16000);
      expect(y.length).toBe(16000);
      const edge = 1600; // 0.1 s: the filter's reach is < 20 ms
      const mid = y.subarray(edge, y.length - edge);
      expect(Math.abs(db(rms(mid) / (A / Math.SQRT2)))).toBeLessThan(0.1);
      expect(peakFrequency(y.subarray(4000, 8000), 16000, 950, 1050, 1)).toBe(1000);
      // No delay: output n is the input at time n / 16000.
      const ideal = tone(1000, 16000, 1, A);
      let err = 0;
      for (let i = edge; i < y.length - edge; i++) err = Math.max(err, Math.abs(y[i]! - ideal[i]!));
      expect(err / A).toBeLessThan(1e-3);
    });
  }

  it('16000 -> 48000 (upsampling) keeps a 3 kHz tone', () => {
    const y = resample(tone(3000, 16000, 0.5, 0.4), 16000, 48000);
    expect(y.length).toBe(24000);
    const ideal = tone(3000, 48000, 0.5, 0.4);
    let err = 0;
    for (let i = 4800; i < 24000 - 4800; i++) err = Math.max(err, Math.abs(y[i]! - ideal[i]!));
    expect(err / 0.4).toBeLessThan(1e-3);
  });

  it('DC passes exactly', () => {
    const y = resample(new Float32Array(44100).fill(0.25), 44100, 16000);
    for (let i = 1000; i < 15000; i += 97) expect(y[i]).toBeCloseTo(0.25, 6);
  });

  it('the same rate is a copy', () => {
    const x = noise(100, 0.1);
    const y = resample(x, 16000, 16000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });
});

describe('resample: stopband', () => {
  // Stated bound (resample.ts): anything at or above the new Nyquist comes out >= 70 dB down.
  const cases: [number, number][] = [
    [48000, 8500], [48000, 10000], [48000, 15000], [48000, 23000],
    [44100, 9000], [44100, 12000], [44100, 20000],
    [22050, 8200], [22050, 10000], [44101, 10000],
  ];
  for (const [from, f] of cases) {
    it(`${f} Hz at ${from} -> 16000 is attenuated by >= 70 dB`, () => {
      const A = 0.5;
      const y = resample(tone(f, from, 0.5, A), from, 16000);
      expect(db(rms(y, 800, y.length - 800) / (A / Math.SQRT2))).toBeLessThan(-70);
    });
  }

  it('8000 -> 16000: the image of a 3 kHz tone (at 5 kHz) is >= 70 dB down', () => {
    const y = resample(tone(3000, 8000, 0.5, 0.5), 8000, 16000);
    const ideal = tone(3000, 16000, 0.5, 0.5);
    const resid = y.map((v, i) => v - ideal[i]!).subarray(800, 8000 - 800);
    expect(db(rms(resid) / (0.5 / Math.SQRT2))).toBeLessThan(-70);
  });
});

describe('Resampler (streaming)', () => {
  for (const [from, to] of [[48000, 16000], [44100, 16000], [8000, 16000], [16001, 16000], [16000, 22050]] as const) {
    it(`${from} -> ${to}: concatenated chunks equal the one-shot result`, () => {
      const x = concat([tone(700, from, 0.3, 0.4), noise(Math.round(from * 0.2), 0.1, from)]);
      const whole = resample(x, from, to);
      expect(whole.length).toBe(Math.ceil((x.length * to) / from));
      const r = new Resampler(from, to);
      const out = randomChunks(x, 1, 3000, from).map((c) => r.push(c));
      out.push(r.flush());
      expect(concat(out)).toEqual(whole);
      // flush() readies it for a new stream
      expect(concat([r.push(x), r.flush()])).toEqual(whole);
    });
  }
});

describe('resample: bad rates', () => {
  for (const bad of [0, -16000, NaN, Infinity, 44100.5]) {
    it(`rejects ${bad} Hz with BAD_SAMPLE_RATE`, async () => {
      await expectCode(() => resample(new Float32Array(10), bad, 16000), 'BAD_SAMPLE_RATE');
      await expectCode(() => new Resampler(16000, bad), 'BAD_SAMPLE_RATE');
    });
  }
});
