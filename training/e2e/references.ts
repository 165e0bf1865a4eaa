/**
 * Which test recordings have a reference translation, and what it is.
 *
 * The speech corpus speaks the sentences of the text corpus's test files (`sentencesFor`
 * collects every test sentence of a language from every pair it is in), but its manifest
 * keeps only the sentence, not the pair it came from. So a recording is matched back by its
 * text: for a direction from -> to, the `<from>-<to>.test` (or `<to>-<from>.test`) file gives
 * source -> reference, keyed by the source normalised as the speech encoder's targets
 * (case, punctuation and spacing do not matter).
 */
import { normalizeTranscript } from '../../models/speech-encoder/vocab.ts';
import { listParallelFiles } from '../corpus/text/parallel.ts';
import { readTsv } from '../corpus/text/tsv.ts';

export interface ReferencePair {
  source: string;
  reference: string;
}

/** The key a recording's text and a TSV source sentence are matched on. */
export function matchKey(text: string): string {
  return normalizeTranscript(text);
}

/**
 * source key -> pair, from every test file of the pair {from, to}; the first occurrence of a
 * key wins (a repeated sentence keeps its first translation, as BLEU needs one reference).
 */
export async function referenceTable(textDir: string, from: string, to: string): Promise<Map<string, ReferencePair>> {
  const table = new Map<string, ReferencePair>();
  for (const f of await listParallelFiles(textDir)) {
    if (f.split !== 'test') continue;
    const col = f.src === from && f.tgt === to ? 0 : f.src === to && f.tgt === from ? 1 : -1;
    if (col < 0) continue;
    for (const row of await readTsv(f.path)) {
      const source = row[col];
      const reference = row[1 - col];
      if (!source || !reference) continue;
      const key = matchKey(source);
      if (key && !table.has(key)) table.set(key, { source, reference });
    }
  }
  return table;
}

/** The language pairs that have a test file, as unordered `a-b` (sorted), for listing directions. */
export async function testPairs(textDir: string): Promise<[string, string][]> {
  const seen = new Map<string, [string, string]>();
  for (const f of await listParallelFiles(textDir)) {
    if (f.split !== 'test') continue;
    const [a, b] = [f.src, f.tgt].sort() as [string, string];
    seen.set(`${a}-${b}`, [a, b]);
  }
  return [...seen.values()];
}

/** Directions with a training file (either column order), `from-to`. */
export async function trainedDirections(textDir: string): Promise<Set<string>> {
  const files = await listParallelFiles(textDir);
  return new Set(files.filter((f) => f.split === 'train').flatMap((f) => [`${f.src}-${f.tgt}`, `${f.tgt}-${f.src}`]));
}
