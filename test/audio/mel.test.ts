import { describe, it, expect } from 'vitest';
import { hzToMel, melToHz, melEdges, melFilterbank } from '../../src/audio/mel.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { expectCode, tone } from './helpers.ts';

/*
 * Hand values (HTK: mel(f) = 2595 log10(1 + f/700)), computed separately with awk:
 *   mel(1000) = 999.985537, mel(20) = 31.748414, mel(8000) = 2840.023047.
 * Edge i = melToHz(mel(20) + i * (mel(8000) - mel(20)) / 81):
 *   e0 = 20, e1 = 42.493792, e2 = 65.690321, e40 = 1764.595830, e41 = 1841.593199,
 *   e42 = 1920.996072, e80 = 7736.434175, e81 = 8000.
 * Filter 40 spans (e40, e42) and touches bins 57..61 (f = 31.25 k):
 *   k57 (1781.25 Hz) 0.216295, k58 0.622153, k59 0.972837, k60 0.579275, k61 0.185712.
 * Filter 0 touches k1 (31.25 Hz) 0.500138 and k2 (62.5 Hz) 0.137534.
 */
describe('mel scale', () => {
  it('matches the HTK formula at hand-computed points', () => {
    expect(hzToMel(1000)).toBeCloseTo(999.985537, 5);
    expect(hzToMel(20)).toBeCloseTo(31.748414, 5);
    expect(hzToMel(8000)).toBeCloseTo(2840.023047, 5);
    expect(melToHz(hzToMel(4321))).toBeCloseTo(4321, 8);
  });

  it('filter edges equal the hand-computed values', () => {
    const e = melEdges(DEFAULT_FEATURE_CONFIG);
    expect(e).toHaveLength(82);
    const expected: [number, number][] = [[0, 20], [1, 42.493792], [2, 65.690321], [40, 1764.59583], [41, 1841.593199], [42, 1920.996072], [80, 7736.434175], [81, 8000]];
    for (const [i, v] of expected) expect(e[i]).toBeCloseTo(v, 4);
  });

  it('filter weights equal the hand-computed triangle values', () => {
    const fb = melFilterbank(DEFAULT_FEATURE_CONFIG);
    expect(fb).toHaveLength(80);
    expect(fb[0]).toHaveLength(257);
    const nz = (row: Float32Array) => Array.from(row.entries()).filter(([, v]) => v > 0);
    const f40 = nz(fb[40]!);
    expect(f40.map(([k]) => k)).toEqual([57, 58, 59, 60, 61]);
    [0.216295, 0.622153, 0.972837, 0.579275, 0.185712].forEach((w, i) => expect(f40[i]![1]).toBeCloseTo(w, 5));
    const f0 = nz(fb[0]!);
    expect(f0.map(([k]) => k)).toEqual([1, 2]);
    expect(f0[0]![1]).toBeCloseTo(0.500138, 5);
    expect(f0[1]![1]).toBeCloseTo(0.137534, 5);
    // DC (0 Hz, below fMin) is in no filter; no filter is empty.
    expect(fb.every((r) => r[0] === 0)).toBe(true);
    expect(fb.every((r) => r.some((v) => v > 0))).toBe(true);
  });

  it('a tone lights up the filter whose centre is nearest its frequency', () => {
    const e = melEdges(DEFAULT_FEATURE_CONFIG);
    for (const f of [300, 1000, 2500, 6000]) {
      const mel = logMelSpectrogram(tone(f, 16000, 0.1));
      const row = Array.from(mel.data.subarray(0, mel.bins));
      const peak = row.indexOf(Math.max(...row));
      // centre of filter m is edge m+1
      let nearest = 0;
      for (let m = 0; m < 80; m++) if (Math.abs(e[m + 1]! - f) < Math.abs(e[nearest + 1]! - f)) nearest = m;
      expect(Math.abs(peak - nearest)).toBeLessThanOrEqual(1);
      expect(e[peak]! < f && f < e[peak + 2]!).toBe(true);
    }
  });

  it('rejects an impossible config', async () => {
    await expectCode(() => melFilterbank({ ...DEFAULT_FEATURE_CONFIG, fMax: 9000 }), 'BAD_ARGUMENT');
    await expectCode(() => melFilterbank({ ...DEFAULT_FEATURE_CONFIG, nFft: 500 }), 'BAD_ARGUMENT');
    await expectCode(() => melFilterbank({ ...DEFAULT_FEATURE_CONFIG, sampleRate: 0 }), 'BAD_SAMPLE_RATE');
  });
});
