import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { vocoderConfig, receptiveField, type VocoderConfig } from '../../models/vocoder/config.ts';
import { conditionFrames, frameOf, initialWeights, samplesForFrames, utteranceContext, stackForward, weightShapes, type VocoderWeights } from '../../models/vocoder/network.ts';
import { mulberry32 } from '../../src/random.ts';
import { FastWaveNetGenerator, type FlatWeights } from '../../models/vocoder/fast-generator.ts';
import { NaiveWaveNetGenerator } from '../../models/vocoder/naive-generator.ts';
import { mulawDecode, mulawEncode } from '../../src/audio/mulaw.ts';
import { predictSample } from '../../src/audio/lpc.ts';

/** Random weights with non-zero biases and a sharpened head, so distributions are far from uniform. */
function randomModel(c: VocoderConfig, seed: number): { flat: FlatWeights; tensors: VocoderWeights } {
  const flat = initialWeights(c);
  const rand = mulberry32(seed);
  for (const [name, shape] of weightShapes(c)) {
    if (shape.length === 1) for (let i = 0; i < flat[name].length; i++) flat[name][i] = (rand() - 0.5) * 0.4;
  }
  for (let i = 0; i < flat['head/w2'].length; i++) flat['head/w2'][i] *= 6;
  const tensors: VocoderWeights = {};
  for (const [name, shape] of weightShapes(c)) tensors[name] = tf.tensor(flat[name], shape);
  return { flat, tensors };
}

function randomMel(frames: number, bins: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: frames * bins }, () => -6 + 4 * rand());
}

/** Per-frame conditioning rows [F][L*2R] from the tfjs conditioning network. */
function condRows(w: VocoderWeights, c: VocoderConfig, mel: Float32Array, frames: number): Float32Array[] {
  const t = conditionFrames(w, c, utteranceContext(mel, frames, c.numMels));
  const flat = t.dataSync() as Float32Array;
  t.dispose();
  const width = c.dilations.length * 2 * c.residualChannels;
  return Array.from({ length: frames }, (_, f) => flat.slice(f * width, (f + 1) * width));
}

const RUN_TAPS = Float32Array.from([1.2, -0.5, 0.1, -0.05]);

/** The kernel over runs of [samples, period] (argmax, zero conditioning, RUN_TAPS). */
function kernelRuns(gen: FastWaveNetGenerator, runs: [number, number][]): Float32Array {
  const c = gen.config;
  gen.setConditioning(new Float32Array(c.dilations.length * 2 * c.residualChannels));
  gen.setPredictor(RUN_TAPS);
  const out = new Float32Array(runs.reduce((a, [k]) => a + k, 0));
  let o = 0;
  for (const [k, P] of runs) {
    gen.setPeriod(P);
    gen.generateExcited(k, 0, out, o);
    o += k;
  }
  return out;
}

/**
 * The same runs one step at a time, the prediction, mu-law, e(t-P) lookup and pulse counter in JS:
 * the reference for kernelRuns. `used` counts samples whose e(t-P) came from the history.
 */
function referenceRuns(gen: FastWaveNetGenerator, runs: [number, number][], pulses: boolean): { want: Float32Array; fired: number[]; used: number } {
  const c = gen.config;
  gen.setConditioning(new Float32Array(c.dilations.length * 2 * c.residualChannels));
  const table = mulawDecode(Int32Array.from({ length: 256 }, (_, i) => i));
  const want = new Float32Array(runs.reduce((a, [k]) => a + k, 0));
  const residuals: number[] = [];
  const fired: number[] = [];
  let [lastX, lastE, since, wasVoiced, t, used] = [128, 128, 0, false, 0, 0];
  for (const [k, P] of runs) {
    for (let j = 0; j < k; j++, t++) {
      let pulse = false;
      if (P > 0) {
        if (!wasVoiced || since >= P) {
          pulse = true;
          since = 0;
        }
        since++;
      }
      wasVoiced = P > 0;
      if (pulse) fired.push(t);
      const pred = predictSample(RUN_TAPS, want, t);
      const l = P > 0 && t >= P ? residuals[t - P] : 128;
      if (P > 0 && t >= P) used++;
      const p = mulawEncode(Float32Array.of(pred))[0];
      const logits = pulses ? gen.stepLogitsPulse(lastX, p, lastE, l, pulse) : gen.stepLogitsLtp(lastX, p, lastE, l);
      let code = 0;
      for (let q = 1; q < 256; q++) if (logits[q] > logits[code]) code = q;
      residuals.push(code);
      want[t] = Math.max(-1, Math.min(1, pred + table[code]));
      lastX = mulawEncode(Float32Array.of(want[t]))[0];
      lastE = code;
    }
  }
  return { want, fired, used };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('FastWaveNetGenerator', () => {
  it('gives the tfjs model\'s next-sample distribution for the same history (default config)', () => {
    const c = vocoderConfig({ seed: 5 });
    const { flat, tensors } = randomModel(c, 11);
    const frames = 10;
    const mel = randomMel(frames, c.numMels, 3);
    const T = samplesForFrames(frames, c);
    expect(T).toBeGreaterThan(receptiveField(c) + 500); // positions beyond the first full receptive field
    const rand = mulberry32(9);
    const prev = Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
    const rows = condRows(tensors, c, mel, frames);
    const width = rows[0].length;
    const perSample = new Float32Array(T * width);
    for (let t = 0; t < T; t++) perSample.set(rows[frameOf(t, frames, c)], t * width);
    const [logitsT, probsT] = tf.tidy(() => {
      const lg = stackForward(tensors, c, tf.tensor2d(prev, [1, T], 'int32'), tf.tensor3d(perSample, [1, T, width]), 1);
      return [lg.dataSync() as Float32Array, tf.softmax(lg).dataSync() as Float32Array];
    });
    const fast = new FastWaveNetGenerator(c, flat);
    const positions = new Set([0, 1, 2, 159, 160, 777, 1023, 1024, 1500, T - 1]);
    let maxP = 0;
    let maxL = 0;
    let peak = 0;
    for (let t = 0; t < T; t++) {
      fast.setConditioning(rows[frameOf(t, frames, c)]);
      if (!positions.has(t)) {
        fast.stepLogits(prev[t]);
        continue;
      }
      // both views of the same step: logits, then the distribution recomputed from them
      const logits = fast.stepLogits(prev[t]);
      for (let q = 0; q < 256; q++) maxL = Math.max(maxL, Math.abs(logits[q] - logitsT[t * 256 + q]));
      let m = -Infinity;
      for (const v of logits) m = Math.max(m, v);
      let z = 0;
      for (const v of logits) z += Math.exp(v - m);
      for (let q = 0; q < 256; q++) {
        const p = Math.exp(logits[q] - m) / z;
        maxP = Math.max(maxP, Math.abs(p - probsT[t * 256 + q]));
        peak = Math.max(peak, probsT[t * 256 + q]);
      }
    }
    expect(peak).toBeGreaterThan(0.05); // far from uniform (1/256), so the comparison means something
    expect(maxL).toBeLessThan(1e-3);
    expect(maxP).toBeLessThan(1e-4);
    tf.dispose(Object.values(tensors));
  });

  it('computes softmax in the kernel like tf.softmax, at a temperature', () => {
    const c = vocoderConfig({ dilations: [1, 2, 4], residualChannels: 8, skipChannels: 16, headChannels: 16, seed: 2 });
    const { flat, tensors } = randomModel(c, 4);
    const fast = new FastWaveNetGenerator(c, flat);
    fast.setConditioning(new Float32Array(c.dilations.length * 2 * c.residualChannels));
    const logits = fast.stepLogits(7);
    fast.reset();
    const probs = fast.stepProbs(7, 0.7);
    const ref = tf.tidy(() => tf.softmax(tf.tensor1d(logits).div(0.7)).dataSync() as Float32Array);
    let max = 0;
    for (let q = 0; q < 256; q++) max = Math.max(max, Math.abs(probs[q] - ref[q]));
    expect(max).toBeLessThan(1e-6);
    let sum = 0;
    for (const p of probs) sum += p;
    expect(sum).toBeCloseTo(1, 5);
    tf.dispose(Object.values(tensors));
  });

  it('generates the same argmax sequence as the naive (uncached) generator', () => {
    const c = vocoderConfig({ dilations: [1, 2, 4, 8, 16, 32], residualChannels: 8, skipChannels: 16, headChannels: 16, seed: 8 });
    const { flat, tensors } = randomModel(c, 6);
    const frames = 2;
    const rows = condRows(tensors, c, randomMel(frames, c.numMels, 5), frames);
    const n = 260; // spans both frames and more than the receptive field (64)
    const conds = Array.from({ length: n }, (_, t) => rows[frameOf(t, frames, c)]);
    const naive = new NaiveWaveNetGenerator(c, tensors).generateArgmax(128, conds);
    const fast = new FastWaveNetGenerator(c, flat);
    const out = new Int32Array(n);
    let prev = 128;
    for (let t = 0; t < n; t++) {
      fast.setConditioning(conds[t]);
      prev = fast.generate(prev, 1, 0, out, t);
    }
    expect(new Set(out).size).toBeGreaterThan(3); // not a constant sequence
    expect(Array.from(out)).toEqual(Array.from(naive));
    tf.dispose(Object.values(tensors));
  });

  it('is repeatable for a seed and varies across seeds when sampling', () => {
    const c = vocoderConfig({ dilations: [1, 2, 4, 8], residualChannels: 8, skipChannels: 16, headChannels: 16 });
    const { flat, tensors } = randomModel(c, 1);
    const fast = new FastWaveNetGenerator(c, flat, { maxChunk: 64 }); // several kernel calls per request
    const run = (seed: number) => {
      fast.reset(seed);
      fast.setConditioning(new Float32Array(c.dilations.length * 2 * c.residualChannels));
      const out = new Int32Array(500);
      fast.generate(128, 500, 1, out);
      return Array.from(out);
    };
    const a = run(1);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
    tf.dispose(Object.values(tensors));
  });
});

describe('FastWaveNetGenerator, lpc excitation', () => {
  const lpcSmall = { dilations: [1, 2, 4, 8, 16, 32], residualChannels: 8, skipChannels: 16, headChannels: 16, seed: 3, excitation: 'lpc' as const, lpcOrder: 4 };

  it('gives the tfjs model\'s next-residual logits for the same three input codes', () => {
    const c = vocoderConfig(lpcSmall);
    const { flat, tensors } = randomModel(c, 21);
    const frames = 3;
    const rows = condRows(tensors, c, randomMel(frames, c.numMels, 8), frames);
    const T = samplesForFrames(frames, c);
    const rand = mulberry32(5);
    const codes = () => Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
    const x = codes(), p = codes(), e = codes();
    const width = rows[0].length;
    const perSample = new Float32Array(T * width);
    for (let t = 0; t < T; t++) perSample.set(rows[frameOf(t, frames, c)], t * width);
    const logitsT = tf.tidy(() => {
      const as2d = (a: Int32Array) => tf.tensor2d(a, [1, T], 'int32');
      return stackForward(tensors, c, as2d(x), tf.tensor3d(perSample, [1, T, width]), 1, { pred: as2d(p), prevExc: as2d(e) }).dataSync() as Float32Array;
    });
    const fast = new FastWaveNetGenerator(c, flat);
    let maxL = 0;
    let spread = 0;
    for (let t = 0; t < T; t++) {
      fast.setConditioning(rows[frameOf(t, frames, c)]);
      const logits = fast.stepLogitsExcited(x[t], p[t], e[t]);
      for (let q = 0; q < 256; q++) {
        maxL = Math.max(maxL, Math.abs(logits[q] - logitsT[t * 256 + q]));
        spread = Math.max(spread, Math.abs(logitsT[t * 256 + q] - logitsT[q]));
      }
    }
    expect(spread).toBeGreaterThan(0.5); // the logits move with the inputs, so agreement means something
    expect(maxL).toBeLessThan(1e-3);
    // and the prediction and previous-residual embeddings matter: other codes give other logits
    fast.reset();
    fast.setConditioning(rows[0]);
    const a = fast.stepLogitsExcited(100, 30, 200);
    fast.reset();
    fast.setConditioning(rows[0]);
    const b = fast.stepLogitsExcited(100, 220, 60);
    expect(Math.max(...a.map((v, q) => Math.abs(v - b[q])))).toBeGreaterThan(0.1);
    tf.dispose(Object.values(tensors));
  });

  it('generates x(t) = p(t) + residual, feeding back the codes, as a JS reference loop does (argmax)', () => {
    const c = vocoderConfig(lpcSmall);
    const { flat, tensors } = randomModel(c, 22);
    const cond = new Float32Array(c.dilations.length * 2 * c.residualChannels);
    const taps = Float32Array.from([1.2, -0.5, 0.1, -0.05]);
    const n = 300;
    // the kernel
    const fast = new FastWaveNetGenerator(c, flat, { maxChunk: 64 });
    fast.setConditioning(cond);
    fast.setPredictor(taps);
    const got = new Float32Array(n);
    fast.generateExcited(n, 0, got);
    // the reference: the same network one step at a time, prediction and mu-law in JS
    const ref = new FastWaveNetGenerator(c, flat);
    ref.setConditioning(cond);
    const table = mulawDecode(Int32Array.from({ length: 256 }, (_, i) => i));
    const want = new Float32Array(n);
    let lastX = 128;
    let lastE = 128;
    for (let t = 0; t < n; t++) {
      const pred = predictSample(taps, want, t);
      const logits = ref.stepLogitsExcited(lastX, mulawEncode(Float32Array.of(pred))[0], lastE);
      let code = 0;
      for (let q = 1; q < 256; q++) if (logits[q] > logits[code]) code = q;
      want[t] = Math.max(-1, Math.min(1, pred + table[code]));
      lastX = mulawEncode(Float32Array.of(want[t]))[0];
      lastE = code;
    }
    let max = 0;
    for (let t = 0; t < n; t++) max = Math.max(max, Math.abs(got[t] - want[t]));
    expect(new Set(Array.from(want)).size).toBeGreaterThan(10);
    expect(max).toBeLessThan(1e-5);
    tf.dispose(Object.values(tensors));
  });

  it('keeps the prediction history across calls and empties it on reset', () => {
    const c = vocoderConfig(lpcSmall);
    const { flat, tensors } = randomModel(c, 23);
    const fast = new FastWaveNetGenerator(c, flat);
    fast.setConditioning(new Float32Array(c.dilations.length * 2 * c.residualChannels));
    fast.setPredictor(Float32Array.from([0.5, 0.25, 0, 0]));
    expect(fast.prediction()).toBe(0);
    const out = new Float32Array(2);
    fast.generateExcited(2, 0, out);
    expect(fast.prediction()).toBeCloseTo(0.5 * out[1] + 0.25 * out[0], 6);
    fast.reset();
    expect(fast.prediction()).toBe(0);
    expect(() => new FastWaveNetGenerator(vocoderConfig({ ...lpcSmall, excitation: 'none' }), flat).setPredictor(new Float32Array(4))).toThrow(/no lpc/);
    tf.dispose(Object.values(tensors));
  });
});

describe('FastWaveNetGenerator, long-term prediction', () => {
  const ltpSmall = { dilations: [1, 2, 4, 8, 16, 32], residualChannels: 8, skipChannels: 16, headChannels: 16, seed: 4, excitation: 'lpc' as const, lpcOrder: 4, pitchBins: 8, minPeriod: 20, maxPeriod: 100, pitchHidden: 8 };
  /** randomModel, with the e(t-P) embedding random too (it starts at zero). */
  function ltpModel(c: VocoderConfig, seed: number): { flat: FlatWeights; tensors: VocoderWeights } {
    const m = randomModel(c, seed);
    const rand = mulberry32(seed + 1);
    const e = m.flat['embedLtp'];
    for (let i = 0; i < e.length; i++) e[i] = 2 * rand() - 1;
    m.tensors['embedLtp'].dispose();
    m.tensors['embedLtp'] = tf.tensor(e, [256, c.residualChannels]);
    return m;
  }

  it('gives the tfjs model\'s next-residual logits for the same four input codes', () => {
    const c = vocoderConfig(ltpSmall);
    const { flat, tensors } = ltpModel(c, 31);
    const frames = 3;
    const rows = condRows(tensors, c, randomMel(frames, c.numMels, 9), frames);
    const T = samplesForFrames(frames, c);
    const rand = mulberry32(6);
    const codes = () => Int32Array.from({ length: T }, () => Math.floor(rand() * 256));
    const x = codes(), p = codes(), e = codes(), l = codes();
    const width = rows[0].length;
    const perSample = new Float32Array(T * width);
    for (let t = 0; t < T; t++) perSample.set(rows[frameOf(t, frames, c)], t * width);
    const logitsT = tf.tidy(() => {
      const as2d = (a: Int32Array) => tf.tensor2d(a, [1, T], 'int32');
      return stackForward(tensors, c, as2d(x), tf.tensor3d(perSample, [1, T, width]), 1, { pred: as2d(p), prevExc: as2d(e), ltp: as2d(l) }).dataSync() as Float32Array;
    });
    const fast = new FastWaveNetGenerator(c, flat);
    let maxL = 0;
    for (let t = 0; t < T; t++) {
      fast.setConditioning(rows[frameOf(t, frames, c)]);
      const logits = fast.stepLogitsLtp(x[t], p[t], e[t], l[t]);
      for (let q = 0; q < 256; q++) maxL = Math.max(maxL, Math.abs(logits[q] - logitsT[t * 256 + q]));
    }
    expect(maxL).toBeLessThan(1e-3);
    // the fourth input matters
    fast.reset();
    fast.setConditioning(rows[0]);
    const a = fast.stepLogitsLtp(100, 30, 200, 10);
    fast.reset();
    fast.setConditioning(rows[0]);
    const b = fast.stepLogitsLtp(100, 30, 200, 240);
    expect(Math.max(...a.map((v, q) => Math.abs(v - b[q])))).toBeGreaterThan(0.1);
    tf.dispose(Object.values(tensors));
  });

  it('feeds back the residual one period back, per frame period, as a JS reference loop does (argmax)', () => {
    const c = vocoderConfig(ltpSmall);
    const { flat, tensors } = ltpModel(c, 32);
    // runs of samples with their period: unvoiced, 37, 64, unvoiced, 23
    const runs: [number, number][] = [[50, 0], [120, 37], [150, 64], [40, 0], [90, 23]];
    const fast = new FastWaveNetGenerator(c, flat, { maxChunk: 64 });
    const got = kernelRuns(fast, runs);
    const { want, used } = referenceRuns(new FastWaveNetGenerator(c, flat), runs, false);
    expect(used).toBeGreaterThan(200);
    expect(new Set(Array.from(want)).size).toBeGreaterThan(10);
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    // reset empties the residual history: the same runs again give the same audio
    fast.reset();
    expect(Array.from(kernelRuns(fast, runs))).toEqual(Array.from(got));
    expect(() => fast.setPeriod(512)).toThrow(/outside/);
    expect(() => new FastWaveNetGenerator(vocoderConfig({ ...ltpSmall, pitchBins: 0 }), flat).setPeriod(10)).toThrow(/no long-term/);
    tf.dispose(Object.values(tensors));
  });
});

describe('FastWaveNetGenerator, pulses', () => {
  it('adds the pulse vector on entering a voiced stretch and every P samples after, as a JS reference loop does (argmax)', () => {
    const c = vocoderConfig({ dilations: [1, 2, 4, 8], residualChannels: 8, skipChannels: 16, headChannels: 16, seed: 5, excitation: 'lpc', lpcOrder: 4, pitchBins: 8, minPeriod: 20, maxPeriod: 100, pitchHidden: 8, pulses: true });
    const { flat, tensors } = randomModel(c, 41);
    const rand = mulberry32(42);
    for (const name of ['embedLtp', 'pulse']) for (let i = 0; i < flat[name].length; i++) flat[name][i] = 3 * (2 * rand() - 1);
    const runs: [number, number][] = [[30, 0], [100, 37], [70, 25], [40, 0], [90, 41]];
    const got = kernelRuns(new FastWaveNetGenerator(c, flat, { maxChunk: 64 }), runs);
    const { want, fired } = referenceRuns(new FastWaveNetGenerator(c, flat), runs, true);
    // pulses at 30, 67, 104, then at 130 (26 samples on, past the new period of 25: the count carries on), 155, ...
    expect(fired.slice(0, 5)).toEqual([30, 67, 104, 130, 155]);
    expect(fired).toContain(240); // the first sample after the unvoiced gap
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    // and the pulse input matters: without the vector the audio differs
    const silent = kernelRuns(new FastWaveNetGenerator(c, { ...flat, pulse: new Float32Array(c.residualChannels) }), runs);
    expect(Array.from(silent)).not.toEqual(Array.from(got));
    tf.dispose(Object.values(tensors));
  });
});

describe('FastWaveNetGenerator, sampling floor', () => {
  it('never draws a code below the floor and draws the others as max(0, p - floor), renormalised', () => {
    const c = vocoderConfig({ dilations: [1, 2], residualChannels: 4, skipChannels: 4, headChannels: 4, seed: 1 });
    // every weight zero but the output bias: the same distribution at every step, whatever the history
    const flat = initialWeights(c);
    for (const k of Object.keys(flat)) flat[k].fill(0);
    const rand = mulberry32(3);
    const b2 = flat['head/b2'];
    for (let q = 0; q < 256; q++) b2[q] = q % 32 === 0 ? 3 + rand() : -2 + rand(); // 8 likely codes, 248 unlikely ones
    const z = b2.reduce((a, v) => a + Math.exp(v), 0);
    const p = Array.from(b2, (v) => Math.exp(v) / z);
    const floor = 0.002;
    expect(p.filter((x) => x < floor).length).toBeGreaterThan(200);
    const draw = (f: number, n: number) => {
      const g = new FastWaveNetGenerator(c, flat);
      g.setFloor(f);
      const out = new Int32Array(n);
      g.generate(128, n, 1, out);
      const counts = new Array(256).fill(0);
      for (const k of out) counts[k]++;
      return counts;
    };
    const n = 40000;
    const floored = draw(floor, n);
    const kept = p.map((x) => Math.max(0, x - floor));
    const total = kept.reduce((a, b) => a + b, 0);
    for (let q = 0; q < 256; q++) {
      if (p[q] < floor) expect(floored[q]).toBe(0);
      else expect(Math.abs(floored[q] / n - kept[q] / total)).toBeLessThan(4 * Math.sqrt(kept[q] / total / n) + 1e-3);
    }
    // without the floor the unlikely codes are drawn as often as their probability says
    const plain = draw(0, n);
    const tail = p.reduce((a, x, q) => a + (x < floor ? x : 0), 0);
    const tailDrawn = plain.reduce((a, k, q) => a + (p[q] < floor ? k : 0), 0) / n;
    expect(Math.abs(tailDrawn - tail)).toBeLessThan(4 * Math.sqrt(tail / n));
    expect(() => new FastWaveNetGenerator(c, flat).setFloor(0.01)).toThrow(/outside/);
  });
});
