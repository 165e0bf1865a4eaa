import { describe, it, expect } from 'vitest';
import { splitSentences } from '../../src/text/sentences.ts';
import { SymbolTable, utteranceIds, DEFAULT_SYMBOLS } from '../../models/synthesizer/symbols.ts';
import { spellNumber } from '../../models/synthesizer/numbers.ts';

describe('splitSentences', () => {
  it('splits at sentence ends and keeps the punctuation', () => {
    expect(splitSentences('Hello there. How are you? Fine!')).toEqual(['Hello there.', 'How are you?', 'Fine!']);
  });

  it('does not split after abbreviations, initials or inside numbers', () => {
    expect(splitSentences('Dr. Smith paid 3.50 dollars. J. R. Tolkien wrote it.')).toEqual(['Dr. Smith paid 3.50 dollars.', 'J. R. Tolkien wrote it.']);
    expect(splitSentences('Das kostet z.B. 1.000 Euro. Am 3. Mai kommt er.', { lang: 'de' })).toEqual(['Das kostet z.B. 1.000 Euro.', 'Am 3. Mai kommt er.']);
    expect(splitSentences('La Sra. García llegó. ¿Vienes?', { lang: 'es' })).toEqual(['La Sra. García llegó.', '¿Vienes?']);
    expect(splitSentences('Mme. Dupont arrive... Puis elle part.', { lang: 'fr' })).toEqual(['Mme. Dupont arrive...', 'Puis elle part.']);
  });

  it('keeps closing quotes with their sentence and splits paragraphs', () => {
    expect(splitSentences('He said "stop." Then he left.\n\nNew paragraph')).toEqual(['He said "stop."', 'Then he left.', 'New paragraph']);
  });

  it('cuts a 1000-character text into pieces within the limit, losing no words', () => {
    const words = Array.from({ length: 180 }, (_, i) => `word${i}`);
    const text = words.slice(0, 90).join(' ') + ', ' + words.slice(90).join(' ');
    expect(text.length).toBeGreaterThan(1000);
    const parts = splitSentences(text, { maxChars: 200 });
    expect(parts.length).toBeGreaterThanOrEqual(6);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(200);
    expect(parts.join(' ').replace(/,/g, '').split(' ')).toEqual(words);
    // An unbroken 1000-character token is still cut.
    const blob = splitSentences('x'.repeat(1000), { maxChars: 100 });
    expect(blob).toHaveLength(10);
  });

  it('gives nothing for empty or blank text', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('  \n\n  ')).toEqual([]);
  });
});

describe('spellNumber', () => {
  it('reads integers in each language', () => {
    expect(spellNumber('21', 'en')).toBe('twenty one');
    expect(spellNumber('1,234', 'en')).toBe('one thousand two hundred thirty four');
    expect(spellNumber('101', 'es')).toBe('ciento uno');
    expect(spellNumber('21000', 'es')).toBe('veintiún mil');
    expect(spellNumber('71', 'fr')).toBe('soixante et onze');
    expect(spellNumber('80', 'fr')).toBe('quatre-vingts');
    expect(spellNumber('95', 'fr')).toBe('quatre-vingt-quinze');
    expect(spellNumber('200', 'fr')).toBe('deux cents');
    expect(spellNumber('21', 'de')).toBe('einundzwanzig');
    expect(spellNumber('1.001', 'de')).toBe('eintausendeins');
  });

  it('reads decimals with the language decimal mark and long digit strings digit by digit', () => {
    expect(spellNumber('3.5', 'en')).toBe('three point five');
    expect(spellNumber('3,5', 'es')).toBe('tres coma cinco');
    expect(spellNumber('1234567890', 'en')).toBe('one two three four five six seven eight nine zero');
  });
});

describe('SymbolTable.normalize', () => {
  const table = new SymbolTable();

  it('lower-cases, keeps accents, turns punctuation into pauses', () => {
    expect(table.normalize('¿Qué HORA es?', 'es').text).toBe('qué hora es?');
    expect(table.normalize('Well; "maybe" — not...', 'en').text).toBe('well, maybe, not.');
    expect(table.normalize('Straße & Co.', 'de').text).toBe('straße und co.');
  });

  it('spells numbers before reading punctuation', () => {
    expect(table.normalize('I have 2 cats.', 'en').text).toBe('i have two cats.');
  });

  it('drops unknown characters with a note, and strips accents it does not list', () => {
    const r = table.normalize('hi 🙂 ā Ж!', 'en');
    expect(r.text).toBe('hi a!');
    expect(r.dropped).toEqual(['🙂', 'ж']);
    for (const id of r.ids) expect(id).toBeGreaterThan(0);
  });

  it('wraps an utterance in a leading space and a closing pause', () => {
    const u = utteranceIds(table, 'Hello', 'en');
    expect(u.text).toBe(' hello.');
    expect(u.ids[0]).toBe(DEFAULT_SYMBOLS.indexOf(' '));
    expect(utteranceIds(table, '!!!', 'en').ids).toEqual([]);
  });
});
