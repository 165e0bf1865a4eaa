import { describe, it, expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { projectRoot } from '../../src/paths.ts';
import { vocoderConfig, condOffset } from '../../models/vocoder/config.ts';
import { conditionFrames, frameOf, initialWeights, utteranceContext, weightShapes, type VocoderWeights } from '../../models/vocoder/network.ts';
import { sampleBatch, syntheticUtterances, toUtterance } from '../../training/vocoder/data.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { preEmphasize } from '../../src/audio/lpc.ts';
import { trainVocoder, DEFAULT_TRAIN_OPTIONS, runTrainVocoder } from '../../training/vocoder/train.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { mulberry32 } from '../../src/random.ts';
import { mulawDecode } from '../../src/audio/mulaw.ts';
import { curveSeries, parseTrainingLog } from '../../training/report/training-curves.ts';

const tiny = { dilations: [1, 2, 4, 8, 16], residualChannels: 16, skipChannels: 32, headChannels: 32, condChannels: 16 };
const quiet = () => {};

beforeAll(async () => {
  await initBackend({ log: quiet });
});

describe('vocoder training data', () => {
  it('conditions each window sample on the frame generation would use', () => {
    const c = vocoderConfig(tiny);
    const utts = syntheticUtterances(2, 0.2, c, mulberry32(3));
    const b = sampleBatch(utts, 3, 640, c, mulberry32(4));
    const tensors: VocoderWeights = {};
    const init = initialWeights(c);
    for (const [n, s] of weightShapes(c)) tensors[n] = tf.tensor(init[n], s);
    // Find each window in its utterance by its codes, then compare per-sample conditioning.
    const windowFrames = conditionFrames(tensors, c, tf.tensor3d(b.context, [3, b.framesPerWindow, 3 * c.numMels])).arraySync();
    for (let k = 0; k < 3; k++) {
      const target = b.target.subarray(k * 640, (k + 1) * 640);
      let found = false;
      for (const u of utts) {
        for (let s0 = condOffset(c); s0 + 640 <= u.codes.length && !found; s0 += c.hop) {
          if (!target.every((v, i) => v === u.codes[s0 + i])) continue;
          found = true;
          expect(b.prev[k * 640]).toBe(u.codes[s0 - 1]);
          const full = conditionFrames(tensors, c, utteranceContext(u.mel.data, u.mel.frames, c.numMels)).arraySync()[0];
          for (const i of [0, 159, 160, 639]) {
            const f = frameOf(s0 + i, u.mel.frames, c);
            const row = windowFrames[k][Math.floor(i / c.hop)];
            for (let j = 0; j < row.length; j += 7) expect(row[j]).toBeCloseTo(full[f][j], 5);
          }
        }
      }
      expect(found).toBe(true);
    }
    tf.dispose(Object.values(tensors));
  });

  it('lpc mode: the residual and prediction rebuild the pre-emphasised audio; inputs are the targets shifted by one', () => {
    const c = vocoderConfig({ ...tiny, excitation: 'lpc' });
    const [u] = syntheticUtterances(1, 0.2, c, mulberry32(3));
    const e = u.excitation!;
    expect(e.exc.length).toBe(u.codes.length);
    // a sine is almost perfectly predictable: the residual codes sit near silence (128), the samples do not
    const spread = (a: Uint8Array) => Math.max(...a.subarray(400)) - Math.min(...a.subarray(400));
    expect(spread(u.codes)).toBeGreaterThan(150);
    expect(spread(e.exc)).toBeLessThan(spread(u.codes) / 2);
    // x = p + e within the mu-law steps of the three quantised values
    const x = mulawDecode(Int32Array.from(u.codes));
    const p = mulawDecode(Int32Array.from(e.pred));
    const r = mulawDecode(Int32Array.from(e.exc));
    for (let t = 0; t < x.length; t++) expect(Math.abs(x[t] - p[t] - r[t])).toBeLessThan(0.05 * (Math.abs(x[t]) + Math.abs(p[t]) + Math.abs(r[t])) + 1e-3);
    const b = sampleBatch([u], 2, 640, c, mulberry32(4));
    for (let bi = 0; bi < 2; bi++) {
      for (let i = 1; i < 640; i++) {
        expect(b.prevExc![bi * 640 + i]).toBe(b.target[bi * 640 + i - 1]);
      }
    }
    // targets are residual codes at the window's positions: find the window by its inputs
    const s0 = Array.from({ length: u.codes.length }, (_, t) => t).find((t) => t > 0 && Array.from({ length: 640 }).every((_, i) => u.codes[t - 1 + i] === b.prev[i] && e.pred[t + i] === b.pred![i]));
    expect(s0).toBeDefined();
    expect(Array.from(b.target.subarray(0, 640))).toEqual(Array.from(e.exc.subarray(s0!, s0! + 640)));
  });

  it('lpc input noise: moves the residual that enters the history by at most N codes; targets still rebuild the clean signal', () => {
    const c = vocoderConfig({ ...tiny, excitation: 'lpc' });
    const x = Float32Array.from({ length: 3200 }, (_, t) => 0.5 * Math.sin(0.07 * t) + 0.2 * Math.sin(0.31 * t));
    const mel = logMelSpectrogram(x);
    const clean = toUtterance('a', x, mel, c);
    expect(Array.from(clean.excitation!.excIn)).toEqual(Array.from(clean.excitation!.exc));
    // rand() = 0.99 first (the amount: 3 * 0.99), then the per-sample draws
    const draws = mulberry32(5);
    let first = true;
    const noisy = toUtterance('a', x, mel, c, 3, () => (first ? ((first = false), 0.99) : draws()));
    const e = noisy.excitation!;
    let moved = 0;
    for (let t = 0; t < x.length; t++) {
      const d = Math.abs(e.excIn[t] - e.exc[t]);
      expect(d).toBeLessThanOrEqual(3);
      if (d) moved++;
    }
    expect(moved).toBeGreaterThan(x.length / 2);
    const dec = (a: Uint8Array) => mulawDecode(Int32Array.from(a));
    const [xe, p, r, rIn, h] = [preEmphasize(x, c.preEmphasis), dec(e.pred), dec(e.exc), dec(e.excIn), dec(noisy.codes)];
    let target = 0;
    let history = 0;
    for (let t = 0; t < x.length; t++) {
      const scale = Math.abs(p[t]) + Math.abs(r[t]) + Math.abs(rIn[t]) + 0.02;
      target = Math.max(target, Math.abs(xe[t] - p[t] - r[t]) / scale); // clean sample = prediction + target residual
      history = Math.max(history, Math.abs(h[t] - p[t] - rIn[t]) / scale); // history = prediction + residual as drawn
    }
    expect(target).toBeLessThan(0.05);
    expect(history).toBeLessThan(0.05);
    // the batch's previous-residual input is the residual as it entered the history
    const b = sampleBatch([noisy], 1, 640, c, mulberry32(2));
    const s0 = Array.from({ length: x.length }, (_, t) => t).find((t) => t > 0 && Array.from({ length: 640 }).every((_, i) => e.exc[t + i] === b.target[i] && e.pred[t + i] === b.pred![i]));
    expect(s0).toBeDefined();
    expect(Array.from(b.prevExc!)).toEqual(Array.from(e.excIn.subarray(s0! - 1, s0! - 1 + 640)));
  });

  it('long-term prediction: each sample\'s e(t-P) input is the residual one measured period back; the pitch targets are its classes', () => {
    const c = vocoderConfig({ ...tiny, excitation: 'lpc', pitchBins: 16 });
    // 0.1 s of silence, then a 200 Hz pulse train through a resonance (period 80 samples)
    const x = new Float32Array(8000);
    for (let t0 = 1600; t0 < 8000; t0 += 80) for (let j = 0; j < 120 && t0 + j < 8000; j++) x[t0 + j] += 0.3 * Math.exp(-j / 25) * Math.cos(0.3 * j);
    const u = toUtterance('p', x, logMelSpectrogram(x), c, 2, mulberry32(7));
    const periods = Array.from(u.period!);
    expect(periods.length).toBe(u.mel.frames);
    expect(periods.slice(0, 5).every((p) => p === 0)).toBe(true);
    expect(periods.slice(15, -3).every((p) => Math.abs(p - 80) <= 1)).toBe(true);
    const b = sampleBatch([u], 3, 960, c, mulberry32(8));
    const e = u.excitation!;
    const nF = b.framesPerWindow;
    let voiced = 0;
    for (let bi = 0; bi < 3; bi++) {
      // locate the window by its targets and predictions, then check every e(t-P) input against the utterance
      const s0 = Array.from({ length: x.length - 960 }, (_, t) => t).find((t) => t > 0 && Array.from({ length: 960 }).every((_, i) => e.exc[t + i] === b.target[bi * 960 + i] && e.pred[t + i] === b.pred![bi * 960 + i]))!;
      expect(s0).toBeDefined();
      for (let i = 0; i < 960; i++) {
        const t = s0 + i;
        const P = periods[frameOf(t, u.mel.frames, c)];
        expect(b.ltp![bi * 960 + i]).toBe(P > 0 && t >= P ? e.excIn[t - P] : 128);
        if (P > 0) voiced++;
      }
      for (let j = 0; j < nF; j++) {
        const P = periods[frameOf(s0 + j * c.hop, u.mel.frames, c)];
        expect(b.pitchClass![bi * nF + j]).toBe(P ? 1 + Math.min(15, Math.floor((16 * Math.log(P / 40)) / Math.log(8))) : 0);
      }
    }
    expect(voiced).toBeGreaterThan(1000);
  });

  it('pulses: the batch marks the utterance\'s epochs, one per period of the voiced part', () => {
    const c = vocoderConfig({ ...tiny, excitation: 'lpc', pitchBins: 16, pulses: true });
    const x = new Float32Array(8000);
    for (let t0 = 1600; t0 < 8000; t0 += 80) for (let j = 0; j < 120 && t0 + j < 8000; j++) x[t0 + j] += 0.3 * Math.exp(-j / 25) * Math.cos(0.3 * j);
    const u = toUtterance('p', x, logMelSpectrogram(x), c);
    const marks = Array.from(u.pulse!).flatMap((m, t) => (m ? [t] : []));
    // a pulse every 80 samples once voiced, none in the silence before
    expect(marks[0]).toBeGreaterThanOrEqual(1500);
    const gaps = marks.slice(1).map((t, i) => t - marks[i]);
    expect(gaps.length).toBeGreaterThan(50);
    expect(gaps.filter((g) => Math.abs(g - 80) <= 1).length).toBeGreaterThanOrEqual(gaps.length - 2);
    const b = sampleBatch([u], 2, 960, c, mulberry32(9));
    const e = u.excitation!;
    for (let bi = 0; bi < 2; bi++) {
      const s0 = Array.from({ length: x.length - 960 }, (_, t) => t).find((t) => t > 0 && Array.from({ length: 960 }).every((_, i) => e.exc[t + i] === b.target[bi * 960 + i] && e.pred[t + i] === b.pred![bi * 960 + i]))!;
      expect(Array.from(b.pulse!.subarray(bi * 960, (bi + 1) * 960))).toEqual(Array.from(u.pulse!.subarray(s0, s0 + 960)));
    }
  });

  it('rejects a window that is not a multiple of the hop', () => {
    const c = vocoderConfig(tiny);
    expect(() => sampleBatch(syntheticUtterances(1, 0.1, c, mulberry32(1)), 1, 500, c, Math.random)).toThrow(/multiple of the hop/);
  });
});

describe('trainVocoder', () => {
  it('lowers the loss on synthetic sines', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vocoder-train-'));
    try {
      const { losses, vocoder, step } = await trainVocoder(
        { ...DEFAULT_TRAIN_OPTIONS, out, synthetic: 4, steps: 30, batch: 4, window: 320, lr: 4e-3, warmup: 3, checkpointEvery: 30, logEvery: 10, valBatches: 1, sampleSeconds: 0.2, model: tiny },
        quiet,
      );
      expect(step).toBe(30);
      const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
      expect(losses[0]).toBeGreaterThan(5); // ~ln 256 at the start
      expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 1);
      // the checkpoint wrote a listenable sample and the final model
      expect((await stat(join(out, 'samples', 'step-00000030.wav'))).size).toBeGreaterThan(44);
      expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
      expect(vocoder.config.melStd).toBeGreaterThan(0.1); // normalisation taken from the data
      // log.jsonl: each logged step's mean loss over the steps since the last line, and the held-out loss at the checkpoint
      const rows = parseTrainingLog(await readFile(join(out, 'log.jsonl'), 'utf8'));
      const lossRows = rows.filter((r) => 'loss' in r);
      expect(lossRows.map((r) => r.step)).toEqual([10, 20, 30]);
      lossRows.forEach((r, i) => expect(r.loss).toBeCloseTo(mean(losses.slice(10 * i, 10 * i + 10)), 5));
      expect(lossRows.every((r) => r.samplesPerSec > 0 && r.secPerStep > 0)).toBe(true);
      const val = rows.filter((r) => 'valLoss' in r);
      expect(val.map((r) => r.step)).toEqual([30]);
      expect(curveSeries(rows).map((s) => s.name).sort()).toEqual(['loss', 'valLoss']);
      vocoder.dispose();
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('resumes exactly, learning-rate schedule included: resuming from step 3 of 6 equals 6 steps straight', async () => {
    const a = await mkdtemp(join(tmpdir(), 'vocoder-a-'));
    const b = await mkdtemp(join(tmpdir(), 'vocoder-b-'));
    try {
      const base = { ...DEFAULT_TRAIN_OPTIONS, synthetic: 2, batch: 2, window: 320, lr: 3e-3, warmup: 2, checkpointEvery: 3, logEvery: 100, valBatches: 0, sampleSeconds: 0, model: { ...tiny, dilations: [1, 2, 4] } };
      const straight = await trainVocoder({ ...base, out: a, steps: 6 }, quiet);
      // the same run "killed" after its step-3 checkpoint: latest.json pointed back at it
      const first = await trainVocoder({ ...base, out: b, steps: 6 }, quiet);
      first.vocoder.dispose();
      const latest = join(b, 'checkpoints', 'latest.json');
      const pointer = JSON.parse(await readFile(latest, 'utf8'));
      await writeFile(latest, JSON.stringify({ ...pointer, step: 3, dir: pointer.dir.replace(/\d+$/, (d: string) => '3'.padStart(d.length, '0')) }));
      const resumed = await trainVocoder({ ...base, out: b, steps: 6, resume: true }, quiet);
      expect(resumed.losses.length).toBe(3);
      expect(resumed.losses).toEqual(straight.losses.slice(3));
      for (const [name, v] of Object.entries(straight.vocoder.weights)) {
        const x = v.dataSync();
        const y = resumed.vocoder.weights[name].dataSync();
        let max = 0;
        for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        expect(max, name).toBeLessThan(1e-6);
      }
      straight.vocoder.dispose();
      resumed.vocoder.dispose();
    } finally {
      await rm(a, { recursive: true, force: true });
      await rm(b, { recursive: true, force: true });
    }
  });

  it('follows the schedule: one step at warmup 10 moves the weights as a constant rate of a tenth of the peak', async () => {
    const dirs = [await mkdtemp(join(tmpdir(), 'vocoder-lr-a-')), await mkdtemp(join(tmpdir(), 'vocoder-lr-b-'))];
    try {
      const base = { ...DEFAULT_TRAIN_OPTIONS, synthetic: 2, batch: 2, window: 320, steps: 1, checkpointEvery: 1, logEvery: 1, valBatches: 0, sampleSeconds: 0, model: { ...tiny, dilations: [1, 2] } };
      const warm = await trainVocoder({ ...base, out: dirs[0], lr: 5e-2, warmup: 10 }, quiet);
      const flat = await trainVocoder({ ...base, out: dirs[1], lr: 5e-3, warmup: 0, minLrRatio: 1 }, quiet);
      for (const [name, v] of Object.entries(warm.vocoder.weights)) {
        const x = v.dataSync();
        const y = flat.vocoder.weights[name].dataSync();
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i]), name).toBeLessThan(1e-6);
      }
      // and the step did move them (from the same seeded start) by about the rate
      const start = Vocoder.build({ ...base.model, seed: base.seed });
      let moved = 0;
      for (const [name, v] of Object.entries(warm.vocoder.weights)) {
        const x = v.dataSync();
        const y = start.weights[name].dataSync();
        for (let i = 0; i < x.length; i++) moved = Math.max(moved, Math.abs(x[i] - y[i]));
      }
      expect(moved).toBeGreaterThan(1e-3);
      expect(moved).toBeLessThan(1e-2);
      const rows = parseTrainingLog(await readFile(join(dirs[0], 'log.jsonl'), 'utf8')).filter((r) => 'lr' in r);
      expect(rows.map((r) => r.lr)).toEqual([5e-3]);
      [warm, flat].forEach((r) => r.vocoder.dispose());
      start.dispose();
    } finally {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    }
  });

  it('resumes a run saved before the schedule existed at its constant rate, not the new warmup and decay', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vocoder-old-run-'));
    const args = ['--synthetic', '2', '--out', out, '--batch', '1', '--window', '320', '--checkpoint-every', '1', '--log-every', '1', '--sample-seconds', '0', '--val-batches', '0',
      '--dilations', '1,2', '--residual', '4', '--skip', '4', '--head', '4', '--cond-channels', '4', '--lr', '4e-3'];
    try {
      expect(await runTrainVocoder([...args, '--steps', '2', '--warmup', '0', '--min-lr-ratio', '1'])).toBe(0);
      // make the checkpoint look like one written before the schedule's options existed
      const latest = JSON.parse(await readFile(join(out, 'checkpoints', 'latest.json'), 'utf8'));
      const statePath = join(out, 'checkpoints', latest.dir, 'state.json');
      const state = JSON.parse(await readFile(statePath, 'utf8'));
      delete state.options.warmup;
      delete state.options.minLrRatio;
      await writeFile(statePath, JSON.stringify(state));
      expect(await runTrainVocoder(['--out', out, '--steps', '4', '--resume'])).toBe(0);
      const rates = parseTrainingLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((r) => 'lr' in r).map((r) => [r.step, r.lr]);
      // the defaults (warmup 100) would have given step 3 a rate of 1.2e-4
      expect(rates).toEqual([[1, 4e-3], [2, 4e-3], [3, 4e-3], [4, 4e-3]]);
      // and a flag given with --resume still wins
      expect(await runTrainVocoder(['--out', out, '--steps', '5', '--resume', '--lr', '2e-3'])).toBe(0);
      const last = parseTrainingLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((r) => 'lr' in r).at(-1)!;
      expect([last.step, last.lr]).toEqual([5, 2e-3]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('the command trains the lpc excitation unless told --excitation none, and rejects other values', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vocoder-cli-'));
    const args = ['--synthetic', '2', '--batch', '1', '--window', '320', '--steps', '1', '--checkpoint-every', '1', '--sample-seconds', '0', '--val-batches', '0',
      '--dilations', '1,2', '--residual', '4', '--skip', '4', '--head', '4', '--cond-channels', '4'];
    try {
      const config = async (dir: string) => JSON.parse(await readFile(join(dir, 'model', 'config.json'), 'utf8'));
      expect(await runTrainVocoder([...args, '--out', join(out, 'a'), '--pitch-bins', '0'])).toBe(0);
      expect((await config(join(out, 'a'))).excitation).toBe('lpc');
      expect((await config(join(out, 'a'))).pitchBins).toBeUndefined(); // an lpc-only folder, as before pitch inputs existed
      // by default a new model has the pitch head, e(t-P) and pulses
      expect(await runTrainVocoder([...args, '--out', join(out, 'a2')])).toBe(0);
      expect(await config(join(out, 'a2'))).toMatchObject({ excitation: 'lpc', pitchBins: 48, pulses: true });
      expect(await runTrainVocoder([...args, '--out', join(out, 'b'), '--excitation', 'none'])).toBe(0);
      expect((await config(join(out, 'b'))).excitation).toBeUndefined(); // a plain vocoder's folder, as before the mode existed
      await expect(runTrainVocoder([...args, '--out', join(out, 'c'), '--excitation', 'celp'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      // --pitch-bins adds long-term prediction, also to an --init model that has none, whose weights it keeps
      expect(await runTrainVocoder([...args, '--out', join(out, 'd'), '--pitch-bins', '6'])).toBe(0);
      expect((await config(join(out, 'd'))).pitchBins).toBe(6);
      expect(await runTrainVocoder([...args, '--out', join(out, 'e'), '--init', join(out, 'a', 'model'), '--pitch-bins', '6', '--lr', '0'])).toBe(0);
      const [before, after] = [await Vocoder.load(join(out, 'a', 'model')), await Vocoder.load(join(out, 'e', 'model'))];
      expect(after.config.pitchBins).toBe(6);
      for (const [name, v] of Object.entries(before.weights)) expect(Array.from(after.weights[name].dataSync())).toEqual(Array.from(v.dataSync()));
      before.dispose();
      after.dispose();
      // --pulses adds the pulse input to that model in turn, keeping its weights
      expect(await runTrainVocoder([...args, '--out', join(out, 'h'), '--init', join(out, 'e', 'model'), '--pulses', '--lr', '0'])).toBe(0);
      const withPulses = await Vocoder.load(join(out, 'h', 'model'));
      expect(withPulses.config.pulses).toBe(true);
      expect(Math.max(...withPulses.weights['pulse'].dataSync())).toBeGreaterThan(0.1); // a random start, like an embedding row
      expect(Array.from(withPulses.weights['embedLtp'].dataSync())).toEqual(Array.from((await Vocoder.load(join(out, 'e', 'model'))).weights['embedLtp'].dataSync()));
      withPulses.dispose();
      await expect(runTrainVocoder([...args, '--out', join(out, 'i'), '--pulses', '--pitch-bins', '0'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' }); // pulses need the pitch head
      // without --pitch-bins / --pulses an --init model keeps its own config
      expect(await runTrainVocoder([...args, '--out', join(out, 'j'), '--init', join(out, 'a', 'model')])).toBe(0);
      expect((await config(join(out, 'j'))).pitchBins).toBeUndefined();
      await expect(runTrainVocoder([...args, '--out', join(out, 'f'), '--pitch-bins', 'x'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      await expect(runTrainVocoder([...args, '--out', join(out, 'g'), '--pitch-bins', '4', '--excitation', 'none'])).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('continues the step count after being killed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vocoder-kill-'));
    const args = ['--synthetic', '3', '--out', out, '--batch', '2', '--window', '320', '--checkpoint-every', '3', '--log-every', '1', '--sample-seconds', '0', '--val-batches', '0',
      '--dilations', '1,2,4', '--residual', '8', '--skip', '8', '--head', '8', '--cond-channels', '8'];
    try {
      // A child trains "forever"; kill it as soon as it has written a checkpoint.
      const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'training/vocoder/train.ts'), ...args, '--steps', '100000'], { cwd: projectRoot, stdio: 'ignore' });
      const latest = join(out, 'checkpoints', 'latest.json');
      const deadline = Date.now() + 60_000;
      while (!existsSync(latest) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const killedAt = JSON.parse(await readFile(latest, 'utf8')).step as number;
      expect(killedAt).toBeGreaterThanOrEqual(3);
      expect(killedAt % 3).toBe(0);
      // --resume with only the run folder: the run's own options (synthetic data, sizes, window), not the defaults
      const code = await runTrainVocoder(['--out', out, '--steps', String(killedAt + 3), '--resume']);
      expect(code).toBe(0);
      const latestNow = JSON.parse(await readFile(join(out, 'checkpoints', 'latest.json'), 'utf8'));
      expect(latestNow.step).toBe(killedAt + 3);
      const state = JSON.parse(await readFile(join(out, 'checkpoints', latestNow.dir, 'state.json'), 'utf8'));
      expect([state.options.synthetic, state.options.batch, state.options.window, state.options.checkpointEvery, state.options.steps]).toEqual([3, 2, 320, 3, killedAt + 3]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 90_000);
});
