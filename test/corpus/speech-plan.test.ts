/** The corpus plan: who says what, reproducibly, and stable when the text corpus changes. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from '../../training/corpus/speech/augment.ts';
import { disjointSplits, estimateSeconds, planUtterances, type PlanInput } from '../../training/corpus/speech/plan.ts';
import { buildVoiceBank, DEFAULT_VOICE_BANK } from '../../training/corpus/speech/voices.ts';

const voices = buildVoiceBank(1, DEFAULT_VOICE_BANK, ['en', 'es']);
const sentences = (lang: string, split: string, n: number) => Array.from({ length: n }, (_, i) => `${lang} ${split} sentence number ${i} with a few words`);

function input(extra: Partial<PlanInput> = {}): PlanInput {
  return {
    seed: 5,
    sentences: {
      en: { train: sentences('en', 'train', 50), dev: sentences('en', 'dev', 10), test: sentences('en', 'test', 10) },
      es: { train: sentences('es', 'train', 50), dev: sentences('es', 'dev', 10), test: sentences('es', 'test', 10) },
    },
    voices,
    utterances: { train: 30, dev: 5, test: 5 },
    augment: DEFAULT_AUGMENT,
    noisyTest: true,
    align: true,
    ...extra,
  };
}

describe('speech corpus plan', () => {
  it('gives test sentences to test voices only, and train/dev sentences to training voices', () => {
    const jobs = planUtterances(input());
    expect(jobs.filter((j) => j.manifest === 'train')).toHaveLength(60);
    expect(jobs.filter((j) => j.manifest === 'test-noisy')).toHaveLength(10);
    for (const j of jobs) expect(j.voice.split).toBe(j.split === 'test' ? 'test' : 'train');
    for (const j of jobs) if (j.split !== 'train') expect(j.augment === null).toBe(j.manifest !== 'test-noisy');
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(planUtterances(input())).toEqual(jobs);
  });

  it('keeps ids, voices and augmentation of sentences when others join or leave the text corpus', () => {
    const before = planUtterances(input({ utterances: { train: 50, dev: 10, test: 10 } }));
    const more = input({ utterances: { train: 60, dev: 10, test: 10 } });
    more.sentences.en.train = [...sentences('en', 'train', 50), 'A brand new sentence joins.', 'And another one.'];
    more.sentences.en.train.splice(7, 1); // one leaves
    const after = new Set(planUtterances(more).map((j) => j.id));
    let kept = 0;
    for (const j of before) {
      if (j.text === sentences('en', 'train', 50)[7]) {
        expect(after.has(j.id)).toBe(false);
        continue;
      }
      expect(after.has(j.id), j.text).toBe(true);
      kept++;
    }
    expect(kept).toBe(before.length - 1);
  });

  it('a smaller plan is a prefix of a larger one', () => {
    const small = planUtterances(input({ utterances: { train: 10, dev: 2, test: 2 } }));
    const large = new Set(planUtterances(input()).map((j) => j.id));
    for (const j of small) expect(large.has(j.id)).toBe(true);
  });

  it('repeats sentences with other voices when the split is short, and reaches an hours target', () => {
    const jobs = planUtterances(input({ utterances: { train: 0, dev: 0, test: 0 }, trainHours: 0.5 }));
    const en = jobs.filter((j) => j.lang === 'en');
    const seconds = en.reduce((s, j) => s + estimateSeconds(j.text, j.voice.speed / (j.augment?.speed ?? 1), 'en'), 0);
    expect(seconds).toBeGreaterThanOrEqual(1800);
    expect(en.length).toBeGreaterThan(50); // only 50 sentences: some are said twice
    const voicesOf = new Map<string, Set<string>>();
    for (const j of en) {
      if (!voicesOf.has(j.text)) voicesOf.set(j.text, new Set());
      const said = voicesOf.get(j.text)!;
      expect(said.has(j.voice.id)).toBe(false);
      said.add(j.voice.id);
    }
  });

  it('makes splits disjoint, most held-out first', () => {
    expect(disjointSplits({ train: ['a', 'b', 'b', ' c '], dev: ['b', 'd'], test: ['a', 'd', 'e', 'c'] })).toEqual({
      train: ['a', 'b', 'c'],
      dev: ['d'],
      test: ['e'],
    });
  });
});
