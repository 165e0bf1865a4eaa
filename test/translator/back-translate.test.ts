import { describe, it, expect } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBackTranslations, keepSynthetic, pivotPlans, type TextTranslator } from '../../training/translator/back-translate.ts';
import { BatchSampler, directionsOf, loadBackTranslations, oneWayDirectionsOf, trainTranslator } from '../../training/translator/train.ts';
import { readTsv, writeTsv } from '../../training/corpus/text/tsv.ts';
import { toyCorpus } from '../../training/translator/toy-corpus.ts';
import { toyTrainOptions } from './toy-options.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';

describe('pivot plans', () => {
  it("the shipped corpus's pairs: each zero-shot direction gets the pair and trained path worked out by hand", () => {
    const plans = pivotPlans(['en-de', 'en-es', 'es-fr'], ['en', 'es', 'fr', 'de']);
    const byDir = Object.fromEntries(plans.map((p) => [`${p.from}>${p.to}`, `${p.pair} via ${p.path.join('>')}`]));
    expect(byDir).toEqual({
      // French targets only come with Spanish; Spanish reaches English in one hop
      'en>fr': 'es-fr via es>en',
      // en-es's Spanish reaches French in one hop; en-de's German would need three
      'fr>en': 'en-es via es>fr',
      'es>de': 'en-de via en>es',
      'de>es': 'en-es via en>de',
      'fr>de': 'en-de via en>es>fr',
      'de>fr': 'es-fr via es>en>de',
    });
  });

  it('a language no trained pair reaches gets no plan; trained directions never get one', () => {
    const plans = pivotPlans(['aa-bb'], ['aa', 'bb', 'cc']);
    expect(plans).toEqual([]);
    const two = pivotPlans(['aa-bb', 'bb-cc'], ['aa', 'bb', 'cc']);
    expect(two.map((p) => `${p.from}>${p.to} ${p.pair} ${p.path.join('>')}`)).toEqual(['aa>cc bb-cc bb>aa', 'cc>aa aa-bb bb>cc']);
  });
});

describe('keepSynthetic', () => {
  it('drops empty, copied-through and badly mis-sized sources', () => {
    expect(keepSynthetic('hello world', 'hola mundo', 'bonjour monde')).toBe(true);
    expect(keepSynthetic('  ', 'hola', 'bonjour')).toBe(false);
    expect(keepSynthetic('hola mundo', 'hola mundo', 'bonjour monde')).toBe(false);
    // 3 characters against 13: ratio 0.23 < 1/3
    expect(keepSynthetic('abc', 'x', 'bonjour monde')).toBe(false);
    // 40 against 13: ratio 3.08 > 3
    expect(keepSynthetic('a'.repeat(40), 'x', 'bonjour monde')).toBe(false);
    expect(keepSynthetic('a'.repeat(39), 'x', 'bonjour monde')).toBe(true);
  });
});

/** Toy languages whose words are the same numbers with another letter: translation renames them. */
const renamer: TextTranslator = {
  languages: ['aa', 'bb', 'cc'],
  translate: async (sentences, { to }) => sentences.map((s) => ({ text: s.replace(/\b[a-z](\d+)/g, `${to[0]}$1`) })),
};

describe('buildBackTranslations', () => {
  it('writes one-way files of synthetic source and real target through the pivot, and skips finished directions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'back-translate-'));
    try {
      const data = join(dir, 'text');
      const out = join(dir, 'bt');
      await mkdir(data);
      await writeTsv(join(data, 'aa-bb.train.tsv'), [['a1 a2', 'b1 b2'], ['a5', 'b5']]);
      await writeTsv(join(data, 'bb-cc.train.tsv'), [['b3 b4', 'c3 c4'], ['b6 b7 b8', 'c6 c7 c8']]);
      const lines: string[] = [];
      const first = await buildBackTranslations({ dataDir: data, outDir: out, sentences: 10, log: (l) => lines.push(l) }, renamer);
      expect(first.written.map((f) => f.slice(out.length + 1)).sort()).toEqual(['aa-cc.train.tsv.gz', 'cc-aa.train.tsv.gz']);
      // aa>cc: real cc sentences of bb-cc, their bb side renamed into aa
      expect((await readTsv(join(out, 'aa-cc.train.tsv.gz'))).sort()).toEqual([
        ['a3 a4', 'c3 c4'],
        ['a6 a7 a8', 'c6 c7 c8'],
      ]);
      expect((await readTsv(join(out, 'cc-aa.train.tsv.gz'))).sort()).toEqual([
        ['c1 c2', 'a1 a2'],
        ['c5', 'a5'],
      ]);
      expect(lines.some((l) => /hop bb>aa 2\/2/.test(l))).toBe(true);
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.plans).toHaveLength(2);
      // run again: nothing is redone
      const again = await buildBackTranslations({ dataDir: data, outDir: out, sentences: 10, log: () => {} }, renamer);
      expect(again.written).toEqual([]);
      expect(again.skipped).toHaveLength(2);
      // and training reads them as one-way directions
      const pairs = await loadBackTranslations(out);
      expect(Object.keys(pairs).sort()).toEqual(['aa>cc', 'cc>aa']);
      expect(pairs['aa>cc'].sort()).toEqual([
        ['a3 a4', 'c3 c4'],
        ['a6 a7 a8', 'c6 c7 c8'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a folder without back-translations is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'back-translate-empty-'));
    try {
      await expect(loadBackTranslations(dir)).rejects.toThrow(/corpus back-translations/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('training with back-translations', () => {
  it('the sampler draws the given share of examples from the one-way directions, and nothing extra without them', () => {
    const c = toyCorpus(500, 0);
    const tok = WordTokenizer.train(c.train['aa-bb'].flat(), ['aa', 'bb']);
    const m = Translator.build({ languages: ['aa', 'bb'], embedDim: 4, encoderUnits: 4, decoderUnits: 4 }, tok);
    const [aaToBb] = directionsOf(c.train, tok, m.config);
    const [bbToAa] = oneWayDirectionsOf({ 'bb>aa': c.train['aa-bb'].map(([a, b]) => [b, a] as [string, string]) }, tok, m.config);
    expect(`${bbToAa.from}>${bbToAa.to}`).toBe('bb>aa');
    expect(bbToAa.src[0][0]).toBe(tok.langTag('aa'));
    // an empty extra set draws exactly what no extra set draws
    const a = new BatchSampler(3);
    const b = new BatchSampler(3);
    for (let i = 0; i < 5; i++) expect(b.sample([aaToBb], 8, { dirs: [], share: 0.5 })).toEqual(a.sample([aaToBb], 8));
    for (const share of [0, 0.3, 1]) {
      const s = new BatchSampler(7);
      let extra = 0;
      let all = 0;
      for (let i = 0; i < 200; i++) {
        for (const x of s.sample([aaToBb], 32, { dirs: [bbToAa], share }).src) {
          extra += +(x[0] === tok.langTag('aa'));
          all++;
        }
      }
      expect(Math.abs(extra / all - share)).toBeLessThan(0.02);
    }
    m.dispose();
  });

  it('a run given --back-translations logs them, and --resume alone brings them back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'translator-bt-'));
    try {
      const bt = join(dir, 'bt');
      await mkdir(bt);
      await writeTsv(join(bt, 'bb-aa.train.tsv'), toyCorpus(50, 0, 9).train['aa-bb'].map(([x, y]) => [y, x]));
      const lines: string[] = [];
      const o = toyTrainOptions(dir, { steps: 6, evalEvery: 0, checkpointEvery: 3, stopAfter: 3, backTranslations: bt, backTranslationShare: 0.5 });
      const r1 = await trainTranslator(o, toyCorpus(), (l) => lines.push(l));
      r1.model.dispose();
      expect(lines.some((l) => /back-translated \(50% of each batch\): bb>aa 50/.test(l))).toBe(true);
      lines.length = 0;
      const r2 = await trainTranslator(toyTrainOptions(dir, { resume: true }), toyCorpus(), (l) => lines.push(l));
      expect(r2.step).toBe(6);
      expect(lines.some((l) => /back-translated \(50% of each batch\): bb>aa 50/.test(l))).toBe(true);
      await stat(join(dir, 'model', 'model.json'));
      r2.model.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
