// Package descriptions (DDTP) as a train-only source of the text corpus.
import { describe, expect, it } from 'vitest';
import { alignVerse } from '../../training/corpus/text/bibleAlign.ts';
import { corpusQuotas } from '../../training/corpus/text/build.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from '../../training/corpus/text/config.ts';
import { descriptionBlocks, pairDescriptions, parseTranslationIndex } from '../../training/corpus/text/sources/ddtp.ts';
import { assignSplits, type Item } from '../../training/corpus/text/split.ts';

const limits = { minWords: 3, maxWords: 30 };

const INDEX_DE = `Package: zsh
Description-md5: a129d6b2d23d2d5d3a6b822d3f8f856d
Description-de: Shell mit sehr vielen Fähigkeiten
 Zsh ist ein Kommandointerpreter, nutzbar als eine interaktive
 Login-Shell. Er hat viele Erweiterungen.
 .
 Funktionen:
  * eine eingebaute Rechtschreibkorrektur;
  * programmierbare Vervollständigung.

Package: zsh-static
Description-md5: a129d6b2d23d2d5d3a6b822d3f8f856d
Description-de: Zweite Kopie derselben Beschreibung

Package: other
Description-md5: ffff
Description-de: Nur eine Zeile
`;

describe('DDTP description index', () => {
  it('parses stanzas by md5, keeps the first of packages that share a description, and cuts the body into paragraphs and list items', () => {
    const m = parseTranslationIndex(INDEX_DE, 'de');
    expect([...m.keys()]).toEqual(['a129d6b2d23d2d5d3a6b822d3f8f856d', 'ffff']);
    const d = m.get('a129d6b2d23d2d5d3a6b822d3f8f856d')!;
    expect(d.synopsis).toBe('Shell mit sehr vielen Fähigkeiten');
    expect(d.blocks).toEqual([
      'Zsh ist ein Kommandointerpreter, nutzbar als eine interaktive Login-Shell. Er hat viele Erweiterungen.',
      'Funktionen:',
      'eine eingebaute Rechtschreibkorrektur;',
      'programmierbare Vervollständigung.',
    ]);
    expect(m.get('ffff')).toEqual({ synopsis: 'Nur eine Zeile', blocks: [] });
  });

  it('ignores another language\'s field', () => {
    expect(parseTranslationIndex(INDEX_DE, 'fr').size).toBe(0);
  });

  it('continues a list item over its wrapped lines', () => {
    expect(descriptionBlocks([' * first item that', '   wraps here', ' - second item', 'after the list'])).toEqual([
      'first item that wraps here',
      'second item after the list',
    ]);
  });
});

describe('pairing two translations of a description', () => {
  const align = (x: string, y: string) => alignVerse(x, y, limits);
  const en = { synopsis: 'shell with lots of features', blocks: ['Zsh is a command interpreter for the shell. It has many enhancements.', 'It is small and fast.'] };
  const de = { synopsis: 'Shell mit sehr vielen Fähigkeiten', blocks: ['Zsh ist ein Kommandointerpreter für die Shell. Er hat viele Erweiterungen.', 'Sie ist klein und schnell.'] };

  it('pairs synopses, then paragraph i with paragraph i, sentence by sentence', () => {
    expect(pairDescriptions(en, de, align)).toEqual([
      ['shell with lots of features', 'Shell mit sehr vielen Fähigkeiten'],
      ['Zsh is a command interpreter for the shell. It has many enhancements.', 'Zsh ist ein Kommandointerpreter für die Shell. Er hat viele Erweiterungen.'],
      ['It is small and fast.', 'Sie ist klein und schnell.'],
    ]);
  });

  it('keeps only the synopsis when the paragraph structure differs', () => {
    const merged = { ...de, blocks: [de.blocks.join(' ')] };
    expect(pairDescriptions(en, merged, align)).toEqual([['shell with lots of features', 'Shell mit sehr vielen Fähigkeiten']]);
  });
});

describe('train-only sources', () => {
  const item = (pair: string, a: string, b: string, unit: string, source: string): Item => ({ pair, a, b, source, human: true, unit });
  const langs = (p: string) => p.split('-') as [string, string];
  const cfg = { ...DEFAULT_TEXT_CORPUS_CONFIG, testSize: 15, devSize: 10, zeroShotTestSize: 5 };
  const base: Item[] = [];
  for (let i = 0; i < 120; i++) {
    base.push(item('en-de', `english sentence ${i}`, `deutscher Satz ${i}`, `fd:${i}`, 'freedict-eng-deu'));
    base.push(item('en-es', `bible verse ${i}`, `versículo ${i}`, `bible:${i}`, 'bible'));
    base.push(item('en-es', `fortune ${i}`, `fortuna ${i}`, `sent:${i}`, 'apertium:eng-spa:fortunes-en'));
  }
  const ddtp: Item[] = [];
  for (let i = 0; i < 300; i++) ddtp.push(item('en-de', `package text ${i}`, `Pakettext ${i}`, `ddtp:${i}`, 'ddtp'));
  // One description sentence is also a held-out sentence: it must not reach train.
  const heldOut = (split: 'dev' | 'test') => (r: ReturnType<typeof assignSplits>) => r.items.filter((x) => x.split === split).map((x) => `${x.pair}\t${x.a}`).sort();

  it('never fill a dev or test quota, so adding them leaves the held-out files unchanged', () => {
    const before = assignSplits(base, corpusQuotas(cfg), 1, langs);
    const after = assignSplits([...base, ...ddtp], corpusQuotas(cfg), 1, langs);
    expect(heldOut('test')(after)).toEqual(heldOut('test')(before));
    expect(heldOut('dev')(after)).toEqual(heldOut('dev')(before));
    expect(heldOut('test')(before).length).toBe(15 + 15 + 15);
    expect(after.items.filter((x) => x.source === 'ddtp').every((x) => x.split === 'train')).toBe(true);
    expect(after.items.filter((x) => x.source === 'ddtp')).toHaveLength(300);
    // Without the train-only rule the description units would take part of the quotas.
    const mixed = assignSplits([...base, ...ddtp], corpusQuotas({ ...cfg, trainOnlySources: [] }), 1, langs);
    expect(mixed.items.some((x) => x.source === 'ddtp' && x.split !== 'train')).toBe(true);
  });

  it('lose a sentence that a held-out file has', () => {
    const before = assignSplits(base, corpusQuotas(cfg), 1, langs);
    const testDe = before.items.find((x) => x.pair === 'en-de' && x.split === 'test')!;
    const clash = item('en-de', 'some package words', testDe.b, 'ddtp:clash', 'ddtp');
    const after = assignSplits([...base, clash], corpusQuotas(cfg), 1, langs);
    expect(after.items.some((x) => x.unit === 'ddtp:clash')).toBe(false);
    expect(after.dropped).toBe(1);
  });
});
