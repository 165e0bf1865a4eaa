/**
 * Puts back the accents a transcript was typed without (Asterisk's Spanish prompt list writes
 * `numero`, `contrasena`, `extension`), from a lexicon of the language's written text. A
 * recogniser trained on such lines would learn to drop accents, and one scored against them
 * would be charged for writing them.
 *
 * A word changes to the most frequent spelling that differs from it by accents alone when the
 * lexicon's text has that spelling at least 10 times as often (and 3 times at all): `numero`
 * (4 in the Spanish train text) -> `número` (216), `extension` -> `extensión`. A word about as
 * common as its twin stays (`esta`/`está`, `mas`/`más`, `solo`/`sólo`): the text cannot say
 * which was meant. So does a word whose twin differs in its last letter (`intente`/`intenté`,
 * `apellido`/`apellidó`): a final accent makes another form of the verb or another word, and a
 * small lexicon may lack the unaccented one (`apellido`, a surname, is not in the Bible).
 */

/** Strips combining marks after NFD: `número` -> `numero`, `contraseña` -> `contrasena`. */
export function foldAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{Mn}+/gu, '').normalize('NFC');
}

export interface AccentLexicon {
  /** Lowercase words of the text and how often each occurs. */
  counts: ReadonlyMap<string, number>;
  /** Folded form -> its most frequent spelling in the text. */
  best: ReadonlyMap<string, string>;
}

/** How much more often the accented spelling must occur than the typed one, and at least how often. */
const MIN_RATIO = 10;
const MIN_COUNT = 3;

const WORD = /\p{L}+/gu;

export function buildAccentLexicon(sentences: Iterable<string>): AccentLexicon {
  const counts = new Map<string, number>();
  for (const s of sentences) {
    for (const w of s.normalize('NFC').toLowerCase().match(WORD) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const best = new Map<string, string>();
  for (const [w, c] of counts) {
    const key = foldAccents(w);
    const cur = best.get(key);
    // Ties go to the alphabetically first spelling, so the lexicon does not depend on text order.
    if (cur === undefined || c > counts.get(cur)! || (c === counts.get(cur)! && w < cur)) best.set(key, w);
  }
  return { counts, best };
}

/** `text` with each word the lexicon knows far better with accents spelled so, keeping its capitals. */
export function restoreAccents(text: string, lexicon: AccentLexicon): string {
  return text.normalize('NFC').replace(WORD, (word) => {
    const lower = word.toLowerCase();
    const found = lexicon.best.get(foldAccents(lower));
    if (!found || found === lower || found.length !== lower.length || found.at(-1) !== lower.at(-1)) return word;
    const theirs = lexicon.counts.get(found)!;
    if (theirs < MIN_COUNT || (lexicon.counts.get(lower) ?? 0) * MIN_RATIO >= theirs) return word;
    // Keep the typist's capitals letter by letter (found has the same letters, accented).
    return [...found].map((ch, i) => (word[i] !== lower[i] ? ch.toUpperCase() : ch)).join('');
  });
}
