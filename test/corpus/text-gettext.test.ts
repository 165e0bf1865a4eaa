// gettext catalogs as text-corpus sources: message pairing across several catalog sources
// (the .mo reader and the prose filter are tested in text-clean.test.ts).
import { describe, expect, it } from 'vitest';
import { gettextPairs } from '../../training/corpus/text/sources/gettext.ts';

const key = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N} ]/gu, '').trim();
const clean = (_lang: string, s: string) => (s.split(' ').length >= 3 ? s : '');

describe('gettextPairs', () => {
  const original = new Map<string, Record<string, string>>([
    ['Cannot open the file', { en: 'Cannot open the file', es: 'No se puede abrir el archivo', fr: 'Impossible d\'ouvrir le fichier', de: 'Die Datei kann nicht geöffnet werden' }],
    ['Usage: %s FILE', { en: 'Usage: %s FILE', de: 'Aufruf: %s DATEI' }],
  ]);
  const later = new Map<string, Record<string, string>>([
    // the same message (another case and full stop) in a later catalog: the first source keeps it
    ['cannot open the file.', { en: 'cannot open the file.', de: 'Datei lässt sich nicht öffnen.' }],
    ['The repository is empty', { en: 'The repository is empty', es: 'El repositorio está vacío', it: 'Il repository è vuoto' }],
    ['Too short here', { en: 'Too short here', de: 'Zu kurz' }],
  ]);

  it('pairs every two cleaned languages of a prose message, and gives each message to the first source that has it', () => {
    const { pairs, messagesPerSource } = gettextPairs([{ id: 'gettext', messages: original }, { id: 'gettext-apps', messages: later }], ['en', 'es', 'fr', 'de'], clean, key);
    const shown = pairs.map((p) => `${p.source} ${p.unit} ${p.l1}-${p.l2}`);
    expect(shown).toEqual([
      'gettext gettext:cannot open the file en-es',
      'gettext gettext:cannot open the file en-fr',
      'gettext gettext:cannot open the file en-de',
      'gettext gettext:cannot open the file es-fr',
      'gettext gettext:cannot open the file es-de',
      'gettext gettext:cannot open the file fr-de',
      // Italian is not a corpus language; "Zu kurz" is rejected by clean, leaving one language
      'gettext-apps gettext:the repository is empty en-es',
    ]);
    expect(messagesPerSource).toEqual({ gettext: 1, 'gettext-apps': 1 });
    expect(pairs[0]).toMatchObject({ s1: 'Cannot open the file', s2: 'No se puede abrir el archivo' });
  });

  it('leaves the first source unchanged whatever a later one carries', () => {
    const alone = gettextPairs([{ id: 'gettext', messages: original }], ['en', 'es', 'fr', 'de'], clean, key).pairs;
    const both = gettextPairs([{ id: 'gettext', messages: original }, { id: 'gettext-apps', messages: later }], ['en', 'es', 'fr', 'de'], clean, key).pairs;
    expect(both.filter((p) => p.source === 'gettext')).toEqual(alone);
  });
});
