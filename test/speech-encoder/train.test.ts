import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { DEFAULT_TRAIN_CONFIG, effectiveTrainConfig, parseTrainArgs, trainSpeechEncoder, type TrainConfig } from '../../training/speech-encoder/train.ts';
import { learningRateAt } from '../../training/common/adam.ts';
import { bandLimit, drawBandLimit, randomEqualizer, specAugment, warpFrequency, type Utterance } from '../../training/speech-encoder/data.ts';
import { hzToMel, melEdges } from '../../src/audio/mel.ts';
import { greedyDecode } from '../../src/ctc/decode.ts';
import { mulberry32 } from '../../src/random.ts';
import { toyTrainData, TOY_BINS } from './toy-data.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { DEFAULT_LEVEL_CONFIG } from '../../src/audio/level.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

const BINS = TOY_BINS;


function tinyConfig(runDir: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    runDir,
    out: join(runDir, 'export'),
    steps: 6,
    batchFrames: 200,
    maxBatch: 3,
    lr: 3e-3,
    warmup: 2,
    hidden: 24,
    frontEndChannels: 16,
    dilations: [1, 2],
    evalEvery: 0,
    checkpointEvery: 2,
    logEvery: 1,
    timeMaskMax: 3,
    freqMaskMax: 2,
    ...over,
  };
}

const quiet = () => {};

describe('training helpers', () => {
  it('parses flags over the defaults', () => {
    const { config, resume } = parseTrainArgs(['--steps', '10', '--dilations', '1,2,4', '--no-spec-augment', '--resume', '--corpus', 'x']);
    expect(config.steps).toBe(10);
    expect(config.dilations).toEqual([1, 2, 4]);
    expect(config.specAugment).toBe(false);
    expect(config.trainManifest).toBe(join('x', 'manifest.train.jsonl'));
    expect(resume).toBe(true);
    expect(() => parseTrainArgs(['--steps', 'many'])).toThrow(/number/);
    expect(() => parseTrainArgs(['--bogus'])).toThrow();
  });

  it('warms up linearly then decays by cosine to the floor', () => {
    expect(learningRateAt(0, 1, 10, 100)).toBeCloseTo(0.1);
    expect(learningRateAt(9, 1, 10, 100)).toBeCloseTo(1);
    expect(learningRateAt(10, 1, 10, 100)).toBeCloseTo(1);
    expect(learningRateAt(55, 1, 10, 100)).toBeCloseTo(0.05 + 0.95 * 0.5);
    expect(learningRateAt(100, 1, 10, 100)).toBeCloseTo(0.05);
  });

  it('masks with the mean', () => {
    const big = { data: new Float32Array(100 * 4).fill(9), frames: 100, bins: 4 };
    specAugment(big, { timeMasks: 1, timeMaskMax: 10, timeMaskFraction: 1, freqMasks: 1, freqMaskMax: 2 }, [1, 2, 3, 4], mulberry32(3));
    const changed = big.data.filter((v) => v !== 9).length;
    expect(changed).toBeGreaterThan(0);
    expect(big.data.every((v, i) => v === 9 || v === (i % 4) + 1)).toBe(true);
  });
});

describe('randomEqualizer', () => {
  it('adds one smooth cosine curve to every frame, with no constant part', () => {
    // Hand-computed: 2 bins, 1 term, rand = 0.75 -> c = 0.5 * amplitude; cos(pi/4) and cos(3pi/4).
    const f = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), frames: 3, bins: 2 };
    randomEqualizer(f, 1, 2, () => 0.75);
    const d = Math.SQRT1_2;
    expect(Array.from(f.data).map((v) => +v.toFixed(6))).toEqual([1 + d, 2 - d, 3 + d, 4 - d, 5 + d, 6 - d].map((v) => +v.toFixed(6)));
    // 80 bins, 3 terms: the same curve on each frame, zero mean over the bins, bounded by 3 x amplitude.
    const g = { data: new Float32Array(4 * 80), frames: 4, bins: 80 };
    randomEqualizer(g, 3, 0.5, mulberry32(9));
    const curve = Array.from(g.data.subarray(0, 80));
    for (let t = 1; t < 4; t++) expect(Array.from(g.data.subarray(t * 80, (t + 1) * 80))).toEqual(curve);
    expect(Math.abs(curve.reduce((a, b) => a + b, 0) / 80)).toBeLessThan(1e-6);
    expect(Math.max(...curve.map(Math.abs))).toBeLessThanOrEqual(1.5);
    expect(Math.max(...curve.map(Math.abs))).toBeGreaterThan(0.05);
    // Off means untouched.
    const h = { data: Float32Array.from([1, 2]), frames: 1, bins: 2 };
    randomEqualizer(h, 0, 0.5, mulberry32(1));
    expect(Array.from(h.data)).toEqual([1, 2]);
  });
});

describe('warpFrequency', () => {
  // 80 bins over 0-8 kHz, as the shipped front end.
  const centers = melEdges({ nMels: 80, fMin: 0, fMax: 8000 }).subarray(1, 81);
  const nearestBin = (hz: number) => {
    let best = 0;
    for (let b = 1; b < 80; b++) if (Math.abs(centers[b] - hz) < Math.abs(centers[best] - hz)) best = b;
    return best;
  };

  it('moves a spectral peak from f to alpha * f and leaves alpha = 1 alone', () => {
    for (const alpha of [0.9, 1.1, 1.2]) {
      const peak = 40; // about 1.9 kHz
      const f = { data: new Float32Array(2 * 80), frames: 2, bins: 80 };
      f.data[peak] = 1;
      f.data[80 + peak] = 1;
      warpFrequency(f, alpha, centers);
      const row = Array.from(f.data.subarray(0, 80));
      const argmax = row.indexOf(Math.max(...row));
      expect(argmax).toBe(nearestBin(centers[peak] * alpha));
      expect(Array.from(f.data.subarray(80, 160))).toEqual(row); // every frame alike
    }
    const g = { data: Float32Array.from({ length: 80 }, (_, i) => Math.sin(i)), frames: 1, bins: 80 };
    const before = Array.from(g.data);
    warpFrequency(g, 1, centers);
    expect(Array.from(g.data)).toEqual(before);
  });

  it('interpolates linearly in mel and clamps beyond the ends', () => {
    // Input equal to its bin index: the output at bin b is the (clamped) mel position of centre_b / alpha.
    const alpha = 0.85;
    const f = { data: Float32Array.from({ length: 80 }, (_, i) => i), frames: 1, bins: 80 };
    warpFrequency(f, alpha, centers);
    const m0 = hzToMel(centers[0]);
    const step = (hzToMel(centers[79]) - m0) / 79;
    for (const b of [0, 10, 50, 79]) {
      const expected = Math.min(79, Math.max(0, (hzToMel(centers[b] / alpha) - m0) / step));
      expect(f.data[b]).toBeCloseTo(expected, 4);
    }
    // Shrinking (alpha < 1) runs off the top: the last bins repeat the input's last value.
    expect(f.data[79]).toBeCloseTo(79, 5);
    expect(() => warpFrequency(f, 0, centers)).toThrow(/positive/);
    expect(() => warpFrequency(f, 1.1, centers.subarray(0, 10))).toThrow(/bin centres/);
  });
});

describe('bandLimit', () => {
  const centers = melEdges({ nMels: 80, fMin: 20, fMax: 8000 }).subarray(1, 81);
  const ramp = () => ({ data: Float32Array.from({ length: 3 * 80 }, (_, i) => 5 - (i % 80) * 0.01), frames: 3, bins: 80 });

  it('empties the bins above the cutoff to the level, ramps the transition and leaves the rest', () => {
    const f = ramp();
    const before = Float32Array.from(f.data);
    bandLimit(f, 4000, -10, centers, mulberry32(3), 300, 0);
    for (let t = 0; t < 3; t++) {
      for (let b = 0; b < 80; b++) {
        const c = centers[b];
        const x = f.data[t * 80 + b];
        const was = before[t * 80 + b];
        if (c >= 4000) expect(x).toBe(-10);
        else if (c <= 3700) expect(x).toBe(was);
        else expect(x).toBeCloseTo(((c - 3700) / 300) * -10 + (1 - (c - 3700) / 300) * was, 4); // the linear blend in between
      }
    }
  });

  it('only removes energy: a cell already below the level stays', () => {
    const f = { data: new Float32Array(80).fill(-20), frames: 1, bins: 80 };
    bandLimit(f, 3400, -10, centers, mulberry32(1), 300, 0.5);
    expect(Array.from(f.data).every((x) => x === -20)).toBe(true);
  });

  it('spreads the emptied cells around the level by the noise given', () => {
    const f = { data: new Float32Array(2000 * 80).fill(5), frames: 2000, bins: 80 };
    bandLimit(f, 4000, -10, centers, mulberry32(7), 300, 0.5);
    const top = Array.from(f.data).filter((_, i) => centers[i % 80] >= 4000);
    const mean = top.reduce((a, x) => a + x, 0) / top.length;
    const sd = Math.sqrt(top.reduce((a, x) => a + (x - mean) ** 2, 0) / top.length);
    expect(mean).toBeCloseTo(-10, 1);
    expect(sd).toBeCloseTo(0.5, 1);
  });

  it('draws no limit at probability 0, and otherwise a cutoff of 3.4-7 kHz and a level 40-115 dB below the loudest cell', () => {
    const f = ramp();
    const rand = mulberry32(11);
    expect(drawBandLimit(f, 0, rand)).toBeNull();
    const draws = Array.from({ length: 2000 }, () => drawBandLimit(f, 0.25, rand));
    const hits = draws.filter((d) => d !== null);
    expect(hits.length / draws.length).toBeGreaterThan(0.2);
    expect(hits.length / draws.length).toBeLessThan(0.3);
    for (const d of hits) {
      expect(d!.cutoffHz).toBeGreaterThanOrEqual(3400);
      expect(d!.cutoffHz).toBeLessThanOrEqual(7000);
      const belowDb = ((5 - d!.level) * 10) / Math.LN10; // the ramp's loudest cell is 5
      expect(belowDb).toBeGreaterThanOrEqual(40);
      expect(belowDb).toBeLessThanOrEqual(115);
    }
    // most cutoffs are telephone band
    expect(hits.filter((d) => d!.cutoffHz <= 4000).length / hits.length).toBeGreaterThan(0.5);
  });
});

describe('resuming a run saved before band limiting existed', () => {
  it('keeps it off unless --band-limit is given now', async () => {
    const { writeCheckpoint } = await import('../../training/common/checkpoint.ts');
    const { writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'se-legacy-'));
    const { bandLimit: _, ...legacy } = { ...DEFAULT_TRAIN_CONFIG, runDir: dir, lr: 7e-4 };
    await writeCheckpoint(dir, 100, (d) => writeFile(join(d, 'state.json'), JSON.stringify({ step: 100, config: legacy, seed: 1 })));
    const resumed = await effectiveTrainConfig(parseTrainArgs(['--resume', '--run-dir', dir]));
    expect([resumed.lr, resumed.bandLimit]).toEqual([7e-4, 0]);
    const given = await effectiveTrainConfig(parseTrainArgs(['--resume', '--run-dir', dir, '--band-limit', '0.3']));
    expect(given.bandLimit).toBe(0.3);
    expect(DEFAULT_TRAIN_CONFIG.bandLimit).toBeGreaterThan(0); // new runs have it
  });
});

describe('trainSpeechEncoder', () => {
  it('resumes after a kill at the same step, bit-identical to an uninterrupted run, with checkpoints intact', async () => {
    const data = toyTrainData({ seed: 99, devCount: 3 });
    const straightDir = await mkdtemp(join(tmpdir(), 'se-train-'));
    const straight = await trainSpeechEncoder(tinyConfig(straightDir), data, { log: quiet });
    expect(straight.step).toBe(6);

    const dir = await mkdtemp(join(tmpdir(), 'se-train-'));
    // "Killed" after 3 steps: the last checkpoint is step 2, step 3's work is lost.
    const first = await trainSpeechEncoder(tinyConfig(dir, { stopAfter: 3 }), data, { log: quiet });
    expect(first.step).toBe(3);
    first.encoder.dispose();
    const latest = JSON.parse(await readFile(join(dir, 'checkpoints', 'latest.json'), 'utf8'));
    expect(latest.step).toBe(2);
    // `--resume` alone trains on with the run's own config (not the defaults), minus its --stop-after
    const lines: string[] = [];
    const config = await effectiveTrainConfig(parseTrainArgs(['--resume', '--run-dir', dir]), (s) => lines.push(s));
    const tiny = tinyConfig(dir);
    expect(config).toEqual({ ...tiny, trainManifest: join(tiny.corpus, 'manifest.train.jsonl'), devManifest: join(tiny.corpus, 'manifest.dev.jsonl') });
    const resumed = await trainSpeechEncoder(config, data, { resume: true, log: (s) => lines.push(s) });
    expect(lines[0]).toMatch(/--resume: the run's config from .*step-00000002$/);
    expect(lines.some((l) => /resuming .* at step 2/.test(l))).toBe(true);
    expect(resumed.step).toBe(6);
    expect(resumed.losses.length).toBe(4);
    expect(resumed.losses.at(-1)).toBeCloseTo(straight.losses.at(-1)!, 5);
    for (const [name, w] of Object.entries(straight.encoder.weights)) {
      const a = w.dataSync();
      const b = resumed.encoder.weights[name].dataSync();
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      expect(maxDiff).toBeLessThan(1e-5);
    }
    const ckpts = (await readdir(join(dir, 'checkpoints'))).filter((d) => d.startsWith('step-')).sort();
    expect(ckpts).toEqual(['step-00000004', 'step-00000006']);
    expect(JSON.parse(await readFile(join(dir, 'checkpoints', 'latest.json'), 'utf8')).step).toBe(6);
    const log = (await readFile(join(dir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((e) => e.step)).toEqual([1, 2, 3, 3, 4, 5, 6]);
    straight.encoder.dispose();
    resumed.encoder.dispose();
    // flags given with --resume win over the saved config; without --resume the saved one is not read
    const over = await effectiveTrainConfig(parseTrainArgs(['--resume', '--run-dir', dir, '--steps', '9', '--lr', '1e-3']));
    expect([over.steps, over.lr, over.hidden, over.seed]).toEqual([9, 1e-3, 24, tinyConfig(dir).seed]);
    expect((await effectiveTrainConfig(parseTrainArgs(['--run-dir', dir]))).hidden).toBe(DEFAULT_TRAIN_CONFIG.hidden);
    // a run folder without a checkpoint: the flags over the defaults
    expect((await effectiveTrainConfig(parseTrainArgs(['--resume', '--run-dir', straightDir + '-none']))).lr).toBe(DEFAULT_TRAIN_CONFIG.lr);
  });

  it('learns a trivially learnable toy task (loss falls, dev CER drops)', async () => {
    const data = toyTrainData({ seed: 99, devCount: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'se-train-'));
    const numTensors = tf.memory().numTensors;
    const r = await trainSpeechEncoder(
      tinyConfig(dir, { steps: 120, lr: 1e-2, warmup: 10, checkpointEvery: 1000, evalEvery: 120, logEvery: 1000, specAugment: false, langIdWeight: 0.1 }),
      data,
      { log: quiet },
    );
    const early = r.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = r.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeLessThan(0.3 * early);
    expect(r.dev!.cer).toBeLessThan(0.35);
    r.encoder.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);
  });
  /** Saves `old` (and disposes it), then trains 2 steps on `data` with --init from it. */
  async function trainFromSaved(old: SpeechEncoder, data: Parameters<typeof trainSpeechEncoder>[1], tag: string) {
    const modelDir = await mkdtemp(join(tmpdir(), `se-${tag}-model-`));
    await old.save(modelDir);
    old.dispose();
    const dir = await mkdtemp(join(tmpdir(), `se-${tag}-run-`));
    const lines: string[] = [];
    const r = await trainSpeechEncoder(tinyConfig(dir, { steps: 2 }), data, { init: modelDir, log: (l) => lines.push(l) });
    return { r, lines, dir };
  }

  it("gives the model the input level normalisation of its training features, taking it on over an --init model's", async () => {
    const data = { ...toyTrainData({ seed: 5, devCount: 1 }), inputLevel: DEFAULT_LEVEL_CONFIG };
    const old = SpeechEncoder.build({ numMels: BINS, hidden: 24, frontEndChannels: 16, dilations: [1, 2], inputLevel: null }, data.vocab);
    const { r, lines, dir } = await trainFromSaved(old, data, 'level');
    expect(r.encoder.config.inputLevel).toEqual(DEFAULT_LEVEL_CONFIG);
    expect(lines.join('\n')).toMatch(/input level normalisation: null -> \{"targetDb":-18/);
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).model.inputLevel).toEqual(DEFAULT_LEVEL_CONFIG);
    r.encoder.dispose();
    // Features without normalisation (as the toy data has): a fresh model gets none.
    const fresh = await trainSpeechEncoder(tinyConfig(await mkdtemp(join(tmpdir(), 'se-level-fresh-')), { steps: 1 }), toyTrainData({ seed: 5, devCount: 1 }), { log: quiet });
    expect(fresh.encoder.config.inputLevel).toBeNull();
    fresh.encoder.dispose();
  });

  it("gives the model the feature hop of its training features, over an --init model's, and saves it", async () => {
    const featureConfig = { ...DEFAULT_FEATURE_CONFIG, nMels: BINS, hopLength: 128 };
    const data = { ...toyTrainData({ seed: 6, devCount: 1 }), featureConfig };
    const old = SpeechEncoder.build({ numMels: BINS, hidden: 24, frontEndChannels: 16, dilations: [1, 2], features: { ...featureConfig, hopLength: 160 } }, data.vocab);
    expect(old.frameSeconds).toBeCloseTo(0.04, 9);
    const { r, lines, dir } = await trainFromSaved(old, data, 'hop');
    expect(r.encoder.config.features).toEqual(featureConfig);
    // Output frames are 4 hops: 32 ms now, so timings and latency follow.
    expect(r.encoder.frameSeconds).toBeCloseTo(0.032, 9);
    expect(lines.join('\n')).toMatch(/features: .*"hopLength":160.* -> .*"hopLength":128/);
    await r.encoder.save(join(dir, 'export'));
    r.encoder.dispose();
    const reloaded = await SpeechEncoder.load(join(dir, 'export'));
    expect(reloaded.config.features.hopLength).toBe(128);
    reloaded.dispose();
    // A fresh model takes the data's features from the start.
    const fresh = await trainSpeechEncoder(tinyConfig(await mkdtemp(join(tmpdir(), 'se-hop-fresh-')), { steps: 1 }), data, { log: quiet });
    expect(fresh.encoder.config.features).toEqual(featureConfig);
    fresh.encoder.dispose();
  });

  it('learns to write nothing on non-speech when its batches carry non-speech clips with empty targets', async () => {
    // Toy "noise": frames of random values in the letters' range, a new draw every 2 frames.
    const r = mulberry32(21);
    const noise = (i: number, frames: number): Utterance => {
      const data = new Float32Array(frames * BINS);
      for (let t = 0; t < frames; t++) {
        for (let b = 0; b < BINS; b++) data[t * BINS + b] = t % 2 ? data[(t - 1) * BINS + b] : 4 * r() - 2;
      }
      return { id: `noise-${i}`, lang: '', text: '', labels: [], frames, features: { data, frames, bins: BINS } };
    };
    const pool = Array.from({ length: 8 }, (_, i) => noise(i, 30 + 5 * i));
    const heldOut = Array.from({ length: 5 }, (_, i) => noise(100 + i, 40));
    const cfg = { steps: 120, lr: 1e-2, warmup: 10, checkpointEvery: 1000, evalEvery: 120, logEvery: 1000, specAugment: false };
    const nonBlank = (encoder: SpeechEncoder) => {
      let mass = 0;
      let frames = 0;
      for (const u of heldOut) {
        for (const row of encoder.logProbs(u.features!).rows) {
          mass += 1 - Math.exp(row[0]);
          frames++;
        }
      }
      return mass / frames;
    };
    const base = toyTrainData({ seed: 99, devCount: 3 });
    const without = await trainSpeechEncoder(tinyConfig(await mkdtemp(join(tmpdir(), 'se-ns-0-')), { ...cfg, nonSpeechFraction: 0 }), { ...base, nonSpeech: pool }, { log: quiet });
    const withNs = await trainSpeechEncoder(tinyConfig(await mkdtemp(join(tmpdir(), 'se-ns-1-')), { ...cfg, nonSpeechFraction: 0.5 }), { ...base, nonSpeech: pool }, { log: quiet });
    // The task itself is still learnt...
    expect(withNs.dev!.cer).toBeLessThan(0.35);
    // ...and the held-out noise now comes out as blanks, which it did not without the clips.
    expect(nonBlank(withNs.encoder)).toBeLessThan(0.1 * nonBlank(without.encoder));
    for (const u of heldOut) expect(withNs.encoder.vocab.decode(greedyDecode(withNs.encoder.logProbs(u.features!).rows, 0))).toBe('');
    without.encoder.dispose();
    withNs.encoder.dispose();
  }, 180_000);
});
