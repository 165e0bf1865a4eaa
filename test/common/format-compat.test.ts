/**
 * On-disk formats stay what running trainings and shipped models were written with: the
 * fixtures (see make-format-fixtures.ts) were saved by the code before the save/load logic was
 * shared; today's code must load them, write them again byte for byte, and build the same
 * initial weights from the same seeds.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { Adam } from '../../training/common/adam.ts';
import * as encoderCheckpoint from '../../training/speech-encoder/checkpoint.ts';
import * as synthesizerCheckpoint from '../../training/synthesizer/checkpoint.ts';
import * as vocoderCheckpoint from '../../training/vocoder/checkpoint.ts';
import { FIXTURE_CONFIGS, TRANSLATOR_TEXT } from './format-fixture-configs.ts';
import { DEFAULT_LEVEL_CONFIG } from '../../src/audio/level.ts';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name))).sort();
}

/**
 * Same file names, and every file the same bytes, except that a model.json's config may carry
 * `added`: config fields introduced after the fixtures were made, with the values given (the
 * rest of that model.json must still be the same JSON).
 */
async function expectSameFolder(actual: string, expected: string, added: Record<string, unknown> = {}): Promise<void> {
  const names = await filesUnder(expected);
  expect(await filesUnder(actual)).toEqual(names);
  for (const name of names) {
    const [a, e] = await Promise.all([readFile(join(actual, name)), readFile(join(expected, name))]);
    if (name.endsWith('model.json') && Object.keys(added).length) {
      const got = JSON.parse(a.toString('utf8'));
      for (const [key, value] of Object.entries(added)) {
        expect(got.config[key], `${name}: config.${key}`).toEqual(value);
        delete got.config[key];
      }
      expect(got, `${name} differs`).toEqual(JSON.parse(e.toString('utf8')));
      continue;
    }
    expect(a.equals(e), `${name} differs`).toBe(true);
  }
}

/**
 * Config fields added since the fixtures: the speech encoder's input level normalisation (an
 * old model loads without it; a new one is built with it) and the synthesizer's post-filter.
 */
const ADDED_WHEN_LOADED: Record<string, Record<string, unknown>> = { 'speech-encoder': { inputLevel: null }, synthesizer: { melSharpening: 1.3 } };
const ADDED_WHEN_BUILT: Record<string, Record<string, unknown>> = { 'speech-encoder': { inputLevel: DEFAULT_LEVEL_CONFIG }, synthesizer: { melSharpening: 1.3 } };

let tmp: string;

beforeAll(async () => {
  await initBackend({ log: () => {} });
  tmp = await mkdtemp(join(tmpdir(), 'babelfish-format-'));
  return () => rm(tmp, { recursive: true, force: true });
});

describe('saved models keep their format', () => {
  const models = [
    { kind: 'speech-encoder', load: (dir: string) => SpeechEncoder.load(dir), build: () => SpeechEncoder.build(FIXTURE_CONFIGS.speechEncoder) },
    { kind: 'synthesizer', load: (dir: string) => Synthesizer.load(dir), build: () => Synthesizer.build(FIXTURE_CONFIGS.synthesizer) },
    { kind: 'vocoder', load: (dir: string) => Vocoder.load(dir), build: () => Vocoder.build(FIXTURE_CONFIGS.vocoder) },
  ];
  for (const { kind, load, build } of models) {
    it(`${kind}: loads the old folder, writes it again byte for byte, builds the same weights`, async () => {
      const old = join(fixtures, kind, 'model');
      const loaded = await load(old);
      await loaded.save(join(tmp, `${kind}-resaved`));
      await expectSameFolder(join(tmp, `${kind}-resaved`), old, ADDED_WHEN_LOADED[kind]);
      const fresh = build();
      await fresh.save(join(tmp, `${kind}-fresh`));
      await expectSameFolder(join(tmp, `${kind}-fresh`), old, ADDED_WHEN_BUILT[kind]);
      loaded.dispose();
      fresh.dispose();
    });
  }

  it('translator: float32 and float16 folders load and are written again byte for byte; same initial weights', async () => {
    for (const [name, float16] of [['model', false], ['model-float16', true]] as const) {
      const old = join(fixtures, 'translator', name);
      const loaded = await Translator.load(old);
      for (const v of Object.values(loaded.weights)) expect(v.dtype).toBe('float32');
      await loaded.save(join(tmp, `tr-${name}`), { float16 });
      await expectSameFolder(join(tmp, `tr-${name}`), old);
      loaded.dispose();
    }
    const fresh = Translator.build(FIXTURE_CONFIGS.translator, WordTokenizer.train([TRANSLATOR_TEXT], FIXTURE_CONFIGS.translator.languages));
    await fresh.save(join(tmp, 'tr-fresh'));
    await expectSameFolder(join(tmp, 'tr-fresh'), join(fixtures, 'translator/model'));
    fresh.dispose();
  });
});

describe('training checkpoints keep their format', () => {
  it('speech encoder: resumes from the old checkpoint and writes it again byte for byte', async () => {
    const ckpt = await encoderCheckpoint.loadLatestCheckpoint<{ hidden: number; note: string }>(join(fixtures, 'speech-encoder/run'));
    expect(ckpt).not.toBeNull();
    expect(ckpt!.state).toEqual({ step: 7, config: { hidden: 16, note: 'fixture' }, seed: 1, metrics: { devCer: 0.5 } });
    expect(ckpt!.adamStep).toBe(1);
    const adam = new Adam({ weightDecay: 0.01 });
    adam.loadState(ckpt!.adamStep, ckpt!.adamTensors);
    const run = join(tmp, 'se-run');
    await encoderCheckpoint.saveCheckpoint(run, ckpt!.model, adam, ckpt!.state);
    await expectSameFolder(run, join(fixtures, 'speech-encoder/run'), ADDED_WHEN_LOADED['speech-encoder']);
    ckpt!.model.dispose();
    adam.dispose();
  });

  it('synthesizer: resumes from the old checkpoint (voices included) and writes it again byte for byte', async () => {
    const ckpt = await synthesizerCheckpoint.loadLatestCheckpoint<{ batchFrames: number }>(join(fixtures, 'synthesizer/run'));
    expect(ckpt!.state).toEqual({ step: 9, config: { batchFrames: 10 }, seed: 2, voices: ['anna', 'ben'], metrics: { dev: 1.25 } });
    const adam = new Adam({ weightDecay: 0.01 });
    adam.loadState(ckpt!.adamStep, ckpt!.adamTensors);
    const run = join(tmp, 'syn-run');
    await synthesizerCheckpoint.saveCheckpoint(run, ckpt!.model, adam, ckpt!.state);
    await expectSameFolder(run, join(fixtures, 'synthesizer/run'), ADDED_WHEN_LOADED.synthesizer);
    ckpt!.model.dispose();
    adam.dispose();
  });

  it('vocoder: resumes from the old checkpoint (tf.train.adam state by name) and writes it again byte for byte', async () => {
    const ckpt = await vocoderCheckpoint.loadLatestCheckpoint<{ steps: number }>(join(fixtures, 'vocoder/run'));
    expect(ckpt!.state).toEqual({ step: 11, options: { steps: 100 }, metrics: { loss: 3.5 }, seconds: 12.5 });
    expect(ckpt!.optimizerWeights[0].name).toBe('iter');
    expect(ckpt!.optimizerWeights.every((w) => w.tensor instanceof tf.Tensor)).toBe(true);
    // A real tf.train.adam takes the state back (what `--resume` does)...
    const optimizer = tf.train.adam(1e-3);
    await optimizer.setWeights(ckpt!.optimizerWeights);
    expect((await optimizer.getWeights()).length).toBe(ckpt!.optimizerWeights.length);
    // ...and the same state is written again exactly as the old code wrote it.
    const replay = { getWeights: async () => ckpt!.optimizerWeights } as unknown as tf.Optimizer;
    const run = join(tmp, 'voc-run');
    await vocoderCheckpoint.saveCheckpoint(run, ckpt!.vocoder, replay, ckpt!.state);
    await expectSameFolder(run, join(fixtures, 'vocoder/run'));
    ckpt!.vocoder.dispose();
    optimizer.dispose();
  });

  it('keeps only the newest checkpoints, never the one just written, and moves latest.json to it', async () => {
    const run = join(tmp, 'keep-run');
    const enc = SpeechEncoder.build(FIXTURE_CONFIGS.speechEncoder);
    const adam = new Adam();
    // A run restarted without --resume writes steps below an old run's: with keep = 1, step 20
    // sorts before 30 yet is the one just written, so it stays and latest.json names it.
    for (const step of [30, 10, 20]) await encoderCheckpoint.saveCheckpoint(run, enc, adam, { step, config: {}, seed: 1 }, 1);
    expect((await readdir(join(run, 'checkpoints'))).sort()).toEqual(['latest.json', 'step-00000020', 'step-00000030']);
    expect(JSON.parse(await readFile(join(run, 'checkpoints/latest.json'), 'utf8'))).toEqual({ dir: 'step-00000020', step: 20 });
    expect((await encoderCheckpoint.loadLatestCheckpoint(run))!.state.step).toBe(20);
    enc.dispose();
  });

  it('a run without checkpoints resumes from nothing; a broken one is MODEL_INVALID', async () => {
    expect(await encoderCheckpoint.loadLatestCheckpoint(join(tmp, 'no-run'))).toBeNull();
    expect(await vocoderCheckpoint.loadLatestCheckpoint(join(tmp, 'no-run'))).toBeNull();
    const run = join(tmp, 'broken-run');
    const enc = SpeechEncoder.build(FIXTURE_CONFIGS.speechEncoder);
    const dir = await encoderCheckpoint.saveCheckpoint(run, enc, new Adam(), { step: 1, config: {}, seed: 1 });
    await rm(join(dir, 'optimizer.bin'));
    await expect(encoderCheckpoint.loadLatestCheckpoint(run)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
    enc.dispose();
  });
});
