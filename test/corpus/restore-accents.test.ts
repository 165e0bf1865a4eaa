import { describe, expect, it } from 'vitest';
import { buildAccentLexicon, foldAccents, restoreAccents } from '../../training/corpus/speech/restore-accents.ts';

describe('foldAccents', () => {
  it('strips accents and the tilde but keeps the letters', () => {
    expect(foldAccents('número contraseña Über façade')).toBe('numero contrasena Uber facade');
    // Decomposed input (e + combining acute) folds the same as precomposed.
    expect(foldAccents('te\u0301le\u0301fono')).toBe('telefono');
  });
});

describe('restoreAccents', () => {
  const text = [
    ...Array(20).fill('el número de teléfono'),
    'un numero',
    ...Array(12).fill('ella está aquí'),
    ...Array(8).fill('esta casa'),
    ...Array(30).fill('él intentó'),
    'intento',
    'la extensión',
    'la extensión',
    'la extensión',
    'una vez',
  ];
  const lexicon = buildAccentLexicon(text);

  it('accents a word whose accented spelling is far more common, keeping capitals and punctuation', () => {
    expect(restoreAccents('Por favor marque el numero de telefono.', lexicon)).toBe('Por favor marque el número de teléfono.');
    expect(restoreAccents('Numero, EXTENSION!', lexicon)).toBe('Número, EXTENSIÓN!');
  });

  it('leaves a word as common as its twin, one that differs in its last letter, and one seen too rarely', () => {
    // esta 8 vs está 12: either could be meant.
    expect(restoreAccents('esta', lexicon)).toBe('esta');
    // intento/intentó differ in the final letter: another verb form, not a missing accent.
    expect(restoreAccents('intento', lexicon)).toBe('intento');
    // una (1) has no accented twin; an unknown word stays as typed.
    expect(restoreAccents('una xilofono', lexicon)).toBe('una xilofono');
  });

  it('needs the accented spelling at least 3 times: a single stray spelling does not rewrite text', () => {
    const rare = buildAccentLexicon(['el camión', 'el camión']);
    expect(restoreAccents('camion', rare)).toBe('camion');
    expect(restoreAccents('camion', buildAccentLexicon(['el camión', 'el camión', 'el camión']))).toBe('camión');
  });

  it('is deterministic whatever the text order when two spellings tie', () => {
    const a = buildAccentLexicon(['sábado sabadó', 'sábado sabadó', 'sábado sabadó']);
    const b = buildAccentLexicon(['sabadó sábado', 'sabadó sábado', 'sabadó sábado']);
    expect(a.best.get('sabado')).toBe(b.best.get('sabado'));
  });
});
