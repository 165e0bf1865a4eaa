/**
 * Verse-level alignment of two Bible translations, and the repairs their SWORD
 * text needs. Pure functions.
 */
import { acceptSentence, type LengthLimits } from './clean.ts';

/** Uppercases the first letter, for clauses cut out of the middle of a verse. */
export function capitalizeFirst(s: string): string {
  return s.replace(/^([¿¡(]?)(\p{Ll})/u, (_m, p: string, c: string) => p + c.toUpperCase());
}

/** Clause boundaries tried in order: sentence ends, then also colons and semicolons. */
const BOUNDARIES = [/(?<=[.!?])\s+/, /(?<=[.!?;:])\s+/];

function segments(verse: string, re: RegExp): string[] {
  return verse
    .split(re)
    .map((x) => capitalizeFirst(x.trim().replace(/\s*[,;:]$/, '')))
    .filter((x) => x.length > 0);
}

const lengthRatioOk = (a: string, b: string, lo: number, hi: number): boolean => {
  const r = a.length / b.length;
  return r > lo && r < hi;
};

/**
 * Aligns one verse in two languages. A verse that passes the length limits on both
 * sides is one pair (character lengths within a factor 2, which catches
 * versification slips). A longer verse is cut into clauses at the same kind of
 * boundary on both sides; when both sides give the same number of clauses and every
 * clause pair passes (lengths within a factor 1.7), the clauses are paired in order.
 */
export function alignVerse(a: string, b: string, limits: LengthLimits): Array<[string, string]> {
  if (acceptSentence(a, limits) && acceptSentence(b, limits)) {
    return lengthRatioOk(a, b, 0.5, 2) ? [[a, b]] : [];
  }
  for (const re of BOUNDARIES) {
    const A = segments(a, re);
    const B = segments(b, re);
    if (A.length < 2 || A.length !== B.length) continue;
    const ok = A.every((x, i) => acceptSentence(x, limits) && acceptSentence(B[i]!, limits) && lengthRatioOk(x, B[i]!, 0.6, 1.7));
    if (ok) return A.map((x, i) => [x, B[i]!] as [string, string]);
  }
  return [];
}

/** Monolingual use of a verse: itself if short enough, else its clauses that are. */
export function verseSentences(v: string, limits: LengthLimits): string[] {
  if (acceptSentence(v, limits)) return [v];
  for (const re of BOUNDARIES) {
    const parts = segments(v, re).filter((x) => acceptSentence(x, limits));
    if (parts.length > 0) return parts;
  }
  return [];
}

function wordCounts(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of t.match(/\p{L}+/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

export interface JoinedWordOptions {
  /** A part must be seen this often to count as a word. */
  minPartCount: number;
  /** A dictionary check (apertium's analyser in the build): only unknown words are split, only into known words. */
  isKnown?: (word: string) => boolean;
}

/** Words a repair would ask `isKnown` about: rare ones (split candidates) and frequent ones (parts). */
export function joinedWordVocabulary(texts: Iterable<string>, minPartCount = 5): string[] {
  const out: string[] = [];
  for (const [w, n] of wordCounts(texts)) if ((n <= 1 && w.length >= 5) || n >= minPartCount) out.push(w);
  return out.sort();
}

/**
 * The SWORD modules lose the space between some adjacent words ("Godcreated",
 * "Porquepasadosaún"). A word seen at most once in the whole text, unknown to the
 * dictionary, that splits into two or three known words each seen at least
 * `minPartCount` times is split. Without the dictionary check rare real words
 * (Spanish enclitics like "poníalos", English "bandits") would be cut too.
 */
export function makeJoinedWordRepair(texts: Iterable<string>, opts: JoinedWordOptions = { minPartCount: 5 }): (s: string) => string {
  const counts = wordCounts(texts);
  const { minPartCount, isKnown } = opts;
  const known = (w: string): number => {
    if (isKnown && !isKnown(w)) return 0;
    return Math.max(counts.get(w) ?? 0, counts.get(capitalizeFirst(w)) ?? 0, counts.get(w.toLowerCase()) ?? 0);
  };
  /** Best split of w into frequent known words (at most `parts` of them), or null. */
  const splitInto = (w: string, parts: number): { words: string[]; score: number } | null => {
    let best: { words: string[]; score: number } | null = null;
    for (let i = 2; i <= w.length - 2; i++) {
      const l = w.slice(0, i);
      const r = w.slice(i);
      const fl = known(l);
      if (fl < minPartCount) continue;
      const fr = known(r);
      const right = fr >= minPartCount ? { words: [r], score: fr } : parts > 2 ? splitInto(r, parts - 1) : null;
      if (!right) continue;
      const score = Math.min(fl, right.score);
      if (!best || score > best.score) best = { words: [l, ...right.words], score };
    }
    return best;
  };
  return (s: string) =>
    s.replace(/\p{L}+/gu, (w) => {
      if (w.length < 5 || (counts.get(w) ?? 0) > 1 || isKnown?.(w)) return w;
      return splitInto(w, 3)?.words.join(' ') ?? w;
    });
}
