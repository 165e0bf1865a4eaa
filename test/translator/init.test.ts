/** `train translator --init DIR`: continue from an exported model folder. */
import { describe, it, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTranslator, runTrainTranslator, BatchSampler, directionsOf, TRAIN_USAGE, type TrainOptions } from '../../training/translator/train.ts';
import { toyCorpus } from '../../training/translator/toy-corpus.ts';
import { toyTrainOptions } from './toy-options.ts';
import { Translator } from '../../models/translator/model.ts';
import { batchLoss, type Weights } from '../../models/translator/network.ts';

const quiet = () => {};
const base = (dir: string) => toyTrainOptions(dir, { warmup: 10, checkpointEvery: 1000, evalEvery: 0 });

describe('train translator --init', () => {
  it('starts from the export: first loss is the export\'s, config and vocabulary kept; --resume wins; bad folders are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'translator-init-'));
    try {
      const corpus = toyCorpus();
      const first = await trainTranslator({ ...base(join(dir, 'a')), steps: 160 }, corpus, quiet);
      first.model.dispose();
      const exported = join(dir, 'a', 'model');
      const freshLoss = first.losses[0]!.loss;
      const trainedLoss = first.losses.slice(-10).reduce((a, b) => a + b.loss, 0) / 10;
      expect(trainedLoss).toBeLessThan(0.5 * freshLoss);

      // --size default and a subword vocabulary size would build another model; the init's config wins.
      const lines: string[] = [];
      const opts = { ...base(join(dir, 'b')), size: 'default' as const, tokenizer: 'subword' as const, steps: 3, checkpointEvery: 3, init: exported };
      const cont = await trainTranslator(opts, corpus, (l) => lines.push(l));
      expect(lines.some((l) => l.includes(`initialised from ${exported}`))).toBe(true);
      expect(lines.some((l) => /training a .* vocabulary/.test(l))).toBe(false);
      expect(cont.step).toBe(3);
      expect(cont.losses[0]!.step).toBe(1);
      const saved = await Translator.load(exported);
      expect(cont.model.config).toEqual(saved.config);
      expect(cont.model.tokenizer.vocabSize).toBe(saved.tokenizer.vocabSize);
      expect(cont.model.tokenizer.encode('a1 a2 b3')).toEqual(saved.tokenizer.encode('a1 a2 b3'));
      // Step 0's loss is the exported model's loss on step 0's batch (taken before the update; no dropout).
      const { src, tgt } = new BatchSampler(opts.seed ?? 1).sample(directionsOf(corpus.train, saved.tokenizer, saved.config), opts.batch!);
      const l = batchLoss(saved.weights as Weights, saved.config, src, tgt, true);
      expect(cont.losses[0]!.loss).toBeCloseTo(l.dataSync()[0]!, 4);
      l.dispose();
      expect(cont.losses[0]!.loss).toBeLessThan(0.5 * freshLoss);
      cont.model.dispose();
      // The continued model was exported to --out with the same vocabulary.
      const again = await Translator.load(join(dir, 'b', 'model'));
      expect(again.config).toEqual(saved.config);
      again.dispose();
      saved.dispose();

      // --resume with a checkpoint in the run folder wins over --init, and says so.
      const said: string[] = [];
      const resumed = await trainTranslator({ ...opts, steps: 4, resume: true }, corpus, (l) => said.push(l));
      expect(said.some((l) => /resumed from .* at step 3/.test(l))).toBe(true);
      expect(said.some((l) => /--init .* ignored/.test(l))).toBe(true);
      expect(resumed.losses).toHaveLength(1);
      resumed.model.dispose();

      await expect(trainTranslator({ ...base(join(dir, 'c')), steps: 2, init: join(dir, 'nope') }, corpus, quiet)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      await expect(trainTranslator({ ...base(join(dir, 'd')), steps: 2, init: exported, vocab: join(exported, 'vocab.json') }, corpus, quiet)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      const wider = { ...corpus, train: { ...corpus.train, 'aa-cc': corpus.train['aa-bb']!.slice(0, 50) } };
      await expect(trainTranslator({ ...base(join(dir, 'e')), steps: 2, init: exported }, wider, quiet)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('cc') });
      await expect(runTrainTranslator(['--init', join(dir, 'nope'), '--data', join(dir, 'no-corpus')])).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
      expect(TRAIN_USAGE).toMatch(/--init DIR/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with more layers than the export has, grows it: first loss is the export\'s, the result has the layers and learns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'translator-grow-'));
    try {
      const corpus = toyCorpus();
      const first = await trainTranslator({ ...base(join(dir, 'a')), steps: 60 }, corpus, quiet);
      first.model.dispose();
      const exported = join(dir, 'a', 'model');
      const lines: string[] = [];
      const opts = { ...base(join(dir, 'b')), steps: 20, init: exported, model: { encoderLayers: 2, decoderLayers: 2 } };
      const grown = await trainTranslator(opts, corpus, (l) => lines.push(l));
      expect(lines.some((l) => l.includes('grew to 2 encoder / 2 decoder layers'))).toBe(true);
      expect(grown.model.config.encoderLayers).toBe(2);
      expect(grown.model.config.decoderLayers).toBe(2);
      const saved = await Translator.load(exported);
      expect(saved.config.encoderLayers).toBe(1);
      const { src, tgt } = new BatchSampler(opts.seed ?? 1).sample(directionsOf(corpus.train, saved.tokenizer, saved.config), opts.batch!);
      const l = batchLoss(saved.weights as Weights, saved.config, src, tgt, true);
      expect(grown.losses[0]!.loss).toBeCloseTo(l.dataSync()[0]!, 4);
      l.dispose();
      // the new layers moved away from their zero cell-input gate
      const w = grown.model.weights['dec1/W'].dataSync();
      const cols = 4 * grown.model.config.decoderUnits;
      let moved = 0;
      for (let i = 0; i < w.length; i++) if (i % cols >= (3 * cols) / 4 && w[i] !== 0) moved++;
      expect(moved).toBeGreaterThan(0);
      const again = await Translator.load(join(dir, 'b', 'model'));
      expect(again.config.decoderLayers).toBe(2);
      again.dispose();
      saved.dispose();
      grown.model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
