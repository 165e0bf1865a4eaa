import { describe, it, expect } from 'vitest';
import { dct2, dtw, frameMcd, melCepstra, melCepstralDistortion } from '../../src/metrics/mcd.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { melToAudio } from '../../src/audio/griffin-lim.ts';

/** Deterministic pseudo-random numbers in [0, 1). */
function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every monotonic path from (0,0) to (r-1,c-1) with steps (1,0), (0,1), (1,1). */
function allPaths(r: number, c: number): [number, number][][] {
  const out: [number, number][][] = [];
  const walk = (i: number, j: number, acc: [number, number][]) => {
    const p: [number, number][] = [...acc, [i, j]];
    if (i === r - 1 && j === c - 1) return void out.push(p);
    if (i + 1 < r) walk(i + 1, j, p);
    if (j + 1 < c) walk(i, j + 1, p);
    if (i + 1 < r && j + 1 < c) walk(i + 1, j + 1, p);
  };
  walk(0, 0, []);
  return out;
}

function randomMel(frames: number, bins: number, seed: number): MelSpectrogram {
  const r = rand(seed);
  return { data: Float32Array.from({ length: frames * bins }, () => 6 * r() - 4), frames, bins };
}

const MCD_K = (10 / Math.LN10) * Math.SQRT2;

describe('dtw', () => {
  it('finds the cheapest monotonic path (brute force over all paths on tiny matrices)', () => {
    const r = rand(7);
    for (const [rows, cols] of [[1, 1], [1, 4], [3, 1], [2, 2], [3, 4], [4, 3], [4, 5]] as const) {
      for (let trial = 0; trial < 5; trial++) {
        const m = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.round(10 * r())));
        const costs = allPaths(rows, cols).map((p) => p.reduce((s, [i, j]) => s + m[i]![j]!, 0));
        const res = dtw(m);
        expect(res.cost).toBeCloseTo(Math.min(...costs), 10);
        // The returned path is valid and really costs what is claimed.
        expect(res.path[0]).toEqual([0, 0]);
        expect(res.path.at(-1)).toEqual([rows - 1, cols - 1]);
        for (let k = 1; k < res.path.length; k++) {
          const di = res.path[k]![0] - res.path[k - 1]![0];
          const dj = res.path[k]![1] - res.path[k - 1]![1];
          expect([[1, 0], [0, 1], [1, 1]]).toContainEqual([di, dj]);
        }
        expect(res.path.reduce((s, [i, j]) => s + m[i]![j]!, 0)).toBeCloseTo(res.cost, 10);
        // Among the cheapest paths, the shortest is returned.
        const shortest = Math.min(...allPaths(rows, cols).filter((_, k) => Math.abs(costs[k]! - res.cost) < 1e-9).map((p) => p.length));
        expect(res.path.length).toBe(shortest);
      }
    }
  });

  it('follows a clear diagonal and rejects an empty matrix', () => {
    const m = [
      [0, 5, 5],
      [5, 0, 5],
      [5, 5, 0],
    ];
    expect(dtw(m)).toEqual({ path: [[0, 0], [1, 1], [2, 2]], cost: 0 });
    expect(() => dtw([])).toThrow(/non-empty/);
  });
});

describe('dct2 (orthonormal DCT-II)', () => {
  it('matches known values', () => {
    [2, 0, 0, 0].forEach((v, k) => expect(dct2([1, 1, 1, 1])[k]).toBeCloseTo(v, 12));
    const x = dct2([1, 0, 0, 0]);
    const h = Math.SQRT1_2;
    const expected = [0.5, h * Math.cos(Math.PI / 8), h * Math.cos((2 * Math.PI) / 8), h * Math.cos((3 * Math.PI) / 8)];
    expected.forEach((v, k) => expect(x[k]).toBeCloseTo(v, 12));
    // [1, -1]: X_0 = 0, X_1 = sqrt(2/2) (cos(pi/4) - cos(3pi/4)) = sqrt 2.
    const y = dct2([1, -1]);
    expect(y[0]).toBeCloseTo(0, 12);
    expect(y[1]).toBeCloseTo(Math.SQRT2, 12);
  });

  it('preserves energy (orthonormal)', () => {
    const r = rand(3);
    const x = Array.from({ length: 80 }, () => r() - 0.5);
    const X = dct2(x);
    const e = (v: ArrayLike<number>) => Array.from(v).reduce((s, a) => s + a * a, 0);
    expect(e(X)).toBeCloseTo(e(x), 10);
  });
});

describe('mel cepstral distortion', () => {
  it('cepstra are the orthonormal DCT of the log amplitude, scaled by 1/sqrt(2N), c0 dropped', () => {
    const mel = randomMel(3, 80, 5);
    const c = melCepstra(mel, { order: 24 });
    for (let t = 0; t < 3; t++) {
      const X = dct2(Array.from(mel.data.subarray(t * 80, (t + 1) * 80), (v) => v / 2), 25);
      for (let d = 1; d <= 24; d++) expect(c[t * 24 + d - 1]).toBeCloseTo(X[d]! / Math.sqrt(160), 10);
    }
  });

  it('recovers the coefficients of log|X(w)| = c0 + 2 sum c_d cos(d w) (the SPTK convention)', () => {
    // Build a log-power mel frame from chosen cepstra, sampled at the DCT-II points w_n = pi (n + 1/2) / N.
    const N = 80;
    const want = new Map([[1, 0.8], [3, -0.25], [24, 0.05]]);
    const row = Float32Array.from({ length: N }, (_, n) => {
      const w = (Math.PI * (n + 0.5)) / N;
      let logAmp = 1.5;
      for (const [d, c] of want) logAmp += 2 * c * Math.cos(d * w);
      return 2 * logAmp; // log power
    });
    const c = melCepstra({ data: row, frames: 1, bins: N });
    for (let d = 1; d <= 24; d++) expect(c[d - 1]).toBeCloseTo(want.get(d) ?? 0, 5);
  });

  it('is small for a Griffin-Lim resynthesis and larger against another sound', () => {
    const rate = 16000;
    const tone = (f0: number) =>
      Float32Array.from({ length: rate / 2 }, (_, i) => 0.3 * (Math.sin((2 * Math.PI * f0 * i) / rate) + 0.5 * Math.sin((4 * Math.PI * f0 * i) / rate)));
    const a = logMelSpectrogram(tone(150));
    const resyn = logMelSpectrogram(melToAudio(a));
    const other = logMelSpectrogram(tone(600));
    const same = melCepstralDistortion(a, resyn).mcd;
    const diff = melCepstralDistortion(a, other).mcd;
    expect(same).toBeGreaterThan(0);
    expect(same).toBeLessThan(diff / 2);
  });

  it('is 0 for a spectrogram against itself and ignores loudness (c0)', () => {
    const a = randomMel(20, 80, 11);
    expect(melCepstralDistortion(a, a).mcd).toBe(0);
    const louder = { ...a, data: a.data.map((v) => v + 2) };
    expect(melCepstralDistortion(a, louder).mcd).toBeCloseTo(0, 5);
  });

  it('is symmetric, also for different lengths', () => {
    const a = randomMel(13, 80, 1);
    const b = randomMel(17, 80, 2);
    const ab = melCepstralDistortion(a, b);
    const ba = melCepstralDistortion(b, a);
    expect(ab.mcd).toBeGreaterThan(0);
    expect(ab.mcd).toBeCloseTo(ba.mcd, 10);
    expect(ab.pathLength).toBe(ba.pathLength);
  });

  it('matches a hand-computed two-frame case', () => {
    // 4 bins, order 1: c_1 = (1 / 8) sum_n x_n cos(pi (n + 1/2) / 4).
    // Frame F = [8, 0, 0, 0] gives c_1 = cos(pi / 8); Z = [0, 0, 0, 0] gives 0.
    const F = [8, 0, 0, 0];
    const Z = [0, 0, 0, 0];
    const d = MCD_K * Math.cos(Math.PI / 8);
    expect(frameMcd([Math.cos(Math.PI / 8)], [0])).toBeCloseTo(d, 12);
    expect(d).toBeCloseTo(5.6741, 3);
    // a = [F, Z], b = [Z, Z]: costs [[d, d], [0, 0]]; the diagonal (d + 0 over 2 cells) ties with
    // down-then-right (d + 0 + 0 over 3) on cost and wins on length: MCD = d / 2.
    const a: MelSpectrogram = { data: Float32Array.from([...F, ...Z]), frames: 2, bins: 4 };
    const b: MelSpectrogram = { data: Float32Array.from([...Z, ...Z]), frames: 2, bins: 4 };
    const r = melCepstralDistortion(a, b, { order: 1 });
    expect(r.pathLength).toBe(2);
    expect(r.mcd).toBeCloseTo(d / 2, 6);
    // a = [F, Z] against b = [F, F, Z]: the path stays on F while b does, then reaches Z: MCD 0.
    const c: MelSpectrogram = { data: Float32Array.from([...F, ...F, ...Z]), frames: 3, bins: 4 };
    const r2 = melCepstralDistortion(a, c, { order: 1 });
    expect(r2.mcd).toBe(0);
    expect(r2.pathLength).toBe(3);
  });

  it('floors very low log-mel values on both sides', () => {
    const silent: MelSpectrogram = { data: new Float32Array(5 * 80).fill(Math.log(1e-10)), frames: 5, bins: 80 };
    const quiet: MelSpectrogram = { data: Float32Array.from({ length: 5 * 80 }, (_, i) => Math.log(1e-10) * (1 + (i % 7) / 10)), frames: 5, bins: 80 };
    expect(melCepstralDistortion(silent, quiet).mcd).toBe(0);
    expect(() => melCepstralDistortion(silent, { data: new Float32Array(0), frames: 0, bins: 80 })).toThrow(/no frames/);
  });
});
