/** `--init DIR`: continue training from an exported model folder, and the dev subset across languages. */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { DEFAULT_TRAIN_CONFIG, batchLoss, devSubset, parseTrainArgs, runTrainSpeechEncoder, trainSpeechEncoder, type TrainConfig } from '../../training/speech-encoder/train.ts';
import { assembleBatch } from '../../training/speech-encoder/data.ts';
import { batchForStep, lengthBatches } from '../../training/common/length-batches.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { Vocab, defaultVocab } from '../../models/speech-encoder/vocab.ts';
import { toyTrainData, TOY_BINS } from './toy-data.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

const BINS = TOY_BINS;


const cfgFor = (runDir: string, over: Partial<TrainConfig> = {}): TrainConfig => ({
  ...DEFAULT_TRAIN_CONFIG,
  runDir,
  out: join(runDir, 'export'),
  steps: 60,
  batchFrames: 200,
  maxBatch: 3,
  lr: 1e-2,
  warmup: 5,
  hidden: 24,
  frontEndChannels: 16,
  dilations: [1, 2],
  specAugment: false,
  eqOrder: 0,
  vtlp: 0, // no augmentation: the first loss is compared with the export's on the plain batch
  bandLimit: 0,
  evalEvery: 0,
  checkpointEvery: 1000,
  logEvery: 1000,
  ...over,
});

describe('train speech-encoder --init', () => {
  it('starts from the exported model: first loss is the export\'s, config and vocabulary kept, fresh schedule', async () => {
    const root = await mkdtemp(join(tmpdir(), 'se-init-'));
    try {
      const data = toyTrainData({ seed: 7, devCount: 2 });
      const first = await trainSpeechEncoder(cfgFor(join(root, 'a')), data, { log: () => {} });
      const exported = join(root, 'model');
      await first.encoder.save(exported);
      first.encoder.dispose();
      const freshLoss = first.losses[0]!;
      const trainedLoss = first.losses.slice(-5).reduce((a, b) => a + b) / 5;
      expect(trainedLoss).toBeLessThan(0.5 * freshLoss);

      // Other model-shape flags: the init model's config wins.
      const cfg = cfgFor(join(root, 'b'), { steps: 3, hidden: 8, dilations: [1], checkpointEvery: 3 });
      const lines: string[] = [];
      const cont = await trainSpeechEncoder(cfg, data, { init: exported, log: (l) => lines.push(l) });
      expect(lines.some((l) => l.includes(`initialised from ${exported}`))).toBe(true);
      expect(cont.step).toBe(3);
      const saved = await SpeechEncoder.load(exported);
      expect(cont.encoder.config).toEqual(saved.config);
      expect(cont.encoder.vocab.symbols).toEqual(saved.vocab.symbols);
      // Step 0's loss is the exported model's loss on step 0's batch (the loss is taken before the update).
      const batches = lengthBatches(data.train, cfg.batchFrames, cfg.maxBatch);
      const batch = assembleBatch(data.train, batches[batchForStep(0, batches.length, cfg.seed)]!, BINS);
      const l = batchLoss(saved, batch, cfg.langIdWeight);
      expect(cont.losses[0]).toBeCloseTo(l.dataSync()[0], 4);
      l.dispose();
      expect(cont.losses[0]).toBeLessThan(0.5 * freshLoss);
      saved.dispose();
      cont.encoder.dispose();

      // --resume with a checkpoint in the run wins over --init, and says so.
      const again: string[] = [];
      const resumed = await trainSpeechEncoder({ ...cfg, steps: 4 }, data, { resume: true, init: exported, log: (s) => again.push(s) });
      expect(again.some((s) => /resuming .* at step 3/.test(s))).toBe(true);
      expect(again.some((s) => /--init .* ignored/.test(s))).toBe(true);
      expect(resumed.losses).toHaveLength(1);
      resumed.encoder.dispose();

      // A corpus with another vocabulary is refused clearly.
      const other = toyTrainData({ seed: 7, devCount: 2, vocab: new Vocab([...defaultVocab().symbols, 'ø']) });
      await expect(trainSpeechEncoder(cfgFor(join(root, 'c')), other, { init: exported, log: () => {} })).rejects.toMatchObject({
        code: 'BAD_ARGUMENT',
        message: expect.stringMatching(/vocabulary.*only the corpus has "ø"/),
      });
      const numTensors = tf.memory().numTensors;
      await expect(trainSpeechEncoder(cfgFor(join(root, 'd')), data, { init: join(root, 'nope'), log: () => {} })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      expect(tf.memory().numTensors).toBe(numTensors);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('--grow appends blocks that start as the identity: the first loss is the init model\'s, and they train', async () => {
    const root = await mkdtemp(join(tmpdir(), 'se-grow-'));
    try {
      const data = toyTrainData({ seed: 8, devCount: 2 });
      const first = await trainSpeechEncoder(cfgFor(join(root, 'a'), { steps: 20 }), data, { log: () => {} });
      const exported = join(root, 'model');
      await first.encoder.save(exported);
      first.encoder.dispose();
      const cfg = cfgFor(join(root, 'b'), { steps: 6, grow: '1:1,2:1', checkpointEvery: 6 });
      const lines: string[] = [];
      const grown = await trainSpeechEncoder(cfg, data, { init: exported, log: (l) => lines.push(l) });
      expect(lines.some((l) => /grew 2 residual block\(s\).*4 blocks, lookahead 3 frames/.test(l))).toBe(true);
      expect(grown.encoder.config.dilations).toEqual([1, 2, 1, 2]);
      expect(grown.encoder.config.futureTaps).toEqual([0, 0, 1, 1]);
      const saved = await SpeechEncoder.load(exported);
      const batches = lengthBatches(data.train, cfg.batchFrames, cfg.maxBatch);
      const batch = assembleBatch(data.train, batches[batchForStep(0, batches.length, cfg.seed)]!, BINS);
      const l = batchLoss(saved, batch, cfg.langIdWeight);
      expect(grown.losses[0]).toBeCloseTo(l.dataSync()[0], 4);
      l.dispose();
      // the new blocks trained: their projections moved off zero
      const proj = grown.encoder.weights['block3/proj/w']!.dataSync();
      expect(Math.max(...Array.from(proj, Math.abs))).toBeGreaterThan(0);
      // a resumed run keeps the grown shape (the checkpoint's config), without growing again
      const resumed = await trainSpeechEncoder({ ...cfg, steps: 7 }, data, { resume: true, init: exported, log: () => {} });
      expect(resumed.encoder.config.dilations).toEqual([1, 2, 1, 2]);
      saved.dispose();
      grown.encoder.dispose();
      resumed.encoder.dispose();
      // --grow needs a model to grow
      await expect(trainSpeechEncoder(cfgFor(join(root, 'c'), { grow: '1:1' }), data, { log: () => {} })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/--grow .*--init/) });
      expect(() => parseTrainArgs(['--grow', '1-1'])).toThrow(/dilation:futureTaps/);
      expect(parseTrainArgs(['--future-taps', '0,1']).config.futureTaps).toEqual([0, 1]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('the CLI takes --init, documents it, and refuses a folder without a model before loading data', async () => {
    expect(parseTrainArgs(['--init', 'models/x']).init).toMatch(/models\/x$/);
    expect(parseTrainArgs([]).init).toBeUndefined();
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await runTrainSpeechEncoder(['--help'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toMatch(/--init DIR .*trained model folder/s);
    await expect(runTrainSpeechEncoder(['--init', join(tmpdir(), 'no-such-model'), '--corpus', join(tmpdir(), 'no-such-corpus')])).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('no-such-model'),
    });
  });
});

describe('the in-training dev subset', () => {
  it('spreads across every language of a language-sorted manifest, deterministically and in manifest order', () => {
    // 120 rows sorted by language, as the corpus writes them: 60 en, 30 es, 20 fr, 10 de.
    const rows = [...Array(60).fill('en'), ...Array(30).fill('es'), ...Array(20).fill('fr'), ...Array(10).fill('de')].map((lang, i) => ({ i, lang }));
    const pick = devSubset(rows, 40);
    expect(pick).toHaveLength(40);
    const count = (l: string) => pick.filter((r) => r.lang === l).length;
    expect([count('en'), count('es'), count('fr'), count('de')]).toEqual([10, 10, 10, 10]);
    expect(pick.map((r) => r.i)).toEqual([...pick.map((r) => r.i)].sort((a, b) => a - b));
    expect(devSubset(rows, 40)).toEqual(pick);
    // Spread within a language, not its first rows.
    const en = pick.filter((r) => r.lang === 'en').map((r) => r.i);
    expect(en[0]).toBeLessThan(6);
    expect(en.at(-1)).toBeGreaterThan(54);
    // A small language gives its unused share to the others.
    const few = devSubset(rows, 100);
    expect(few.filter((r) => r.lang === 'de')).toHaveLength(10);
    expect(few).toHaveLength(100);
    expect(new Set(few.map((r) => r.i)).size).toBe(100);
    // 0 or more than there are: all of them.
    expect(devSubset(rows, 0)).toHaveLength(120);
    expect(devSubset(rows, 500)).toHaveLength(120);
    // Fewer than languages: still spread, never the first rows only.
    expect(new Set(devSubset(rows, 4).map((r) => r.lang)).size).toBe(4);
  });
});
