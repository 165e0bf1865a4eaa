import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { Synthesizer, buildSynthesizer } from '../../models/synthesizer/model.ts';
import { gatherRows, embed } from '../../models/synthesizer/network.ts';
import { spreadDurations } from '../../models/synthesizer/alignment.ts';
import { Adam } from '../../training/common/adam.ts';
import { alignBatch, trainStep } from '../../training/synthesizer/step.ts';
import { syntheticItems, TINY } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('differentiable helpers', () => {
  it('gatherRows has the gather forward and a scatter-add gradient (checked against one-hot matMul)', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const index = Int32Array.from([2, 0, 2, 1, 2]);
    expect(Array.from(gatherRows(x, index).dataSync())).toEqual([5, 6, 1, 2, 5, 6, 3, 4, 5, 6]);
    const weights = tf.tensor2d(Array.from({ length: 10 }, (_, i) => i + 1), [5, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gatherRows(v as tf.Tensor2D, index), weights)))(x);
    const oneHot = tf.oneHot(tf.tensor1d(index, 'int32'), 3).toFloat();
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.matMul(oneHot, v as tf.Tensor2D), weights)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(g2.dataSync()));
    // row 2 is read three times: rows 0, 2, 4 of the weights add up
    expect(Array.from(g.dataSync()).slice(4)).toEqual([1 + 5 + 9, 2 + 6 + 10]);
  });

  it('embed equals a table lookup', () => {
    const table = tf.tensor2d([0, 0, 1, 1, 2, 4], [3, 2]);
    expect(Array.from(embed(table, tf.tensor2d([[2, 1]], [1, 2], 'int32')).dataSync())).toEqual([2, 4, 1, 1]);
  });
});

describe('Synthesizer training', () => {
  it('overfits a few synthetic utterances: loss falls far below its start and MAS finds the true durations', () => {
    const model = Synthesizer.build({ ...TINY, seed: 2 });
    const { items, durations } = syntheticItems(['hello world.', 'a big cat sat.', 'dogs run fast!', 'the old cow.', 'we sing songs.']);
    const adam = new Adam({ clipNorm: 5 });
    let first = NaN;
    let last = NaN;
    for (let s = 0; s < 150; s++) {
      const r = trainStep(model, adam, items, 3e-3, s < 60 ? items.map((x) => spreadDurations(x.ids.length, x.frames)) : undefined);
      if (s === 0) first = r.loss;
      last = r.loss;
    }
    expect(last).toBeLessThan(first / 10);
    // Character boundaries (cumulative durations) within about a frame of the truth on average.
    const found = alignBatch(model, items);
    let err = 0;
    let n = 0;
    found.forEach((d, b) => {
      let c1 = 0;
      let c2 = 0;
      d.forEach((v, i) => {
        c1 += v;
        c2 += durations[b]![i]!;
        err += Math.abs(c1 - c2);
        n++;
      });
    });
    expect(err / n).toBeLessThan(2);
    model.dispose();
    adam.dispose();
  });
});

describe('Synthesizer inference', () => {
  it('save/load round trip gives identical output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synth-'));
    try {
      const a = buildSynthesizer({ ...TINY, numMels: 80, melMean: Array(80).fill(-5), melStd: Array(80).fill(2) });
      await a.save(dir);
      const b = await Synthesizer.load(dir);
      const text = 'Hola, ¿qué tal? Son las 3.';
      const ma = await a.synthesize(text, { lang: 'es', voice: 1 });
      const mb = await b.synthesize(text, { lang: 'es', voice: 1 });
      expect(ma.frames).toBeGreaterThan(0);
      expect(mb.frames).toBe(ma.frames);
      expect(Array.from(mb.data)).toEqual(Array.from(ma.data));
      a.dispose();
      b.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad input: empty text, unsupported language, bad voice or speed, unknown characters, missing model', async () => {
    const m = buildSynthesizer({ ...TINY, numMels: 80 });
    expect((await m.synthesize('', { lang: 'en' })).frames).toBe(0);
    expect((await m.synthesize(' ... !? ', { lang: 'en' })).frames).toBe(0);
    await expect(m.synthesize('hello', { lang: 'xx' })).rejects.toMatchObject({ code: 'UNSUPPORTED_LANGUAGE' });
    await expect(m.synthesize('hello', { lang: 'en', voice: 99 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(m.synthesize('hello', { lang: 'en', speed: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const odd = await m.synthesize('hello \u{1F600} \u0416 world', { lang: 'en' });
    expect(odd.frames).toBeGreaterThan(0);
    expect(m.lastDropped).toEqual(['\u{1F600}', '\u0436']);
    await expect(Synthesizer.load(join(tmpdir(), 'no-such-synth-dir'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const dir = await mkdtemp(join(tmpdir(), 'synth-bad-'));
    await writeFile(join(dir, 'model.json'), '{"format":"something-else"}');
    await writeFile(join(dir, 'weights.bin'), '');
    await expect(Synthesizer.load(dir)).rejects.toBeInstanceOf(BabelfishError);
    await rm(dir, { recursive: true, force: true });
    m.dispose();
  });

  it('bounds the output: long text is split into sentences and stops at maxOutputFrames', async () => {
    const m = buildSynthesizer({ ...TINY, numMels: 80, maxOutputFrames: 300, sentencePauseFrames: 5 });
    // Force long durations: bias the duration head to log(1 + 30).
    m.weights['dur/b']!.assign(tf.tensor1d([Math.log(31)]));
    const text = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    expect(text.length).toBeGreaterThan(1000);
    const plans = m.plan(text, 'en');
    expect(plans.length).toBe(40);
    const mel = await m.synthesize(text, { lang: 'en' });
    expect(mel.frames).toBeLessThanOrEqual(300);
    expect(mel.data.length).toBe(mel.frames * 80);
    expect(m.lastDropped).toContain('\u2026');
    // Speed 2 halves the per-symbol durations.
    const one = await m.synthesize('Hi.', { lang: 'en' });
    const fast = await m.synthesize('Hi.', { lang: 'en', speed: 2 });
    expect(fast.frames).toBeLessThan(one.frames);
    expect(Math.max(...m.predictLogDurations(plans[0]!.ids, 0, 0))).toBeGreaterThan(0);
    m.dispose();
  });
});
