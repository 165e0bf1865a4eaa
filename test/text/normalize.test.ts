import { describe, it, expect } from 'vitest';
import { normalizeText, normalizeForSubwords } from '../../src/text/normalize.ts';
import { SAMPLE_SENTENCES } from './sample-sentences.ts';

describe('normalizeText', () => {
  it('composes to NFC and collapses every kind of whitespace to single spaces', () => {
    expect(normalizeText('Cafe\u0301')).toBe('Café');
    expect(normalizeText('  a\t\tb\nc\u00a0\u2003d\r\n ')).toBe('a b c d');
    expect(normalizeText('')).toBe('');
    expect(normalizeText(' \n\t ')).toBe('');
  });

  it('keeps compatibility characters in NFC but folds them in NFKC', () => {
    expect(normalizeText('ﬁne ２')).toBe('ﬁne ２');
    expect(normalizeText('ﬁne ２', 'NFKC')).toBe('fine 2');
  });
});

describe('normalizeForSubwords', () => {
  it('turns a literal boundary marker into a space', () => {
    expect(normalizeForSubwords('a\u2581b')).toBe('a b');
  });

  it('is idempotent (so the tokenizer re-normalising changes nothing)', () => {
    const tricky = ['x\u00a8y', ' \u0301a', 'ﬀ  \u2581 ', 'e\u0301\u0327', '\u3000全角\uff21'];
    for (const s of [...SAMPLE_SENTENCES, ...tricky]) {
      const once = normalizeForSubwords(s);
      expect(normalizeForSubwords(once)).toBe(once);
      expect(once.normalize('NFKC')).toBe(once);
    }
  });
});
