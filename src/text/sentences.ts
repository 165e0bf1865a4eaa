/**
 * Sentence splitting for speech synthesis: long text is spoken sentence by sentence (the
 * synthesizer's cost and memory grow with the input, and a pause between sentences sounds
 * right), and any sentence still longer than `maxChars` is cut at its last clause boundary
 * (, ; :) or space before the limit.
 *
 * A full stop ends a sentence when whitespace follows and the next word does not continue it.
 * It does not end one after a known abbreviation ("Dr.", "z.B.", "Sra."), a single-letter
 * initial ("J. Smith"), or inside a number ("3.5", "1.000"); in German, "3. Mai" is an ordinal.
 */

export interface SplitOptions {
  /** ISO 639-1 code; picks the abbreviation list. */
  lang?: string;
  /** Hard upper bound on a piece's length in characters (>= 20). */
  maxChars?: number;
}

const ABBREVIATIONS: Record<string, string[]> = {
  en: ['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc', 'e.g', 'i.e', 'no', 'approx', 'fig', 'mt', 'inc', 'ltd', 'co', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec'],
  es: ['sr', 'sra', 'srta', 'dr', 'dra', 'prof', 'ud', 'uds', 'etc', 'p.ej', 'pág', 'núm', 'art', 'av', 'avda', 'ej', 'lic'],
  fr: ['m', 'mm', 'mme', 'mmes', 'mlle', 'dr', 'pr', 'prof', 'st', 'ste', 'etc', 'p.ex', 'cf', 'env', 'av', 'bd', 'n°'],
  de: ['hr', 'fr', 'dr', 'prof', 'st', 'z.b', 'usw', 'bzw', 'ca', 'nr', 'vgl', 'd.h', 'u.a', 'evtl', 'ggf', 'inkl', 'str', 'abs', 'bzgl', 'jh'],
};

const TERMINATORS = '.!?\u2026';
const CLOSERS = '"\'\u201d\u2019\u00bb)]';

/** Whether the '.' ending `word` (without the dot) is an abbreviation or a number, not a sentence end. */
function keepsSentenceOpen(word: string, next: string, lang: string): boolean {
  const bare = word.replace(/^[("'\u201c\u2018\u00ab\u00bf\u00a1]+/, '').toLowerCase();
  if (!bare) return false;
  const list = ABBREVIATIONS[lang] ?? ABBREVIATIONS.en!;
  if (list.includes(bare) || (lang !== 'en' && ABBREVIATIONS.en!.includes(bare) && bare.includes('.'))) return true;
  if (/^\p{L}$/u.test(bare)) return true; // initials
  if (/^\p{L}(\.\p{L})+$/u.test(bare)) return true; // u.s.a., z.b.
  if (lang === 'de' && /^\d+$/.test(bare) && /^\p{L}/u.test(next)) return true; // am 3. Mai
  // A lower-case continuation after a dot is rarely a new sentence.
  if (/^\p{Ll}/u.test(next)) return true;
  return false;
}

/** Sentences of `text`, trimmed, non-empty, each at most `maxChars` long. */
export function splitSentences(text: string, options: SplitOptions = {}): string[] {
  const lang = options.lang ?? 'en';
  const maxChars = Math.max(20, options.maxChars ?? 200);
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const s = paragraph.replace(/\s+/g, ' ').trim();
    let start = 0;
    let i = 0;
    while (i < s.length) {
      if (!TERMINATORS.includes(s[i]!)) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < s.length && (TERMINATORS.includes(s[end]!) || CLOSERS.includes(s[end]!))) end++;
      if (end < s.length && s[end] !== ' ') {
        i = end; // "3.5", "e.g" inside a word
        continue;
      }
      const wordStart = s.lastIndexOf(' ', i - 1) + 1;
      const word = s.slice(wordStart, i);
      const next = s.slice(end + 1, end + 2);
      const isDotOnly = s.slice(i, end).replace(new RegExp(`[${CLOSERS}]`, 'g'), '') === '.';
      if (end < s.length && isDotOnly && keepsSentenceOpen(word, next, lang)) {
        i = end;
        continue;
      }
      sentences.push(s.slice(start, end).trim());
      start = end;
      i = end;
    }
    if (start < s.length) sentences.push(s.slice(start).trim());
  }
  return sentences.filter((x) => x.length > 0).flatMap((x) => chunk(x, maxChars));
}

/** Cuts one long sentence at clause boundaries, then spaces, then anywhere. */
function chunk(s: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    let cut = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
    if (cut >= maxChars / 3) cut += 1; // keep the comma with the first part
    else {
      cut = window.lastIndexOf(' ');
      if (cut < maxChars / 3) cut = maxChars;
    }
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}
