/**
 * Reader for Ding, the German-English dictionary of TU Chemnitz (Debian package `trans-de-en`,
 * /usr/share/trans/de-en, GPL-2+). Besides words it holds some twenty thousand example
 * sentences of everyday German with their English ("Einen Augenblick bitte! :: One moment,
 * please!"): the conversational German the rest of the corpus lacks.
 *
 * A line is `German :: English`; each side lists the same number of sub-entries separated by
 * ` | ` (the headword, its plural, its examples), and a sub-entry lists alternatives separated
 * by `; `. Annotations are `{n}` (grammar), `[coll.]` (usage, region, field), `(...)`
 * (explanations and optional words) and ` /jk/` (abbreviations). A sentence pair is the first
 * alternative of a sub-entry on each side, annotations removed, when both read as a sentence.
 */
import { readFile } from 'node:fs/promises';

export interface DingPair {
  de: string;
  en: string;
  /** Line number in the dictionary (1-based): sub-entries of one line share it. */
  line: number;
}

/** Placeholders of a pattern rather than a sentence: etwas, jemandem, jemanden, jemandes; something, somebody. */
const PLACEHOLDER = /(?<!\p{L})(?:etw|jd|jdm|jdn|jds|sb|sth)\.|(?<!\p{L})(?:sb's|one's)(?!\p{L})|\.\.\.|\u2026|~/u;

/** One alternative with the dictionary's annotations removed, or '' when it is a pattern. */
export function stripDingAnnotations(s: string): string {
  let t = s
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\([^)]*\)/g, ' ')
    // an abbreviation: " /jk/" after a word
    .replace(/\s\/[^/\s][^/]*\/(?=[\s.,!?]|$)/g, ' ')
    // word alternatives: "ruhig/nur" -> "ruhig"
    .replace(/(\p{L}+)(?:\/\p{L}+)+/gu, '$1');
  t = t.replace(/\s+/g, ' ').replace(/\s+([.,;:!?])/g, '$1').trim();
  if (PLACEHOLDER.test(t) || /[/()[\]{}<>]/.test(t)) return '';
  return t;
}

/** A sentence someone would say: a capital or digit first, two or more words, closing punctuation. */
export function looksLikeSentence(s: string): boolean {
  return /^[\p{Lu}\p{N}]/u.test(s) && /[.!?]$/.test(s) && s.split(' ').length >= 2;
}

/** The sentence pairs of a Ding dictionary text, in file order. */
export function dingSentencePairs(text: string): DingPair[] {
  const out: DingPair[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) continue;
    const sides = line.split(' :: ');
    if (sides.length !== 2) continue;
    const de = sides[0]!.split(' | ');
    const en = sides[1]!.split(' | ');
    // sub-entries pair up by position only when both sides list the same number
    if (de.length !== en.length) continue;
    for (let k = 0; k < de.length; k++) {
      const d = stripDingAnnotations(de[k]!.split('; ')[0]!);
      const e = stripDingAnnotations(en[k]!.split('; ')[0]!);
      if (d && e && looksLikeSentence(d) && looksLikeSentence(e)) out.push({ de: d, en: e, line: i + 1 });
    }
  }
  return out;
}

export async function readDing(file: string): Promise<DingPair[]> {
  return dingSentencePairs(await readFile(file, 'utf8'));
}
