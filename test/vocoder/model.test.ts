import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { Vocoder, medianOf3 } from '../../models/vocoder/model.ts';
import { samplesForFrames } from '../../models/vocoder/network.ts';
import { mulawDecode } from '../../src/audio/mulaw.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { vocoderFeatureConfig } from '../../src/cli/commands/vocode.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';

const small = { dilations: [1, 2, 4, 8], residualChannels: 8, skipChannels: 16, headChannels: 16, condChannels: 8 };

function mel(frames: number, bins = 80): MelSpectrogram {
  return { data: Float32Array.from({ length: frames * bins }, (_, i) => Math.sin(i * 0.37) * 3 - 5), frames, bins };
}

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('Vocoder', () => {
  it('streams chunks whose concatenation is the whole vocode() output, of the promised length', async () => {
    const v = Vocoder.build({ ...small, seed: 3 });
    const m = mel(7);
    const chunks: Float32Array[] = [];
    for await (const c of v.stream(m, { chunkSamples: 500, seed: 4 })) chunks.push(c);
    const total = samplesForFrames(7, v.config);
    expect(total).toBe(7 * 160 + 240);
    expect(chunks.map((c) => c.length)).toEqual([500, 500, total - 1000]);
    const whole = await v.vocode(m, { seed: 4 });
    expect(whole.length).toBe(total);
    expect(Array.from(whole)).toEqual(chunks.flatMap((c) => Array.from(c)));
    for (const x of whole) expect(Math.abs(x)).toBeLessThanOrEqual(1);
    v.dispose();
  });

  it('decodes exactly the generator\'s mu-law codes', async () => {
    const v = Vocoder.build({ ...small, seed: 2 });
    const codes: number[] = [];
    for await (const c of v.streamCodes(mel(3), { seed: 9 })) codes.push(...c);
    const audio = await v.vocode(mel(3), { seed: 9 });
    expect(Array.from(audio)).toEqual(Array.from(mulawDecode(Int32Array.from(codes), 256)));
    v.dispose();
  });

  it('saves and loads to the same weights and output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vocoder-'));
    try {
      const v = Vocoder.build({ ...small, seed: 7, melMean: -4, melStd: 2 });
      await v.save(dir);
      const w = await Vocoder.load(dir);
      expect(w.config).toEqual(v.config);
      const a = await v.vocode(mel(4), { seed: 1, temperature: 0.8 });
      const b = await w.vocode(mel(4), { seed: 1, temperature: 0.8 });
      expect(Array.from(b)).toEqual(Array.from(a));
      v.dispose();
      w.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lpc excitation: streams the same audio in any chunking, saves and loads as lpc; old configs load as none', async () => {
    const v = Vocoder.build({ ...small, seed: 5, excitation: 'lpc', lpcOrder: 8 });
    const m = mel(6);
    const whole = await v.vocode(m, { seed: 2 });
    expect(whole.length).toBe(samplesForFrames(6, v.config));
    const parts: number[] = [];
    for await (const c of v.stream(m, { chunkSamples: 97, seed: 2 })) parts.push(...c);
    expect(parts).toEqual(Array.from(whole)); // the de-emphasis state is carried across chunks
    for (const x of whole) expect(Math.abs(x)).toBeLessThanOrEqual(1);
    expect(new Set(Array.from(whole)).size).toBeGreaterThan(100);
    await expect(v.streamCodes(m).next()).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const dir = await mkdtemp(join(tmpdir(), 'vocoder-'));
    try {
      await v.save(dir);
      const w = await Vocoder.load(dir);
      expect(w.config.excitation).toBe('lpc');
      expect(Array.from(await w.vocode(m, { seed: 2 }))).toEqual(Array.from(whole));
      w.dispose();
      // a config saved before the excitation field existed
      const old = Vocoder.build({ ...small, seed: 5 });
      const { excitation: _e, lpcOrder: _o, preEmphasis: _p, ...before } = old.config;
      await old.save(dir);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      json.config = before;
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      expect((await Vocoder.load(dir)).config.excitation).toBe('none');
      old.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    v.dispose();
  });

  it('long-term prediction: added to an lpc model it starts as that model; streams, saves and loads; lpc configs save without it', async () => {
    const v = Vocoder.build({ ...small, seed: 6, excitation: 'lpc', lpcOrder: 8 });
    const m = mel(8);
    const before = await v.vocode(m, { seed: 3 });
    const w = v.withConfig({ pitchBins: 12, pitchHidden: 8 });
    expect(w.config.pitchBins).toBe(12);
    // the e(t-P) embedding starts at zero: whatever periods the new head picks, the audio is the old model's
    expect(Array.from(await w.vocode(m, { seed: 3 }))).toEqual(Array.from(before));
    const periods = w.pitchPeriods(m);
    expect(periods.length).toBe(8);
    for (const p of periods) expect(p === 0 || (p >= 40 && p <= 320)).toBe(true);
    // give the new input weight: now the audio differs, streams identically in any chunking, and survives save/load
    const e = w.weights['embedLtp'];
    e.assign(e.add(1).mul(0.5));
    const whole = await w.vocode(m, { seed: 3 });
    expect(Array.from(whole)).not.toEqual(Array.from(before));
    const parts: number[] = [];
    for await (const c of w.stream(m, { chunkSamples: 101, seed: 3 })) parts.push(...c);
    expect(parts).toEqual(Array.from(whole));
    const dir = await mkdtemp(join(tmpdir(), 'vocoder-'));
    try {
      await w.save(dir);
      const loaded = await Vocoder.load(dir);
      expect(loaded.config.pitchBins).toBe(12);
      expect(Array.from(await loaded.vocode(m, { seed: 3 }))).toEqual(Array.from(whole));
      loaded.dispose();
      await v.save(dir);
      const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
      expect(saved.excitation).toBe('lpc');
      expect('pitchBins' in saved || 'minPeriod' in saved || 'pitchHidden' in saved).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => Vocoder.build({ ...small, pitchBins: 8 })).toThrow(/needs the lpc excitation/);
    expect(() => Vocoder.build({ ...small, excitation: 'lpc', pitchBins: 8, maxPeriod: 600 })).toThrow(/maxPeriod/);
    await expect(async () => v.pitchPeriods(m)).rejects.toThrow(/no pitch head/);
    v.dispose();
    w.dispose();
  });

  it('long-term prediction: voiced frames (by the pitch head) sample at voicedTemperature, unvoiced ones at temperature', async () => {
    const v = Vocoder.build({ ...small, seed: 7, excitation: 'lpc', lpcOrder: 8, pitchBins: 6, pitchHidden: 4 });
    const m = mel(6);
    const force = (cls: number) => {
      const b = new Float32Array(7);
      b[cls] = 100;
      v.weights['pitch/b2'].assign(tf.tensor1d(b));
    };
    force(3); // every frame voiced
    expect(Array.from(v.pitchPeriods(m)).every((p) => p > 0)).toBe(true);
    const greedy = Array.from(await v.vocode(m, { temperature: 0 }));
    expect(Array.from(await v.vocode(m, { temperature: 1, voicedTemperature: 0, seed: 9 }))).toEqual(greedy);
    expect(Array.from(await v.vocode(m, { temperature: 1, seed: 9 }))).not.toEqual(greedy);
    force(0); // every frame unvoiced: voicedTemperature no longer applies
    const sampled = Array.from(await v.vocode(m, { temperature: 1, seed: 9 }));
    expect(Array.from(await v.vocode(m, { temperature: 1, voicedTemperature: 0, seed: 9 }))).toEqual(sampled);
    // the floor changes what is drawn, and a floor of 1/256 or more is refused
    expect(Array.from(await v.vocode(m, { temperature: 1, seed: 9, floor: 0.003 }))).not.toEqual(sampled);
    await expect(v.vocode(m, { floor: 0.01 })).rejects.toThrow(/floor/);
    v.dispose();
  });

  it('medianOf3 takes each value\'s median with its neighbours and keeps the ends', () => {
    expect(Array.from(medianOf3([5, 100, 6, 7, 0, 8, 9]))).toEqual([5, 6, 7, 6, 7, 8, 9]);
    expect(Array.from(medianOf3([3]))).toEqual([3]);
    expect(Array.from(medianOf3([]))).toEqual([]);
  });

  it('rejects bad input with clear errors and bounds the output length', async () => {
    const v = Vocoder.build(small);
    await expect(v.vocode(mel(3, 40))).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(v.vocode({ data: new Float32Array(10), frames: 3, bins: 80 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(v.vocode(mel(1000), { maxSeconds: 5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect((await v.vocode(mel(0))).length).toBe(0);
    v.dispose();
    const dir = await mkdtemp(join(tmpdir(), 'vocoder-'));
    try {
      await expect(Vocoder.load(dir)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      await writeFile(join(dir, 'model.json'), '{"format":"something-else"}');
      await writeFile(join(dir, 'weights.bin'), '');
      await expect(Vocoder.load(dir)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => Vocoder.build({ residualChannels: 30 })).toThrow(/multiple of 4/);
  });

  it('keeps the default model under the 20 MB budget', () => {
    const v = Vocoder.build();
    expect(v.sizeBytes).toBeLessThan(20e6);
    expect(v.sizeBytes).toBeGreaterThan(100e3);
    v.dispose();
  });

  it('resynthesises audio from its own analysis to its own length (up to one hop)', async () => {
    const v = Vocoder.build(small);
    for (const n of [400, 5000, 8123]) {
      const x = Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.05));
      const y = await v.vocode(logMelSpectrogram(x, vocoderFeatureConfig(v.config)));
      expect(Math.abs(y.length - n)).toBeLessThan(160);
    }
    v.dispose();
  });
});
