// The Ding dictionary's example sentences as extra en-de pairs with held-out dev/test files.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDing, splitDingPairs, DEFAULT_DING_OPTIONS } from '../../training/corpus/text/ding-build.ts';
import { sentenceKey } from '../../training/corpus/text/clean.ts';
import { dingSentencePairs, stripDingAnnotations } from '../../training/corpus/text/sources/ding.ts';
import { readTsv, writeTsv } from '../../training/corpus/text/tsv.ts';

/** Lines in the dictionary's own format (from its entries' shapes, shortened). */
const DICT = [
  '# Version :: devel 2023-01-30',
  'Augenblick {m} | Augenblicke {pl} | Einen Augenblick bitte! | Er zögerte einen Augenblick. :: moment | moments | One moment, please! | He hesitated for a moment.',
  'Was machst du?; Was hast du vor? :: What are you up to?',
  'Scherz {m} | War nur ein Scherz! :: joke | Just kidding /jk/',
  'Bleiben Sie ruhig/nur sitzen! [geh.] :: Please don\u2019t get up! [formal]',
  'Was ist denn (hier) los? :: So, what\u2019s going on (here)?',
  'sich etw. ansehen | Sieh dir das an! :: to look at sth. | Look at that!',
  'Ich möchte ... :: I would like ...',
  'Es regnet. | Es schneit. :: It is raining.',
  'das A und O [ugs.] :: the nuts and bolts [coll.]',
].join('\n');

describe('Ding sentence pairs', () => {
  it('strips grammar, usage, explanation and abbreviation marks, keeps the first of word alternatives, and drops patterns', () => {
    expect(stripDingAnnotations('Bleiben Sie ruhig/nur sitzen! [geh.]')).toBe('Bleiben Sie ruhig sitzen!');
    expect(stripDingAnnotations('So, what’s going on (here)?')).toBe('So, what’s going on?');
    expect(stripDingAnnotations('Just kidding /jk/')).toBe('Just kidding');
    expect(stripDingAnnotations('Aal {m} (auf der Speisekarte) [cook.]')).toBe('Aal');
    expect(stripDingAnnotations('to look at sth.')).toBe('');
    expect(stripDingAnnotations('jdm. etw. geben')).toBe('');
    expect(stripDingAnnotations('I would like ...')).toBe('');
    expect(stripDingAnnotations('Es besteht kein Kaufzwang / keine Pflicht!')).toBe(''); // spaced alternatives: no sure way to pick one
    expect(stripDingAnnotations('Das ist so.')).toBe('Das ist so.'); // "so." is a word, not a placeholder
  });

  it('pairs sub-entries by position, first alternative on each side, when both read as sentences', () => {
    const pairs = dingSentencePairs(DICT);
    expect(pairs.map(({ de, en }) => [de, en])).toEqual([
      ['Einen Augenblick bitte!', 'One moment, please!'],
      ['Er zögerte einen Augenblick.', 'He hesitated for a moment.'],
      ['Was machst du?', 'What are you up to?'],
      ['Bleiben Sie ruhig sitzen!', 'Please don’t get up!'],
      ['Was ist denn los?', 'So, what’s going on?'],
      ['Sieh dir das an!', 'Look at that!'],
    ]);
    // "Just kidding" has no closing mark; "Es regnet. | Es schneit." has two sub-entries against one
    expect(pairs[0]!.line).toBe(2);
    expect(pairs[2]!.line).toBe(3);
  });
});

describe('splitting Ding pairs', () => {
  const limits = { minWords: 2, maxWords: 30 };
  const pair = (de: string, en: string, line = 1) => ({ de, en, line });

  it('holds out whole German sentences; a train pair sharing either sentence with a held-out pair is dropped', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => pair(`Satz Nummer ${'x'.repeat(i + 1)} hier.`, `Sentence number ${'y'.repeat(i + 1)} here.`));
    // the same German with another English, and another German with the same English as row 0
    pairs.push(pair(pairs[0]!.de, 'A different translation here.'), pair('Ein anderer Satz hier.', pairs[0]!.en));
    const s = splitDingPairs(pairs, { limits, testPairs: 5, devPairs: 3, seed: 1 }, new Set(), new Set());
    expect(s.test.length + s.dev.length + s.train.length + s.counts.overlapsHeldOut).toBe(42);
    const held = new Set([...s.test, ...s.dev].flatMap(([en, de]) => [sentenceKey(en), sentenceKey(de)]));
    for (const [en, de] of s.train) expect(held.has(sentenceKey(en)) || held.has(sentenceKey(de))).toBe(false);
    // one German key per held-out split entry: 5 test and 3 dev German sentences
    expect(new Set(s.test.map((r) => r[1])).size).toBe(5);
    expect(new Set(s.dev.map((r) => r[1])).size).toBe(3);
    // the seed decides which pairs are held out, the same seed the same files
    expect(splitDingPairs(pairs, { limits, testPairs: 5, devPairs: 3, seed: 1 }, new Set(), new Set())).toEqual(s);
    expect(splitDingPairs(pairs, { limits, testPairs: 5, devPairs: 3, seed: 2 }, new Set(), new Set()).test).not.toEqual(s.test);
  });

  it("drops the corpus's dev/test sentences, pairs it already trains on, duplicates and unclean sentences", () => {
    const pairs = [
      pair('Guten Morgen allerseits.', 'Good morning, everyone.'),
      pair('Guten Morgen allerseits.', 'Good morning, everyone.'),
      pair('Das ist ein Test.', 'This is a test.'),
      pair('Wir sehen uns morgen.', 'See you tomorrow.'),
      pair('Klicken Sie auf <OK>.', 'Click <OK>.'),
    ];
    const corpusHeldOut = new Set([sentenceKey('This is a test.')]);
    const inCorpus = new Set([`${sentenceKey('See you tomorrow.')}\t${sentenceKey('Wir sehen uns morgen.')}`]);
    const s = splitDingPairs(pairs, { limits, testPairs: 0, devPairs: 0, seed: 1 }, corpusHeldOut, inCorpus);
    expect(s.train).toEqual([['Good morning, everyone.', 'Guten Morgen allerseits.']]);
    expect(s.counts).toMatchObject({ sentences: 5, rejected: 1, corpusHeldOut: 1, inCorpusTrain: 1, duplicates: 1 });
  });
});

describe('corpus ding', () => {
  it('writes en-de train, dev and test files beside the corpus; a missing dictionary says what to install', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ding-build-'));
    try {
      const text = join(dir, 'text');
      await mkdir(text);
      await writeTsv(join(text, 'en-de.train.tsv.gz'), [['Good morning to you.', 'Guten Morgen dir.']]);
      await writeTsv(join(text, 'en-de.test.tsv.gz'), [['He hesitated for a moment.', 'Er zögerte einen Augenblick.']]);
      const file = join(dir, 'de-en');
      await writeFile(file, DICT);
      const out = join(dir, 'out');
      const o = { ...DEFAULT_DING_OPTIONS, file, textDir: text, out, testPairs: 1, devPairs: 1 };
      const c = await buildDing(o);
      expect(c).toMatchObject({ sentences: 6, corpusHeldOut: 1, test: 1, dev: 1, train: 3 });
      const all = [...(await readTsv(join(out, 'en-de.train.tsv.gz'))), ...(await readTsv(join(out, 'en-de.dev.tsv.gz'))), ...(await readTsv(join(out, 'en-de.test.tsv.gz')))];
      // English first, as the corpus's en-de files; cleaned as the corpus cleans (typographic apostrophe made plain)
      expect(all.map((r) => r[0]).sort()).toEqual(['Look at that!', 'One moment, please!', "Please don't get up!", "So, what's going on?", 'What are you up to?']);
      await expect(buildDing({ ...o, file: join(dir, 'nowhere') })).rejects.toThrow(/apt-get install trans-de-en/);
      await rm(join(text, 'en-de.train.tsv.gz'));
      await writeTsv(join(text, 'en-es.train.tsv.gz'), [['Good morning to you.', 'Buenos días.']]);
      await expect(buildDing(o)).rejects.toThrow(/no en-de train file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
