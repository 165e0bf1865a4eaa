/**
 * The languages babelfish knows, in one typed list. Adding a language is adding
 * an entry here (and, for the text corpus, a source that provides it in
 * `text/config.ts`); everything else looks languages up through this file.
 */
export interface Language {
  /** ISO 639-1 code used everywhere in babelfish (file names, wire protocol, model tokens). */
  code: string;
  /** English name, for documents and logs. */
  name: string;
  /** ISO 639-3 code: Debian's freedict and apertium packages name languages this way. */
  iso639_3: string;
  /** espeak-ng voice for this language (a guess checked by the speech corpus builder). */
  espeakVoice: string;
  /** gettext locale folder under /usr/share/locale holding human translations of program messages. */
  gettextLocale: string;
}

export const LANGUAGES: readonly Language[] = [
  { code: 'en', name: 'English', iso639_3: 'eng', espeakVoice: 'en', gettextLocale: 'en' },
  { code: 'es', name: 'Spanish', iso639_3: 'spa', espeakVoice: 'es', gettextLocale: 'es' },
  { code: 'fr', name: 'French', iso639_3: 'fra', espeakVoice: 'fr-fr', gettextLocale: 'fr' },
  { code: 'de', name: 'German', iso639_3: 'deu', espeakVoice: 'de', gettextLocale: 'de' },
];

export const LANGUAGE_CODES: readonly string[] = LANGUAGES.map((l) => l.code);

export function languageByCode(code: string): Language | undefined {
  return LANGUAGES.find((l) => l.code === code);
}

/**
 * Canonical order of a pair: the language listed first in LANGUAGES comes first,
 * so en-es, es-fr, en-de... Each pair is stored once in this direction.
 */
export function canonicalPair(a: string, b: string): [string, string] {
  const ia = LANGUAGE_CODES.indexOf(a);
  const ib = LANGUAGE_CODES.indexOf(b);
  if (ia < 0 || ib < 0) return a < b ? [a, b] : [b, a];
  return ia < ib ? [a, b] : [b, a];
}
