import { describe, it, expect } from 'vitest';
import { logMelSpectrogram, LogMelExtractor } from '../../src/audio/features.ts';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { melFilterbank } from '../../src/audio/mel.ts';
import { concat, noise, randomChunks, tone } from './helpers.ts';

/** One log-mel frame by the definition, with a direct O(N^2) DFT and the dense filterbank. */
function bruteFrame(x: Float32Array, start: number, cfg: FeatureConfig): number[] {
  const fb = melFilterbank(cfg);
  const N = cfg.nFft;
  const power: number[] = [];
  for (let k = 0; k <= N / 2; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < cfg.winLength; n++) {
      const v = x[start + n]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / cfg.winLength));
      re += v * Math.cos((2 * Math.PI * k * n) / N);
      im -= v * Math.sin((2 * Math.PI * k * n) / N);
    }
    power.push(re * re + im * im);
  }
  return fb.map((row) => Math.log(Math.max(cfg.logFloor, row.reduce((s, w, k) => s + w * power[k]!, 0))));
}

describe('logMelSpectrogram', () => {
  const x = concat([tone(440, 16000, 0.5, 0.3), noise(8000, 0.05, 4), new Float32Array(3000)]);

  it('has floor((n - 400) / 160) + 1 frames of 80 bins', () => {
    const m = logMelSpectrogram(x);
    expect(m.bins).toBe(80);
    expect(m.frames).toBe(Math.floor((x.length - 400) / 160) + 1);
    expect(m.data).toHaveLength(m.frames * 80);
    expect(logMelSpectrogram(new Float32Array(399)).frames).toBe(0);
  });

  it('agrees with a brute-force DFT + dense filterbank on sample frames', () => {
    const m = logMelSpectrogram(x);
    for (const t of [0, 40, 60, m.frames - 1]) {
      const want = bruteFrame(x, t * 160, DEFAULT_FEATURE_CONFIG);
      for (let b = 0; b < 80; b++) expect(m.data[t * 80 + b]).toBeCloseTo(want[b]!, 3);
    }
  });

  it('silence sits at log(floor)', () => {
    const m = logMelSpectrogram(new Float32Array(1600));
    expect(m.data.every((v) => v === Math.fround(Math.log(1e-10)))).toBe(true);
  });

  it('streaming gives exactly the same frames for any chunking (1..3000 samples)', () => {
    const whole = logMelSpectrogram(x);
    for (const [seed, lo, hi] of [[1, 1, 3000], [2, 1, 7], [3, 159, 161], [4, 1000, 3000]] as const) {
      const ex = new LogMelExtractor();
      const parts = randomChunks(x, lo, hi, seed).map((c) => ex.push(c));
      expect(parts.reduce((n, p) => n + p.frames, 0)).toBe(whole.frames);
      expect(ex.framesEmitted).toBe(whole.frames);
      expect(concat(parts.map((p) => p.data))).toEqual(whole.data);
    }
  });

  it('reset starts a new stream', () => {
    const ex = new LogMelExtractor();
    ex.push(noise(1234, 0.1, 8));
    ex.reset();
    expect(ex.push(x).data).toEqual(logMelSpectrogram(x).data);
  });

  it('honours a non-default config', () => {
    const cfg: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, nMels: 40, hopLength: 80, nFft: 1024, winLength: 800 };
    const m = logMelSpectrogram(x, cfg);
    expect(m.bins).toBe(40);
    expect(m.frames).toBe(Math.floor((x.length - 800) / 80) + 1);
    const want = bruteFrame(x, 10 * 80, cfg);
    for (let b = 0; b < 40; b++) expect(m.data[10 * 40 + b]).toBeCloseTo(want[b]!, 3);
  });
});
