/** The pure parts of the text corpus builder, on hand-made cases (no Debian package needed). */
import { describe, expect, it } from 'vitest';
import { canonicalPair } from '../../training/corpus/languages.ts';
import { stripApertiumMarks } from '../../training/corpus/text/apertium.ts';
import { alignVerse, makeJoinedWordRepair, verseSentences } from '../../training/corpus/text/bibleAlign.ts';
import {
  acceptSentence,
  fixLeadingCapitals,
  hasApertiumMarks,
  modernizeSpanish,
  normalizeSentence,
  sentenceKey,
  splitSentences,
  wordCount,
} from '../../training/corpus/text/clean.ts';
import { parseDiathekePlain, stripStrongs } from '../../training/corpus/text/sources/bible.ts';
import { fortuneEntrySentences } from '../../training/corpus/text/sources/fortunes.ts';
import { freedictExample } from '../../training/corpus/text/sources/freedict.ts';
import { isProseMessage, parseMo } from '../../training/corpus/text/sources/gettext.ts';
import { moCatalog } from '../helpers/mo.ts';
import { wordnetExamples } from '../../training/corpus/text/sources/wordnet.ts';
import { assignSplits, dedupe, resolveSentenceSplits, unitHash, type Item } from '../../training/corpus/text/split.ts';

const limits = { minWords: 3, maxWords: 30 };

describe('normalizeSentence', () => {
  it('composes to NFC', () => {
    expect(normalizeSentence('cafe\u0301 con leche')).toBe('caf\u00e9 con leche');
  });
  it('removes quotation marks but keeps apostrophes inside words', () => {
    expect(normalizeSentence('God said, \u201cLet there be light,\u201d and there was light.')).toBe('God said, Let there be light, and there was light.');
    expect(normalizeSentence('\u2018You shall not eat of it,\u2019 he said.')).toBe('You shall not eat of it, he said.');
    expect(normalizeSentence('God\u2019s Spirit and l\u2019ab\u00eeme')).toBe("God's Spirit and l'ab\u00eeme");
    expect(normalizeSentence('\u00ab Bonjour \u00bb, dit-il.')).toBe('Bonjour, dit-il.');
  });
  it('unifies spaces, dashes and ellipses, with no space before closing punctuation', () => {
    expect(normalizeSentence('Il dit\u00a0: oui  !\tNon ?')).toBe('Il dit: oui! Non?');
    expect(normalizeSentence('wait\u2026 what\u2014really')).toBe('wait... what - really');
    expect(normalizeSentence('\u00bf Qu\u00e9 pasa ?')).toBe('\u00bfQu\u00e9 pasa?');
  });
  it('trims punctuation left dangling at the ends', () => {
    expect(normalizeSentence(', and he went away;')).toBe('and he went away');
    expect(normalizeSentence('invalid range with no endpoint: -')).toBe('invalid range with no endpoint');
  });
  it('is idempotent', () => {
    for (const s of ['\u201cHello,\u201d she said \u2014 twice\u2026', ' \u00a1Hola ! ', "It's l\u2019eau.", 'no endpoint: - ', '- ; (x) -']) {
      expect(normalizeSentence(normalizeSentence(s))).toBe(normalizeSentence(s));
    }
  });
});

describe('acceptSentence and word counts', () => {
  it('counts words with letters or digits only', () => {
    expect(wordCount('Hello - world , 3 times')).toBe(4);
  });
  it('keeps 3 to 30 words, inclusive', () => {
    expect(acceptSentence('One two', limits)).toBe(false);
    expect(acceptSentence('One two three', limits)).toBe(true);
    expect(acceptSentence(Array(30).fill('word').join(' '), limits)).toBe(true);
    expect(acceptSentence(Array(31).fill('word').join(' '), limits)).toBe(false);
  });
  it('rejects apertium marks, markup, addresses and non-prose', () => {
    expect(hasApertiumMarks('El perro *foreman ladra')).toBe(true);
    expect(hasApertiumMarks('le #chien aboie')).toBe(true);
    expect(hasApertiumMarks('the @dog barks')).toBe(true);
    expect(hasApertiumMarks('the dog barks')).toBe(false);
    expect(acceptSentence('El perro *foreman ladra', limits)).toBe(false);
    expect(acceptSentence('see http://example.org for more', limits)).toBe(false);
    expect(acceptSentence('use the <b>bold</b> tag', limits)).toBe(false);
    expect(acceptSentence('cannot open %s for writing', limits)).toBe(false);
    expect(acceptSentence('a tab\there is bad', limits)).toBe(false);
    expect(acceptSentence('- - - - 1 2 3', limits)).toBe(false);
    expect(acceptSentence('The dog barks at night.', limits)).toBe(true);
    expect(acceptSentence('V, --version print the version', limits)).toBe(false);
    expect(normalizeSentence('an exercise -- in logic')).toBe('an exercise - in logic');
  });
});

describe('Spanish fixes for the Reina-Valera 1909', () => {
  it('drops pre-1959 accents on monosyllables', () => {
    expect(modernizeSpanish('Y fué la luz, y vió Dios que era buena, y dió gracias á Dios \u00f3 al hombre.')).toBe(
      'Y fue la luz, y vio Dios que era buena, y dio gracias a Dios o al hombre.',
    );
    expect(modernizeSpanish('Fué así.')).toBe('Fue así.');
    // Words that merely contain these letters are left alone.
    expect(modernizeSpanish('Canción de María, \u00e1rbol y \u00f3leo.')).toBe('Canción de María, \u00e1rbol y \u00f3leo.');
    // Words that are names of Object's members (a package description has "constructor").
    expect(modernizeSpanish('El constructor y toString de hasOwnProperty.')).toBe('El constructor y toString de hasOwnProperty.');
  });
  it('puts chapter-opening capitals in sentence case', () => {
    expect(fixLeadingCapitals('EN el principio crió Dios los cielos')).toBe('En el principio crió Dios los cielos');
    expect(fixLeadingCapitals('Y dijo Dios')).toBe('Y dijo Dios');
    expect(fixLeadingCapitals('NASA es una agencia')).toBe('Nasa es una agencia');
  });
});

describe('sentence splitting', () => {
  it('splits at sentence ends before a capital, not after short abbreviations', () => {
    expect(splitSentences('I came. I saw! Did I win? Yes.')).toEqual(['I came.', 'I saw!', 'Did I win?', 'Yes.']);
    expect(splitSentences('Mr. Smith went to Washington. He stayed.')).toEqual(['Mr. Smith went to Washington.', 'He stayed.']);
    expect(splitSentences('Dijo: ¿Vienes? ¡Claro que sí!')).toEqual(['Dijo: ¿Vienes?', '¡Claro que sí!']);
    expect(splitSentences('the end. and more')).toEqual(['the end. and more']);
  });
});

describe('source readers', () => {
  it('parses diatheke plain output, joining poetry lines and stopping at the module line', () => {
    const text = [
      'Genesis 1:1: In the beginning, God created the heavens.',
      'Genesis 3:14: Yahweh God said to the serpent,  \u201cBecause you have done this,',
      'you are cursed above all livestock.',
      '',
      '  I Samuel 1:1: Now there was a certain man.',
      'Song of Solomon 2:1: I am a rose of Sharon.',
      '(engWEB2015eb)',
      'Glossary text that is not a verse.',
    ].join('\n');
    const v = parseDiathekePlain(text, 'engWEB2015eb');
    expect([...v.keys()]).toEqual(['Genesis 1:1', 'Genesis 3:14', 'I Samuel 1:1', 'Song of Solomon 2:1']);
    expect(v.get('Genesis 3:14')).toBe('Yahweh God said to the serpent, \u201cBecause you have done this, you are cursed above all livestock.');
  });
  it("strips Strong's numbers", () => {
    expect(stripStrongs('ochocientos <H3967> años y doce <H6240>')).toBe('ochocientos años y doce');
  });
  it('takes fortune sentences without attributions, skipping dialogues', () => {
    expect(fortuneEntrySentences('A critic is a man who creates nothing. He judges.\n\t\t-- Anonymous\n')).toEqual([
      'A critic is a man who creates nothing.',
      'He judges.',
    ]);
    expect(fortuneEntrySentences('Q: Why did the chicken cross?\nA: To get across.')).toEqual([]);
  });
  it('reads WordNet gloss examples', () => {
    const line = '00002724 29 v 01 choke 0 002 @ 00001740 v 0000 | breathe with great difficulty; "She choked with emotion" ; "he choked"  ';
    expect(wordnetExamples(line)).toEqual(['She choked with emotion', 'he choked']);
    expect(wordnetExamples('no gloss here')).toEqual([]);
  });
  it('reads FreeDict examples, keeping the first alternative and dropping placeholders', () => {
    expect(freedictExample('      "the cradle of mankind"  - die Wiege der Menschheit')).toEqual(['the cradle of mankind', 'die Wiege der Menschheit']);
    expect(freedictExample('      "hospital discharge letters"  - Krankenhausentlassungsberichte, Entlassungsberichte')).toEqual([
      'hospital discharge letters',
      'Krankenhausentlassungsberichte',
    ]);
    // A sentence keeps its inner commas.
    expect(freedictExample('      "We would like that."  - Wir möchten, dass es so ist.')).toEqual(['We would like that.', 'Wir möchten, dass es so ist.']);
    expect(freedictExample('      "frisk sb."  - jdn. einer Leibesvisitation unterziehen')).toBeNull();
    expect(freedictExample('      "be in (the) hospital"  - im Krankenhaus liegen')).toBeNull();
    expect(freedictExample('Abbaufeld <neut> [min.]')).toBeNull();
  });
  it('parses a hand-built gettext .mo catalog', () => {
    const entries: Array<[string, string]> = [
      ['', 'Content-Type: text/plain; charset=UTF-8\n'],
      ['File not found', 'Fichier introuvable'],
      ['The disk is full.', 'Le disque est plein.'],
    ];
    const buf = moCatalog(entries);
    const m = parseMo(buf);
    expect([...m.entries()]).toEqual([
      ['File not found', 'Fichier introuvable'],
      ['The disk is full.', 'Le disque est plein.'],
    ]);
    expect(() => parseMo(Buffer.alloc(28))).toThrow(/not a gettext/);
  });
  it('keeps only gettext messages that can be prose', () => {
    expect(isProseMessage('File not found')).toBe(true);
    expect(isProseMessage('The disk is full.\n')).toBe(true);
    expect(isProseMessage('-V, --version  print version')).toBe(false);
    expect(isProseMessage('V, --version  print version')).toBe(false);
    expect(isProseMessage('cannot open %s')).toBe(false);
    expect(isProseMessage('usage:\n  tar [OPTION...]')).toBe(false);
    expect(isProseMessage('  --help')).toBe(false);
  });
  it('strips apertium marks for the baseline columns', () => {
    expect(stripApertiumMarks('Eres el *foreman alrededor #aquí (@sí)')).toBe('Eres el foreman alrededor aquí (sí)');
  });
});

describe('Bible alignment', () => {
  it('pairs short verses and rejects pairs of very different length', () => {
    expect(alignVerse('God saw that it was good.', 'Y vio Dios que era bueno.', limits)).toEqual([
      ['God saw that it was good.', 'Y vio Dios que era bueno.'],
    ]);
    expect(alignVerse('Jesus wept.', 'Y lloró Jesús.', limits)).toEqual([]);
    expect(alignVerse('He went away to the mountain to pray.', 'Y fue. Y oró. Y volvió a su casa con sus discípulos y con toda su familia, y muchos otros.', limits)).toEqual([]);
  });
  it('cuts long verses into clauses when both sides have the same number', () => {
    const en = 'The earth yielded grass, herbs yielding seed after their kind, and trees bearing fruit, with their seeds in it, after their kind; and God saw that it was good.';
    const es = 'Y produjo la tierra hierba verde, hierba que da simiente según su naturaleza, y árbol que da fruto, cuya simiente está en él, según su género: y vio Dios que era bueno.';
    const pairs = alignVerse(en, es, limits);
    expect(pairs).toHaveLength(2);
    expect(pairs[1]).toEqual(['And God saw that it was good.', 'Y vio Dios que era bueno.']);
    expect(pairs[0]![0]).toMatch(/after their kind$/);
  });
  it('offers clauses of a long verse for monolingual use', () => {
    const long = Array(20).fill('palabra').join(' ') + ': ' + Array(20).fill('otra').join(' ') + '.';
    expect(verseSentences(long, limits)).toHaveLength(2);
    expect(verseSentences('Corto pero bien.', limits)).toEqual(['Corto pero bien.']);
  });
  it('splits words the SWORD text ran together, and leaves real words alone', () => {
    const corpus = [...Array(10).fill('God created the heavens and the earth'), 'Godcreated light', 'a heavenward glance'];
    const repair = makeJoinedWordRepair(corpus);
    expect(repair('In the beginning Godcreated light')).toBe('In the beginning God created light');
    expect(repair('the earth was empty')).toBe('the earth was empty');
    expect(repair('a heavenward glance')).toBe('a heavenward glance');
    expect(makeJoinedWordRepair([...Array(6).fill('porque pasados aún')])('Porquepasadosaún')).toBe('Porque pasados aún');
    // With a dictionary, a known rare word stays whole and unknown parts do not count.
    const dict = new Set(['God', 'created', 'the', 'heavens', 'and', 'earth', 'light', 'bandits', 'band', 'its']);
    const withDict = makeJoinedWordRepair([...corpus, ...Array(10).fill('band its'), 'bandits', 'Godheavens'], {
      minPartCount: 5,
      isKnown: (w) => dict.has(w),
    });
    expect(withDict('bandits and Godcreated light')).toBe('bandits and God created light');
    expect(withDict('Godheavens')).toBe('God heavens');
  });
});

describe('split assignment', () => {
  const langs = (pair: string): [string, string] => pair.split('-') as [string, string];
  const item = (pair: string, a: string, b: string, unit: string, extra: Partial<Item> = {}): Item => ({
    pair, a, b, unit, source: 'x', human: true, ...extra,
  });

  it('keeps each unit whole and fills quotas in hash order', () => {
    const items: Item[] = [];
    for (let i = 0; i < 200; i++) {
      items.push(item('en-es', `english sentence ${i}`, `frase espanola ${i}`, `u${i}`));
      items.push(item('es-fr', `frase espanola ${i}`, `phrase francaise ${i}`, `u${i}`));
    }
    const { items: out, dropped } = assignSplits(items, [
      { pair: 'en-es', split: 'test', count: 20 },
      { pair: 'es-fr', split: 'dev', count: 20 },
    ], 7, langs);
    expect(dropped).toBe(0);
    const unitSplit = new Map<string, string>();
    for (const it of out) {
      const prev = unitSplit.get(it.unit);
      if (prev) expect(prev).toBe(it.split);
      unitSplit.set(it.unit, it.split);
    }
    expect(out.filter((x) => x.pair === 'en-es' && x.split === 'test')).toHaveLength(20);
    expect(out.filter((x) => x.pair === 'es-fr' && x.split === 'test')).toHaveLength(20);
    expect(out.filter((x) => x.pair === 'es-fr' && x.split === 'dev')).toHaveLength(20);
    // The test units are the 20 with the smallest hashes.
    const expected = [...Array(200).keys()].map((i) => `u${i}`).sort((x, y) => unitHash(7, x) - unitHash(7, y)).slice(0, 20).sort();
    expect([...new Set(out.filter((x) => x.split === 'test').map((x) => x.unit))].sort()).toEqual(expected);
  });

  it('drops an item whose sentence is held out elsewhere', () => {
    const placed = [
      { ...item('en-es', 'the same sentence', 'una frase', 'a'), split: 'train' as const },
      { ...item('en-de', 'The same sentence!', 'ein Satz hier', 'b'), split: 'test' as const },
      { ...item('en-es', 'another one here', 'otra frase aquí', 'c'), split: 'train' as const },
    ];
    const { items, dropped } = resolveSentenceSplits(placed, langs);
    expect(dropped).toBe(1);
    expect(items.map((x) => x.unit)).toEqual(['b', 'c']);
  });

  it('gives zero-shot items only to zero-shot quota units, and keeps trained items out of them', () => {
    const items: Item[] = [];
    for (let i = 0; i < 50; i++) {
      items.push(item('en-es', `message ${i} here`, `mensaje ${i} aquí`, `g${i}`));
      items.push(item('en-fr', `message ${i} here`, `le message ${i}`, `g${i}`, { zeroShot: true }));
    }
    const { items: out } = assignSplits(items, [{ pair: 'en-fr', split: 'test', count: 10, zeroShot: true }], 3, langs);
    const zs = out.filter((x) => x.zeroShot);
    expect(zs).toHaveLength(10);
    expect(zs.every((x) => x.split === 'test')).toBe(true);
    const zsUnits = new Set(zs.map((x) => x.unit));
    // Those units lost their en-es items; the other units lost their en-fr items.
    expect(out.filter((x) => x.pair === 'en-es' && zsUnits.has(x.unit))).toHaveLength(0);
    expect(out.filter((x) => x.pair === 'en-es')).toHaveLength(40);
    expect(out.every((x) => x.pair !== 'en-fr' || x.split === 'test')).toBe(true);
  });

  it('deduplicates up to case and punctuation within a pair only', () => {
    const out = dedupe([
      item('en-es', 'Hello there, friend.', 'Hola, amigo.', 'a'),
      item('en-es', 'hello there friend', 'hola amigo', 'b'),
      item('en-de', 'Hello there, friend.', 'Hallo, Freund.', 'c'),
    ]);
    expect(out.map((x) => x.unit)).toEqual(['a', 'c']);
    expect(sentenceKey('¡Hola, Amigo!')).toBe('hola amigo');
  });

  it('hash-based choices are stable for a seed and change with it', () => {
    expect(unitHash(1, 'bible:Genesis 1:1')).toBe(unitHash(1, 'bible:Genesis 1:1'));
    expect(unitHash(1, 'bible:Genesis 1:1')).not.toBe(unitHash(2, 'bible:Genesis 1:1'));
  });
});

describe('languages', () => {
  it('orders pairs canonically', () => {
    expect(canonicalPair('es', 'en')).toEqual(['en', 'es']);
    expect(canonicalPair('fr', 'es')).toEqual(['es', 'fr']);
    expect(canonicalPair('de', 'fr')).toEqual(['fr', 'de']);
  });
});
