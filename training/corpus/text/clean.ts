/**
 * Sentence cleaning for the parallel text corpus: pure string functions, no I/O.
 * Every sentence that reaches a corpus file has gone through `normalizeSentence`
 * and passed `acceptSentence`.
 */

export interface LengthLimits {
  minWords: number;
  maxWords: number;
}

/** Apertium writes `*word` for an unknown word, `#word` for a generation error and `@word` for a transfer error. */
const APERTIUM_MARK = /[*#@]/;

export function hasApertiumMarks(s: string): boolean {
  return APERTIUM_MARK.test(s);
}

/** Words are whitespace-separated tokens holding at least one letter or digit (a lone dash is no word). */
export function wordCount(s: string): number {
  let n = 0;
  for (const tok of s.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(tok)) n++;
  return n;
}

/**
 * Unicode NFC, one kind of each punctuation mark, single spaces.
 * Quotation marks are removed: verse-aligned text often opens a quote in one verse
 * and closes it several verses later, and a quote mark carries nothing a listener hears.
 * Apostrophes inside words (don't, l'abîme) are kept as the ASCII apostrophe.
 */
export function normalizeSentence(input: string): string {
  let s = input.normalize('NFC');
  s = s.replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000\t\r\n]/g, ' ');
  s = s.replace(/[\u00ad\ufeff]/g, '');
  s = s.replace(/\u2026/g, '...');
  s = s.replace(/[\u2010\u2011]/g, '-');
  s = s.replace(/\s*[\u2013\u2014\u2015]\s*|\s+--\s+/g, ' - ');
  // Apostrophe between letters; every other single quote is a quotation mark.
  s = s.replace(/(\p{L})[\u2019\u2018\u02bc'`\u00b4](\p{L})/gu, '$1\u0000$2');
  s = s.replace(/["\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\u2018\u2019\u201a\u201b'`\u00b4]/g, ' ');
  s = s.replace(/\u0000/g, "'");
  s = s.replace(/\s+/g, ' ').trim();
  // No space before closing punctuation, none after opening marks (French spacing too, for one convention).
  s = s.replace(/\s+([,.;:!?)\]])/g, '$1');
  s = s.replace(/([¿¡(\[])\s+/g, '$1');
  // Leading punctuation left over from removed quotes or verse breaks.
  s = s.replace(/^[\s,.;:\-)\]]+/, '');
  s = s.replace(/[\s,;:\-(\[]+$/, '');
  return s.trim();
}

/** Characters that mark markup, code, command-line options, addresses or tables rather than a sentence someone would say. */
const NOT_PROSE = /[<>{}\[\]|\\_=~^$%&+\/]|--|https?:|www\.|\.\w{2,4}\b\(|\d{3,}/;

/** True when `s` (already normalised) is a sentence worth keeping. */
export function acceptSentence(s: string, limits: LengthLimits): boolean {
  if (s.length === 0 || s.includes('\t')) return false;
  if (hasApertiumMarks(s)) return false;
  if (NOT_PROSE.test(s)) return false;
  if (!/^[¿¡(]?[\p{L}\p{N}]/u.test(s)) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\ufffd]/.test(s)) return false;
  const letters = (s.match(/\p{L}/gu) ?? []).length;
  if (letters < 0.6 * s.replace(/\s/g, '').length) return false;
  const n = wordCount(s);
  return n >= limits.minWords && n <= limits.maxWords;
}

/**
 * The Reina-Valera 1909 predates the 1952/1959 Spanish spelling reform: it accents
 * monosyllables (fué, dió, vió, á, ó) that modern Spanish writes bare. Apertium's
 * Spanish dictionary only knows the modern forms, and so should the translator.
 */
// A Map, not an object literal: a word such as "constructor" must not find Object's members.
const OLD_SPANISH_WORDS = new Map(Object.entries({
  fué: 'fue', fuí: 'fui', dió: 'dio', vió: 'vio', pié: 'pie', ví: 'vi',
}));
/** The one-letter words a, o, e, u written with an accent (preposition á, conjunction ó). */
const ACCENTED_LETTER_WORD = /(^|[\s,;:(¿¡])([áóéúÁÓÉÚ])(?=[\s,;:.!?)]|$)/g;

export function modernizeSpanish(s: string): string {
  const out = s.replace(/(?<!\p{L})\p{L}+(?!\p{L})/gu, (w) => {
    const bare = OLD_SPANISH_WORDS.get(w.toLowerCase());
    if (!bare) return w;
    return w[0] !== w[0]!.toLowerCase() ? bare[0]!.toUpperCase() + bare.slice(1) : bare;
  });
  return out.replace(ACCENTED_LETTER_WORD, (_m, pre: string, v: string) => pre + v.normalize('NFD')[0]);
}

/**
 * Chapter openings in the RV1909 print the first word in capitals ("EN el principio").
 * A leading all-capital word of two or more letters followed by a lowercase word is
 * turned into sentence case.
 */
export function fixLeadingCapitals(s: string): string {
  return s.replace(/^(\p{Lu})(\p{Lu}+)(?=\s+\p{Ll})/u, (_m, a: string, b: string) => a + b.toLowerCase());
}

/**
 * Splits running text into sentences at . ! ? followed by a space and an
 * upper-case letter (or an opening mark). Abbreviations of one or two letters
 * ("Mr.", "St.", "e.g.") do not end a sentence.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const re = /[.!?]+(?=\s+[¿¡"\u201c\u00ab(]?\p{Lu})/gu;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    const before = text.slice(start, m.index);
    const lastWord = before.split(/\s+/).pop() ?? '';
    if (m[0] === '.' && (/^\p{Lu}\p{Ll}?$/u.test(lastWord) || /^(Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|vs|etc|Sra|Srta|Dra|Hr|Fr|Nr|bzw|ca|usw)$/.test(lastWord))) continue;
    out.push(text.slice(start, end).trim());
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out.filter((x) => x.length > 0);
}

/** Key under which two sentences count as the same for deduplication and split assignment. */
export function sentenceKey(s: string): string {
  return s.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** `normalizeSentence` with the fixes one language needs (Spanish: old spellings, shouted capitals). */
export function normalizeFor(lang: string, raw: string): string {
  const s = normalizeSentence(raw);
  return lang === 'es' ? modernizeSpanish(fixLeadingCapitals(s)) : s;
}

/** The corpus's form of a sentence, or '' for a sentence it drops. */
export function cleanFor(lang: string, raw: string, limits: LengthLimits): string {
  const s = normalizeFor(lang, raw);
  return acceptSentence(s, limits) ? s : '';
}
