import { describe, it, expect } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubwordTokenizer, UNK_SURFACE } from '../../src/text/tokenizer.ts';
import { normalizeForSubwords } from '../../src/text/normalize.ts';
import { isBabelfishError } from '../../src/errors.ts';
import type { Vocabulary } from '../../src/text/unigram-trainer.ts';
import { SAMPLE_SENTENCES } from './sample-sentences.ts';

const LANGS = ['en', 'es', 'fr', 'de'];
const B = '\u2581';

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
    expect.unreachable();
  } catch (e) {
    expect(isBabelfishError(e) && e.code).toBe(code);
  }
}

async function expectCodeAsync(f: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await f();
    expect.unreachable();
  } catch (e) {
    expect(isBabelfishError(e) && e.code).toBe(code);
  }
}

const trained = SubwordTokenizer.train(SAMPLE_SENTENCES, { languages: LANGS, vocabSize: 300, log: null });

describe('SubwordTokenizer ids', () => {
  it('reserves pad/s/unk and one tag per language', () => {
    expect([trained.padId, trained.bosId, trained.eosId, trained.unkId]).toEqual([0, 1, 2, 3]);
    expect(trained.piece(0)).toBe('<pad>');
    expect(trained.piece(3)).toBe('<unk>');
    expect(LANGS.map((l) => trained.langTag(l))).toEqual([4, 5, 6, 7]);
    expect(trained.piece(trained.langTag('fr'))).toBe('<2fr>');
    expect(trained.vocabSize).toBe(300);
  });

  it('rejects an unknown language with UNSUPPORTED_LANGUAGE', () => {
    expectCode(() => trained.langTag('xx'), 'UNSUPPORTED_LANGUAGE');
    expectCode(() => trained.langTag(''), 'UNSUPPORTED_LANGUAGE');
  });

  it('accepts any language list', () => {
    const t = SubwordTokenizer.fromPieces([[B, -1], ['a', -2]], ['en', 'pt', 'it']);
    expect(t.langTag('it')).toBe(6);
    expect(t.vocabSize).toBe(9);
  });

  it('spells out literal special-token text instead of emitting control ids', () => {
    const ids = trained.encode('<s> </s> <pad> <2es>');
    expect(ids.every((id) => id >= 8 || id === trained.unkId)).toBe(true);
  });
});

describe('SubwordTokenizer round trip', () => {
  it('is lossless on the mixed-language sample', () => {
    for (const s of SAMPLE_SENTENCES) {
      const ids = trained.encode(s);
      expect(ids).not.toContain(trained.unkId);
      expect(trained.decode(ids)).toBe(normalizeForSubwords(s));
      expect(trained.pieces(s).join('')).toBe(B + normalizeForSubwords(s).replaceAll(' ', B));
    }
  });

  it('per-word encoding (cached) equals USE on the whole sentence', () => {
    const extra = ['I ❤ 😀 you 漢字!', 'a😀b ☃☃ c', Array(50).fill('Die Straße').join(' ')];
    for (const s of [...SAMPLE_SENTENCES, ...extra]) {
      expect(trained.encode(s)).toEqual(trained.encodeWhole(s));
      expect(trained.encode(s)).toEqual(trained.encode(s)); // second call hits the cache
    }
  });

  it('is lossless on unseen sentences made of known characters', () => {
    const unseen = [
      'Das Mädchen spielt mit 12 Katzen.',
      'El y ella están en Madrid, ¿no?',
      "S'il est l'été ; où sont les élèves ?",
      'Nobody expected 99 red balloons!',
      'a  b\t\tc  ', // whitespace is normalised
      'Fe\u0301e cre\u0300me', // composed by normalisation
    ];
    const known = new Set(SAMPLE_SENTENCES.join(''));
    for (const s of unseen) {
      for (const ch of normalizeForSubwords(s)) expect(known.has(ch)).toBe(true);
      expect(trained.decode(trained.encode(s))).toBe(normalizeForSubwords(s));
    }
  });

  it('maps unknown characters (emoji included) to <unk> without crashing', () => {
    const ids = trained.encode('I ❤ 😀 you 漢字!');
    expect(ids).toContain(trained.unkId);
    expect(ids).not.toContain(trained.padId);
    const text = trained.decode(ids);
    expect(text.startsWith('I ')).toBe(true);
    expect(text).toContain(' you ');
    expect(text.endsWith('!')).toBe(true);
    expect(text).toContain(UNK_SURFACE);
    // the known parts around unknown ones are kept in order
    expect(trained.decode(trained.encode('a😀b'))).toBe(`a${UNK_SURFACE}b`);
  });

  it('handles empty and very long input', () => {
    expect(trained.encode('')).toEqual([]);
    expect(trained.encode('   \n ')).toEqual([]);
    expect(trained.decode([])).toBe('');
    const long = Array(500).fill('the cat').join(' ');
    expect(trained.decode(trained.encode(long))).toBe(long);
  });

  it('skips specials when decoding', () => {
    const ids = trained.encode('Hola');
    expect(trained.decode([trained.langTag('es'), trained.bosId, ...ids, trained.eosId, trained.padId])).toBe('Hola');
  });
});

describe('SubwordTokenizer segmentation', () => {
  // Distinct negative scores so the best segmentation is unique.
  const pieces: Vocabulary = [
    [B, -3.1],
    ['a', -2.3],
    ['b', -2.9],
    ['c', -3.7],
    [`${B}a`, -2.6],
    ['ab', -3.3],
    ['abc', -5.1],
    ['bc', -3.0],
    [`${B}ab`, -4.4],
    ['ca', -4.05],
    ['bca', -5.6],
  ];
  const tok = SubwordTokenizer.fromPieces(pieces, ['en']);
  const score = new Map(pieces);

  function bestByBruteForce(s: string): number {
    if (s.length === 0) return 0;
    let best = -Infinity;
    for (let k = 1; k <= s.length; k++) {
      const sc = score.get(s.slice(0, k));
      if (sc !== undefined) best = Math.max(best, sc + bestByBruteForce(s.slice(k)));
    }
    return best;
  }

  it('finds the highest scoring segmentation (Viterbi vs all segmentations)', () => {
    const alphabet = ['a', 'b', 'c', ' '];
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let t = 0; t < 300; t++) {
      const len = 1 + Math.floor(rand() * 9);
      let text = '';
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const norm = normalizeForSubwords(text);
      if (norm === '') continue;
      const surface = B + norm.replaceAll(' ', B);
      const got = tok.pieces(text);
      expect(got.join('')).toBe(surface);
      const gotScore = got.reduce((a, p) => a + score.get(p)!, 0);
      expect(gotScore).toBeCloseTo(bestByBruteForce(surface), 9);
    }
  });

  it('picks the hand-checked segmentation', () => {
    // ▁abc: ▁ab+c = -8.1, ▁a+bc = -5.6, ▁+abc = -8.2, ▁a+b+c = -9.2 -> ▁a bc
    expect(tok.pieces('abc')).toEqual([`${B}a`, 'bc']);
  });
});

describe('SubwordTokenizer files', () => {
  it('saves and loads to the same vocabulary and ids', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babelfish-tok-'));
    const path = join(dir, 'vocab.json');
    await trained.save(path);
    const loaded = await SubwordTokenizer.load(path);
    expect(loaded.vocabSize).toBe(trained.vocabSize);
    expect(loaded.languages).toEqual(LANGS);
    for (const s of SAMPLE_SENTENCES) expect(loaded.encode(s)).toEqual(trained.encode(s));
  });

  it('reports missing and malformed files with codes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'babelfish-tok-'));
    await expectCodeAsync(() => SubwordTokenizer.load(join(dir, 'nope.json')), 'FILE_NOT_FOUND');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{not json');
    await expectCodeAsync(() => SubwordTokenizer.load(bad), 'MODEL_INVALID');
    await writeFile(bad, JSON.stringify({ format: 'other', version: 1, languages: [], vocabulary: [] }));
    await expectCodeAsync(() => SubwordTokenizer.load(bad), 'MODEL_INVALID');
    expectCode(() => new SubwordTokenizer([['<pad>', 0]], ['en']), 'MODEL_INVALID');
  });
});
