import { describe, it, expect } from 'vitest';
import { classPeriod, epochMarks, nccf, periodClass, pitchAgreement, trackPitch } from '../../src/audio/pitch.ts';
import { mulberry32 } from '../../src/random.ts';

const SR = 16000;

/** A glottal-like pulse train (each pulse a decaying resonance) at a given f0, as voiced speech's excitation through a formant. */
function pulseTrain(f0: number, seconds: number, formantHz = 700): Float32Array {
  const n = Math.round(seconds * SR);
  const x = new Float32Array(n);
  const period = SR / f0;
  for (let k = 0; k * period < n; k++) {
    const t0 = Math.round(k * period);
    for (let j = 0; j < 200 && t0 + j < n; j++) x[t0 + j] += 0.3 * Math.exp(-j / 30) * Math.cos((2 * Math.PI * formantHz * j) / SR);
  }
  return x;
}

const centres = (n: number, hop = 160) => Array.from({ length: Math.floor((n - 400) / hop) }, (_, f) => f * hop + 200);

describe('nccf', () => {
  it('is 1 at the period of a periodic signal and matches a hand computation', () => {
    const x = Float32Array.from({ length: 2000 }, (_, t) => Math.sin((2 * Math.PI * t) / 100));
    expect(nccf(x, 1000, 320, 100)).toBeCloseTo(1, 6);
    expect(nccf(x, 1000, 320, 50)).toBeCloseTo(-1, 6);
    // hand case: x = [1, 2, 3, 4], window 2, lag 1, centre 2 -> s = 2 - round(1.5) = 0: a = [1, 2], b = [2, 3]
    const y = Float32Array.from([1, 2, 3, 4]);
    expect(nccf(y, 2, 2, 1)).toBeCloseTo((1 * 2 + 2 * 3) / Math.sqrt((1 + 4) * (4 + 9)), 6);
  });
});

describe('trackPitch', () => {
  it('finds the period of pulse trains from 60 to 380 Hz without octave errors', () => {
    for (const f0 of [60, 85, 120, 180, 250, 380]) {
      const x = pulseTrain(f0, 0.5);
      const { period } = trackPitch(x, centres(x.length));
      const inner = Array.from(period.slice(3, -3));
      expect(inner.length).toBeGreaterThan(20);
      for (const p of inner) expect(Math.abs(p - SR / f0)).toBeLessThanOrEqual(1);
    }
  });

  it('calls white noise and silence unvoiced', () => {
    const rand = mulberry32(5);
    const noise = Float32Array.from({ length: 8000 }, () => 0.3 * (2 * rand() - 1));
    const n = trackPitch(noise, centres(noise.length));
    expect(Array.from(n.period).filter((p) => p > 0).length).toBeLessThanOrEqual(1);
    const silence = trackPitch(new Float32Array(8000), centres(8000));
    expect(Array.from(silence.period).every((p) => p === 0)).toBe(true);
    expect(Array.from(silence.correlation).every((r) => r === 0)).toBe(true);
  });

  it('follows a voiced segment between silences', () => {
    const x = new Float32Array(16000);
    x.set(pulseTrain(150, 0.4), 4000);
    const c = centres(x.length);
    const { period } = trackPitch(x, c);
    c.forEach((centre, f) => {
      if (centre < 3600 || centre > 10800) expect(period[f]).toBe(0);
      else if (centre > 4400 && centre < 10000) expect(Math.abs(period[f] - SR / 150)).toBeLessThanOrEqual(1);
    });
  });
});

describe('period classes', () => {
  const k = { bins: 48, minPeriod: 40, maxPeriod: 320 };
  it('maps periods to log-spaced classes and back within half a class', () => {
    expect(periodClass(0, k)).toBe(0);
    expect(periodClass(40, k)).toBe(1);
    expect(periodClass(320, k)).toBe(48);
    expect(periodClass(1000, k)).toBe(48);
    expect(periodClass(20, k)).toBe(1);
    // 8x range over 48 bins: each bin spans a ratio of 8^(1/48) = 1.0443
    const step = 8 ** (1 / 48);
    for (let p = 40; p <= 320; p++) {
      const back = classPeriod(periodClass(p, k), k);
      expect(Math.abs(Math.log(back / p))).toBeLessThanOrEqual(Math.log(step) + 0.5 / p + 1e-9);
    }
    expect(classPeriod(0, k)).toBe(0);
    // classes are monotone in the period
    let last = 0;
    for (let p = 40; p <= 320; p++) {
      expect(periodClass(p, k)).toBeGreaterThanOrEqual(last);
      last = periodClass(p, k);
    }
  });
});

describe('pitchAgreement', () => {
  it('counts reference-voiced frames, those voiced in both, and >20% period errors among them', () => {
    const ref = [0, 100, 100, 100, 100, 0, 50];
    const test = [80, 100, 121, 0, 119, 60, 50];
    expect(pitchAgreement(ref, test)).toEqual({ referenceVoiced: 5, bothVoiced: 4, grossErrors: 1 });
    expect(pitchAgreement([], [1, 2])).toEqual({ referenceVoiced: 0, bothVoiced: 0, grossErrors: 0 });
  });
});

describe('epochMarks', () => {
  it('marks one sample per period, on the pulse, in voiced stretches only, in the dominant polarity', () => {
    const n = 2400;
    const P = 90;
    const rand = mulberry32(11);
    const residual = Float32Array.from({ length: n }, () => 0.05 * (2 * rand() - 1));
    // doublet pulses: a positive lobe and a slightly smaller negative one right after
    for (let k = 0; k * P + 4 < n; k++) {
      residual[k * P + 3] += 1;
      residual[k * P + 4] -= 0.8;
    }
    const voiced = (t: number) => (t >= 400 && t < 2000 ? P : 0);
    const marks = epochMarks(residual, voiced);
    const at = Array.from(marks).flatMap((m, t) => (m ? [t] : []));
    const expected = Array.from({ length: n }, (_, t) => t).filter((t) => t % P === 3 && t >= 400 && t < 2000);
    expect(at).toEqual(expected);
    // forced to the other polarity: the negative lobes
    const neg = Array.from(epochMarks(residual, voiced, -1)).flatMap((m, t) => (m ? [t] : []));
    expect(neg).toEqual(expected.map((t) => t + 1));
    // nothing voiced, nothing marked
    expect(epochMarks(residual, () => 0).every((m) => m === 0)).toBe(true);
  });

  it('follows a period that changes', () => {
    const residual = new Float32Array(3000);
    const pulses: number[] = [];
    for (let t = 100, P = 60; t < 2900; t += P, P += 2) pulses.push(t);
    for (const t of pulses) residual[t] = 1;
    // the period known at each sample: the distance between the pulses around it
    const periodAt = (t: number) => {
      if (t < 90 || t > pulses[pulses.length - 1] + 5) return 0;
      const k = pulses.findIndex((p) => p > t);
      return k > 0 ? pulses[k] - pulses[k - 1] : 60;
    };
    const at = Array.from(epochMarks(residual, periodAt)).flatMap((m, t) => (m ? [t] : []));
    expect(at).toEqual(pulses);
  });
});
