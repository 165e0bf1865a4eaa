import { describe, it, expect } from 'vitest';
import { DEFAULT_LEVEL_CONFIG, LevelNormalizer, normalizeLevel, type LevelConfig } from '../../src/audio/level.ts';
import { noise, randomChunks, rms, rng, tone } from './helpers.ts';

const db = (x: number) => 20 * Math.log10(x);

/** Bursts of noise (syllables) with gaps, each burst at its own level around `rmsLevel`. */
function speechLike(seconds: number, rmsLevel: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(16000 * seconds);
  for (let at = 1600; at < x.length; ) {
    const len = 1600 + Math.floor(r() * 3200);
    const burst = noise(len, rmsLevel * (0.5 + r()), seed + at);
    x.set(burst.subarray(0, Math.min(len, x.length - at)), at);
    at += len + 800 + Math.floor(r() * 1600);
  }
  return x;
}

describe('LevelNormalizer', () => {
  it('gives the same samples in chunks of any size as on the whole signal', () => {
    const x = speechLike(4, 0.02, 3);
    const whole = normalizeLevel(x);
    for (const [lo, hi, seed] of [[1, 7, 1], [100, 3000, 2], [159, 161, 3]]) {
      const n = new LevelNormalizer();
      const parts = randomChunks(x, lo, hi, seed).map((c) => n.push(c));
      const joined = new Float32Array(x.length);
      let at = 0;
      for (const p of parts) (joined.set(p, at), (at += p.length));
      expect(at).toBe(x.length);
      expect(joined).toEqual(whole);
    }
  });

  it('brings a steady tone to the target level from the third block on (hand-computed)', () => {
    // 400 Hz at 16 kHz: 40-sample period, so each 160-sample block holds 4 whole periods and
    // its mean square is exactly A^2 / 2; the first block sets the level, the second ramps.
    const A = 0.02; // -37 dB: a gain of +19 dB, inside the bounds
    const x = tone(400, 16000, 0.5, A);
    const y = normalizeLevel(x);
    const level = db(A / Math.SQRT2);
    expect(rms(y, 0, 160)).toBeCloseTo(rms(x, 0, 160), 9); // block 0: no estimate yet, gain 1
    const gain = Math.pow(10, (DEFAULT_LEVEL_CONFIG.targetDb - level) / 20);
    for (let i = 320; i < 800; i++) expect(y[i]).toBeCloseTo(x[i] * gain, 6);
    expect(db(rms(y, 320, 8000))).toBeCloseTo(DEFAULT_LEVEL_CONFIG.targetDb, 4);
  });

  it('makes the output independent of the input gain, within the gain bounds', () => {
    const x = speechLike(3, 0.1, 7); // about -20 dB: gains 0.1-4 need +22 to -10 dB
    const ref = normalizeLevel(x);
    const peak = Math.max(...ref.map(Math.abs));
    // The first speech block (samples 1600-1759) sets the estimate and passes at gain 1; the
    // next ramps to the gain; from then on the output does not depend on the input's level.
    const from = 1600 + 2 * 160;
    for (const g of [0.1, 0.3, 4]) {
      const y = normalizeLevel(x.map((v) => v * g));
      let worst = 0;
      for (let i = from; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
      expect(worst / peak).toBeLessThan(1e-4);
    }
    // Without it, the same gains change the signal by that much.
    expect(db(rms(x.map((v) => v * 0.05)) / rms(x))).toBeCloseTo(db(0.05), 6);
  });

  it('leaves silence and near-silence alone, and bounds the gain', () => {
    expect(normalizeLevel(new Float32Array(4000))).toEqual(new Float32Array(4000));
    const hum = noise(8000, Math.pow(10, -75 / 20), 2); // below the -65 dB floor: not speech
    expect(normalizeLevel(hum)).toEqual(hum);
    const faint = tone(400, 16000, 1, Math.SQRT2 * Math.pow(10, -55 / 20)); // -55 dB: needs +37, gets +30
    const out = normalizeLevel(faint);
    expect(db(rms(out, 8000, 16000))).toBeCloseTo(-55 + DEFAULT_LEVEL_CONFIG.maxGainDb, 3);
    const loud = tone(400, 16000, 1, Math.SQRT2 * 1); // 0 dB: needs -18, within -20
    expect(db(rms(normalizeLevel(loud), 8000, 16000))).toBeCloseTo(DEFAULT_LEVEL_CONFIG.targetDb, 3);
  });

  it('holds the level through pauses; quieter speech pulls it down slowly, louder up fast', () => {
    const cfg: LevelConfig = { ...DEFAULT_LEVEL_CONFIG };
    const block = (rmsDb: number) => tone(400, 16000, 0.01, Math.SQRT2 * Math.pow(10, rmsDb / 20));
    const n = new LevelNormalizer(cfg);
    n.push(block(-20));
    expect(n.levelDb).toBeCloseTo(-20, 6);
    n.push(block(-45)); // 25 dB below: a pause
    expect(n.levelDb).toBeCloseTo(-20, 6);
    n.push(block(-30)); // 10 dB below: speech, release
    expect(n.levelDb).toBeCloseTo(-20 - cfg.release * 10, 6);
    const before = n.levelDb!;
    n.push(block(-10)); // louder: attack
    expect(n.levelDb).toBeCloseTo(before + cfg.attack * (-10 - before), 6);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new LevelNormalizer({ ...DEFAULT_LEVEL_CONFIG, blockSize: 0 })).toThrow(/level normaliser/);
    expect(() => new LevelNormalizer({ ...DEFAULT_LEVEL_CONFIG, attack: 2 })).toThrow(/level normaliser/);
  });
});
