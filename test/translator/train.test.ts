import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTranslator, learningRate, BatchSampler, directionsOf, type TrainOptions } from '../../training/translator/train.ts';
import { toyCorpus } from '../../training/translator/toy-corpus.ts';
import { toyTrainOptions } from './toy-options.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';

const quiet = () => {};
const base = (dir: string) => toyTrainOptions(dir, { warmup: 20, checkpointEvery: 10, devSentences: 30 });

describe('trainTranslator on a toy corpus', () => {
  it('loss falls and translations go from wrong to right; the export loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'translator-train-'));
    try {
      const r = await trainTranslator({ ...base(dir), steps: 220, evalEvery: 110 }, toyCorpus(), quiet);
      const first = r.losses.slice(0, 10).reduce((a, b) => a + b.loss, 0) / 10;
      const last = r.losses.slice(-10).reduce((a, b) => a + b.loss, 0) / 10;
      expect(last).toBeLessThan(first * 0.25);
      expect(r.dev).toHaveLength(2);
      expect(r.dev[1].result.bleu).toBeGreaterThan(r.dev[0].result.bleu);
      expect(r.dev[1].result.bleu).toBeGreaterThan(60);
      const m = await Translator.load(join(dir, 'model'));
      const [t] = await m.translate(['a1 a2 a3'], { to: 'bb', beam: 4 });
      expect(t.text).toBe('b3 b2 b1');
      m.dispose();
      r.model.dispose();
      const log = (await readFile(join(dir, 'run', 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(log.some((l) => l.tokensPerSecond > 0)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stopping and resuming continues the step count and reproduces an uninterrupted run exactly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'translator-resume-'));
    try {
      const straight = await trainTranslator({ ...base(join(dir, 'a')), steps: 30, evalEvery: 0 }, toyCorpus(), quiet);
      const part1 = await trainTranslator({ ...base(join(dir, 'b')), steps: 30, evalEvery: 0, stopAfter: 20 }, toyCorpus(), quiet);
      expect(part1.step).toBe(20);
      await expect(stat(join(dir, 'b', 'model'))).rejects.toThrow();
      part1.model.dispose();
      const part2 = await trainTranslator({ ...base(join(dir, 'b')), steps: 30, evalEvery: 0, resume: true }, toyCorpus(), quiet);
      expect(part2.step).toBe(30);
      expect(part2.losses[0].step).toBe(21);
      for (let i = 0; i < 10; i++) expect(part2.losses[i].loss).toBeCloseTo(straight.losses[20 + i].loss, 5);
      expect(Array.from(part2.model.weights['embed'].dataSync())).toEqual(Array.from(straight.model.weights['embed'].dataSync()).map((x) => expect.closeTo(x, 5)));
      straight.model.dispose();
      part2.model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('training pieces', () => {
  it('learning rate warms up linearly then decays by cosine to the floor', () => {
    const o = { lr: 1, warmup: 10, steps: 110, minLrRatio: 0.1 };
    expect(learningRate(0, o)).toBeCloseTo(0.1, 12);
    expect(learningRate(9, o)).toBeCloseTo(1, 12);
    expect(learningRate(10, o)).toBeCloseTo(1, 12);
    expect(learningRate(60, o)).toBeCloseTo(0.55, 12);
    expect(learningRate(110, o)).toBeCloseTo(0.1, 12);
  });

  it('the sampler balances directions and keeps a batch within one length bucket', () => {
    const c = toyCorpus(2000, 0);
    const tok = WordTokenizer.train(c.train['aa-bb'].flat(), ['aa', 'bb']);
    const m = Translator.build({ languages: ['aa', 'bb'], embedDim: 4, encoderUnits: 4, decoderUnits: 4 }, tok);
    const dirs = directionsOf(c.train, tok, m.config);
    expect(dirs.map((d) => `${d.from}>${d.to}`).slice(0, 2)).toEqual(['aa>bb', 'bb>aa']);
    const s = new BatchSampler(5);
    const counts = new Map<number, number>();
    let spread = 0;
    for (let i = 0; i < 200; i++) {
      const b = s.sample(dirs, 32);
      const lens = b.src.map((x) => x.length);
      spread += Math.max(...lens) - Math.min(...lens);
      for (const x of b.src) counts.set(x[0], (counts.get(x[0]) ?? 0) + 1);
    }
    const [n1, n2] = [...counts.values()];
    expect(Math.abs(n1 - n2) / (n1 + n2)).toBeLessThan(0.05);
    expect(spread / 200).toBeLessThanOrEqual(1.5);
    m.dispose();
  });
});
