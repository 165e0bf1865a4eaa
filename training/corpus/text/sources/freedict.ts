/**
 * Example phrase pairs from FreeDict dictd databases. In the dictd text an example
 * is an indented line `"source phrase"  - translation[, alternative...]`.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** Placeholders a dictionary uses for "somebody/something"; nobody says them. */
const PLACEHOLDER = /\b(sb|sth|sb's|jdn|jdm|jds|etw|etc|o\.?\s?ä|u\.\s?a|z\.\s?B|usw)\.?(?!\p{L})|\b(qn|qc|qqn|qqch|alguien|algo)\b/iu;

export function freedictExample(line: string): [string, string] | null {
  const m = /^\s+"([^"]+)"\s+-\s+(.+)$/.exec(line);
  if (!m) return null;
  const src = m[1]!.trim();
  let tgt = m[2]!.trim();
  if (/[\/()\[\]{};]/.test(src + tgt) || PLACEHOLDER.test(src) || PLACEHOLDER.test(tgt)) return null;
  const endsSentence = /[.!?]$/.test(src);
  if (endsSentence) {
    // Alternatives of a full sentence are full sentences themselves ("A. - B., C.").
    const alts = tgt.split(/(?<=[.!?]),\s+/);
    tgt = alts[0]!;
  } else if (tgt.split(',').length > src.split(',').length) {
    // A phrase translated by a list of alternatives: keep the first.
    tgt = tgt.split(/,\s+/)[0]!;
  }
  return [src, tgt.trim()];
}

export async function readFreedictExamples(dictFile: string): Promise<Array<[string, string]>> {
  const buf = await readFile(dictFile);
  const text = (dictFile.endsWith('.dz') ? gunzipSync(buf) : buf).toString('utf8');
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const p = freedictExample(line);
    if (p) out.push(p);
  }
  return out;
}
