import { describe, it, expect } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vocab, buildVocab, defaultVocab, normalizeTranscript, hasDigits, BLANK } from '../../models/speech-encoder/vocab.ts';

describe('normalizeTranscript', () => {
  it('lowercases, keeps accents and inner apostrophes, turns punctuation into single spaces', () => {
    expect(normalizeTranscript('  Hello, World!  ')).toBe('hello world');
    expect(normalizeTranscript("L’Homme n'est-il pas là ?")).toBe("l'homme n'est il pas là");
    expect(normalizeTranscript('¿Qué tal, Señor Muñoz?')).toBe('qué tal señor muñoz');
    expect(normalizeTranscript('Straße GRÜN Œuvre')).toBe('straße grün œuvre');
    expect(normalizeTranscript("'quoted' words")).toBe('quoted words');
    expect(normalizeTranscript('I have 42 cats')).toBe('i have cats');
    // Decomposed accents (NFD) come out composed.
    expect(normalizeTranscript('Cafe\u0301')).toBe('café');
  });

  it('flags digits', () => {
    expect(hasDigits('room 101')).toBe(true);
    expect(hasDigits('room one')).toBe(false);
  });
});

describe('Vocab', () => {
  it('round-trips text through ids, blank at 0', () => {
    const v = defaultVocab();
    expect(v.symbols[0]).toBe(BLANK);
    const ids = v.encode("Où est l'été, Jürgen?");
    expect(ids.every((i) => i > 0)).toBe(true);
    expect(v.decode(ids)).toBe("où est l'été jürgen");
    // Unknown accented letters fall back to their base letter.
    expect(v.decode(v.encode('Ångström'))).toBe('angström');
  });

  it('builds from corpus text, adding frequent extra letters, and saves/loads', async () => {
    const v = buildVocab(['ÿ ÿ ÿ', 'hello'], 3);
    expect(v.symbols.includes('ÿ')).toBe(true);
    expect(buildVocab(['ÿ'], 3).symbols.includes('ÿ')).toBe(false);
    const dir = await mkdtemp(join(tmpdir(), 'vocab-'));
    await v.save(join(dir, 'vocab.json'));
    const back = await Vocab.load(join(dir, 'vocab.json'));
    expect(back.symbols).toEqual(v.symbols);
    await expect(Vocab.load(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(() => Vocab.fromJSON({ symbols: ['a'] })).toThrow();
  });
});
